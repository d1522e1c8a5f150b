/**
 * A bad row in the middle of trades.csv (or intents.csv) stops the bot at start: the journal
 * is the truth, so it never guesses. This command shows each bad row with its line number
 * and neighbours, and only with `--quarantine` moves it (byte for byte) to
 * `<journal>.quarantine-<UTC time>` and rewrites the journal without it, atomically, after
 * checking that the result opens cleanly with every good row in it. No row is ever dropped
 * without `--quarantine`, and none is dropped if the result would not open (a seq gap).
 */
import { open, readFile } from 'node:fs/promises';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import { scanCsv } from '../../workers/persistence/csv-format.js';
import { storePaths, utcStamp, writeFileAtomic } from '../../workers/persistence/index.js';
import { UsageError, type CommandContext, type RecoveryCommand } from '../command.js';
import { CliExit, RecoveryExit } from '../exit-codes.js';
import { formatOf, journalProblems, type JournalName, type Problem } from '../journal-problems.js';
import { rowRanges, type RowRange } from '../row-ranges.js';

const NEIGHBOURS = 2;

function journalName(value: unknown): JournalName {
  if (value === undefined || value === 'trades') return 'trades';
  if (value === 'intents') return 'intents';
  throw new UsageError(`--file must be trades or intents (got ${JSON.stringify(value)})`);
}

/** The bad row's lines and its neighbours, numbered, the bad ones marked `>`. */
function excerpt(lines: readonly string[], range: RowRange): string {
  const from = Math.max(1, range.line - NEIGHBOURS);
  const to = Math.min(lines.length, range.line + range.lines - 1 + NEIGHBOURS);
  const out: string[] = [];
  for (let n = from; n <= to; n++) {
    const bad = n >= range.line && n < range.line + range.lines;
    out.push(`${bad ? '>' : ' '} ${String(n).padStart(7)} | ${(lines[n - 1] ?? '').slice(0, 300)}`);
  }
  return out.join('\n');
}

async function run(ctx: CommandContext): Promise<number> {
  const name = journalName(ctx.values.file);
  const paths = storePaths(ctx.config.dataDir);
  const path = name === 'trades' ? paths.journal : paths.intents;
  const format = formatOf(name);
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') throw new CliExit(RecoveryExit.NO_INPUT, `${path} does not exist`);
    throw err;
  });
  let strictError: TraderError | null = null;
  try {
    scanCsv(bytes, format, 'strict', undefined, path);
  } catch (err) {
    if (!(err instanceof TraderError) || err.code !== ErrorCode.CORRUPT) throw err;
    strictError = err;
  }
  const all = journalProblems(bytes, name);
  const bad = all.filter((p) => !p.tail);
  if (strictError === null) {
    const tail = all.find((p) => p.tail);
    ctx.result({ ok: true, file: path, badRows: [], tail: tail ?? null }, () =>
      `${path}: no bad row in the middle; nothing to repair${tail ? ` (line ${tail.line}: ${tail.reason}: a torn tail, which the bot sets aside by itself at start)` : ''}`,
    );
    return RecoveryExit.OK;
  }
  if (bad.length === 0) {
    throw new CliExit(RecoveryExit.DATA, `${strictError.message.split(';')[0]}: no row can be quarantined to fix this (rows are missing, not damaged); nothing changed. Restore the journal from a copy, or compare with \`verify\``);
  }
  const ranges = rowRanges(bytes);
  const lines = Buffer.from(bytes).toString('utf8').split('\n');
  const found = bad.map((p) => ({ problem: p, range: ranges.get(p.line) }));
  for (const { problem, range } of found) {
    if (!range) throw new Error(`line ${problem.line} reported bad but no row starts there`);
    ctx.say(`${path} line ${problem.line}: ${problem.reason}\n${excerpt(lines, range)}`);
  }
  const report = { file: path, badRows: bad.map((p: Problem) => ({ line: p.line, reason: p.reason })) };
  if (ctx.values.quarantine !== true) {
    ctx.result({ ok: false, changed: false, ...report }, () => `${bad.length} bad row(s) found; nothing changed. To move them out of the journal: repair-journal${name === 'intents' ? ' --file intents' : ''} --quarantine`);
    return RecoveryExit.FAILED;
  }
  const cut = found.map((f) => f.range as RowRange);
  const pieces: Buffer[] = [];
  let at = 0;
  for (const r of cut) {
    pieces.push(Buffer.from(bytes.subarray(at, r.start)));
    at = r.end;
  }
  pieces.push(Buffer.from(bytes.subarray(at)));
  const repaired = Buffer.concat(pieces);
  const before = scanCsv(bytes, format, 'lenient');
  let after;
  try {
    after = scanCsv(repaired, format, 'strict', undefined, path);
  } catch (err) {
    throw new CliExit(RecoveryExit.DATA, `without those rows the journal would still not open (${(err as Error).message.split(';')[0]}): a damaged row that held a seq cannot simply be removed; nothing changed`);
  }
  if (after.rows !== before.rows) throw new Error(`the repaired journal would hold ${after.rows} rows, not the ${before.rows} good ones: nothing changed`);

  const quarantine = `${path}.quarantine-${utcStamp()}`;
  // The evidence is durable before the journal loses the row.
  const handle = await open(quarantine, 'a', 0o600);
  try {
    for (const r of cut) await handle.write(Buffer.from(bytes.subarray(r.start, r.end)));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await writeFileAtomic(path, repaired);
  ctx.audit(`repair-journal by ${ctx.by}: ${cut.length} bad row(s) of ${path} (lines ${bad.map((p) => p.line).join(', ')}) moved to ${quarantine}; ${after.rows} good rows kept`, {
    by: ctx.by,
    quarantine,
    lines: bad.map((p) => p.line),
  });
  ctx.result({ ok: true, changed: true, ...report, quarantine, rows: after.rows, lastSeq: after.lastSeq }, () =>
    `${cut.length} row(s) moved to ${quarantine}; ${path} rewritten with its ${after.rows} good rows (last seq ${after.lastSeq}). Next: verify, then rebuild-db if trades.db disagrees.`,
  );
  return RecoveryExit.OK;
}

export const repairJournal: RecoveryCommand = {
  name: 'repair-journal',
  summary: 'show bad rows in the middle of trades.csv/intents.csv; --quarantine moves them out',
  usage: `usage: node recovery/cli.js repair-journal [--file trades|intents] [--quarantine] [options]
  --file NAME      trades (trades.csv, the default) or intents (intents.csv)
  --quarantine     move the bad rows to <journal>.quarantine-<UTC time> and rewrite the journal without them
  without --quarantine nothing changes: the bad rows are shown with their neighbours (exit 1)`,
  options: { file: { type: 'string' }, quarantine: { type: 'boolean' } },
  mode: 'offline',
  validate: (values) => void journalName(values.file),
  run,
};
