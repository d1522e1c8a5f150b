import { looksSecret } from './redact.js';

/**
 * One errors module for the whole tree. Every error has a stable `code` (tests and
 * operators compare codes, never message text) and keeps its `cause`. Errors cross
 * threads as plain `{name, code, message}` records (see `toErrorRecord`).
 */

export const ErrorCode = {
  /** A configuration key has a bad value, or is unknown. */
  CONFIG: 'TG_ERR_CONFIG',
  /** A command-line flag is unknown or lacks its value. */
  USAGE: 'TG_ERR_USAGE',
  /** The peer a request was sent to exited (or was replaced) before it answered. */
  PEER_EXITED: 'TG_ERR_PEER_EXITED',
  /** The peer a request is meant for is not connected right now. */
  PEER_UNAVAILABLE: 'TG_ERR_PEER_UNAVAILABLE',
  /** A request waited longer than its deadline. */
  TIMEOUT: 'TG_ERR_TIMEOUT',
  /** A message did not belong to the protocol of the channel it arrived on. */
  PROTOCOL: 'TG_ERR_PROTOCOL',
  /** A worker failed before it said READY. */
  WORKER_START: 'TG_ERR_WORKER_START',
  /** A worker threw, rejected or exited unexpectedly. */
  WORKER_CRASH: 'TG_ERR_WORKER_CRASH',
  /** The channel or component was closed while the operation was under way. */
  CLOSED: 'TG_ERR_CLOSED',
  /** The handler for a request threw. */
  HANDLER: 'TG_ERR_HANDLER',
  /** A strategy module could not be loaded or does not have the documented shape. */
  STRATEGY: 'TG_ERR_STRATEGY',
  /** A file on disk is corrupt, torn, or of a format this release cannot read. */
  CORRUPT: 'TG_ERR_CORRUPT',
  /** A state file was written by a newer release. */
  FORMAT_VERSION: 'TG_ERR_FORMAT_VERSION',
  /** The exchange could not be reached or did not work (counts towards the breaker). */
  EXCHANGE_UNAVAILABLE: 'TG_ERR_EXCHANGE_UNAVAILABLE',
  /** The exchange refused the request for a business reason (does not count towards the breaker). */
  EXCHANGE_REJECTED: 'TG_ERR_EXCHANGE_REJECTED',
  /** The exchange rejected the credentials. */
  EXCHANGE_AUTH: 'TG_ERR_EXCHANGE_AUTH',
  /** The exchange refused a signed request because the clock is off (-1021 InvalidNonce); not an outage. */
  EXCHANGE_CLOCK: 'TG_ERR_EXCHANGE_CLOCK',
  /** The circuit breaker is open: the call failed fast without touching the network. */
  BREAKER_OPEN: 'TG_ERR_BREAKER_OPEN',
  /** The data directory is held by a running bot. */
  LOCKED: 'TG_ERR_LOCKED',
  /** The control socket could not be reached (no bot running?) or answered badly. */
  CONTROL: 'TG_ERR_CONTROL',
  /** An entry order was refused by a safety gate (kill switch, risk, liquidity); the reason says which. */
  ENTRY_BLOCKED: 'TG_ERR_ENTRY_BLOCKED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The base class of every error the project throws on purpose. */
export class TraderError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TraderError';
    this.code = code;
  }
}

/** A configuration error always names the key and the value it rejected. */
export class ConfigError extends TraderError {
  readonly key: string;
  readonly value: unknown;
  constructor(key: string, value: unknown, reason: string) {
    super(ErrorCode.CONFIG, `config key "${key}" ${reason} (got ${describeValue(key, value)})`);
    this.name = 'ConfigError';
    this.key = key;
    this.value = value;
  }
}

/** How an error crosses a thread boundary: structured-clone safe, no stack of the other thread's secrets. */
export interface ErrorRecord {
  name: string;
  code: string;
  message: string;
}

export function toErrorRecord(err: unknown): ErrorRecord {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return { name: err.name, code: typeof code === 'string' ? code : ErrorCode.HANDLER, message: err.message };
  }
  return { name: 'Error', code: ErrorCode.HANDLER, message: String(err) };
}

export function fromErrorRecord(record: ErrorRecord): TraderError {
  const err = new TraderError(record.code as ErrorCode, record.message);
  err.name = record.name;
  return err;
}

/** Renders a rejected value for a message, never printing what looks like a secret. */
export function describeValue(key: string, value: unknown): string {
  if (looksSecret(key)) return '[redacted]';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
