import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/testing/tree.js';
import { writeJournal } from '../workers/persistence/bench.js';
import { storePaths } from '../workers/persistence/index.js';
import { loadSqlJs } from '../workers/persistence/sqlite.js';
import { RecoveryExit } from './exit-codes.js';
import { canPty, cli, onTerminal } from './test-support.js';

/** 100k rows keep this file within its time budget; the 1M figure is `node recovery/bench.js` (see README). */
const BIG = 100_000;

async function dataDirWith(rows: number): Promise<{ cwd: string; paths: ReturnType<typeof storePaths> }> {
  const cwd = tempDir('tg-rebuild-');
  const paths = storePaths(join(cwd, 'data'));
  mkdirSync(paths.dataDir, { recursive: true });
  await writeJournal(paths.journal, rows);
  return { cwd, paths };
}

interface VerifyJson {
  ok: boolean;
  copies: Array<{ file: string; state: string; rows: number | null; lastSeq: number | null; checksum: string | null; note: string }>;
}
const verifyJson = async (cwd: string): Promise<{ code: number; report: VerifyJson }> => {
  const run = await cli(['verify', '--data-dir', 'data', '--json'], cwd);
  return { code: run.code, report: JSON.parse(run.stdout) as VerifyJson };
};

/** Drops the journal line that starts with `<seq>,` (rows of makeFill(seq) with no line break in the reason). */
function dropJournalRow(path: string, seq: number): void {
  const lines = readFileSync(path, 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith(`${seq},`));
  expect(at).toBeGreaterThan(0);
  lines.splice(at, 1);
  writeFileSync(path, lines.join('\n'));
}

describe('rebuild-db and verify', () => {
  it(`agree on a generated ${BIG}-row journal; the old trades.db is moved aside, never deleted`, async () => {
    const { cwd, paths } = await dataDirWith(BIG);
    writeFileSync(paths.db, 'an old, damaged trades.db');
    const rebuild = await cli(['rebuild-db', '--data-dir', 'data', '--json'], cwd);
    expect(rebuild.code, rebuild.stderr).toBe(RecoveryExit.OK);
    const summary = JSON.parse(rebuild.stdout) as { rows: number; lastSeq: number; totalMs: number; rowsPerSec: number; movedAside: string[]; problems: unknown[] };
    expect(summary).toMatchObject({ rows: BIG, lastSeq: BIG, problems: [] });
    expect(summary.rowsPerSec).toBeGreaterThan(0);
    console.info(`rebuild-db: ${BIG} rows in ${summary.totalMs} ms (${summary.rowsPerSec} rows/s)`);
    expect(rebuild.stderr, 'no progress line without a terminal').not.toMatch(/rebuilding trades\.db from/);
    expect(summary.movedAside).toHaveLength(1);
    expect(readFileSync(join(cwd, summary.movedAside[0] as string), 'utf8')).toBe('an old, damaged trades.db');

    const t0 = performance.now();
    const { code, report } = await verifyJson(cwd);
    console.info(`verify: ${BIG} rows in ${Math.round(performance.now() - t0)} ms`);
    expect(code).toBe(RecoveryExit.OK);
    const [journal, db, backup] = report.copies;
    expect(journal).toMatchObject({ state: 'ok', rows: BIG, lastSeq: BIG });
    expect(db).toMatchObject({ state: 'ok', rows: BIG, lastSeq: BIG, checksum: journal?.checksum });
    expect(backup).toMatchObject({ state: 'absent' });
  });

  it('verify fails on a damaged trades.db, on one changed value, and on a journal row dropped', async () => {
    const { cwd, paths } = await dataDirWith(2_000);
    expect((await cli(['rebuild-db', '--data-dir', 'data'], cwd)).code).toBe(RecoveryExit.OK);
    expect((await verifyJson(cwd)).code).toBe(RecoveryExit.OK);

    // One value changed inside an otherwise healthy database: only the checksum can see it.
    const SQL = await loadSqlJs();
    const good = readFileSync(paths.db);
    const db = new SQL.Database(good);
    db.exec('UPDATE fills SET price = price + 0.01 WHERE seq = 1234');
    writeFileSync(paths.db, db.export());
    db.close();
    let v = await verifyJson(cwd);
    expect(v.code).toBe(RecoveryExit.FAILED);
    expect(v.report.copies[1]).toMatchObject({ state: 'mismatch', rows: 2_000, note: expect.stringMatching(/differ from the journal/) });

    // Bytes overwritten in the middle of the file.
    const damaged = Buffer.from(good);
    damaged.fill(0x5a, 8192, 12288);
    writeFileSync(paths.db, damaged);
    v = await verifyJson(cwd);
    expect(v.code).toBe(RecoveryExit.FAILED);
    expect(v.report.copies[1]?.state).toMatch(/unreadable|mismatch/);

    // The journal loses its last row: the database holds a row the journal does not.
    writeFileSync(paths.db, good);
    dropJournalRow(paths.journal, 2_000);
    v = await verifyJson(cwd);
    expect(v.code).toBe(RecoveryExit.FAILED);
    expect(v.report.copies[1]).toMatchObject({ state: 'mismatch', note: expect.stringMatching(/journal ends at 1999/) });

    // A row dropped in the middle: the journal itself no longer reads.
    dropJournalRow(paths.journal, 1_001);
    v = await verifyJson(cwd);
    expect(v.code).toBe(RecoveryExit.FAILED);
    expect(v.report.copies[0]).toMatchObject({ state: 'unreadable', note: expect.stringMatching(/seq 1002 does not follow 1000/) });
  });

  it('a trades.db that is a clean prefix of the journal is "behind": passes, fails with --strict', async () => {
    const { cwd, paths } = await dataDirWith(300);
    expect((await cli(['rebuild-db', '--data-dir', 'data'], cwd)).code).toBe(RecoveryExit.OK);
    // The journal grows by 10 rows after the checkpoint, as after a crash (rows are deterministic: the first 300 are the same).
    await writeJournal(paths.journal, 310);
    const v = await verifyJson(cwd);
    expect(v.code).toBe(RecoveryExit.OK);
    expect(v.report.copies[0]).toMatchObject({ rows: 310 });
    expect(v.report.copies[1]).toMatchObject({ state: 'behind', rows: 300 });
    expect((await cli(['verify', '--data-dir', 'data', '--strict'], cwd)).code).toBe(RecoveryExit.FAILED);
  });

  it('rebuild-db refuses a journal with a bad row in the middle, names its line, and leaves trades.db alone', async () => {
    const { cwd, paths } = await dataDirWith(50);
    writeFileSync(paths.db, 'previous trades.db');
    const text = readFileSync(paths.journal, 'utf8');
    const at = text.indexOf('\n21,');
    writeFileSync(paths.journal, `${text.slice(0, at + 1)}this is not a row\n${text.slice(at + 1)}`);
    const line = text.slice(0, at + 1).split('\n').length;
    const run = await cli(['rebuild-db', '--data-dir', 'data'], cwd);
    expect(run.code).toBe(RecoveryExit.DATA);
    expect(run.stdout).toContain(`line ${line}:`);
    expect(run.stdout).toMatch(/repair-journal/);
    expect(readFileSync(paths.db, 'utf8')).toBe('previous trades.db');
    expect(readdirSync(paths.dataDir).filter((f) => f.includes('before-rebuild'))).toEqual([]);
    expect(existsSync(paths.journal)).toBe(true);
  });

  it.skipIf(!canPty)('rebuild-db shows its progress on a terminal', async () => {
    const { cwd } = await dataDirWith(500);
    const run = await onTerminal(['rebuild-db', '--data-dir', 'data'], cwd, '');
    expect(run.code, run.output).toBe(RecoveryExit.OK);
    expect(run.output).toMatch(/rebuilding trades\.db from data\/trades\.csv \(0\.\d MB\): \d+\.\d s/);
    expect(run.output).toMatch(/trades\.db rebuilt from trades\.csv: 500 rows/);
  });
});
