/**
 * Hashes every row of one database file off verify's main thread, so trades.db, the backup
 * and the journal are read side by side (a million rows take seconds each). Reads only.
 */
import { readFile } from 'node:fs/promises';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toErrorRecord } from '../shared/errors.js';
import { loadSqlJs, maxSeq, openDatabase, problemWith, selectFills } from '../workers/persistence/sqlite.js';
import type { DigestMessage } from './db-digest-messages.js';
import { RowDigest } from './row-digest.js';

if (isMainThread || !parentPort) throw new Error('db-digest-worker.js runs as a worker thread (see verify.ts)');
const port = parentPort;
const post = (message: DigestMessage): void => port.postMessage(message);

/** Rows per query: a million rows never sit in memory at once. */
const PAGE = 20_000;

async function digest(path: string): Promise<void> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  if (bytes === null) return post({ type: 'absent' });
  const SQL = await loadSqlJs();
  const problem = problemWith(SQL, bytes);
  if (problem !== null) return post({ type: 'unreadable', problem });
  const db = openDatabase(SQL, bytes);
  try {
    post({ type: 'head', lastSeq: maxSeq(db) });
    const rows = new RowDigest();
    for (;;) {
      const page = selectFills(db, 'WHERE seq > ? ORDER BY seq LIMIT ?', [rows.lastSeq, PAGE]);
      for (const { seq, record } of page) rows.add(seq, record);
      if (page.length < PAGE) break;
    }
    post({ type: 'done', rows: rows.rows, lastSeq: rows.lastSeq, checksum: rows.hex() });
  } finally {
    db.close();
  }
}

try {
  await digest((workerData as { path: string }).path);
} catch (err) {
  post({ type: 'error', error: toErrorRecord(err) });
}
