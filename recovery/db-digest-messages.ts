/** What a database digest thread (db-digest-worker.ts) tells verify, in order: one of absent/unreadable/head, then done or error. */
import type { ErrorRecord } from '../shared/errors.js';

export type DigestMessage =
  /** No such file. */
  | { type: 'absent' }
  /** The file cannot serve as trades.db (header, schema version, integrity_check): why. */
  | { type: 'unreadable'; problem: string }
  /** Opened and checked; its last seq, so the journal scan knows where to take a prefix checksum. */
  | { type: 'head'; lastSeq: number }
  /** Every row hashed (recovery/row-digest.ts). */
  | { type: 'done'; rows: number; lastSeq: number; checksum: string }
  | { type: 'error'; error: ErrorRecord };
