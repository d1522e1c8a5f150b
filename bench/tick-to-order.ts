import { join } from 'node:path';
import { startSimulator } from '../fixtures/exchange-sim/index.js';
import { ROOT, startTree, testConfig, until } from '../fixtures/testing/tree.js';
import { percentile, ratio, type BenchRow } from './stats.js';
import { roundTrips } from './supervisor-bench.js';

/**
 * Tick-to-order inside the real tree: from the market-data worker receiving the candle that
 * triggers an entry to the order request arriving at the exchange (the simulator on
 * loopback stamps it), through the engine, the fsync'd intent journal and the breaker.
 * Measured on real threads with a strategy that enters on every other candle, beside a
 * bare MessagePort round trip measured in the same run.
 */
export async function benchTickToOrder(entries = 150): Promise<BenchRow[]> {
  const sim = await startSimulator({ candleIntervalMs: 40 });
  const config = testConfig({
    logLevel: 'debug',
    strategy: { module: join(ROOT, 'fixtures/strategies/every-n.js'), params: { entryEvery: 1, holdCandles: 1 } },
    reconcile: { intervalMs: 600_000, unknownOrders: 'cancel' },
  });
  const tree = await startTree(config, { simulator: sim });
  try {
    const accepted = (): number => sim.orders().filter((o) => o.outcome === 'accepted' && o.clientOrderId.startsWith('tg-e-')).length;
    await until(`${entries} entry orders`, () => accepted() >= entries, 300_000, 200);
  } finally {
    await tree.stop();
    await sim.close();
  }
  const triggeredAt = new Map<string, number>();
  for (const line of tree.logLines()) {
    if (typeof line.clientOrderId === 'string' && typeof line.candleReceivedAt === 'number') triggeredAt.set(line.clientOrderId, line.candleReceivedAt);
  }
  const latencies = sim
    .orders()
    .filter((o) => o.outcome === 'accepted' && triggeredAt.has(o.clientOrderId))
    .map((o) => (o.time - (triggeredAt.get(o.clientOrderId) as number)) * 1000)
    .sort((a, b) => a - b);
  const bare = (await roundTrips('bare', 20_000)).sort((a, b) => a - b);
  return [50, 99].map((p) => {
    const v = percentile(latencies, p);
    const b = percentile(bare, p);
    return { bench: `tick-to-order in the tree (${latencies.length} entries)`, figure: `p${p}`, value: `${(v / 1000).toFixed(2)} ms`, baseline: 'bare MessagePort round trip', baselineValue: `${b.toFixed(1)} µs`, ratio: ratio(v, b) };
  });
}
