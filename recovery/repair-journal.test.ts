import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/testing/tree.js';
import { writeJournal } from '../workers/persistence/bench.js';
import { CsvJournal, fillFormat, intentFormat, storePaths } from '../workers/persistence/index.js';
import { encodeHeader, encodeRows } from '../workers/persistence/csv-format.js';
import { makeIntent, recordingLog } from '../workers/persistence/test-support.js';
import { RecoveryExit } from './exit-codes.js';
import { cli } from './test-support.js';

const GARBAGE = 'x9,\u0000\u0000 half a row from a bad disk,"';

/** A 40-row journal (its reasons hold line breaks, so rows and lines differ) with a garbage row inserted before seq 21. */
async function damagedJournal(): Promise<{ cwd: string; path: string; line: number; original: string }> {
  const cwd = tempDir('tg-repair-');
  const { dataDir, journal } = storePaths(join(cwd, 'data'));
  mkdirSync(dataDir, { recursive: true });
  await writeJournal(journal, 40);
  const original = readFileSync(journal, 'utf8');
  const at = original.indexOf('\n21,') + 1;
  writeFileSync(journal, `${original.slice(0, at)}${GARBAGE}"\n${original.slice(at)}`);
  return { cwd, path: journal, line: original.slice(0, at).split('\n').length, original };
}

describe('repair-journal', () => {
  it('shows a bad row with its line and neighbours and drops nothing without --quarantine', async () => {
    const { cwd, path, line } = await damagedJournal();
    const before = readFileSync(path);
    const run = await cli(['repair-journal', '--data-dir', 'data'], cwd);
    expect(run.code).toBe(RecoveryExit.FAILED);
    expect(run.stderr).toContain(`line ${line}:`);
    expect(run.stderr).toMatch(new RegExp(`^> +${line} \\| x9,`, 'm'));
    expect(run.stderr).toMatch(new RegExp(`^  +${line + 1} \\| 21,`, 'm'));
    expect(run.stdout).toMatch(/nothing changed/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(join(cwd, 'data')).filter((f) => f.includes('quarantine'))).toEqual([]);
    // And the journal really is unusable as it is: the bot's own open refuses it.
    await expect(CsvJournal.open(path, fillFormat, recordingLog())).rejects.toMatchObject({ code: 'TG_ERR_CORRUPT' });
  });

  it('with --quarantine moves the row to the quarantine file and the journal opens cleanly with every good row', async () => {
    const { cwd, path, original } = await damagedJournal();
    const run = await cli(['repair-journal', '--data-dir', 'data', '--quarantine', '--json'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.OK);
    const result = JSON.parse(run.stdout) as { quarantine: string; rows: number; lastSeq: number };
    expect(result).toMatchObject({ rows: 40, lastSeq: 40 });
    expect(readFileSync(join(cwd, result.quarantine), 'utf8')).toBe(`${GARBAGE}"\n`);
    expect(readFileSync(path, 'utf8')).toBe(original);
    const journal = await CsvJournal.open(path, fillFormat, recordingLog());
    expect((await journal.readAll()).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await journal.close();
    // A second run finds nothing to do.
    expect((await cli(['repair-journal', '--data-dir', 'data'], cwd)).code).toBe(RecoveryExit.OK);
  });

  it('refuses to quarantine a damaged row that holds a seq (the journal would have a gap), and changes nothing', async () => {
    const cwd = tempDir('tg-repair-');
    const { dataDir, journal } = storePaths(join(cwd, 'data'));
    mkdirSync(dataDir, { recursive: true });
    await writeJournal(journal, 30);
    const text = readFileSync(journal, 'utf8');
    // Row 12's side is garbled: the row is a fill that happened, removing it would lose it.
    writeFileSync(journal, text.replace(/\n12,([^,]*),([^,]*),([^,]*),([^,]*),sell,/, '\n12,$1,$2,$3,$4,sel?,'));
    const damaged = readFileSync(journal);
    expect(damaged.equals(Buffer.from(text))).toBe(false);
    const run = await cli(['repair-journal', '--data-dir', 'data', '--quarantine'], cwd);
    expect(run.code).toBe(RecoveryExit.DATA);
    expect(run.stderr).toMatch(/seq 13 does not follow 11/);
    expect(readFileSync(journal).equals(damaged)).toBe(true);
    expect(readdirSync(dataDir).filter((f) => f.includes('quarantine'))).toEqual([]);
  });

  it('--file intents repairs intents.csv the same way', async () => {
    const cwd = tempDir('tg-repair-');
    const { dataDir, intents } = storePaths(join(cwd, 'data'));
    mkdirSync(dataDir, { recursive: true });
    const entries = Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, record: makeIntent(i + 1) }));
    writeFileSync(intents, `${encodeHeader(intentFormat)}${encodeRows(intentFormat, entries.slice(0, 3))}garbage\n${encodeRows(intentFormat, entries.slice(3))}`);
    expect((await cli(['repair-journal', '--data-dir', 'data', '--file', 'intents'], cwd)).code).toBe(RecoveryExit.FAILED);
    const run = await cli(['repair-journal', '--data-dir', 'data', '--file', 'intents', '--quarantine'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.OK);
    const journal = await CsvJournal.open(intents, intentFormat, recordingLog());
    expect((await journal.readAll()).length).toBe(6);
    await journal.close();
  });
});
