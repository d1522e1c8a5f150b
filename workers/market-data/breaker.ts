/**
 * The one circuit breaker every ccxt call of the market-data worker goes through (runbook
 * scenario B). opossum gives the mechanism: failing fast while open, the cooldown timer, the
 * single probe while half-open, the error filter. Two things it cannot do are done here:
 * opossum's threshold is a percentage of a rolling window, the runbook's is "5 failures in a
 * row", so consecutive counted failures are counted here and `open()` is called at the
 * threshold; and a 429/418 Retry-After longer than the cooldown holds the breaker open until
 * it has passed, because probing a ban early extends it.
 */
import CircuitBreaker from 'opossum';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { ExchangeCallError, type FaultKind } from './faults.js';

export type BreakerState =
  /** Calls go through; counted failures in a row are counted. */
  | 'closed'
  /** COOLDOWN: every call fails fast with BREAKER_OPEN without touching the network. */
  | 'open'
  /** Cooldown over: the next call is the one probe; its success closes, its failure reopens. */
  | 'half-open';

export interface BreakerSnapshot {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number | null;
  nextProbeAt: number | null;
  lastFailure: { at: number; call: string; kind: FaultKind; message: string } | null;
}

export interface BreakerOptions {
  failureThreshold: number;
  cooldownMs: number;
  log: Log;
  /** Told on every change of the snapshot (the worker publishes it to the health log). */
  onChange?: (snapshot: BreakerSnapshot) => void;
  now?: () => number;
}

type Action = () => Promise<unknown>;

export class ExchangeBreaker {
  private readonly opossum: CircuitBreaker<[Action], unknown>;
  private readonly now: () => number;
  private state: BreakerState = 'closed';
  private consecutiveFailures = 0;
  private openedAt: number | null = null;
  private nextProbeAt: number | null = null;
  private holdUntil = 0;
  private holdTimer: NodeJS.Timeout | null = null;
  private lastFailure: BreakerSnapshot['lastFailure'] = null;
  /** Why the next opossum event happens; opossum's events carry no reason. */
  private reason = '';

  constructor(private readonly options: BreakerOptions) {
    this.now = options.now ?? Date.now;
    this.opossum = new CircuitBreaker((action: Action) => action(), {
      // ccxt's own timeout bounds each request. opossum's would reject while the request is
      // still in flight, and for an order that is exactly the ambiguity we must not create.
      timeout: false,
      resetTimeout: options.cooldownMs,
      // Never open on opossum's percentage: only `open()` below opens it (in half-open
      // opossum reopens on any failure regardless, which is what we want).
      volumeThreshold: Number.MAX_SAFE_INTEGER,
      errorFilter: (err: unknown) => !(err instanceof ExchangeCallError && err.fault.counts),
    });
    this.opossum.on('open', () => this.enterOpen());
    this.opossum.on('halfOpen', () => this.cooldownOver());
    this.opossum.on('close', () => this.transition('closed', this.reason || 'the probe was answered'));
  }

  get current(): BreakerState {
    return this.state;
  }

  /** When the next probe may go out (null unless open). */
  get probeAt(): number | null {
    return this.state === 'open' ? this.nextProbeAt : null;
  }

  snapshot(): BreakerSnapshot {
    return {
      state: this.state,
      consecutiveFailures: this.consecutiveFailures,
      openedAt: this.openedAt,
      nextProbeAt: this.state === 'open' ? this.nextProbeAt : null,
      lastFailure: this.lastFailure,
    };
  }

  /**
   * Runs `action` through the breaker. Rejects with BREAKER_OPEN, without calling it, while
   * open (or while the half-open probe is in flight). `action` must throw ExchangeCallError
   * for exchange failures: its `fault.counts` decides whether the failure counts.
   */
  async call<T>(what: string, action: () => Promise<T>): Promise<T> {
    if (this.state === 'open') throw this.openError(what);
    // The failure is recorded before opossum sees it: a failed probe makes opossum reopen at
    // once, and the transition it announces must already carry the reason.
    const recorded = async (): Promise<T> => {
      try {
        return await action();
      } catch (err) {
        if (err instanceof ExchangeCallError && err.fault.counts) this.recordFailure(what, err);
        throw err;
      }
    };
    let result: T;
    try {
      result = (await this.opossum.fire(recorded)) as T;
    } catch (err) {
      if ((err as { code?: unknown }).code === 'EOPENBREAKER') throw this.openError(what);
      if (err instanceof ExchangeCallError && err.fault.counts) this.afterFailure(err);
      else this.answered();
      throw err;
    }
    this.answered();
    return result;
  }

  /** Stops the timers; calls after it fail fast. Idempotent. */
  shutdown(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = null;
    this.opossum.shutdown();
  }

  /** The exchange answered (a success or a business refusal): the failure streak is over. */
  private answered(): void {
    if (this.consecutiveFailures === 0) return;
    this.consecutiveFailures = 0;
    this.publish();
  }

  private recordFailure(what: string, err: ExchangeCallError): void {
    const at = this.now();
    this.consecutiveFailures++;
    this.lastFailure = { at, call: what, kind: err.fault.kind, message: err.message };
    if (err.retryAfterMs !== undefined) this.holdUntil = Math.max(this.holdUntil, at + err.retryAfterMs);
    this.reason = this.state === 'half-open' ? `probe failed: ${err.message}` : `${this.consecutiveFailures} consecutive failures, last ${err.message}`;
  }

  /** In half-open opossum has already reopened; in closed, the streak opens it at the threshold. */
  private afterFailure(err: ExchangeCallError): void {
    if (this.state !== 'closed') return;
    if (this.consecutiveFailures >= this.options.failureThreshold) {
      this.opossum.open();
      return;
    }
    this.reason = '';
    this.options.log.warn(`exchange call failed (${this.consecutiveFailures}/${this.options.failureThreshold} before the breaker opens): ${err.message}`);
    this.publish();
  }

  private enterOpen(): void {
    const at = this.now();
    this.openedAt = at;
    this.nextProbeAt = Math.max(at + this.options.cooldownMs, this.holdUntil);
    this.transition('open', `${this.reason}; cooling down until ${new Date(this.nextProbeAt).toISOString()}`);
  }

  /** opossum's cooldown is over; a Retry-After that reaches further keeps the breaker open. */
  private cooldownOver(): void {
    const wait = this.holdUntil - this.now();
    if (wait <= 0) {
      this.transition('half-open', 'cooldown over: the next call is the probe');
      return;
    }
    this.nextProbeAt = this.holdUntil;
    this.publish();
    this.holdTimer = setTimeout(() => {
      this.holdTimer = null;
      this.transition('half-open', 'Retry-After passed: the next call is the probe');
    }, wait);
    this.holdTimer.unref();
  }

  private transition(next: BreakerState, why: string): void {
    const previous = this.state;
    this.state = next;
    this.reason = '';
    if (next === 'closed') {
      this.consecutiveFailures = 0;
      this.openedAt = null;
      this.nextProbeAt = null;
      this.holdUntil = 0;
    }
    const line = `breaker ${previous} -> ${next}: ${why}`;
    if (next === 'open') this.options.log.error(line, { breaker: this.snapshot() });
    else this.options.log.info(line, { breaker: this.snapshot() });
    this.publish();
  }

  private publish(): void {
    this.options.onChange?.(this.snapshot());
  }

  private openError(what: string): TraderError {
    const at = this.state === 'open' && this.nextProbeAt ? ` until ${new Date(this.nextProbeAt).toISOString()}` : ' (probe in flight)';
    return new TraderError(ErrorCode.BREAKER_OPEN, `${what} not sent: the exchange breaker is ${this.state}${at}`);
  }
}
