import { closeSync, openSync, readFileSync, rmSync, writeSync, fsyncSync } from 'node:fs';
import { join } from 'node:path';
import { DATA_LOCK_NAME } from '../shared/control-protocol.js';
import { ErrorCode, TraderError } from '../shared/errors.js';

/** The pid holding `dataDir`, or null when no live process does (a stale lock from a crash does not count). */
export function lockHolder(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(join(dataDir, DATA_LOCK_NAME), 'utf8').trim(), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else; it is alive.
    return (err as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/**
 * One bot per data directory: two writers of one journal would interleave rows and
 * double every order. The lock file holds the pid; a lock whose pid is dead (a crash,
 * a SIGKILL) is taken over.
 */
export function acquireDataLock(dataDir: string): () => void {
  const path = join(dataDir, DATA_LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      fsyncSync(fd);
      closeSync(fd);
      return () => {
        if (lockHolder(dataDir) === process.pid) rmSync(path, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = lockHolder(dataDir);
      if (holder !== null) {
        throw new TraderError(ErrorCode.LOCKED, `data directory ${dataDir} is held by a running bot (pid ${holder}); stop it first, or use another --data-dir`);
      }
      rmSync(path, { force: true });
    }
  }
  throw new TraderError(ErrorCode.LOCKED, `could not take the lock on ${dataDir}`);
}
