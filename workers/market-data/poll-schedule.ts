/**
 * When the market-data loop polls next. After a good round: `pollIntervalMs` later. After a
 * failure: exponential backoff with full jitter, never earlier than a 429/418's Retry-After.
 * While the breaker is open: at the next probe time, since any call before it fails fast
 * anyway. The loop waits for that moment inside its own inbox take, so it keeps beating.
 */
import { ErrorCode } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import type { ExchangeBreaker } from './breaker.js';
import { ExchangeCallError } from './faults.js';

export interface PollScheduleOptions {
  pollIntervalMs: number;
  backoff: BackoffOptions;
  log: Log;
  now?: () => number;
  random?: () => number;
}

/** A retry is never sooner than this: a wait rounded to 0 must not make the loop spin. */
const MIN_WAIT_MS = 10;

export class PollSchedule {
  readonly backoff: Backoff;
  private readonly now: () => number;
  private lastProblem: string | null = null;
  private lastMessage: string | null = null;
  rounds = 0;
  failures = 0;

  constructor(
    private readonly breaker: ExchangeBreaker,
    private readonly options: PollScheduleOptions,
  ) {
    this.backoff = new Backoff(options.backoff, options.random);
    this.now = options.now ?? Date.now;
  }

  /** The last failure's message, null after a good round. */
  get problem(): string | null {
    return this.lastMessage;
  }

  /** Runs one poll round and returns when the next one is due. Never throws. */
  async round(poll: () => Promise<void>): Promise<number> {
    try {
      await poll();
    } catch (err) {
      return this.failed(err);
    }
    this.rounds++;
    if (this.lastProblem !== null) this.options.log.info(`polling works again after ${this.backoff.attempts} failed round(s)`);
    this.lastProblem = null;
    this.lastMessage = null;
    this.backoff.reset();
    return this.now() + this.options.pollIntervalMs;
  }

  private failed(err: unknown): number {
    this.failures++;
    const now = this.now();
    const message = err instanceof Error ? err.message : String(err);
    const fastFail = (err as { code?: unknown }).code === ErrorCode.BREAKER_OPEN;
    // Nothing left the process: wait for the probe time without growing the backoff.
    const delay = fastFail ? (this.breaker.probeAt ?? now) - now : this.backoff.next(err instanceof ExchangeCallError ? err.retryAfterMs : undefined);
    const wait = Math.max(MIN_WAIT_MS, delay);
    // Logged when the problem changes, not on every round of an outage (the breaker logs its own transitions).
    const kind = fastFail ? 'breaker open' : err instanceof ExchangeCallError ? err.fault.kind : 'error';
    if (kind !== this.lastProblem) this.options.log.warn(`poll failed (${kind}): ${message}; next try in ${wait} ms`);
    this.lastProblem = kind;
    this.lastMessage = message;
    return now + wait;
  }
}
