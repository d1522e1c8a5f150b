/**
 * systemd's notify protocol (sd_notify(3)) for `Type=notify` with `WatchdogSec=`: READY=1
 * once every worker is ready, STOPPING=1 when the ordered shutdown begins, WATCHDOG=1 from
 * the heartbeat monitor's loop. Node has no unix datagram sockets, so each message is sent
 * by the `systemd-notify` command (execFile, no shell). The only npm package that speaks the
 * protocol natively (`sd-notify`) builds with node-gyp at install time: a compiler and
 * libsystemd headers on every host, for three datagrams. `systemd-notify` without
 * `--no-block` waits on a BARRIER=1 until the manager has read the message, so the message
 * is attributed to our unit even though the sender is a short-lived child
 * (the race sd_notify(3) describes); the unit sets `NotifyAccess=all` for that child.
 *
 * Without NOTIFY_SOCKET (run by hand, in tests, under `Type=simple`) every call is a no-op,
 * and no call ever throws or rejects: a failed notification is reported to `onError` and,
 * for the watchdog, shows up as systemd restarting a bot that stopped proving it is alive.
 */
import { execFile } from 'node:child_process';

export interface SdNotify {
  /** True when NOTIFY_SOCKET is set: the calls below send something. */
  readonly enabled: boolean;
  /** READY=1 (and STATUS=): every worker said READY. Resolves true once the manager has it. */
  ready(status?: string): Promise<boolean>;
  /** STOPPING=1: the ordered shutdown started (systemd then waits up to TimeoutStopSec). */
  stopping(status?: string): Promise<boolean>;
  /**
   * WATCHDOG=1, from the monitor loop only, so a wedged root stops the keep-alives. Sent at
   * most every WATCHDOG_USEC/4 (a 4x margin), and only when WATCHDOG_USEC is set for this pid;
   * a call while the previous one is in flight is skipped, not queued.
   */
  watchdog(): Promise<boolean>;
}

export interface SdNotifyOptions {
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Told about a notification that could not be sent (the bot keeps running). */
  onError?: (message: string) => void;
  /** @default 'systemd-notify' */
  command?: string;
  /** @default Date.now */
  now?: () => number;
}

/** How long one `systemd-notify` may take; it waits for the manager's barrier (5 s inside). */
const SEND_TIMEOUT_MS = 10_000;

export function createSdNotify(options: SdNotifyOptions = {}): SdNotify {
  const env = options.env ?? process.env;
  const command = options.command ?? 'systemd-notify';
  const now = options.now ?? Date.now;
  const enabled = typeof env.NOTIFY_SOCKET === 'string' && env.NOTIFY_SOCKET !== '';
  const watchdogEveryMs = watchdogInterval(env);
  let lastWatchdogAt = -Infinity;
  let watchdogInFlight = false;
  let missing = false;

  const send = (args: string[]): Promise<boolean> => {
    if (!enabled || missing) return Promise.resolve(false);
    return new Promise((resolve) => {
      execFile(command, args, { env: { ...env }, timeout: SEND_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (!err) return resolve(true);
        // A host without systemd-notify cannot notify at all: say so once, then stay quiet.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') missing = true;
        options.onError?.(`sd-notify: ${command} ${args.join(' ')} failed: ${stderr.trim() || err.message}`);
        resolve(false);
      });
    });
  };
  const status = (text?: string): string[] => (text ? [`STATUS=${text.replace(/\n/g, ' ')}`] : []);

  return {
    enabled,
    ready: (text) => send(['--ready', ...status(text)]),
    stopping: (text) => send(['STOPPING=1', ...status(text)]),
    watchdog: async () => {
      if (watchdogEveryMs === null || watchdogInFlight || now() - lastWatchdogAt < watchdogEveryMs) return false;
      watchdogInFlight = true;
      lastWatchdogAt = now();
      try {
        return await send(['WATCHDOG=1']);
      } finally {
        watchdogInFlight = false;
      }
    },
  };
}

/** A quarter of WATCHDOG_USEC in ms, or null when systemd set no watchdog for this process. */
function watchdogInterval(env: NodeJS.ProcessEnv): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !Number.isFinite(usec) || usec <= 0) return null;
  // WATCHDOG_PID names the process the watchdog is meant for; a child that inherited it is not.
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== process.pid) return null;
  return usec / 1000 / 4;
}
