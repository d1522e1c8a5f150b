import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { moveAside, utcStamp, writeFileAtomic } from './atomic-file.js';
import { tempDir } from '../fixtures/testing/tree.js';

describe('atomic-file', () => {
  it('replaces a file whole and leaves no temp file behind', async () => {
    const dir = tempDir('tg-atomic-');
    const path = join(dir, 'health_log.json');
    await writeFile(path, 'old');
    await writeFileAtomic(path, '{"new":true}');
    expect(await readFile(path, 'utf8')).toBe('{"new":true}');
    expect(await readdir(dir)).toEqual(['health_log.json']);
  });

  it('leaves the old file in place when the write cannot happen', async () => {
    const dir = tempDir('tg-atomic-');
    await expect(writeFileAtomic(join(dir, 'missing-folder', 'x'), 'data')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('moves a file aside under a sortable UTC stamp, never deleting it', async () => {
    const dir = tempDir('tg-atomic-');
    const path = join(dir, 'trades.db');
    await writeFile(path, 'evidence');
    const at = new Date(Date.UTC(2026, 11, 4, 19, 45, 0, 123));
    const aside = await moveAside(path, 'corrupt', at);
    expect(aside).toBe(`${path}.corrupt-20261204T194500.123Z`);
    expect(utcStamp(at)).toBe('20261204T194500.123Z');
    expect(await readFile(aside, 'utf8')).toBe('evidence');
    expect(await readdir(dir)).toEqual(['trades.db.corrupt-20261204T194500.123Z']);
  });
});
