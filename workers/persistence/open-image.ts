/**
 * Chooses what trades.db is rebuilt from when the store opens or fails over, and says so:
 * trades.db if it verifies, else trades_backup.db (CRITICAL), else the journal alone.
 * A file that cannot serve is moved aside (`.corrupt-<UTC time>`), never deleted. Each
 * candidate is checked and replayed in the pool (see replay.ts).
 */
import { readdir, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { moveAside } from '../../shared/atomic-file.js';
import type { ScanResult } from './csv-format.js';
import type { Log } from './log.js';
import type { StorePaths } from './paths.js';
import type { PersistencePool } from './pool.js';

export type ImageSource = 'trades.db' | 'trades_backup.db' | 'journal';

export interface LoadedImage {
  bytes: Uint8Array;
  source: ImageSource;
  /** Journal rows added on top of the source. */
  replayed: number;
  maxSeq: number;
  /** Null when the journal file is missing. */
  scan: ScanResult | null;
}

export async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return false;
      throw err;
    },
  );
}

/**
 * Builds the image, trying `trades.db` first unless `skipPrimary` (a failover: the primary
 * is what just failed and has been moved aside by the caller).
 */
export async function loadImage(paths: StorePaths, pool: PersistencePool, log: Log, skipPrimary = false): Promise<LoadedImage> {
  const journalPresent = await exists(paths.journal);
  const candidates: Array<{ path: string; source: ImageSource }> = [];
  if (!skipPrimary && (await exists(paths.db))) candidates.push({ path: paths.db, source: 'trades.db' });
  else if (!skipPrimary && journalPresent) log.info(`trades.db missing: rebuilding it from the journal ${paths.journal}`);
  // The backup serves when trades.db failed, or when there is no journal to rebuild from.
  if ((candidates.length > 0 || skipPrimary || !journalPresent) && (await exists(paths.backup))) {
    candidates.push({ path: paths.backup, source: 'trades_backup.db' });
  }
  for (const { path, source } of candidates) {
    const out = await pool.replay({ journalPath: paths.journal, basePath: path });
    if (out.kind === 'built') {
      if (source === 'trades_backup.db') log.warn(`running on trades_backup.db plus ${out.replayed} newer journal rows`, { maxSeq: out.maxSeq });
      return { bytes: out.bytes, source, replayed: out.replayed, maxSeq: out.maxSeq, scan: out.scan };
    }
    const problem = out.kind === 'bad-base' ? out.problem : `${out.problem}; the journal wins`;
    const aside = await moveAside(path, 'corrupt');
    const next = source === 'trades.db' && candidates.length > 1 ? 'failing over to trades_backup.db' : 'rebuilding from the journal';
    log.critical(`${source} unusable (${problem}): moved to ${aside}; ${next}`, { path, aside, problem });
  }
  const out = await pool.replay({ journalPath: paths.journal, basePath: null });
  if (out.kind !== 'built') throw new Error(`replay from the journal alone returned ${out.kind}`);
  return { bytes: out.bytes, source: 'journal', replayed: out.replayed, maxSeq: out.maxSeq, scan: out.scan };
}

/**
 * Removes what outside tools or a killed process leave beside trades.db: `-wal`/`-shm`
 * (sql.js never uses them; a stale WAL must not be applied to a file it does not belong to)
 * and our own `.tmp-<pid>` files whose writer is dead.
 */
export async function removeLeftovers(paths: StorePaths, log: Log): Promise<void> {
  const dbName = basename(paths.db);
  for (const name of await readdir(paths.dataDir)) {
    const path = join(paths.dataDir, name);
    if (name === `${dbName}-wal` || name === `${dbName}-shm`) {
      await unlink(path);
      log.warn(`removed stale ${path} (left by an outside SQLite tool; trades.db is always written whole)`, { path });
      continue;
    }
    const tmp = /\.tmp-(\d+)(?:-\d+)?$/.exec(name);
    if (tmp && name.startsWith(dbName.replace(/\.db$/, '')) && !isAlive(Number(tmp[1]))) {
      await unlink(path);
      log.warn(`removed unfinished temp file ${path} (its writer is gone)`, { path });
    }
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
