import type { Strategy } from '../../../shared/strategy.js';

/** Candles seen per open position, keyed by symbol and the position's openedAt. */
const seen = new Map<string, number>();

/**
 * The drills' trading strategy: enters every `params.entryEvery` candles when flat and exits
 * after `params.holdCandles` candles handled while in the position. It counts the candles it
 * is handed rather than comparing candle times with `position.openedAt`, because the
 * simulator's candle clock runs ahead of the wall clock that `openedAt` is on (see the
 * drills' notes on fixtures/strategies/every-n.ts). A respawned engine starts counting again.
 */
const holdN: Strategy = {
  name: 'hold-n',
  onCandle(_candle, { symbol, candles, position, params }) {
    const entryEvery = typeof params.entryEvery === 'number' ? params.entryEvery : 3;
    const hold = typeof params.holdCandles === 'number' ? params.holdCandles : 10;
    if (!position) {
      for (const key of seen.keys()) if (key.startsWith(`${symbol}@`)) seen.delete(key);
      return candles.length % entryEvery === 0 ? { kind: 'entry', reason: `every ${entryEvery} candles` } : null;
    }
    const key = `${symbol}@${position.openedAt}`;
    const held = (seen.get(key) ?? 0) + 1;
    seen.set(key, held);
    return held > hold ? { kind: 'exit', reason: `held ${hold} candles` } : null;
  },
};

export default holdN;
