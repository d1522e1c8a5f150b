import type { ErrorRecord } from './errors.js';

/**
 * The control socket: a unix domain socket in the data directory (mode 0600), one JSON
 * object per line each way. The recovery CLI's online commands speak it; so can `nc -U`.
 */

export const CONTROL_SOCKET_NAME = 'control.sock';
export const DATA_LOCK_NAME = 'bot.lock';

export type ControlCommand =
  /** Workers, heartbeats, breaker, kill switch, positions, equity, last fill. */
  | { command: 'status' }
  /** What SIGUSR1 writes to logs/health_log.json (written too). */
  | { command: 'health' }
  /** The runbook's reset_daily_losses(); `reason` is required and logged with `by`. */
  | { command: 'reset-kill-switch'; reason: string }
  | { command: 'pause-entries'; reason: string }
  | { command: 'resume-entries'; reason: string }
  | { command: 'reconcile-now' }
  | { command: 'checkpoint-now' };

export type ControlCommandName = ControlCommand['command'];

/** A request line: the command plus an id to match the reply and who is asking. */
export type ControlRequest = ControlCommand & { id: string | number; by?: string };

export type ControlReply = { id: string | number | null; ok: true; result: unknown } | { id: string | number | null; ok: false; error: ErrorRecord };

export const CONTROL_COMMANDS: readonly ControlCommandName[] = ['status', 'health', 'reset-kill-switch', 'pause-entries', 'resume-entries', 'reconcile-now', 'checkpoint-now'];
