/**
 * What the breaker costs: a ccxt call through the guarded exchange (breaker, answer checks,
 * error classification) against the same bare ccxt call, both against the simulator on
 * loopback in the same run, interleaved so machine noise hits both alike. And the breaker
 * wrapper alone around an action that does nothing, against awaiting it directly.
 */
import { startSimulator } from '../../fixtures/exchange-sim/index.js';
import type { Log } from '../../shared/log.js';
import { percentile, ratio, type BenchRow } from '../../bench/stats.js';
import { ExchangeBreaker } from './breaker.js';
import { createExchangeClient } from './exchange-client.js';
import { GuardedExchange } from './guarded-exchange.js';

const quiet: Log = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined, critical: () => undefined };

async function timed(samples: number[], run: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await run();
  samples.push(performance.now() - t0);
}

function rows(bench: string, unit: 'ms' | 'µs', value: number[], baseline: string, base: number[]): BenchRow[] {
  const scale = unit === 'ms' ? 1 : 1000;
  const digits = unit === 'ms' ? 3 : 2;
  value.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  return [50, 99].map((p) => {
    const v = percentile(value, p);
    const b = percentile(base, p);
    return { bench, figure: `p${p}`, value: `${(v * scale).toFixed(digits)} ${unit}`, baseline, baselineValue: `${(b * scale).toFixed(digits)} ${unit}`, ratio: ratio(v, b) };
  });
}

/** Breaker-wrapped ccxt fetchTicker vs bare ccxt fetchTicker, and the wrapper alone; for bench/run.ts. */
export async function benchExchangeBreaker(calls = 1000): Promise<BenchRow[]> {
  // The simulator enforces Binance's 6000 weight a minute: 2 x 1100 tickers of weight 2 stay under it.
  const sim = await startSimulator({ candleIntervalMs: 0 });
  try {
    const client = (): ReturnType<typeof createExchangeClient> => createExchangeClient({ apiUrl: sim.url, apiKey: 'sim-key', secret: 'sim-secret', timeoutMs: 5000 });
    const bare = client();
    const breaker = new ExchangeBreaker({ failureThreshold: 5, cooldownMs: 60_000, log: quiet });
    const guarded = new GuardedExchange(client(), breaker, quiet);
    await bare.loadMarkets();
    await guarded.ensureMarkets();
    const bareMs: number[] = [];
    const guardedMs: number[] = [];
    const warmUp = Math.floor(calls / 10);
    for (let i = 0; i < calls + warmUp; i++) {
      const b: number[] = i < warmUp ? [] : bareMs;
      const g: number[] = i < warmUp ? [] : guardedMs;
      await timed(b, () => bare.fetchTicker('BTC/USDT'));
      await timed(g, () => guarded.fetchTicker('BTC/USDT'));
    }

    const wrapper = new ExchangeBreaker({ failureThreshold: 5, cooldownMs: 60_000, log: quiet });
    const nothing = (): Promise<number> => Promise.resolve(1);
    const directMs: number[] = [];
    const wrappedMs: number[] = [];
    for (let i = 0; i < calls * 10; i++) {
      await timed(directMs, nothing);
      await timed(wrappedMs, () => wrapper.call('nothing', nothing));
    }
    breaker.shutdown();
    wrapper.shutdown();
    return [
      ...rows('ccxt fetchTicker through the breaker (loopback simulator)', 'ms', guardedMs, 'bare ccxt fetchTicker', bareMs),
      ...rows('breaker wrapper alone (resolved action)', 'µs', wrappedMs, 'await the action directly', directMs),
    ];
  } finally {
    await sim.close();
  }
}
