/**
 * The persistence layer as plain modules; `main.ts` (the worker entry) drives them.
 *
 * Trades:
 *   const store = await TradeStore.open({ dataDir, log, checkpointIntervalMs, backupIntervalMs, verifyIntervalMs });
 *   await store.journalIntents([intent]);   // before the order leaves; resolves after fsync
 *   await store.appendFills([fill]);        // resolves with seqs after fsync; then in trades.db (memory)
 *   await store.intentsWithoutFill();       // on start: ask the exchange about each
 *   await store.fillsByClientOrderId(id); await store.withDatabase((db) => db.exec(sql));
 *   await store.checkpoint(); await store.verify();   // also on their timers (0 disables a timer)
 *   await store.close();                    // waits, checkpoints, closes; idempotent
 *
 * Status:
 *   const status = await StatusFile.open(paths.status, log);
 *   await status.appendStatus(snapshot);    // fsync'd
 *   await status.loadLastValidStatus();     // or loadLastValidStatus(path, log) read-only
 *
 * Errors (codes from shared/errors.ts):
 *   TG_ERR_CORRUPT         trades.csv/intents.csv has a bad row before its last one (message
 *                          names the line and `node recovery/cli.js repair-journal`); also an
 *                          appended record that would not read back (refused, no seq taken)
 *   TG_ERR_FORMAT_VERSION  a CSV header this release does not know; trades.db user_version
 *   TG_ERR_CLOSED          the store/journal is closed, a journal write failed (reopen to
 *                          recover), or trades.db is unavailable after a failed failover
 *
 * Corruption at run time: sql.js reads trades.db once, at open, and keeps the database in
 * memory; damage to the file afterwards is only visible on disk. So: (1) every checkpoint
 * looks at the header of the file it replaces (a damaged one is kept as `.corrupt-<time>`
 * with a CRITICAL alert), writes the new file atomically and re-reads it in the pool
 * (integrity_check) before it may become trades_backup.db; (2) `verify()` (timer) runs
 * integrity_check on trades.db in the pool and, when it fails, sets it aside and rewrites it
 * from memory, or fails over if the memory image fails quick_check too; (3) any insert or
 * query that raises SQLITE_CORRUPT ("database disk image is malformed") fails over: CRITICAL,
 * trades.db set aside, trades_backup.db + the journal replayed in the pool, the database
 * swapped, a fresh trades.db written. The fill that hit the error is already in the journal,
 * so the rebuilt database holds it; appends keep being journaled during the rebuild.
 *
 * Open, in order: stale -wal/-shm and dead writers' temp files removed (warn); trades.db
 * checked and replayed from the journal; if unusable or diverging from the journal
 * (CRITICAL, set aside) trades_backup.db + journal; if that fails too, the journal alone.
 * trades.db missing: rebuilt from the journal (info). Journal missing: recreated from the
 * database (CRITICAL). A torn journal tail is set aside as `trades.csv.torn-<time>` (warn).
 *
 * Alerts through the `Log` given (see log.ts): `critical` when trades.db or the backup is
 * set aside, on a runtime failover, when the journal is recreated from the database, when a
 * checkpoint does not verify; `warn` for a torn tail set aside, stale -wal/-shm removed,
 * skipped status rows; `info` for a rebuild of a missing trades.db.
 */
export { utcStamp, fsyncDir, moveAside, writeFileAtomic } from '../../shared/atomic-file.js';
export type { CsvFormat, JournalEntry, ScanResult } from './csv-format.js';
export { CsvJournal } from './csv-journal.js';
export { fillFormat, intentFormat } from './formats.js';
export type { Log } from './log.js';
export { DEFAULT_DATA_DIR, storePaths, type StorePaths } from './paths.js';
export { SCHEMA_SQL, SCHEMA_VERSION } from './sqlite.js';
export { loadLastValidStatus, StatusFile, statusFormat, type StatusSnapshot } from './status-file.js';
export { TradeStore, type CheckpointResult, type StoreState, type TradeStoreOptions } from './trade-store.js';
