/**
 * The state snapshot the engine writes to status.csv (one row per snapshot) and a
 * restart is seeded from. Plain JSON: it crosses threads and lands in CSV cells.
 */

export interface Balance {
  free: number;
  locked: number;
}

export interface KillSwitchStatus {
  tripped: boolean;
  reason: string | null;
  /** Epoch ms, null while not tripped. */
  trippedAt: number | null;
  /** The UTC day (`YYYY-MM-DD`) the loss counters belong to. */
  day: string;
  /** Realised loss counters (quote currency), e.g. `{ today: 12.5 }`. */
  realisedLoss: Record<string, number>;
  /** Equity at 00:00 UTC, the base of the daily loss limit. */
  dayStartEquity?: number | null;
  /** The last operator reset, for the audit trail. */
  lastReset?: { by: string; reason: string; at: number } | null;
}

export interface BreakerStatus {
  state: 'closed' | 'open' | 'half-open';
  [more: string]: unknown;
}

export interface StatusSnapshot {
  /** Epoch ms. */
  time: number;
  equity: number;
  balances: Record<string, Balance>;
  /** Open positions as the engine describes them (plain JSON objects). */
  positions: Array<Record<string, unknown>>;
  killSwitch: KillSwitchStatus;
  breaker: BreakerStatus;
  /** Seq of the last journaled fill the snapshot includes; fills after it are replayed on start. */
  lastFillSeq: number;
}
