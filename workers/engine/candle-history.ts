import type { Candle, Symbol } from '../../shared/domain.js';

/** The recent closed candles of each symbol, bounded, oldest first; a candle seen twice is kept once. */
export class CandleHistory {
  private readonly bySymbol = new Map<Symbol, Candle[]>();
  constructor(private readonly max = 500) {}

  /** Adds a closed candle; false if it is not newer than the last one (a re-sent candle after a respawn or a poll overlap). */
  add(candle: Candle): boolean {
    const list = this.bySymbol.get(candle.symbol) ?? [];
    const last = list[list.length - 1];
    if (last && candle.openTime <= last.openTime) return false;
    list.push(candle);
    if (list.length > this.max) list.splice(0, list.length - this.max);
    this.bySymbol.set(candle.symbol, list);
    return true;
  }

  recent(symbol: Symbol): readonly Candle[] {
    return this.bySymbol.get(symbol) ?? [];
  }
}
