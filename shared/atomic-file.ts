/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the directory. A crash at any point leaves either the old file or the
 * new one, never a mix. Used by the journals, the database checkpoints, the health log and
 * the recovery CLI.
 */
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The UTC time as a file-name suffix: `20261204T194500.123Z` (no colons, sorts by time). */
export function utcStamp(now: Date = new Date()): string {
  return now.toISOString().replace(/[-:]/g, '');
}

/** fsync a directory so a rename or create inside it survives a power cut. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

let tmpCounter = 0;

/**
 * Replace `path` with `data` atomically. The temp name carries the pid and a counter, so
 * two processes (the bot and a recovery CLI), or two writes in one process, never share a
 * temp file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}.tmp-${process.pid}-${tmpCounter++}`);
  const handle = await open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  await rename(tmp, path);
  await fsyncDir(dirname(path));
}

/**
 * Move a file aside under `<path>.<label>-<UTC time>` (never delete evidence) and make the
 * rename durable. Returns the new path.
 */
export async function moveAside(path: string, label: string, now: Date = new Date()): Promise<string> {
  const target = `${path}.${label}-${utcStamp(now)}`;
  await rename(path, target);
  await fsyncDir(dirname(path));
  return target;
}
