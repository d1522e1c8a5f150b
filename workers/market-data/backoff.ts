/**
 * Exponential backoff with full jitter (a uniform delay between 0 and the doubling ceiling):
 * after an outage every client of the exchange comes back at a different moment instead of
 * all at once. A Retry-After from a 429/418 is a floor, even above the ceiling: retrying a
 * rate-limited or banned client early only extends the ban.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export class Backoff {
  private failures = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Consecutive failures so far. */
  get attempts(): number {
    return this.failures;
  }

  /** The ceiling the next delay is drawn under. */
  ceiling(): number {
    return Math.min(this.options.maxMs, this.options.baseMs * 2 ** Math.min(this.failures, 30));
  }

  /** The delay before the next retry; counts one more failure. */
  next(retryAfterMs?: number): number {
    const delay = Math.floor(this.random() * this.ceiling());
    this.failures++;
    return Math.max(delay, retryAfterMs ?? 0);
  }

  reset(): void {
    this.failures = 0;
  }
}
