/**
 * The KillSwitch: runbook scenario D. Equity is marked to market on every price update;
 * the switch trips when equity falls more than `maxDrawdownPct` below its highest value
 * within the last `windowMs`, or when the day's loss (realised plus unrealised, against
 * the equity at 00:00 UTC) passes `dailyLossLimitPct`. Tripped, it refuses every entry
 * until an operator calls `resetDailyLosses()`; exits and stops go on. Its state is
 * persisted by the engine on every change, so no restart re-arms trading by itself.
 */

export type KillSwitchState =
  /** Entries allowed. */
  | { kind: 'armed' }
  /** Entries refused until an operator resets it. */
  | { kind: 'tripped'; reason: string; trippedAt: number };

/** What changed: a trip, an operator's reset, or the day's counters. */
export type KillSwitchEvent = 'tripped' | 'reset' | 'counters';

export interface KillSwitchOptions {
  maxDrawdownPct: number;
  windowMs: number;
  dailyLossLimitPct: number;
}

/** What survives a restart (written to status.csv). */
export interface KillSwitchRecord {
  tripped: boolean;
  reason: string | null;
  trippedAt: number | null;
  /** UTC day of the counters, `YYYY-MM-DD`. */
  day: string;
  /** Equity at the start of the day, the base of the daily loss limit. */
  dayStartEquity: number | null;
  /** Realised loss of the day (positive = lost), in quote currency. */
  realisedLoss: Record<string, number>;
  /** Who reset it last, and when, for the audit trail. */
  lastReset?: { by: string; reason: string; at: number } | null;
}

export function utcDay(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export class KillSwitch {
  state: KillSwitchState = { kind: 'armed' };
  private samples: Array<{ at: number; equity: number }> = [];
  private day: string;
  private dayStartEquity: number | null = null;
  private realised = 0;
  private lastReset: KillSwitchRecord['lastReset'] = null;

  constructor(
    private readonly options: KillSwitchOptions,
    now: number,
    /** Told about every change, so the engine can log, alert and persist it. */
    private readonly onChange: (event: KillSwitchEvent, record: KillSwitchRecord) => void,
  ) {
    this.day = utcDay(now);
  }

  get tripped(): boolean {
    return this.state.kind === 'tripped';
  }

  /** Restores what a previous run persisted. A tripped switch stays tripped. */
  restore(record: KillSwitchRecord): void {
    if (record.tripped) this.state = { kind: 'tripped', reason: record.reason ?? 'restored tripped', trippedAt: record.trippedAt ?? 0 };
    if (record.day === this.day) {
      this.dayStartEquity = record.dayStartEquity;
      this.realised = record.realisedLoss.today ?? 0;
    }
    this.lastReset = record.lastReset ?? null;
  }

  /** Marks equity at `now`; returns true if this update tripped the switch. */
  onEquity(now: number, equity: number): boolean {
    this.rollDay(now, equity);
    this.samples.push({ at: now, equity });
    const from = now - this.options.windowMs;
    while (this.samples.length > 0 && (this.samples[0] as { at: number }).at < from) this.samples.shift();
    if (this.tripped) return false;
    const peak = Math.max(...this.samples.map((s) => s.equity));
    const drawdownPct = peak > 0 ? ((peak - equity) / peak) * 100 : 0;
    if (drawdownPct > this.options.maxDrawdownPct) {
      return this.trip(now, `equity ${equity.toFixed(2)} is ${drawdownPct.toFixed(2)}% below its ${peak.toFixed(2)} peak of the last ${this.options.windowMs} ms (limit ${this.options.maxDrawdownPct}%)`);
    }
    const start = this.dayStartEquity;
    if (start !== null && start > 0) {
      const dayLossPct = ((start - equity) / start) * 100;
      if (dayLossPct > this.options.dailyLossLimitPct) {
        return this.trip(now, `the day's loss is ${dayLossPct.toFixed(2)}% of the ${start.toFixed(2)} equity at 00:00 UTC (limit ${this.options.dailyLossLimitPct}%)`);
      }
    }
    return false;
  }

  /** Counts a realised result (negative pnl is a loss). */
  onRealised(now: number, pnl: number): void {
    this.rollDay(now, null);
    if (pnl < 0) this.realised += -pnl;
    this.onChange('counters', this.record());
  }

  /**
   * The runbook's `reset_daily_losses()`: clears the trip and the day's counters. The
   * drawdown window restarts from the current equity, so the same fall does not trip
   * it again at once.
   */
  resetDailyLosses(now: number, by: string, reason: string, equity: number | null): void {
    this.state = { kind: 'armed' };
    this.realised = 0;
    this.day = utcDay(now);
    this.dayStartEquity = equity;
    this.samples = equity === null ? [] : [{ at: now, equity }];
    this.lastReset = { by, reason, at: now };
    this.onChange('reset', this.record());
  }

  record(): KillSwitchRecord {
    return {
      tripped: this.tripped,
      reason: this.state.kind === 'tripped' ? this.state.reason : null,
      trippedAt: this.state.kind === 'tripped' ? this.state.trippedAt : null,
      day: this.day,
      dayStartEquity: this.dayStartEquity,
      realisedLoss: { today: this.realised },
      lastReset: this.lastReset,
    };
  }

  private trip(now: number, reason: string): true {
    this.state = { kind: 'tripped', reason, trippedAt: now };
    this.onChange('tripped', this.record());
    return true;
  }

  private rollDay(now: number, equity: number | null): void {
    const day = utcDay(now);
    if (day !== this.day) {
      this.day = day;
      this.realised = 0;
      this.dayStartEquity = equity;
    } else if (this.dayStartEquity === null && equity !== null) {
      this.dayStartEquity = equity;
    }
  }
}
