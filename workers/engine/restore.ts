import type { Log } from '../../shared/log.js';
import type { PersistedState } from '../../shared/protocol.js';
import type { Balance, StatusSnapshot } from '../../shared/status.js';
import type { Position } from './positions.js';
import type { TradingEngine } from './trading-engine.js';

function isPosition(p: Record<string, unknown>): p is Record<string, unknown> & Position {
  return typeof p.symbol === 'string' && typeof p.amount === 'number' && typeof p.entryPrice === 'number' && typeof p.openedAt === 'number';
}

/**
 * Seeds a (re)started engine: the last status row (kill switch, positions, balances),
 * then every fill journaled after it, in order. Reconciliation with the exchange runs
 * next and corrects what the files could not know. Returns the last fill seq applied.
 */
export function restoreEngine(engine: TradingEngine, state: PersistedState, log: Log): number {
  const status = state.status;
  let lastSeq = 0;
  if (status) {
    engine.killSwitch.restore({ ...status.killSwitch, dayStartEquity: status.killSwitch.dayStartEquity ?? null });
    const positions = status.positions.filter(isPosition).map((p) => ({
      symbol: p.symbol,
      amount: p.amount,
      entryPrice: p.entryPrice,
      openedAt: p.openedAt,
      stopClientOrderId: typeof p.stopClientOrderId === 'string' ? p.stopClientOrderId : null,
      stopPrice: typeof p.stopPrice === 'number' ? p.stopPrice : null,
    }));
    engine.positions.seed(positions);
    engine.balances = {
      free: Object.fromEntries(Object.entries(status.balances).map(([a, b]) => [a, b.free])),
      used: Object.fromEntries(Object.entries(status.balances).map(([a, b]) => [a, b.locked])),
      fetchedAt: status.time,
    };
    lastSeq = status.lastFillSeq;
    engine.lastEquity = status.equity;
    log.info(`restored from status.csv row of ${new Date(status.time).toISOString()}: ${positions.length} positions, kill switch ${status.killSwitch.tripped ? 'TRIPPED' : 'armed'}`, {
      lastFillSeq: status.lastFillSeq,
    });
    if (status.killSwitch.tripped) log.warn(`the kill switch is still tripped (${status.killSwitch.reason}); entries stay refused until an operator resets it`);
  }
  for (const { seq, fill } of state.fillsAfter) {
    engine.applyFill(fill);
    lastSeq = seq;
  }
  if (state.fillsAfter.length > 0) log.info(`replayed ${state.fillsAfter.length} journaled fills newer than the status row`);
  return Math.max(lastSeq, state.lastFill?.seq ?? 0);
}

/** The row written to status.csv. */
export function snapshotOf(engine: TradingEngine, lastFillSeq: number, now: number, breaker: StatusSnapshot['breaker'] = { state: 'closed' }): StatusSnapshot {
  const assets = new Set([...Object.keys(engine.balances.free), ...Object.keys(engine.balances.used)]);
  const balances: Record<string, Balance> = {};
  for (const a of assets) balances[a] = { free: engine.balances.free[a] ?? 0, locked: engine.balances.used[a] ?? 0 };
  const ks = engine.killSwitch.record();
  return {
    time: now,
    equity: engine.equity() ?? engine.lastEquity ?? 0,
    balances,
    positions: engine.positions.all().map((p) => ({ ...p })),
    killSwitch: ks,
    breaker,
    lastFillSeq,
  };
}
