import { benchAppends, benchCheckpoint, benchRebuild } from '../workers/persistence/bench.js';
import { ratio, type BenchRow } from './stats.js';

/** The persistence figures as table rows: rebuild vs `sqlite3 .import`, fsync'd appends, checkpoints. */
export async function persistenceRows(rebuildRows: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const rebuild = await benchRebuild(rebuildRows);
  rows.push({
    bench: `rebuild trades.db (${rebuildRows.toLocaleString('en')} rows)`,
    figure: 'time',
    value: `${(rebuild.rebuildMs / 1000).toFixed(2)} s`,
    baseline: 'sqlite3 CLI .import, same CSV and schema',
    baselineValue: rebuild.sqliteImportMs === null ? (rebuild.note ?? 'skipped') : `${(rebuild.sqliteImportMs / 1000).toFixed(2)} s`,
    ratio: rebuild.sqliteImportMs === null ? 'n/a' : `${ratio(rebuild.rebuildMs, rebuild.sqliteImportMs)} (goal <= 2.00x)`,
  });
  const single = await benchAppends({ concurrency: 1, appends: 1000 });
  const grouped = await benchAppends({ concurrency: 16, appends: 5000 });
  for (const a of [single, grouped]) {
    rows.push({
      bench: `journal append, fsync'd, ${a.concurrency} writer(s)`,
      figure: 'appends/s; ack p99',
      value: `${a.appendsPerSec.toFixed(0)}/s; ${a.p99Ms.toFixed(2)} ms`,
      baseline: 'fsyncs done',
      baselineValue: `${a.fsyncs} for ${a.appends}`,
      ratio: `${(a.appends / a.fsyncs).toFixed(1)} appends/fsync`,
    });
  }
  for (const n of new Set([100_000, rebuildRows])) {
    const c = await benchCheckpoint(n);
    rows.push({
      bench: `checkpoint (${n.toLocaleString('en')} rows)`,
      figure: 'time; RSS',
      value: `${(c.checkpointMs / 1000).toFixed(2)} s; ${c.rssMb.toFixed(0)} MB`,
      baseline: 'database size',
      baselineValue: `${(c.dbBytes / 2 ** 20).toFixed(1)} MB`,
      ratio: `${(c.dbBytes / 2 ** 20 / (c.checkpointMs / 1000)).toFixed(0)} MB/s`,
    });
  }
  return rows;
}
