import { once } from 'node:events';
import { MessageChannel, Worker } from 'node:worker_threads';
import { SLOT, WORKER_NAMES } from '../shared/heartbeat-layout.js';
import { HeartbeatTable } from '../shared/heartbeat.js';
import { judgeLag } from '../supervisor/heartbeat-monitor.js';
import { percentile, ratio, type BenchRow } from './stats.js';

/** Round trips between two real worker threads, through a bare MessagePort or through our Channel. */
export async function roundTrips(mode: 'bare' | 'channel', count: number): Promise<number[]> {
  const { port1, port2 } = new MessageChannel();
  const file = new URL('./hop-worker.js', import.meta.url);
  const echo = new Worker(file, { workerData: { port: port1, role: 'echo', mode, count }, transferList: [port1] });
  const driver = new Worker(file, { workerData: { port: port2, role: 'driver', mode, count }, transferList: [port2] });
  const [times] = (await once(driver, 'message')) as [number[]];
  await Promise.all([echo.terminate(), driver.terminate()]);
  return times.slice(Math.floor(count / 10)).sort((a, b) => a - b);
}

/** Latency of one request/reply hop between two workers, against a bare MessagePort ping-pong measured alongside. */
export async function benchHop(count = 20_000): Promise<BenchRow[]> {
  // Interleave the two modes so machine noise hits both alike.
  const bare: number[] = [];
  const channel: number[] = [];
  for (let round = 0; round < 3; round++) {
    bare.push(...(await roundTrips('bare', count)));
    channel.push(...(await roundTrips('channel', count)));
  }
  bare.sort((a, b) => a - b);
  channel.sort((a, b) => a - b);
  const rows: BenchRow[] = [];
  for (const p of [50, 99]) {
    const c = percentile(channel, p);
    const b = percentile(bare, p);
    rows.push({ bench: 'worker hop (round trip)', figure: `p${p}`, value: `${c.toFixed(1)} µs`, baseline: 'bare MessagePort ping-pong', baselineValue: `${b.toFixed(1)} µs`, ratio: ratio(c, b) });
  }
  return rows;
}

/** CPU the heartbeat monitor costs: one sample of every slot, times the default rate of one sample a second. */
export function benchHeartbeatMonitor(samples = 1_000_000): BenchRow[] {
  const table = new HeartbeatTable();
  const thresholds = { warnAfterMs: 60_000, killAfterMs: 120_000 };
  const now = Date.now();
  for (const name of WORKER_NAMES) table.reset(SLOT[name], 1, now);
  let hung = 0;
  const start = process.cpuUsage();
  for (let i = 0; i < samples; i++) {
    for (const name of WORKER_NAMES) {
      if (judgeLag(now - table.read(SLOT[name]).lastBeatAt, thresholds) === 'hung') hung++;
    }
  }
  const used = process.cpuUsage(start);
  const perSampleUs = (used.user + used.system) / samples;
  if (hung !== 0) throw new Error('benchmark table should never look hung');
  return [
    {
      bench: 'heartbeat monitor',
      figure: 'CPU per second (1 sample/s)',
      value: `${perSampleUs.toFixed(3)} µs`,
      baseline: 'one second of one core',
      baselineValue: '1000000 µs',
      ratio: `${((perSampleUs / 1_000_000) * 100).toExponential(1)} %`,
    },
  ];
}
