/**
 * The trade store: the fills journal (truth), the intents journal, and the in-memory
 * trades.db (sql.js) that mirrors the journal for queries, checkpointed to disk whole and
 * atomically, verified, and copied to trades_backup.db. See index.ts for the API contract.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import type { Fill, OrderIntent } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import { moveAside, writeFileAtomic } from '../../shared/atomic-file.js';
import { encodeHeader, encodeRows, type JournalEntry } from './csv-format.js';
import { CsvJournal } from './csv-journal.js';
import { fillFormat, intentFormat } from './formats.js';
import type { Log } from './log.js';
import { exists, loadImage, removeLeftovers, type LoadedImage } from './open-image.js';
import { DEFAULT_DATA_DIR, storePaths, type StorePaths } from './paths.js';
import { PersistencePool } from './pool.js';
import { FillInserter, hasSqliteHeader, isCorruptionError, loadSqlJs, maxSeq, openDatabase, selectFills, type Database, type SqlJs } from './sqlite.js';

export interface TradeStoreOptions {
  /** @default 'dashboard/data/scalping' */
  dataDir?: string;
  log: Log;
  /** Checkpoint trades.db this often; 0: only on `checkpoint()` and `close()`. @default 60_000 */
  checkpointIntervalMs?: number;
  /** Copy a verified checkpoint to trades_backup.db when the last copy is this old. @default 3_600_000 */
  backupIntervalMs?: number;
  /** Verify trades.db on disk (integrity_check, in the pool) this often; 0: only on `verify()`. @default 300_000 */
  verifyIntervalMs?: number;
  /** Threads of the rebuild/verify pool. @default 1 */
  poolThreads?: number;
}

/** open: normal. recovering: a failover is rebuilding the database. degraded: the database is unavailable, the journal still records. closed. */
export type StoreState = 'open' | 'recovering' | 'degraded' | 'closed';

export interface CheckpointResult {
  maxSeq: number;
  bytes: number;
  /** The written file passed integrity_check. */
  verified: boolean;
  backedUp: boolean;
}

export class TradeStore {
  private state: StoreState = 'open';
  private dbChain: Promise<void> = Promise.resolve();
  private checkpointChain: Promise<unknown> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private lastBackupAt: number;
  /** SHA-256 of the bytes the last checkpoint wrote to trades.db, to tell outside damage from our own file. */
  private lastWrittenHash: string | null = null;
  private closing: Promise<void> | null = null;

  private constructor(
    private readonly SQL: SqlJs,
    private db: Database,
    private dbMaxSeq: number,
    private readonly journal: CsvJournal<Fill>,
    private readonly intents: CsvJournal<OrderIntent>,
    private readonly pool: PersistencePool,
    readonly paths: StorePaths,
    private readonly log: Log,
    private readonly options: Required<Omit<TradeStoreOptions, 'dataDir' | 'log'>>,
    lastBackupAt: number,
  ) {
    this.lastBackupAt = lastBackupAt;
  }

  /** Opens the store, repairing or failing over as the runbook says (see open-image.ts). */
  static async open(options: TradeStoreOptions): Promise<TradeStore> {
    const { log } = options;
    const paths = storePaths(options.dataDir ?? DEFAULT_DATA_DIR);
    const compiled = {
      checkpointIntervalMs: options.checkpointIntervalMs ?? 60_000,
      backupIntervalMs: options.backupIntervalMs ?? 3_600_000,
      verifyIntervalMs: options.verifyIntervalMs ?? 300_000,
      poolThreads: options.poolThreads ?? 1,
    };
    const pool = new PersistencePool({ maxThreads: compiled.poolThreads });
    const opened: Array<CsvJournal<Fill> | CsvJournal<OrderIntent>> = [];
    try {
      await mkdir(paths.dataDir, { recursive: true });
      await removeLeftovers(paths, log);
      const image = await loadImage(paths, pool, log);
      const SQL = await loadSqlJs();
      const db = openDatabase(SQL, image.bytes);
      if (image.scan === null) await recreateJournal(paths, db, log);
      const journal = await CsvJournal.open(paths.journal, fillFormat, log, image.scan ? { scanned: image.scan } : {});
      opened.push(journal);
      const intents = await CsvJournal.open(paths.intents, intentFormat, log);
      opened.push(intents);
      const backupAt = await stat(paths.backup).then((s) => s.mtimeMs, () => 0);
      const store = new TradeStore(SQL, db, image.maxSeq, journal, intents, pool, paths, log, compiled, backupAt);
      // A fresh start (nothing anywhere) has nothing to write yet; anything rebuilt is written now.
      const fresh = image.source === 'journal' && image.maxSeq === 0;
      if (!fresh && (image.source !== 'trades.db' || image.replayed > 0)) await store.checkpoint();
      store.startTimers();
      log.info(`trade store open: ${image.maxSeq} fills from ${image.source} (+${image.replayed} replayed from the journal)`, {
        source: image.source,
        replayed: image.replayed,
        maxSeq: image.maxSeq,
      });
      return store;
    } catch (err) {
      await Promise.all(opened.map((j) => j.close()));
      await pool.destroy();
      throw err;
    }
  }

  get currentState(): StoreState {
    return this.state;
  }

  /** Seq of the last fill journaled. */
  get lastSeq(): number {
    return this.journal.lastSeq;
  }

  /**
   * Journals `fills` (resolves after fsync, with their seqs), then adds them to the database.
   * A database failure never loses a fill: it is already in the journal, and the failover
   * rebuilds the database from the journal.
   */
  async appendFills(fills: readonly Fill[]): Promise<number[]> {
    this.assertOpen();
    const seqs = await this.journal.append(fills);
    await this.serial(() => this.insert(seqs.map((seq, i) => ({ seq, record: fills[i] as Fill }))));
    return seqs;
  }

  /** Journals order intents before the orders leave; resolves after fsync. */
  journalIntents(intents: readonly OrderIntent[]): Promise<number[]> {
    this.assertOpen();
    return this.intents.append(intents);
  }

  /** Intents without any fill on record: a restarted bot asks the exchange about each. */
  async intentsWithoutFill(): Promise<OrderIntent[]> {
    const entries = await this.intents.readAll();
    const filled = new Set(await this.withDatabase((db) => db.exec('SELECT DISTINCT client_order_id FROM fills')[0]?.values.map((v) => String(v[0])) ?? []));
    return entries.map((e) => e.record).filter((i) => !filled.has(i.clientOrderId));
  }

  fillsByClientOrderId(clientOrderId: string): Promise<Array<JournalEntry<Fill>>> {
    return this.selectFills('client_order_id = ?', [clientOrderId]);
  }

  /** Fills with a seq above `seq`, oldest first: what a restart replays on top of a status snapshot. */
  async fillsAfter(seq: number): Promise<Array<{ seq: number; fill: Fill }>> {
    return (await this.selectFills('seq > ?', [seq])).map((e) => ({ seq: e.seq, fill: e.record }));
  }

  private selectFills(where: string, params: Array<string | number>): Promise<Array<JournalEntry<Fill>>> {
    return this.withDatabase((db) => selectFills(db, `WHERE ${where} ORDER BY seq`, params));
  }

  /**
   * Runs `fn` against the live database, after pending inserts. A corruption error starts
   * the failover and `fn` is retried once on the rebuilt database.
   */
  withDatabase<R>(fn: (db: Database) => R): Promise<R> {
    return this.serial(async () => {
      this.assertDatabase();
      try {
        return fn(this.db);
      } catch (err) {
        if (!isCorruptionError(err)) throw err;
        await this.failover(`a query failed: ${(err as Error).message}`);
        this.assertDatabase();
        return fn(this.db);
      }
    });
  }

  /**
   * Writes the database to trades.db atomically, re-reads the written file in the pool
   * (integrity_check), and copies a verified one to trades_backup.db when the backup is due.
   */
  checkpoint(): Promise<CheckpointResult> {
    const run = this.checkpointChain.then(() => this.writeCheckpoint());
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Checks trades.db on disk (sql.js never reads it after open, so outside damage shows only
   * here or at the next start). A damaged file is moved aside with a CRITICAL alert and
   * replaced from memory, or, if the memory image fails its own check, by the failover.
   * Returns the problem found, or null.
   */
  verify(): Promise<string | null> {
    // In the checkpoint chain: a checkpoint renaming trades.db mid-verify would look like damage.
    const run = this.checkpointChain.then(() => this.verifyOnDisk());
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  /** Stops the timers, waits for pending work, checkpoints, closes files and the pool. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    // Journals first: their last acks queue the last inserts, which the checkpoint must hold.
    await this.journal.close();
    await this.intents.close();
    await this.dbChain;
    if (this.state !== 'degraded') await this.checkpoint().catch((err: Error) => this.log.error(`final checkpoint failed: ${err.message}`));
    await this.checkpointChain;
    this.state = 'closed';
    this.db.close();
    await this.pool.destroy();
  }

  private startTimers(): void {
    const every = (ms: number, what: string, fn: () => Promise<unknown>): void => {
      if (ms <= 0) return;
      const t = setInterval(() => void fn().catch((err: Error) => this.log.error(`${what} failed: ${err.message}`, { code: (err as TraderError).code })), ms);
      t.unref();
      this.timers.push(t);
    };
    every(this.options.checkpointIntervalMs, 'checkpoint', () => this.checkpoint());
    every(this.options.verifyIntervalMs, 'verify', () => this.verify());
  }

  private async verifyOnDisk(): Promise<string | null> {
    if (!(await exists(this.paths.db)) && this.lastWrittenHash === null) {
      // A new store has not checkpointed yet: nothing was lost, there is simply no file yet.
      this.log.info('trades.db has not been written yet; writing the first checkpoint now');
      await this.writeCheckpoint();
      return null;
    }
    const problem = (await exists(this.paths.db)) ? await this.pool.inspect(this.paths.db) : 'trades.db is missing';
    if (problem === null) return null;
    const aside = (await exists(this.paths.db)) ? await moveAside(this.paths.db, 'corrupt') : null;
    this.log.critical(`trades.db on disk failed verification (${problem})${aside ? `: moved to ${aside}` : ''}; rewriting it`, { problem, aside });
    const memoryOk = await this.serial(() => this.state !== 'degraded' && this.db.exec('PRAGMA quick_check')[0]?.values[0]?.[0] === 'ok').catch(
      () => false,
    );
    if (!memoryOk) await this.serial(() => this.failover(`in-memory database failed quick_check after ${problem}`));
    await this.writeCheckpoint();
    return problem;
  }

  private async writeCheckpoint(): Promise<CheckpointResult> {
    const snapshot = await this.serial(() => {
      this.assertDatabase();
      return { bytes: this.db.export(), maxSeq: this.dbMaxSeq };
    });
    await this.setAsideIfDamaged();
    await writeFileAtomic(this.paths.db, snapshot.bytes);
    this.lastWrittenHash = sha256(snapshot.bytes);
    let problem = await this.pool.inspect(this.paths.db);
    if (problem !== null) {
      // Damaged between our write and our check (or the write itself went bad): keep it as
      // evidence and write once more from memory before giving up on this checkpoint.
      const aside = await moveAside(this.paths.db, 'corrupt');
      this.log.critical(`trades.db failed its check right after a checkpoint (${problem}): moved to ${aside}; writing it again from memory`, { problem, aside });
      await writeFileAtomic(this.paths.db, snapshot.bytes);
      problem = await this.pool.inspect(this.paths.db);
    }
    const result: CheckpointResult = { maxSeq: snapshot.maxSeq, bytes: snapshot.bytes.length, verified: problem === null, backedUp: false };
    if (problem !== null) {
      this.log.critical(`checkpoint wrote trades.db but the file does not verify (${problem}); trades_backup.db left as it was`, { problem });
      return result;
    }
    const now = Date.now();
    if (now - this.lastBackupAt >= this.options.backupIntervalMs || !(await exists(this.paths.backup))) {
      await writeFileAtomic(this.paths.backup, snapshot.bytes);
      this.lastBackupAt = now;
      result.backedUp = true;
      this.log.info(`trades_backup.db updated from a verified checkpoint (seq ${snapshot.maxSeq})`, { maxSeq: snapshot.maxSeq });
    }
    return result;
  }

  /**
   * The file a checkpoint is about to replace should be the last checkpoint. A bad header
   * means something outside damaged it: keep it as evidence and say so (the full
   * integrity_check of the file on disk is `verify()`'s job, it costs seconds at 1M rows).
   */
  private async setAsideIfDamaged(): Promise<void> {
    const head = await readHead(this.paths.db);
    if (head === null) return;
    let why: string | null = hasSqliteHeader(head) ? null : 'bad header';
    // Damage past the header shows only against what we wrote: the file must be byte for byte
    // the last checkpoint. (Before this store's first checkpoint, the open already checked it.)
    if (why === null && this.lastWrittenHash !== null && sha256(await readFile(this.paths.db)) !== this.lastWrittenHash) {
      why = 'its bytes differ from the last checkpoint';
    }
    if (why === null) return;
    const aside = await moveAside(this.paths.db, 'corrupt');
    this.log.critical(`trades.db on disk was damaged since the last checkpoint (${why}): moved to ${aside}; replacing it from memory`, { aside });
  }

  private async insert(entries: ReadonlyArray<JournalEntry<Fill>>): Promise<void> {
    if (this.state === 'degraded' || this.state === 'closed') return;
    // After a failover the rebuilt database may already hold rows still queued here.
    const fresh = entries.filter((e) => e.seq > this.dbMaxSeq);
    if (fresh.length === 0) return;
    let inserter: FillInserter | null = null;
    try {
      this.db.exec('BEGIN');
      inserter = new FillInserter(this.db);
      for (const e of fresh) inserter.add(e.seq, e.record);
      inserter.flush();
      this.db.exec('COMMIT');
      this.dbMaxSeq = fresh[fresh.length - 1]?.seq ?? this.dbMaxSeq;
    } catch (err) {
      try {
        this.db.exec('ROLLBACK');
      } catch {
        // The failover below replaces this database anyway.
      }
      await this.failover(`an insert failed: ${(err as Error).message}`);
    } finally {
      inserter?.free();
    }
  }

  /** Runs inside the db chain: nothing else touches `this.db` meanwhile. */
  private async failover(why: string): Promise<void> {
    this.state = 'recovering';
    this.log.critical(`database failure (${why}): switching to trades_backup.db and replaying the journal`, { why });
    try {
      if (await exists(this.paths.db)) {
        const aside = await moveAside(this.paths.db, 'corrupt');
        this.log.warn(`trades.db moved to ${aside}`, { aside });
      }
      const image: LoadedImage = await loadImage(this.paths, this.pool, this.log, true);
      this.db.close();
      this.db = openDatabase(this.SQL, image.bytes);
      this.dbMaxSeq = maxSeq(this.db);
      this.state = 'open';
      this.lastBackupAt = 0;
      this.log.info(`failover done: database rebuilt from ${image.source} (+${image.replayed} journal rows), seq ${this.dbMaxSeq}`, {
        source: image.source,
        maxSeq: this.dbMaxSeq,
      });
      // The checkpoint needs this chain; it must not be awaited from inside it.
      void this.checkpoint().catch((err: Error) => this.log.error(`checkpoint after failover failed: ${err.message}`));
    } catch (err) {
      this.state = 'degraded';
      this.log.critical(`failover failed (${(err as Error).message}): the journal still records every fill; restart to rebuild trades.db`, {
        why,
      });
    }
  }

  private serial<R>(fn: () => R | Promise<R>): Promise<R> {
    const run = this.dbChain.then(fn);
    this.dbChain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private assertOpen(): void {
    if (this.state === 'closed' || this.closing) throw new TraderError(ErrorCode.CLOSED, 'trade store is closed');
  }

  private assertDatabase(): void {
    if (this.state === 'degraded') {
      throw new TraderError(ErrorCode.CLOSED, 'trades.db is unavailable after a failed failover; the journal is intact, restart to rebuild');
    }
  }
}

async function readHead(path: string): Promise<Uint8Array | null> {
  const handle = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (handle === null) return null;
  try {
    const head = Buffer.alloc(100);
    const { bytesRead } = await handle.read(head, 0, 100, 0);
    return head.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Journal lost but a database present: the database is all that is left of the truth. */
async function recreateJournal(paths: StorePaths, db: Database, log: Log): Promise<void> {
  const entries = selectFills(db, 'ORDER BY seq');
  if (entries.length === 0) return;
  await writeFileAtomic(paths.journal, encodeHeader(fillFormat) + encodeRows(fillFormat, entries));
  log.critical(`journal ${paths.journal} was missing: recreated from the database (${entries.length} fills); fills after the last checkpoint may be lost`, {
    rows: entries.length,
  });
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
