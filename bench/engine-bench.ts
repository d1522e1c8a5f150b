import type { Quote } from '../shared/domain.js';
import type { Log } from '../shared/log.js';
import type { Strategy } from '../shared/strategy.js';
import { TradingEngine } from '../workers/engine/trading-engine.js';
import { percentile, ratio, type BenchRow } from './stats.js';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, critical: () => undefined };
const idle: Strategy = { name: 'idle', onCandle: () => null };
const unused = (): never => {
  throw new Error('the kill-switch bench must not reach the exchange or the journal');
};

/** An engine holding 1 BTC and 10,000 USDT, so a fall in BTC moves equity. */
function engine(): TradingEngine {
  const e = new TradingEngine(
    {
      risk: { positionSizePct: 10, maxOpenPositions: 1, stopLossPct: 1, stopLimitOffsetPct: 0.5 },
      killSwitch: { maxDrawdownPct: 5, windowMs: 60_000, dailyLossLimitPct: 50 },
      maxConsecutiveStrategyErrors: 5,
      params: {},
    },
    {
      strategy: idle,
      exchange: { placeOrder: unused, fetchOrder: unused, cancelOrder: unused, fetchOpenOrders: unused, fetchBalance: unused, fetchMyTrades: unused, marketRules: unused },
      journal: { journalIntent: unused, journalFill: unused, fillsFor: unused },
      log: quiet,
      now: Date.now,
      onStateChange: () => undefined,
    },
  );
  e.balances = { free: { BTC: 1, USDT: 10_000 }, used: {}, fetchedAt: 0 };
  return e;
}

function quote(price: number): Quote {
  return { symbol: 'BTC/USDT', receivedAt: Date.now(), bid: price - 0.5, ask: price + 0.5, last: price, bids: [[price - 0.5, 1]], asks: [[price + 0.5, 1]] };
}

/**
 * Kill-switch reaction: the time from handing the engine the price update that crosses
 * the drawdown threshold to the entry gate being closed, beside the time the engine
 * takes for an ordinary price update, both measured here on the same engine code.
 */
export function benchKillSwitch(rounds = 2000): BenchRow[] {
  const ordinary: number[] = [];
  const reaction: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const e = engine();
    for (let i = 0; i < 30; i++) {
      const t0 = performance.now();
      e.onQuote(quote(30_000 + (i % 7)));
      ordinary.push((performance.now() - t0) * 1000);
    }
    // 40,000 equity; BTC from 30,000 to 27,000 is 7.5% of it.
    const t0 = performance.now();
    e.onQuote(quote(27_000));
    const closed = e.killSwitch.tripped;
    reaction.push((performance.now() - t0) * 1000);
    if (!closed) throw new Error('the crossing update did not close the entry gate');
  }
  ordinary.sort((a, b) => a - b);
  reaction.sort((a, b) => a - b);
  return [50, 99].map((p) => {
    const v = percentile(reaction, p);
    const b = percentile(ordinary, p);
    return { bench: 'kill-switch reaction', figure: `p${p}`, value: `${v.toFixed(1)} µs`, baseline: 'ordinary price update', baselineValue: `${b.toFixed(1)} µs`, ratio: ratio(v, b) };
  });
}
