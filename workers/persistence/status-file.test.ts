import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { loadLastValidStatus, StatusFile, type StatusSnapshot } from './status-file.js';
import { recordingLog, tempDataDir } from './test-support.js';

function snapshot(n: number): StatusSnapshot {
  return {
    time: 1_733_300_000_000 + n * 60_000,
    equity: 10_000 + n,
    balances: { USDT: { free: 9_000 - n, locked: n }, BTC: { free: 0.01 * n, locked: 0 } },
    positions: n % 2 ? [{ symbol: 'BTC/USDT', amount: 0.01, entryPrice: 43_000, note: 'a "quoted", comma\nnewline' }] : [],
    killSwitch: { tripped: n >= 4, reason: n >= 4 ? 'daily loss limit' : null, trippedAt: n >= 4 ? 1_733_300_000_000 : null, day: '2024-12-04', realisedLoss: { today: 10 * n } },
    breaker: { state: n === 5 ? 'open' : 'closed', failures: n },
    lastFillSeq: 3 * n,
  };
}

async function fileWith(n: number): Promise<string> {
  const path = join(await tempDataDir(), 'status.csv');
  const status = await StatusFile.open(path, recordingLog());
  for (let i = 1; i <= n; i++) expect(await status.appendStatus(snapshot(i))).toBe(i);
  await status.close();
  return path;
}

/** Drops the last `k` rows, as an operator would in an editor or a spreadsheet. */
async function deleteLastRows(path: string, k: number): Promise<void> {
  const Papa = (await import('papaparse')).default;
  const rows = Papa.parse<string[]>(await readFile(path, 'utf8'), { skipEmptyLines: true }).data;
  await writeFile(path, `${Papa.unparse(rows.slice(0, rows.length - k), { newline: '\n' })}\n`);
}

describe('status.csv', () => {
  it('round-trips every structured cell', async () => {
    const path = await fileWith(5);
    expect(await loadLastValidStatus(path, recordingLog())).toEqual(snapshot(5));
  });

  it('rollback: after the operator deletes the last rows, the state is exactly the row now last', async () => {
    const path = await fileWith(6);
    await deleteLastRows(path, 3);
    const log = recordingLog();
    const status = await StatusFile.open(path, log);
    expect(await status.loadLastValidStatus()).toEqual(snapshot(3));
    expect(log.at('warn')).toEqual([]);
    expect(await status.appendStatus(snapshot(7))).toBe(4);
    expect(await status.loadLastValidStatus()).toEqual(snapshot(7));
    await status.close();
  });

  it('skips invalid trailing rows with a warning naming their lines', async () => {
    const path = await fileWith(2);
    await appendFile(path, '3,2024-12-04T08:16:20.000Z,100,{},[],{"tripped":"yes"},{"state":"closed"}\n4,oops\n');
    const log = recordingLog();
    expect(await loadLastValidStatus(path, log)).toEqual(snapshot(2));
    expect(log.at('warn').join()).toMatch(/lines 4, 5$/);
  });

  it('sets a torn last line aside on open, so the next row does not glue onto it', async () => {
    const path = await fileWith(2);
    await appendFile(path, '3,2024-12-04T08:1');
    const log = recordingLog();
    const status = await StatusFile.open(path, log);
    expect(log.at('warn').join()).toMatch(/torn tail/);
    expect(await status.appendStatus(snapshot(3))).toBe(3);
    expect(await status.loadLastValidStatus()).toEqual(snapshot(3));
    expect((await readdir(join(path, '..'))).some((f) => f.startsWith('status.csv.torn-'))).toBe(true);
    await status.close();
  });

  it('has a format version: an unknown header is refused', async () => {
    const path = join(await tempDataDir(), 'status.csv');
    await writeFile(path, 'time,equity\n2024-12-04T08:16:20.000Z,100\n');
    await expect(loadLastValidStatus(path, recordingLog())).rejects.toMatchObject({ code: ErrorCode.FORMAT_VERSION });
  });
});
