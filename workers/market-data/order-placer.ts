/**
 * The order desk: sends the orders the engine journaled, and never sends one twice. An order
 * whose answer was lost (timeout, reset, 5xx, garbage) may exist on the exchange, so before
 * anything else the desk asks for it by its client order id; it is sent again only when the
 * exchange does not know it and can no longer accept the lost request (its recvWindow has
 * passed). Entries pass the LiquidityGuardian before every send; exits and stops do not, and
 * while the breaker is open they wait here (the exchange-side stop covers the position) and
 * go out after the cooldown.
 */
import type { OrderIntent, OrderReport } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import { Backoff, type BackoffOptions } from './backoff.js';
import { ExchangeCallError } from './faults.js';
import type { GuardedExchange } from './guarded-exchange.js';
import type { LiquidityGuardian } from './liquidity-guardian.js';

/** Clocks differ: a lost request is taken as dead only this long after its recvWindow ended. */
export const CLOCK_ALLOWANCE_MS = 1000;
/** How soon a job waiting on a breaker in half-open (probe in flight) looks again. */
const RECHECK_MS = 50;

type Phase =
  /** Not sent yet, or confirmed unknown to the exchange: (re)send it. */
  | { kind: 'send' }
  /** Sent, answer lost: ask the exchange for it before anything else. */
  | { kind: 'lookup'; sentAt: number };

interface Job {
  intent: OrderIntent;
  phase: Phase;
  dueAt: number;
  sends: number;
  waiting: boolean;
  backoff: Backoff;
  resolve: (report: OrderReport) => void;
  reject: (err: Error) => void;
}

export interface OrderDeskOptions {
  recvWindowMs: number;
  backoff: BackoffOptions;
  log: Log;
  now?: () => number;
}

export class OrderDesk {
  private readonly jobs: Job[] = [];
  private readonly now: () => number;

  constructor(
    private readonly exchange: GuardedExchange,
    private readonly guardian: LiquidityGuardian,
    private readonly options: OrderDeskOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Takes an order; `resolve` gets the exchange's report, `reject` a coded error. Work happens in `runDue`. */
  submit(intent: OrderIntent, resolve: (report: OrderReport) => void, reject: (err: Error) => void): void {
    this.jobs.push({ intent, phase: { kind: 'send' }, dueAt: this.now(), sends: 0, waiting: false, backoff: new Backoff(this.options.backoff), resolve, reject });
  }

  get size(): number {
    return this.jobs.length;
  }

  /** When the earliest job is due (null when idle): the loop waits no longer than this. */
  nextDueAt(): number | null {
    return this.jobs.reduce<number | null>((min, j) => (min === null || j.dueAt < min ? j.dueAt : min), null);
  }

  /** Works every job that is due, one at a time, oldest first. */
  async runDue(): Promise<void> {
    for (const job of [...this.jobs]) {
      if (job.dueAt <= this.now()) await this.step(job);
    }
  }

  /** Fails every job still held (the worker is stopping). */
  drain(reason: string): void {
    for (const job of this.jobs.splice(0)) {
      const unknown = job.phase.kind === 'lookup' ? ' (its answer was lost: reconciliation will look it up)' : '';
      job.reject(new TraderError(ErrorCode.CLOSED, `order ${job.intent.clientOrderId} not settled: ${reason}${unknown}`));
    }
  }

  private async step(job: Job): Promise<void> {
    if (job.phase.kind === 'send') await this.send(job);
    else await this.lookup(job, job.phase.sentAt);
  }

  private async send(job: Job): Promise<void> {
    const { intent } = job;
    if (intent.role === 'entry') {
      const verdict = this.guardian.check(intent);
      if (!verdict.ok) return this.fail(job, new TraderError(ErrorCode.ENTRY_BLOCKED, `entry ${intent.clientOrderId} on ${intent.symbol} not sent: ${verdict.reason}`));
    }
    const sentAt = this.now();
    try {
      job.sends++;
      this.done(job, await this.exchange.createOrder(intent));
    } catch (err) {
      if (isBreakerOpen(err)) {
        job.sends--;
        return this.wait(job);
      }
      if (err instanceof ExchangeCallError && (err.fault.duplicate || err.fault.counts)) {
        const why = err.fault.duplicate ? 'the exchange already holds an open order with this client id' : `its answer was lost (${err.message})`;
        this.options.log.warn(`order ${intent.clientOrderId} (${intent.role} ${intent.side} ${intent.symbol}): ${why}; asking the exchange for it before anything else`);
        job.phase = { kind: 'lookup', sentAt };
        return this.lookup(job, sentAt);
      }
      this.fail(job, err as Error);
    }
  }

  private async lookup(job: Job, sentAt: number): Promise<void> {
    const { intent } = job;
    let found: OrderReport | null;
    try {
      found = await this.exchange.fetchOrderByClientId(intent.symbol, intent.clientOrderId);
      // The engine journals the fill from this answer: it must carry the fee as a direct answer does.
      if (found) found = await this.exchange.withFee(found);
    } catch (err) {
      if (isBreakerOpen(err)) return this.wait(job);
      if (err instanceof ExchangeCallError && err.fault.counts) {
        job.dueAt = this.now() + job.backoff.next(err.retryAfterMs);
        return;
      }
      return this.fail(job, new TraderError((err as TraderError).code ?? ErrorCode.EXCHANGE_REJECTED, `order ${intent.clientOrderId}: state unknown, the lookup failed (${(err as Error).message}); reconciliation will look it up`, { cause: err }));
    }
    if (found) {
      this.options.log.info(`order ${intent.clientOrderId} found on the exchange (${found.status}, filled ${found.filled}): answering with it, not sending again`);
      return this.done(job, found);
    }
    const deadAt = sentAt + this.options.recvWindowMs + CLOCK_ALLOWANCE_MS;
    if (this.now() < deadAt) {
      // The lost request could still be accepted until its recvWindow ends: look again then.
      job.dueAt = deadAt;
      return;
    }
    this.options.log.warn(`order ${intent.clientOrderId}: the exchange does not know it and its recvWindow has passed: sending it again (send ${job.sends + 1})`);
    job.phase = { kind: 'send' };
    job.dueAt = this.now();
  }

  /** The breaker is open: hold the order (an entry will be refused by the guardian when it comes round). */
  private wait(job: Job): void {
    job.dueAt = Math.max(this.exchange.breaker.probeAt ?? 0, this.now() + RECHECK_MS);
    if (!job.waiting) {
      job.waiting = true;
      this.options.log.warn(`order ${job.intent.clientOrderId} (${job.intent.role}) waits: the exchange breaker is ${this.exchange.breaker.current}`);
    }
  }

  private done(job: Job, report: OrderReport): void {
    this.remove(job);
    job.resolve(report);
  }

  private fail(job: Job, err: Error): void {
    this.remove(job);
    job.reject(err);
  }

  private remove(job: Job): void {
    const i = this.jobs.indexOf(job);
    if (i >= 0) this.jobs.splice(i, 1);
  }
}

function isBreakerOpen(err: unknown): boolean {
  return (err as { code?: unknown }).code === ErrorCode.BREAKER_OPEN;
}
