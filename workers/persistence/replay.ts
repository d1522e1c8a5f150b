/**
 * Builds a trades.db image from a base database file (or nothing) plus every journal row
 * newer than the base's last seq. Pure CPU and reads, no writes: it runs in the piscina
 * pool so the persistence worker's loop stays free while a large journal replays.
 */
import { readFile } from 'node:fs/promises';
import { isDeepStrictEqual } from 'node:util';
import type { Fill } from '../../shared/domain.js';
import { scanCsv, type ScanResult } from './csv-format.js';
import { fillFormat } from './formats.js';
import { FillInserter, finishBulkDatabase, loadSqlJs, maxSeq, openBulkDatabase, openDatabase, problemWith, selectFills, type Database } from './sqlite.js';

export interface ReplayInput {
  journalPath: string;
  /** The database to start from; null builds from the journal alone. */
  basePath: string | null;
}

export type ReplayOutput =
  /** The base file cannot serve (why); nothing was built. */
  | { kind: 'bad-base'; problem: string }
  /** The base disagrees with the journal (the journal wins): it holds seqs the journal does not, or its last row differs. */
  | { kind: 'base-diverged'; problem: string }
  | {
      kind: 'built';
      bytes: Uint8Array;
      baseMaxSeq: number;
      replayed: number;
      maxSeq: number;
      /** The journal scan, or null when the journal file is missing. */
      scan: ScanResult | null;
    };

const BATCH = 50_000;

export async function replay(input: ReplayInput): Promise<ReplayOutput> {
  const SQL = await loadSqlJs();
  let db: Database;
  if (input.basePath === null) {
    db = openBulkDatabase(SQL);
  } else {
    const bytes = await readFile(input.basePath);
    const problem = problemWith(SQL, bytes);
    if (problem !== null) return { kind: 'bad-base', problem };
    db = openDatabase(SQL, bytes);
  }
  try {
    const baseMaxSeq = maxSeq(db);
    // The base's last row must be the journal's row of that seq: a cheap check that both
    // still tell the same story (a repaired or replaced journal would not).
    const anchor = selectFills(db, 'ORDER BY seq DESC LIMIT 1')[0] ?? null;
    let anchorSeen = anchor === null;
    const journal = await readFile(input.journalPath).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    let replayed = 0;
    let scan: ScanResult | null = null;
    if (journal !== null) {
      // Batches in transactions of BATCH rows keep the rollback journal small.
      const inserter = new FillInserter(db);
      let inBatch = 0;
      db.exec('BEGIN');
      scan = scanCsv(journal, fillFormat, 'strict', (seq: number, fill: Fill, cells: readonly string[]) => {
        if (seq === anchor?.seq) anchorSeen = isDeepStrictEqual(fill, anchor.record);
        if (seq <= baseMaxSeq) return;
        inserter.add(seq, fill, cells[1]);
        replayed += 1;
        if (++inBatch === BATCH) {
          inserter.flush();
          db.exec('COMMIT; BEGIN');
          inBatch = 0;
        }
      });
      inserter.flush();
      db.exec('COMMIT');
      inserter.free();
      if (baseMaxSeq > scan.lastSeq) return { kind: 'base-diverged', problem: `it holds seq ${baseMaxSeq} but the journal ends at ${scan.lastSeq}` };
      if (!anchorSeen) return { kind: 'base-diverged', problem: `its row seq ${baseMaxSeq} differs from the journal's` };
    }
    if (input.basePath === null) finishBulkDatabase(db);
    return { kind: 'built', bytes: db.export(), baseMaxSeq, replayed, maxSeq: maxSeq(db), scan };
  } finally {
    db.close();
  }
}
