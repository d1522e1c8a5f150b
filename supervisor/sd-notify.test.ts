import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/testing/tree.js';
import { createSdNotify } from './sd-notify.js';

function has(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const canRun = has('python3') && has('systemd-notify');
if (!canRun) console.warn('sd-notify tests skipped: they need python3 (the receiving datagram socket) and systemd-notify (apt-get install systemd)');

/**
 * The receiving end of NOTIFY_SOCKET: python3 binds an AF_UNIX SOCK_DGRAM socket (Node
 * cannot) and prints each datagram as one JSON line, as the service manager would read it.
 */
const RECEIVER = `
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("LISTENING", flush=True)
while True:
    print(json.dumps(s.recv(65536).decode()), flush=True)
`;

interface Receiver {
  proc: ChildProcess;
  path: string;
  /** Datagrams received so far (BARRIER=1 is systemd-notify's synchronisation, not ours: dropped). */
  messages: string[];
}

const receivers: Receiver[] = [];
afterEach(() => {
  for (const r of receivers.splice(0)) r.proc.kill('SIGKILL');
});

async function startReceiver(): Promise<Receiver> {
  const path = join(tempDir('tg-notify-'), 'notify.sock');
  const proc = spawn('python3', ['-u', '-c', RECEIVER, path], { stdio: ['ignore', 'pipe', 'inherit'] });
  const receiver: Receiver = { proc, path, messages: [] };
  receivers.push(receiver);
  await new Promise<void>((resolve, reject) => {
    let buffer = '';
    proc.once('exit', (code) => reject(new Error(`python3 receiver exited with ${code}`)));
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'LISTENING') resolve();
        else {
          const text = JSON.parse(line) as string;
          if (text !== 'BARRIER=1') receiver.messages.push(text);
        }
      }
    });
  });
  return receiver;
}

describe.skipIf(!canRun)('sd-notify through systemd-notify to a real datagram socket', () => {
  it('sends READY=1 with a status, STOPPING=1, and WATCHDOG=1 at most every WATCHDOG_USEC/4', async () => {
    const r = await startReceiver();
    let clock = 1_000_000;
    const errors: string[] = [];
    const notify = createSdNotify({
      env: { ...process.env, NOTIFY_SOCKET: r.path, WATCHDOG_USEC: '2000000', WATCHDOG_PID: String(process.pid) },
      now: () => clock,
      onError: (m) => errors.push(m),
    });
    expect(notify.enabled).toBe(true);
    // systemd-notify returns only after its barrier, i.e. once the receiver has read the datagram.
    expect(await notify.ready('all workers ready')).toBe(true);
    expect(await notify.watchdog()).toBe(true);
    clock += 400; // < 2 s / 4: skipped
    expect(await notify.watchdog()).toBe(false);
    clock += 200; // 600 ms since the last one: due
    expect(await notify.watchdog()).toBe(true);
    expect(await notify.stopping()).toBe(true);
    expect(r.messages).toEqual(['READY=1\nSTATUS=all workers ready', 'WATCHDOG=1', 'WATCHDOG=1', 'STOPPING=1']);
    expect(errors).toEqual([]);
  });

  it('sends no watchdog when systemd set none for this pid, and reports a failed send without throwing', async () => {
    const r = await startReceiver();
    const otherPid = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: r.path, WATCHDOG_USEC: '2000000', WATCHDOG_PID: '1' } });
    expect(await otherPid.watchdog()).toBe(false);
    expect(await otherPid.ready()).toBe(true);
    expect(r.messages).toEqual(['READY=1']);

    const errors: string[] = [];
    const nowhere = createSdNotify({ env: { ...process.env, NOTIFY_SOCKET: join(tempDir('tg-notify-'), 'absent.sock') }, onError: (m) => errors.push(m) });
    expect(await nowhere.ready()).toBe(false);
    expect(errors[0]).toMatch(/systemd-notify --ready failed/);
  });
});

describe('sd-notify without NOTIFY_SOCKET', () => {
  it('is a no-op that never spawns anything', async () => {
    const errors: string[] = [];
    // A command that cannot exist: if a call tried to run it, onError would hear of it.
    const notify = createSdNotify({ env: { WATCHDOG_USEC: '1000' }, command: '/nonexistent/systemd-notify', onError: (m) => errors.push(m) });
    expect(notify.enabled).toBe(false);
    expect(await notify.ready()).toBe(false);
    expect(await notify.watchdog()).toBe(false);
    expect(await notify.stopping()).toBe(false);
    expect(errors).toEqual([]);
  });
});
