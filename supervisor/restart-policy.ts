/**
 * When a child fails: how long to wait before respawning it, or whether to give up and
 * let systemd restart the whole process. In the spirit of Erlang/OTP's intensity and
 * period: more than `maxRestarts` restarts within `periodMs` escalates. The delay
 * doubles per consecutive failure from `backoffInitialMs` up to `backoffMaxMs`, and
 * resets once a child has stayed up for `stableAfterMs`.
 */

export interface RestartPolicyOptions {
  maxRestarts: number;
  periodMs: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  stableAfterMs: number;
}

export type RestartDecision =
  | { action: 'restart'; delayMs: number; restartsInWindow: number }
  | { action: 'escalate'; restartsInWindow: number };

export class RestartPolicy {
  private readonly restarts: number[] = [];
  private consecutive = 0;

  constructor(private readonly options: RestartPolicyOptions) {}

  /**
   * A child failed at `now` after being up for `upForMs` (0 if it never became ready).
   * Records the restart it implies, if any.
   */
  onFailure(now: number, upForMs: number): RestartDecision {
    const { maxRestarts, periodMs, backoffInitialMs, backoffMaxMs, stableAfterMs } = this.options;
    while (this.restarts.length > 0 && (this.restarts[0] as number) <= now - periodMs) this.restarts.shift();
    if (upForMs >= stableAfterMs) this.consecutive = 0;
    if (this.restarts.length >= maxRestarts) {
      return { action: 'escalate', restartsInWindow: this.restarts.length + 1 };
    }
    this.restarts.push(now);
    const delayMs = Math.min(backoffMaxMs, backoffInitialMs * 2 ** this.consecutive);
    this.consecutive++;
    return { action: 'restart', delayMs, restartsInWindow: this.restarts.length };
  }

  /** Restarts counted in the current window. */
  get recentRestarts(): number {
    return this.restarts.length;
  }
}
