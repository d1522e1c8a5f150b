import type { Candle, Symbol } from './domain.js';

/**
 * The strategy plug-in interface (documented with a complete example in the README).
 * Spot, long only: a strategy says when to enter and when to exit; sizing, stops and
 * every safety gate belong to the engine.
 */

export type Signal = { kind: 'entry'; reason: string } | { kind: 'exit'; reason: string };

/** What the engine knows about the symbol's open position, if any. */
export interface PositionView {
  symbol: Symbol;
  amount: number;
  entryPrice: number;
  /** Wall-clock ms of the entry fill. Compare it with `candle.receivedAt`, not `openTime` (exchange time). */
  openedAt: number;
}

/** How many of `candles` arrived after the position was opened (wall clock; exchange times may run ahead). */
export function candlesHeld(candles: readonly Candle[], position: Pick<PositionView, 'openedAt'>): number {
  return candles.filter((c) => (c.receivedAt ?? c.openTime) > position.openedAt).length;
}

/** Read-only view handed to `onCandle`. */
export interface StrategyContext {
  symbol: Symbol;
  /** Recent closed candles of this symbol, oldest first, the current one last. */
  candles: readonly Candle[];
  position: Readonly<PositionView> | null;
  params: Readonly<Record<string, unknown>>;
}

export interface Strategy {
  name: string;
  /** Called once per closed candle per symbol, inside the engine loop. May be async. */
  onCandle(candle: Candle, context: StrategyContext): Signal | null | undefined | Promise<Signal | null | undefined>;
}
