import { cpus, totalmem } from 'node:os';
import { benchExchangeBreaker } from '../workers/market-data/bench.js';
import { benchKillSwitch } from './engine-bench.js';
import { persistenceRows } from './persistence-rows.js';
import { benchHeartbeatMonitor, benchHop } from './supervisor-bench.js';
import { benchTickToOrder } from './tick-to-order.js';
import { formatTable, type BenchRow } from './stats.js';

/**
 * `npm run bench`: every benchmark of the project, each figure printed beside the
 * baseline it is compared with, measured in the same run on the same machine. Speed
 * goals live here, never in timed test assertions.
 */
// `npm run bench -- --quick` shrinks the largest sizes (100k instead of 1M rows) for a fast look.
const quick = process.argv.includes('--quick');
const rows: BenchRow[] = [];
const started = Date.now();
rows.push(...(await benchHop()));
rows.push(...benchHeartbeatMonitor());
rows.push(...(await benchExchangeBreaker()));
// 40 entries stay well inside the simulator's 6000-per-minute request weight (as Binance's); a longer burst
// meets its 429s, which the breaker rightly answers by blocking entries.
rows.push(...(await benchTickToOrder(40)));
rows.push(...benchKillSwitch());
rows.push(...(await persistenceRows(quick ? 100_000 : 1_000_000)));

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`trader-gemini bench, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(formatTable(rows));
