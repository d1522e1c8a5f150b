import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { CsvJournal } from './csv-journal.js';
import { fillFormat, intentFormat } from './formats.js';
import { makeFill, makeIntent, recordingLog, tempDataDir } from './test-support.js';

async function journalWith(n: number): Promise<string> {
  const path = join(await tempDataDir(), 'trades.csv');
  const journal = await CsvJournal.open(path, fillFormat, recordingLog());
  await journal.append(Array.from({ length: n }, (_, i) => makeFill(i + 1)));
  await journal.close();
  return path;
}

describe('CsvJournal', () => {
  it('round-trips fills with quotes, commas and newlines, and reads as plain CSV with a header', async () => {
    const path = await journalWith(10);
    const journal = await CsvJournal.open(path, fillFormat, recordingLog());
    const entries = await journal.readAll();
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(entries.map((e) => e.record)).toEqual(Array.from({ length: 10 }, (_, i) => makeFill(i + 1)));
    await journal.close();
    const parsed = Papa.parse<Record<string, string>>(await readFile(path, 'utf8'), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    expect(parsed.meta.fields).toEqual(['seq', ...fillFormat.columns]);
    expect(parsed.data[4]?.reason).toBe('ema "cross", rsi<30\nline two 5');
    expect(parsed.data[0]?.time).toBe('2024-12-04T08:13:21.000Z');
  });

  it('shares fsyncs between appends that arrive together, acknowledging each with its own seqs', async () => {
    const path = join(await tempDataDir(), 'trades.csv');
    const journal = await CsvJournal.open(path, fillFormat, recordingLog());
    const acks = await Promise.all(Array.from({ length: 200 }, (_, i) => journal.append([makeFill(i + 1)])));
    expect(acks.flat()).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(journal.flushCount).toBeGreaterThan(0);
    expect(journal.flushCount).toBeLessThan(200);
    expect((await journal.readAll()).length).toBe(200);
    await journal.close();
  });

  it('journals intents through the same class', async () => {
    const path = join(await tempDataDir(), 'intents.csv');
    const journal = await CsvJournal.open(path, intentFormat, recordingLog());
    await journal.append([makeIntent(1), makeIntent(2)]);
    expect((await journal.readAll()).map((e) => e.record)).toEqual([makeIntent(1), makeIntent(2)]);
    await journal.close();
  });

  it('refuses a record that would not read back, without taking a seq', async () => {
    const path = join(await tempDataDir(), 'trades.csv');
    const journal = await CsvJournal.open(path, fillFormat, recordingLog());
    await expect(journal.append([{ ...makeFill(1), amount: Number.NaN }])).rejects.toMatchObject({ code: ErrorCode.CORRUPT });
    expect(await journal.append([makeFill(1)])).toEqual([1]);
    await journal.close();
  });

  it('sets a last line without a line end aside and truncates back to the last good line', async () => {
    const path = await journalWith(7);
    const good = await readFile(path);
    await appendFile(path, '8,2024-12-04T08:13:27.000Z,900008,tg-8,BTC/US');
    const log = recordingLog();
    const journal = await CsvJournal.open(path, fillFormat, log);
    expect(journal.lastSeq).toBe(7);
    expect(await readFile(path)).toEqual(good);
    const torn = (await readdir(join(path, '..'))).filter((f) => f.startsWith('trades.csv.torn-'));
    expect(torn).toHaveLength(1);
    expect(await readFile(join(path, '..', torn[0] as string), 'utf8')).toBe('8,2024-12-04T08:13:27.000Z,900008,tg-8,BTC/US');
    expect(log.at('warn').join()).toMatch(/torn tail from line 10/);
    expect(await journal.append([makeFill(8)])).toEqual([8]);
    expect((await journal.readAll()).map((e) => e.record)).toEqual(Array.from({ length: 8 }, (_, i) => makeFill(i + 1)));
    await journal.close();
  });

  it('sets aside a complete last row that does not validate', async () => {
    const path = await journalWith(3);
    await appendFile(path, '4,not-a-time,x,y,BTC/USDT,buy,market,entry,1,1,0,BNB,r\n');
    const log = recordingLog();
    const journal = await CsvJournal.open(path, fillFormat, log);
    expect(journal.lastSeq).toBe(3);
    expect(log.at('warn').join()).toMatch(/time "not-a-time"/);
    await journal.close();
  });

  it('refuses to open when a bad row has good rows after it, naming the line and the repair command', async () => {
    const path = await journalWith(6);
    const lines = (await readFile(path, 'utf8')).split('\n');
    lines[2] = '2,garbage';
    await writeFile(path, lines.join('\n'));
    const err = await CsvJournal.open(path, fillFormat, recordingLog()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CORRUPT });
    expect((err as Error).message).toMatch(/line 3 .*node recovery\/cli\.js repair-journal/);
  });

  it('refuses an unknown header as a format version it cannot read', async () => {
    const path = join(await tempDataDir(), 'trades.csv');
    await writeFile(path, 'seq,time,symbol,side\n1,2024-12-04T08:13:27.000Z,BTC/USDT,buy\n');
    await expect(CsvJournal.open(path, fillFormat, recordingLog())).rejects.toMatchObject({ code: ErrorCode.FORMAT_VERSION });
  });
});
