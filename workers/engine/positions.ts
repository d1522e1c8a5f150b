import type { Fill, Symbol } from '../../shared/domain.js';
import type { PositionView } from '../../shared/strategy.js';

/** Below this many base units a position is gone (float residue of a full sell). */
const DUST = 1e-9;

/** An open long position and the protective stop that sits on the exchange for it. */
export interface Position extends PositionView {
  /** Client order id of the live STOP_LOSS_LIMIT, if one is placed. */
  stopClientOrderId: string | null;
  stopPrice: number | null;
}

/** What closing (part of) a position realised, in quote currency, after fees. */
export interface Realised {
  symbol: Symbol;
  pnl: number;
}

/**
 * The engine's positions, built only from journaled fills (so a respawn that replays the
 * journal arrives at the same book). Spot, long only: buys open or add, sells reduce.
 */
export class PositionBook {
  private readonly open = new Map<Symbol, Position>();

  get(symbol: Symbol): Position | null {
    return this.open.get(symbol) ?? null;
  }

  all(): Position[] {
    return [...this.open.values()];
  }

  get count(): number {
    return this.open.size;
  }

  /** Applies one fill; returns what a sell realised. Fees paid in the base asset reduce the amount held. */
  apply(fill: Fill, base: string): Realised | null {
    const current = this.open.get(fill.symbol);
    const feeInBase = fill.feeCurrency === base ? fill.fee : 0;
    const feeInQuote = fill.feeCurrency === base ? fill.fee * fill.price : fill.fee;
    if (fill.side === 'buy') {
      const got = fill.amount - feeInBase;
      if (current) {
        const amount = current.amount + got;
        current.entryPrice = (current.entryPrice * current.amount + fill.price * fill.amount + (feeInBase ? 0 : feeInQuote)) / amount;
        current.amount = amount;
      } else {
        this.open.set(fill.symbol, {
          symbol: fill.symbol,
          amount: got,
          entryPrice: (fill.price * fill.amount + (feeInBase ? 0 : feeInQuote)) / got,
          openedAt: fill.timestamp,
          stopClientOrderId: null,
          stopPrice: null,
        });
      }
      return null;
    }
    if (!current) return { symbol: fill.symbol, pnl: fill.amount * fill.price - feeInQuote };
    const sold = Math.min(fill.amount, current.amount);
    const pnl = sold * (fill.price - current.entryPrice) - feeInQuote;
    current.amount -= sold;
    if (current.amount < DUST) this.open.delete(fill.symbol);
    return { symbol: fill.symbol, pnl };
  }

  /** Drops a position whose base balance is dust (below what could be sold). */
  close(symbol: Symbol): void {
    this.open.delete(symbol);
  }

  /** Sets (or clears) the live stop of a position. */
  setStop(symbol: Symbol, clientOrderId: string | null, stopPrice: number | null): void {
    const p = this.open.get(symbol);
    if (!p) return;
    p.stopClientOrderId = clientOrderId;
    p.stopPrice = stopPrice;
  }

  /** Replaces the book with `positions` (seeded from status.csv, then corrected by reconciliation). */
  seed(positions: readonly Position[]): void {
    this.open.clear();
    for (const p of positions) this.open.set(p.symbol, { ...p });
  }
}
