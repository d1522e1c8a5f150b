import { cpus, totalmem } from 'node:os';
import { benchHeartbeatMonitor, benchHop } from './supervisor-bench.js';
import { formatTable, type BenchRow } from './stats.js';

/**
 * `npm run bench`: every benchmark of the project, each figure printed beside the
 * baseline it is compared with, measured in the same run on the same machine. Speed
 * goals live here, never in timed test assertions.
 */
const rows: BenchRow[] = [];
const started = Date.now();
rows.push(...(await benchHop()));
rows.push(...benchHeartbeatMonitor());

const cpu = cpus()[0]?.model ?? 'unknown cpu';
console.log(`trader-gemini bench, ${new Date().toISOString()}, node ${process.version}, ${cpus().length} x ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(formatTable(rows));
