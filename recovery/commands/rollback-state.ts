/**
 * The runbook's state rollback: status.csv cut back to a valid row, so the next start is
 * seeded from it (fills journaled after that row are replayed on top, then reconciliation
 * with the exchange corrects the rest). A copy of the whole file is kept first
 * (`status.csv.before-rollback-<UTC time>`); the cut file is written atomically (temp,
 * fsync, rename); stale trades.db-wal/-shm are removed, as the bot does at start.
 */
import { copyFile, readFile, unlink } from 'node:fs/promises';
import { encodeHeader, encodeRows, scanCsv, type JournalEntry } from '../../workers/persistence/csv-format.js';
import { fsyncDir, statusFormat, storePaths, utcStamp, writeFileAtomic, type StatusSnapshot } from '../../workers/persistence/index.js';
import { exists } from '../../workers/persistence/open-image.js';
import { dirname } from 'node:path';
import { UsageError, requireString, type CommandContext, type RecoveryCommand } from '../command.js';
import { CliExit, RecoveryExit } from '../exit-codes.js';
import { table } from '../table.js';

/** `--to`: a row number (the status row's seq) or a UTC time (the last row at or before it). */
export function parseTarget(text: string): { seq: number } | { time: number } {
  if (/^[1-9]\d*$/.test(text)) return { seq: Number(text) };
  const time = /^\d{4}-\d{2}-\d{2}T[\d:.]+Z$/.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(time)) throw new UsageError(`--to "${text}" is neither a row number (the seq column of status.csv) nor a UTC time like 2026-12-04T19:45:00Z`);
  return { time };
}

const describeRow = (e: JournalEntry<StatusSnapshot>): unknown[] => [
  e.seq,
  new Date(e.record.time).toISOString(),
  e.record.equity,
  e.record.killSwitch.tripped ? `TRIPPED: ${e.record.killSwitch.reason}` : 'armed',
  e.record.positions.length,
  e.record.lastFillSeq,
];
const HEADER = ['row', 'time', 'equity', 'kill switch', 'positions', 'last fill seq'];

async function run(ctx: CommandContext): Promise<number> {
  const target = parseTarget(requireString(ctx.values, 'to', 'the row number or UTC time to roll status.csv back to'));
  const paths = storePaths(ctx.config.dataDir);
  const bytes = await readFile(paths.status).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new CliExit(RecoveryExit.NO_INPUT, `${paths.status} does not exist: there is no state to roll back`);
    throw err;
  });
  const rows: Array<JournalEntry<StatusSnapshot>> = [];
  const scan = scanCsv(bytes, statusFormat, 'lenient', (seq, record) => rows.push({ seq, record }));
  const keep = rows.filter((e) => ('seq' in target ? e.seq <= target.seq : e.record.time <= target.time));
  const kept = keep.at(-1);
  if (!kept || ('seq' in target && kept.seq !== target.seq)) {
    const first = rows[0];
    throw new CliExit(RecoveryExit.FAILED, `no valid status row ${'seq' in target ? `numbered ${target.seq}` : `at or before ${new Date(target.time).toISOString()}`}${first ? ` (valid rows: ${first.seq}..${rows.at(-1)?.seq}, from ${new Date(first.record.time).toISOString()})` : ' (the file holds no valid row)'}; nothing changed`);
  }
  const cut = rows.slice(keep.length);
  const invalid = scan.skipped.length + (scan.torn ? 1 : 0);
  const plan = { keep: kept, cut: cut.map((e) => e.seq), invalidLinesDropped: invalid };
  if (cut.length === 0 && invalid === 0) {
    ctx.result({ ok: true, changed: false, ...plan }, () => `status.csv already ends at row ${kept.seq}: nothing to cut`);
    return RecoveryExit.OK;
  }
  ctx.say(
    [
      `status.csv: the next start will be seeded from this row:`,
      table(HEADER, [describeRow(kept)]),
      `rows to cut (${cut.length}):`,
      table(HEADER, cut.slice(0, 10).map(describeRow)),
      ...(cut.length > 10 ? [`... and ${cut.length - 10} more, up to row ${cut.at(-1)?.seq}`] : []),
      ...(invalid ? [`and ${invalid} invalid line(s) (they stay in the copy)`] : []),
      `fills journaled after fill seq ${kept.record.lastFillSeq} are replayed on top at start; trades.csv is not touched.`,
    ].join('\n'),
  );
  if (!(await ctx.confirm(`cut status.csv back to row ${kept.seq}?`))) {
    ctx.result({ ok: false, changed: false, ...plan }, () => 'declined: nothing changed');
    return RecoveryExit.FAILED;
  }
  const copy = `${paths.status}.before-rollback-${utcStamp()}`;
  await copyFile(paths.status, copy);
  await fsyncDir(dirname(copy));
  await writeFileAtomic(paths.status, encodeHeader(statusFormat) + encodeRows(statusFormat, keep));
  const removed: string[] = [];
  for (const side of [`${paths.db}-wal`, `${paths.db}-shm`]) {
    if (await exists(side)) {
      await unlink(side);
      removed.push(side);
    }
  }
  ctx.audit(`rollback-state by ${ctx.by}: status.csv cut back to row ${kept.seq} (${new Date(kept.record.time).toISOString()}); ${cut.length} rows cut; copy kept in ${copy}`, {
    by: ctx.by,
    keptSeq: kept.seq,
    cut: cut.length,
    copy,
    removed,
  });
  ctx.result({ ok: true, changed: true, ...plan, copy, removed }, () =>
    [`status.csv now ends at row ${kept.seq} (${new Date(kept.record.time).toISOString()}); ${cut.length} rows cut`, `the whole file before the cut: ${copy}`, ...removed.map((r) => `removed stale ${r}`)].join('\n'),
  );
  return RecoveryExit.OK;
}

export const rollbackState: RecoveryCommand = {
  name: 'rollback-state',
  summary: 'cut status.csv back to a valid row (a copy is kept) so the next start is seeded from it',
  usage: `usage: node recovery/cli.js rollback-state --to ROW|UTC-TIME [--yes] [options]
  --to ROW         the row (status.csv's seq column) to keep as the last one
  --to UTC-TIME    or the last row at or before this time, e.g. 2026-12-04T19:45:00Z
  shows what it will cut and asks; --yes where there is no terminal`,
  options: { to: { type: 'string' } },
  mode: 'offline',
  validate: (values) => void parseTarget(requireString(values, 'to', 'the row number or UTC time to roll status.csv back to')),
  run,
};
