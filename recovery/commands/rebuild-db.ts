/**
 * Rebuilds trades.db from trades.csv with the persistence layer's own replay in its piscina
 * pool (the code the bot runs at start), writes it atomically, and re-reads the written file
 * in the pool (integrity_check) before reporting success. The old trades.db, and any
 * -wal/-shm beside it, are moved aside as evidence, never deleted.
 */
import { readFile, stat } from 'node:fs/promises';
import { moveAside, storePaths, writeFileAtomic } from '../../workers/persistence/index.js';
import { exists } from '../../workers/persistence/open-image.js';
import { PersistencePool } from '../../workers/persistence/pool.js';
import type { CommandContext, RecoveryCommand } from '../command.js';
import { CliExit, RecoveryExit } from '../exit-codes.js';
import { journalProblems } from '../journal-problems.js';

const PROGRESS_EVERY_MS = 250;

async function run(ctx: CommandContext): Promise<number> {
  const paths = storePaths(ctx.config.dataDir);
  if (!(await exists(paths.journal))) throw new CliExit(RecoveryExit.NO_INPUT, `${paths.journal} does not exist: nothing to rebuild from`);
  const journalBytes = (await stat(paths.journal)).size;
  const pool = new PersistencePool();
  const t0 = performance.now();
  // The replay runs in the pool, so this loop is free to show that it is alive.
  const tick = (): void => ctx.progress(`rebuilding trades.db from ${paths.journal} (${(journalBytes / 2 ** 20).toFixed(1)} MB): ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  tick();
  const ticker = setInterval(tick, PROGRESS_EVERY_MS);
  let out;
  try {
    out = await pool.replay({ journalPath: paths.journal, basePath: null });
  } catch (err) {
    clearInterval(ticker);
    ctx.progress(null);
    await pool.destroy();
    const problems = journalProblems(await readFile(paths.journal), 'trades');
    if (problems.length === 0) throw err;
    ctx.result({ ok: false, problems }, () =>
      [`trades.csv has rows that cannot be read; trades.db left as it was:`, ...problems.map((p) => `  line ${p.line}: ${p.reason}`), 'inspect and quarantine them with `node recovery/cli.js repair-journal`'].join('\n'),
    );
    return RecoveryExit.DATA;
  }
  clearInterval(ticker);
  ctx.progress(null);
  if (out.kind !== 'built') {
    await pool.destroy();
    throw new Error(`replay from the journal alone returned ${out.kind}`);
  }
  const replayMs = performance.now() - t0;
  try {
    const asides: string[] = [];
    for (const path of [paths.db, `${paths.db}-wal`, `${paths.db}-shm`]) {
      if (await exists(path)) asides.push(await moveAside(path, 'before-rebuild'));
    }
    await writeFileAtomic(paths.db, out.bytes);
    const problem = await pool.inspect(paths.db);
    if (problem !== null) throw new CliExit(RecoveryExit.FAILED, `the rebuilt ${paths.db} does not verify after writing: ${problem}`);
    const totalMs = performance.now() - t0;
    const rows = out.scan?.rows ?? 0;
    const problems = out.scan?.torn ? [out.scan.torn] : [];
    const summary = { ok: true, rows, lastSeq: out.maxSeq, replayMs: Math.round(replayMs), totalMs: Math.round(totalMs), rowsPerSec: Math.round(rows / (totalMs / 1000)), dbBytes: out.bytes.length, movedAside: asides, problems };
    ctx.audit(`rebuild-db by ${ctx.by}: trades.db rebuilt from the journal, ${rows} rows, last seq ${out.maxSeq}`, { by: ctx.by, ...summary });
    ctx.result(summary, () =>
      [
        `trades.db rebuilt from trades.csv: ${rows} rows (last seq ${out.maxSeq}) in ${(totalMs / 1000).toFixed(2)} s, ${summary.rowsPerSec} rows/s (replay ${(replayMs / 1000).toFixed(2)} s)`,
        asides.length ? `moved aside: ${asides.join(', ')}` : 'there was no trades.db before',
        problems.length
          ? `problems: ${problems.map((p) => `line ${p.line}: ${p.reason} (torn tail: not in trades.db; the bot sets it aside at start)`).join('; ')}`
          : 'problems: none',
      ].join('\n'),
    );
    return RecoveryExit.OK;
  } finally {
    await pool.destroy();
  }
}

export const rebuildDb: RecoveryCommand = {
  name: 'rebuild-db',
  summary: 'rebuild trades.db from trades.csv (the old one is moved aside, never deleted)',
  usage: 'usage: node recovery/cli.js rebuild-db [options]\n  (progress on a terminal; a summary with rows, time, rows/s and any problem rows by line number)',
  options: {},
  mode: 'offline',
  run,
};
