import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFile, open, readdir, readFile, rename, stat, truncate, unlink, writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { fillFormat } from './formats.js';
import { storePaths, type StorePaths } from './paths.js';
import { makeFill, makeIntent, recordingLog, tempDataDir, type RecordingLog } from './test-support.js';
import { TradeStore } from './trade-store.js';

const open_: TradeStore[] = [];
afterEach(async () => {
  await Promise.all(open_.splice(0).map((s) => s.close()));
});

async function openStore(dataDir: string, log: RecordingLog = recordingLog()): Promise<TradeStore> {
  const store = await TradeStore.open({ dataDir, log, checkpointIntervalMs: 0, verifyIntervalMs: 0, backupIntervalMs: 3_600_000 });
  open_.push(store);
  return store;
}

/** 20 fills in trades_backup.db, 30 in trades.db and in the journal. */
async function seeded(): Promise<StorePaths> {
  const dir = await tempDataDir();
  const store = await TradeStore.open({ dataDir: dir, log: recordingLog(), checkpointIntervalMs: 0, verifyIntervalMs: 0, backupIntervalMs: 3_600_000 });
  await store.appendFills(Array.from({ length: 20 }, (_, i) => makeFill(i + 1)));
  expect(await store.checkpoint()).toMatchObject({ maxSeq: 20, verified: true, backedUp: true });
  await store.appendFills(Array.from({ length: 10 }, (_, i) => makeFill(i + 21)));
  expect(await store.checkpoint()).toMatchObject({ maxSeq: 30, verified: true, backedUp: false });
  await store.close();
  return storePaths(dir);
}

async function dbRows(store: TradeStore): Promise<string[]> {
  return store.withDatabase((db) => (db.exec('SELECT * FROM fills ORDER BY seq')[0]?.values ?? []).map((r) => r.map(String).join('|')));
}

/** The journal as the database should hold it. */
async function journalRows(paths: StorePaths): Promise<string[]> {
  const { scanCsv } = await import('./csv-format.js');
  const rows: string[] = [];
  scanCsv(await readFile(paths.journal), fillFormat, 'strict', (seq, fill) =>
    rows.push([seq, ...fillFormat.encode(fill).slice(0, 7), fill.amount, fill.price, fill.fee, fill.feeCurrency, fill.reason].map(String).join('|')),
  );
  return rows;
}

async function asideFiles(paths: StorePaths, prefix: string): Promise<string[]> {
  return (await readdir(paths.dataDir)).filter((f) => f.startsWith(prefix));
}

async function overwrite(path: string, offset: number, data: Buffer): Promise<void> {
  const handle = await open(path, 'r+');
  await handle.write(data, 0, data.length, offset);
  await handle.close();
}

const damage: Record<string, (path: string) => Promise<void>> = {
  truncated: async (path) => truncate(path, Math.floor((await stat(path)).size / 2) + 100),
  'zero-filled header': (path) => overwrite(path, 0, Buffer.alloc(100)),
  'random bytes over middle pages': (path) => overwrite(path, 4096, randomBytes(8192)),
  'replaced by a text file': (path) => writeFile(path, 'this is not a database\n'),
  empty: (path) => writeFile(path, ''),
};

describe('TradeStore open: the corruption matrix', () => {
  for (const [name, harm] of Object.entries(damage)) {
    it(`trades.db ${name}: CRITICAL, set aside, failover to the backup plus newer journal rows`, async () => {
      const paths = await seeded();
      await harm(paths.db);
      const log = recordingLog();
      const store = await openStore(paths.dataDir, log);
      expect(log.at('critical').join()).toMatch(/trades\.db unusable .*failing over to trades_backup\.db/);
      expect(log.at('warn').join()).toMatch(/running on trades_backup\.db plus 10 newer journal rows/);
      expect(await asideFiles(paths, 'trades.db.corrupt-')).toHaveLength(1);
      expect(await dbRows(store)).toEqual(await journalRows(paths));
      expect(await store.verify()).toBeNull();
    });
  }

  it('trades.db and the backup both corrupt: both set aside, rebuilt from the journal', async () => {
    const paths = await seeded();
    await writeFile(paths.db, 'garbage');
    await overwrite(paths.backup, 0, Buffer.alloc(100));
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('critical')).toHaveLength(2);
    expect(log.at('critical')[1]).toMatch(/trades_backup\.db unusable .*rebuilding from the journal/);
    expect(await asideFiles(paths, 'trades_backup.db.corrupt-')).toHaveLength(1);
    expect(await dbRows(store)).toHaveLength(30);
    expect(await dbRows(store)).toEqual(await journalRows(paths));
  });

  it('a torn journal tail is set aside with a warning; the database holds every acknowledged fill', async () => {
    const paths = await seeded();
    await appendFile(paths.journal, '31,2024-12-04T08:13:5');
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('warn').join()).toMatch(/torn tail/);
    expect(await dbRows(store)).toHaveLength(30);
    expect(await store.appendFills([makeFill(31)])).toEqual([31]);
  });

  it('a bad journal row in the middle stops the open with TG_ERR_CORRUPT and its line', async () => {
    const paths = await seeded();
    const text = (await readFile(paths.journal, 'utf8')).replace('tg-3,', 'tg-3,extra,');
    await writeFile(paths.journal, text);
    await unlink(paths.db);
    const err = await TradeStore.open({ dataDir: paths.dataDir, log: recordingLog() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.CORRUPT });
    expect((err as Error).message).toMatch(/line 4 .*repair-journal/);
  });

  it('a database whose last row differs from the journal is set aside: the journal wins', async () => {
    const paths = await seeded();
    const text = await readFile(paths.journal, 'utf8');
    await writeFile(paths.journal, text.replace(',tg-30,', ',tg-30-repaired,'));
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('critical').join()).toMatch(/trades\.db unusable \(its row seq 30 differs from the journal's; the journal wins\)/);
    expect(await dbRows(store)).toEqual(await journalRows(paths));
    expect(await store.fillsByClientOrderId('tg-30-repaired')).toHaveLength(1);
  });

  it('stale trades.db-wal and -shm are removed with a warning', async () => {
    const paths = await seeded();
    await writeFile(`${paths.db}-wal`, randomBytes(4096));
    await writeFile(`${paths.db}-shm`, randomBytes(4096));
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('warn').filter((m) => /removed stale/.test(m))).toHaveLength(2);
    expect(await asideFiles(paths, 'trades.db-')).toEqual([]);
    expect(await dbRows(store)).toHaveLength(30);
  });

  it('runbook scenario A, literally: rename trades.db to trades.db.corrupt and restart gives a database equal to the journal', async () => {
    const paths = await seeded();
    await rename(paths.db, `${paths.db}.corrupt`);
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('info').join()).toMatch(/trades\.db missing: rebuilding it from the journal/);
    expect(await dbRows(store)).toEqual(await journalRows(paths));
    expect((await stat(paths.db)).size).toBeGreaterThan(0);
  });

  it('journal missing, database present: the journal is recreated from the database with a CRITICAL alert', async () => {
    const paths = await seeded();
    await unlink(paths.journal);
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    expect(log.at('critical').join()).toMatch(/journal .* was missing: recreated from the database \(30 fills\)/);
    expect(await dbRows(store)).toEqual(await journalRows(paths));
    expect(await store.appendFills([makeFill(31)])).toEqual([31]);
  });

  const sqlite3 = hasSqlite3();
  it.skipIf(!sqlite3)(`a checkpointed trades.db passes PRAGMA integrity_check in the sqlite3 CLI${sqlite3 ? '' : ' (skipped: sqlite3 CLI absent; apt-get install sqlite3)'}`, async () => {
    const paths = await seeded();
    const out = execFileSync('sqlite3', [paths.db, 'PRAGMA integrity_check; SELECT count(*) FROM fills; PRAGMA user_version;'], { encoding: 'utf8' });
    expect(out.trim().split('\n')).toEqual(['ok', '30', '1']);
  });
});

describe('TradeStore at run time', () => {
  it('trades.db damaged on disk under a running store: verify() finds it, rewrites it from memory, nothing lost', async () => {
    const paths = await seeded();
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    await overwrite(paths.db, 4096, randomBytes(4096));
    await store.appendFills([makeFill(31)]);
    expect(await store.verify()).toMatch(/./);
    expect(log.at('critical').join()).toMatch(/trades\.db on disk failed verification/);
    expect(await store.verify()).toBeNull();
    await store.appendFills([makeFill(32)]);
    await store.close();
    const reopened = await openStore(paths.dataDir);
    expect(await dbRows(reopened)).toHaveLength(32);
    expect(await dbRows(reopened)).toEqual(await journalRows(paths));
  });

  it('a checkpoint that finds the file it replaces damaged keeps it as evidence and says so', async () => {
    const paths = await seeded();
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    await writeFile(paths.db, 'overwritten by a careless script');
    await store.appendFills([makeFill(31)]);
    expect(await store.checkpoint()).toMatchObject({ maxSeq: 31, verified: true });
    expect(log.at('critical').join()).toMatch(/damaged since the last checkpoint/);
    expect(await readFile((await asideFiles(paths, 'trades.db.corrupt-')).map((f) => `${paths.dataDir}/${f}`)[0] as string, 'utf8')).toMatch(/careless/);
    expect(await store.verify()).toBeNull();
  });

  it('a checkpoint notices damage past the header of the file it wrote last, instead of silently replacing it', async () => {
    const paths = await seeded();
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    await store.appendFills([makeFill(31)]);
    expect(await store.checkpoint()).toMatchObject({ maxSeq: 31, verified: true });
    expect(log.at('critical')).toEqual([]);
    // Pages in the middle overwritten; the header stays intact.
    await overwrite(paths.db, 8192, randomBytes(4096));
    await store.appendFills([makeFill(32)]);
    expect(await store.checkpoint()).toMatchObject({ maxSeq: 32, verified: true });
    expect(log.at('critical').join()).toMatch(/damaged since the last checkpoint \(its bytes differ from the last checkpoint\)/);
    expect(await asideFiles(paths, 'trades.db.corrupt-')).toHaveLength(1);
    await store.close();
    expect(await dbRows(await openStore(paths.dataDir))).toEqual(await journalRows(paths));
  });

  it('an insert that hits "database disk image is malformed" fails over without losing that fill, and the bot keeps going', async () => {
    const paths = await seeded();
    const log = recordingLog();
    const store = await openStore(paths.dataDir, log);
    // Real corruption of the live image: point the table at an index page, as a bad page would.
    await store.withDatabase((db) =>
      db.exec("PRAGMA writable_schema=ON; UPDATE sqlite_master SET rootpage=3 WHERE name='fills'; PRAGMA schema_version=999; PRAGMA writable_schema=OFF;"),
    );
    expect(await store.appendFills([makeFill(31)])).toEqual([31]);
    expect(log.at('critical').join()).toMatch(/database failure \(an insert failed: database disk image is malformed\)/);
    expect(store.currentState).toBe('open');
    expect(await store.fillsByClientOrderId('tg-31')).toEqual([{ seq: 31, record: makeFill(31) }]);
    expect(await store.appendFills([makeFill(32)])).toEqual([32]);
    expect(await dbRows(store)).toEqual(await journalRows(paths));
    expect(await asideFiles(paths, 'trades.db.corrupt-')).toHaveLength(1);
  });

  it('answers which journaled intents have no fill on record', async () => {
    const store = await openStore(await tempDataDir());
    await store.journalIntents([makeIntent(1), makeIntent(2), makeIntent(3)]);
    await store.appendFills([makeFill(2)]);
    expect((await store.intentsWithoutFill()).map((i) => i.clientOrderId)).toEqual(['tg-1', 'tg-3']);
  });
});

function hasSqlite3(): boolean {
  try {
    execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
