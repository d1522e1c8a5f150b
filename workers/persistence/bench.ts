/**
 * Measurements the bench runner (bench/run.ts) calls; each returns plain numbers measured
 * side by side in one run, in a temp folder it removes afterwards.
 *
 *   benchRebuild(n)      rebuild of an n-row journal through the pool vs `sqlite3 .import`
 *   benchAppends(opts)   fsync'd journal appends per second and ack latency (p50/p99)
 *   benchCheckpoint(n)   checkpoint time and RSS with n fills in trades.db
 */
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { encodeHeader, encodeRows, type JournalEntry } from './csv-format.js';
import { CsvJournal } from './csv-journal.js';
import { fillFormat } from './formats.js';
import type { Fill } from '../../shared/domain.js';
import type { Log } from './log.js';
import { storePaths } from './paths.js';
import { PersistencePool } from './pool.js';
import { SCHEMA_SQL } from './sqlite.js';
import { makeFill } from './test-support.js';
import { TradeStore } from './trade-store.js';

const run = promisify(execFile);
const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined, critical: () => undefined };

export interface RebuildBench {
  rows: number;
  journalBytes: number;
  rebuildMs: number;
  /** null when the sqlite3 CLI is absent (see `note`). */
  sqliteImportMs: number | null;
  /** rebuildMs / sqliteImportMs: the target is <= 2. */
  ratio: number | null;
  note?: string;
}

export interface AppendBench {
  appends: number;
  concurrency: number;
  appendsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** fsyncs done: fewer than appends when group commit shared them. */
  fsyncs: number;
}

export interface CheckpointBench {
  rows: number;
  dbBytes: number;
  /** export, temp write, fsync, rename, dir fsync, integrity_check of the written file. */
  checkpointMs: number;
  rssMb: number;
}

async function withTempDir<R>(fn: (dir: string) => Promise<R>): Promise<R> {
  const dir = await mkdtemp(join(tmpdir(), 'tg-bench-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes an n-row trades.csv in 10k-row slices (one string of 1M rows would be ~130 MB). */
export async function writeJournal(path: string, rows: number): Promise<void> {
  await writeFile(path, encodeHeader(fillFormat));
  for (let start = 1; start <= rows; start += 10_000) {
    const slice: Array<JournalEntry<Fill>> = [];
    for (let seq = start; seq < Math.min(start + 10_000, rows + 1); seq++) slice.push({ seq, record: makeFill(seq) });
    await appendFile(path, encodeRows(fillFormat, slice));
  }
}

async function hasSqlite3(): Promise<boolean> {
  return run('sqlite3', ['-version']).then(
    () => true,
    () => false,
  );
}

export async function benchRebuild(rows = 1_000_000): Promise<RebuildBench> {
  return withTempDir(async (dir) => {
    const paths = storePaths(dir);
    await writeJournal(paths.journal, rows);
    const journalBytes = (await stat(paths.journal)).size;
    const pool = new PersistencePool();
    let rebuildMs: number;
    try {
      const t0 = performance.now();
      const out = await pool.replay({ journalPath: paths.journal, basePath: null });
      rebuildMs = performance.now() - t0;
      if (out.kind !== 'built' || out.maxSeq !== rows) throw new Error(`rebuild returned ${out.kind}`);
    } finally {
      await pool.destroy();
    }
    if (!(await hasSqlite3())) return { rows, journalBytes, rebuildMs, sqliteImportMs: null, ratio: null, note: 'skipped: apt-get install sqlite3' };
    const schema = join(dir, 'schema.sql');
    await writeFile(schema, SCHEMA_SQL);
    const t1 = performance.now();
    await run('sqlite3', [join(dir, 'import.db'), `.read ${schema}`, `.import --csv --skip 1 ${paths.journal} fills`], { maxBuffer: 1 << 20 });
    const sqliteImportMs = performance.now() - t1;
    return { rows, journalBytes, rebuildMs, sqliteImportMs, ratio: rebuildMs / sqliteImportMs };
  });
}

export async function benchAppends(options: { appends?: number; concurrency?: number } = {}): Promise<AppendBench> {
  const appends = options.appends ?? 2_000;
  const concurrency = options.concurrency ?? 1;
  return withTempDir(async (dir) => {
    const journal = await CsvJournal.open(storePaths(dir).journal, fillFormat, quiet);
    const latencies: number[] = [];
    let next = 1;
    const writer = async (): Promise<void> => {
      while (next <= appends) {
        const fill = makeFill(next++);
        const t = performance.now();
        await journal.append([fill]);
        latencies.push(performance.now() - t);
      }
    };
    const t0 = performance.now();
    await Promise.all(Array.from({ length: concurrency }, writer));
    const elapsed = performance.now() - t0;
    const fsyncs = journal.flushCount;
    await journal.close();
    latencies.sort((a, b) => a - b);
    const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
    return { appends, concurrency, appendsPerSec: (appends / elapsed) * 1000, p50Ms: pct(0.5), p99Ms: pct(0.99), fsyncs };
  });
}

export async function benchCheckpoint(rows = 100_000): Promise<CheckpointBench> {
  return withTempDir(async (dir) => {
    await writeJournal(storePaths(dir).journal, rows);
    const store = await TradeStore.open({ dataDir: dir, log: quiet, checkpointIntervalMs: 0, verifyIntervalMs: 0 });
    try {
      const t0 = performance.now();
      const result = await store.checkpoint();
      const checkpointMs = performance.now() - t0;
      return { rows, dbBytes: result.bytes, checkpointMs, rssMb: process.memoryUsage().rss / 2 ** 20 };
    } finally {
      await store.close();
    }
  });
}

/** Everything, at the sizes the brief names. */
export async function benchPersistence(): Promise<{ rebuild: RebuildBench; appends: AppendBench[]; checkpoints: CheckpointBench[] }> {
  const rebuild = await benchRebuild(1_000_000);
  const appends = [await benchAppends({ concurrency: 1 }), await benchAppends({ concurrency: 16, appends: 10_000 })];
  const checkpoints = [await benchCheckpoint(100_000), await benchCheckpoint(1_000_000)];
  return { rebuild, appends, checkpoints };
}
