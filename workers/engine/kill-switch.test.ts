import { describe, expect, it } from 'vitest';
import { KillSwitch, type KillSwitchEvent, type KillSwitchRecord } from './kill-switch.js';

function make(now = Date.parse('2026-03-03T10:00:00Z')): { ks: KillSwitch; events: Array<[KillSwitchEvent, KillSwitchRecord]> } {
  const events: Array<[KillSwitchEvent, KillSwitchRecord]> = [];
  const ks = new KillSwitch({ maxDrawdownPct: 5, windowMs: 60_000, dailyLossLimitPct: 8 }, now, (e, r) => events.push([e, r]));
  return { ks, events };
}

describe('KillSwitch', () => {
  const t0 = Date.parse('2026-03-03T10:00:00Z');

  it('trips on the first update more than 5% below the window peak, not at exactly 5%', () => {
    const { ks, events } = make();
    expect(ks.onEquity(t0, 10_000)).toBe(false);
    expect(ks.onEquity(t0 + 1000, 10_500)).toBe(false);
    expect(ks.onEquity(t0 + 2000, 9975)).toBe(false);
    expect(ks.tripped).toBe(false);
    expect(ks.onEquity(t0 + 3000, 9974)).toBe(true);
    expect(ks.state).toMatchObject({ kind: 'tripped', trippedAt: t0 + 3000 });
    expect(events.map((e) => e[0])).toEqual(['tripped']);
    expect(events[0]?.[1].reason).toMatch(/5\.01% below its 10500\.00 peak/);
    // Further falls do not re-trip or re-alert.
    expect(ks.onEquity(t0 + 4000, 9000)).toBe(false);
    expect(events).toHaveLength(1);
  });

  it('forgets peaks older than the window', () => {
    const { ks } = make();
    ks.onEquity(t0, 10_000);
    expect(ks.onEquity(t0 + 61_000, 9400)).toBe(false);
  });

  it("trips on the day's loss against the 00:00 UTC equity and rolls the day at midnight", () => {
    const { ks } = make();
    ks.onEquity(t0, 10_000);
    // 4% steps, each within the drawdown limit but adding up over the day.
    expect(ks.onEquity(t0 + 120_000, 9600)).toBe(false);
    expect(ks.onEquity(t0 + 240_000, 9216)).toBe(false);
    expect(ks.onEquity(t0 + 360_000, 9190)).toBe(true);
    expect(ks.record().reason).toMatch(/the day's loss is 8\.10% of the 10000\.00 equity at 00:00 UTC \(limit 8%\)/);

    const late = Date.parse('2026-03-03T23:59:00Z');
    const { ks: day } = make(late);
    day.onEquity(late, 10_000);
    day.onEquity(late + 30_000, 9500);
    // After midnight the new day starts from the equity of its first update.
    day.onEquity(late + 120_000, 9500);
    expect(day.record().day).toBe('2026-03-04');
    expect(day.record().dayStartEquity).toBe(9500);
    expect(day.onEquity(late + 240_000, 9200)).toBe(false);
  });

  it('stays tripped through a restore and re-arms only on resetDailyLosses, logged with who', () => {
    const { ks } = make();
    ks.onEquity(t0, 10_000);
    ks.onEquity(t0 + 1000, 9000);
    const saved = ks.record();
    const { ks: next, events } = make(t0 + 5000);
    next.restore(saved);
    expect(next.tripped).toBe(true);
    next.onEquity(t0 + 6000, 9500);
    expect(next.tripped).toBe(true);
    next.resetDailyLosses(t0 + 7000, 'alice', 'flash crash over', 9500);
    expect(next.tripped).toBe(false);
    expect(events.at(-1)?.[0]).toBe('reset');
    expect(next.record().lastReset).toEqual({ by: 'alice', reason: 'flash crash over', at: t0 + 7000 });
    // The window restarts at the reset equity: the fall already taken does not trip it again.
    expect(next.onEquity(t0 + 8000, 9400)).toBe(false);
  });

  it('counts realised losses of the day', () => {
    const { ks, events } = make();
    ks.onRealised(t0, -12.5);
    ks.onRealised(t0, 5);
    expect(ks.record().realisedLoss).toEqual({ today: 12.5 });
    expect(events.map((e) => e[0])).toEqual(['counters', 'counters']);
  });
});
