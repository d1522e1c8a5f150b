/** verify's side of db-digest-worker.ts: one thread per database file, answers as two promises. */
import { Worker } from 'node:worker_threads';
import { fromErrorRecord } from '../shared/errors.js';
import type { DigestMessage } from './db-digest-messages.js';

export type DbHead = { kind: 'absent' } | { kind: 'unreadable'; problem: string } | { kind: 'open'; lastSeq: number };
export interface DbDigest {
  rows: number;
  lastSeq: number;
  checksum: string;
}

export interface RunningDigest {
  /** Settles once the file is opened and checked (or found absent or unusable). */
  head: Promise<DbHead>;
  /** The checksum of every row; null when the head was not `open`. */
  done: Promise<DbDigest | null>;
}

export function digestInThread(path: string): RunningDigest {
  const worker = new Worker(new URL('./db-digest-worker.js', import.meta.url), { workerData: { path } });
  let settleHead!: (head: DbHead) => void;
  let fail!: (err: Error) => void;
  const head = new Promise<DbHead>((resolve) => (settleHead = resolve));
  const done = new Promise<DbDigest | null>((resolve, reject) => {
    fail = reject;
    worker.on('message', (m: DigestMessage) => {
      switch (m.type) {
        case 'absent':
          settleHead({ kind: 'absent' });
          return resolve(null);
        case 'unreadable':
          settleHead({ kind: 'unreadable', problem: m.problem });
          return resolve(null);
        case 'head':
          return settleHead({ kind: 'open', lastSeq: m.lastSeq });
        case 'done':
          return resolve({ rows: m.rows, lastSeq: m.lastSeq, checksum: m.checksum });
        case 'error':
          return reject(fromErrorRecord(m.error));
        default: {
          const unknown: never = m;
          return reject(new Error(`unknown digest message ${JSON.stringify(unknown)}`));
        }
      }
    });
  });
  // A thread that dies without answering must not leave verify waiting.
  worker.once('error', (err) => fail(err));
  worker.once('exit', (code) => fail(new Error(`the digest thread for ${path} exited (${code}) before it answered`)));
  // The head is never left pending: a failure before it rejects `done`, which verify awaits too.
  done.catch(() => settleHead({ kind: 'unreadable', problem: 'the digest thread failed' }));
  return { head, done };
}
