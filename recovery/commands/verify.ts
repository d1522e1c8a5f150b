/**
 * Journal vs trades.db vs trades_backup.db: row counts, last seq and a content checksum of
 * every row (recovery/row-digest.ts). A database whose rows are exactly the journal's first
 * rows is `behind` (the bot replays the rest at start; the backup is only refreshed hourly),
 * which passes unless `--strict`; anything else that differs is a mismatch and exits 1.
 */
import { readFile } from 'node:fs/promises';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import { scanCsv } from '../../workers/persistence/csv-format.js';
import { fillFormat, storePaths } from '../../workers/persistence/index.js';
import type { CommandContext, RecoveryCommand } from '../command.js';
import { digestInThread, type DbDigest, type DbHead } from '../db-digest.js';
import { RecoveryExit } from '../exit-codes.js';
import { journalProblems } from '../journal-problems.js';
import { RowDigest } from '../row-digest.js';
import { table } from '../table.js';

export type CopyState = 'ok' | 'behind' | 'mismatch' | 'unreadable' | 'absent';

export interface CopyReport {
  file: string;
  state: CopyState;
  rows: number | null;
  lastSeq: number | null;
  checksum: string | null;
  note: string;
}

async function readOrNull(path: string): Promise<Buffer | null> {
  return readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
}

export async function verifyDataDir(dataDir: string): Promise<{ copies: CopyReport[]; journalProblems: Array<{ line: number; reason: string }> }> {
  const paths = storePaths(dataDir);
  // Each database is hashed in its own thread while this one scans the journal.
  const dbs = [paths.db, paths.backup].map((file) => ({ file, digest: digestInThread(file) }));
  const heads = await Promise.all(dbs.map((d) => d.digest.head));
  // The journal's checksum at each database's last seq, taken as the scan passes it.
  const wanted = new Set(heads.flatMap((h) => (h.kind === 'open' ? [h.lastSeq] : [])));
  const prefixes = new Map<number, string>();
  const journal = new RowDigest();
  if (wanted.has(0)) prefixes.set(0, journal.hex());
  const bytes = await readOrNull(paths.journal);
  let journalReport: CopyReport;
  let problems: Array<{ line: number; reason: string }> = [];
  if (bytes === null) {
    journalReport = { file: paths.journal, state: 'absent', rows: null, lastSeq: null, checksum: null, note: 'the journal is the master truth: restore it (the bot recreates it from trades.db at start, CRITICAL)' };
  } else {
    try {
      const scan = scanCsv(bytes, fillFormat, 'strict', (seq, fill) => {
        journal.add(seq, fill);
        if (wanted.has(seq)) prefixes.set(seq, journal.hex());
      });
      const note = scan.torn ? `torn tail at line ${scan.torn.line} (${scan.torn.reason}): the bot sets it aside at start` : 'master truth';
      journalReport = { file: paths.journal, state: 'ok', rows: journal.rows, lastSeq: journal.lastSeq, checksum: journal.hex(), note };
    } catch (err) {
      if (!(err instanceof TraderError) || (err.code !== ErrorCode.CORRUPT && err.code !== ErrorCode.FORMAT_VERSION)) throw err;
      problems = journalProblems(bytes, 'trades');
      journalReport = { file: paths.journal, state: 'unreadable', rows: null, lastSeq: null, checksum: null, note: `${err.message.split(';')[0]}; see repair-journal` };
    }
  }
  const digests = await Promise.all(dbs.map((d) => d.digest.done));
  const copies = [journalReport, ...dbs.map((d, i) => compare(d.file, heads[i] as DbHead, digests[i] ?? null, journalReport, prefixes))];
  return { copies, journalProblems: problems };
}

function compare(file: string, head: DbHead, digest: DbDigest | null, journal: CopyReport, prefixes: Map<number, string>): CopyReport {
  if (head.kind === 'absent') return { file, state: 'absent', rows: null, lastSeq: null, checksum: null, note: 'no such file' };
  if (head.kind === 'unreadable' || digest === null) return { file, state: 'unreadable', rows: null, lastSeq: null, checksum: null, note: head.kind === 'unreadable' ? head.problem : 'not read' };
  const base = { file, rows: digest.rows, lastSeq: digest.lastSeq, checksum: digest.checksum };
  if (journal.state !== 'ok' || journal.lastSeq === null || journal.rows === null) return { ...base, state: 'mismatch', note: 'not compared: the journal cannot be read' };
  if (digest.lastSeq > journal.lastSeq) return { ...base, state: 'mismatch', note: `holds seq ${digest.lastSeq}; the journal ends at ${journal.lastSeq}` };
  const prefix = prefixes.get(digest.lastSeq);
  if (prefix !== base.checksum) {
    return { ...base, state: 'mismatch', note: prefix === undefined ? `its last seq ${digest.lastSeq} is not a journal row` : `its rows up to seq ${digest.lastSeq} differ from the journal's` };
  }
  if (digest.lastSeq === journal.lastSeq) return { ...base, state: 'ok', note: 'same rows as the journal' };
  return { ...base, state: 'behind', note: `the journal's first ${digest.rows} rows exactly; ${journal.rows - digest.rows} newer rows are replayed at start` };
}

async function run(ctx: CommandContext): Promise<number> {
  const strict = ctx.values.strict === true;
  const { copies, journalProblems: problems } = await verifyDataDir(ctx.config.dataDir);
  const failing = copies.filter((c) => c.state === 'mismatch' || c.state === 'unreadable' || (c.state === 'absent' && c === copies[0]) || (strict && (c.state === 'behind' || c.state === 'absent')));
  const ok = failing.length === 0;
  ctx.result({ ok, strict, copies, journalProblems: problems }, () =>
    [
      table(
        ['file', 'state', 'rows', 'last seq', 'checksum', 'note'],
        copies.map((c) => [c.file, c.state, c.rows, c.lastSeq, c.checksum?.slice(0, 16), c.note]),
      ),
      ...problems.map((p) => `  trades.csv line ${p.line}: ${p.reason}`),
      ok ? 'verify: OK' : `verify: FAILED (${failing.map((c) => `${c.file}: ${c.state}`).join('; ')})`,
    ].join('\n'),
  );
  return ok ? RecoveryExit.OK : RecoveryExit.FAILED;
}

export const verify: RecoveryCommand = {
  name: 'verify',
  summary: 'compare trades.csv, trades.db and trades_backup.db: rows, last seq, content checksum',
  usage: `usage: node recovery/cli.js verify [--strict] [options]
  --strict         a database behind the journal, or a missing backup, fails too
  exit 0: every copy agrees with the journal (or is a clean prefix of it); 1: a mismatch`,
  options: { strict: { type: 'boolean' } },
  mode: 'offline',
  run,
};
