/**
 * Atomic file replacement: write a temp file beside the target, fsync it, rename it over
 * the target, fsync the directory. A crash at any point leaves either the old file or the
 * new one, never a mix. Dependency-free on purpose: the supervisor's health log reuses it.
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

/**
 * Replace `path` with `data` atomically. The temp name carries the pid so two processes
 * (the bot and a recovery CLI) never write the same temp file.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `${basename(path)}.tmp-${process.pid}`);
  const handle = await open(tmp, 'w', 0o600);
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
