/**
 * Database corruption: pages of trades.db are overwritten with garbage under the running bot
 * (real writes, past the 100-byte header, so the file still looks like SQLite). The bot must
 * find it (persistence verify) with a CRITICAL alert, keep the damaged file as evidence,
 * write a good trades.db again, and lose no fill. Then the runbook's manual procedure: stop
 * (SIGTERM), rename trades.db to trades.db.corrupt, start: the rebuilt database must equal
 * the journal.
 */
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { audit, databaseEqualsJournal, type Drill } from './drill.js';
import { holdN, time, until } from './harness.js';
import { DRILL_SCALE } from './scale.js';

const PAGE = 4096;

/** Overwrites pages 2 and 3 in place (same inode, as a failing disk or a stray writer would). */
function damage(path: string): { ino: number; bytes: number } {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, randomBytes(2 * PAGE), 0, 2 * PAGE, PAGE);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return { ino: statSync(path).ino, bytes: 2 * PAGE };
}

function integrity(path: string): string {
  try {
    return execFileSync('sqlite3', ['-readonly', path, 'PRAGMA integrity_check'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (err) {
    return (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
  }
}

export const dbCorruption: Drill = {
  name: 'db-corruption',
  fault: 'two 4 KiB pages of trades.db overwritten with random bytes under the running bot; then the manual procedure (SIGTERM, rename, start)',
  async run(env, rec) {
    env.writeConfig({ strategy: holdN(3, 3) });
    const db = join(env.dataDir, 'trades.db');
    const { bot } = await env.startTrading();
    // Enough fills that the file has the pages we overwrite (schema, table and two indexes: 4+).
    await until('a few fills checkpointed to trades.db', () => env.journal('trades.csv').length >= 6 && (statSync(db, { throwIfNoEntry: false })?.size ?? 0) >= 3 * PAGE, 30_000, 50);

    const injectedAt = Date.now();
    const { ino } = damage(db);
    rec.check('the damage is real: sqlite3 finds the file corrupt', integrity(db) !== 'ok' || statSync(db, { throwIfNoEntry: false })?.ino !== ino, `integrity_check right after the write: ${integrity(db).split('\n')[0]}`);
    const verifyMs = DRILL_SCALE['persistence.verifyIntervalMs'];
    const alert = await env
      .waitLog('a CRITICAL alert about trades.db', (l) => l.level === 'critical' && /trades\.db/.test(l.message), injectedAt, 4 * verifyMs + 5000, bot)
      .catch(() => null);
    if (!alert) {
      const replaced = statSync(db).ino !== ino;
      rec.check('the running bot detects the damage with a CRITICAL alert', false, replaced ? 'no alert; a checkpoint replaced the damaged file first (it only checks the header)' : 'no alert');
      return;
    }
    rec.check('the running bot detects the damage with a CRITICAL alert', alert.alert === 'CRITICAL', alert.message.slice(0, 160));
    rec.detected(time(alert) - injectedAt, 'pages overwritten to the CRITICAL alert (log time)');
    const aside = readdirSync(env.dataDir).filter((f) => /^trades\.db\.corrupt/.test(f));
    rec.check('the damaged file is kept as evidence', aside.length >= 1, aside.join(', ') || 'nothing set aside');

    const good = await until('a verified trades.db on disk again', () => {
      const s = statSync(db, { throwIfNoEntry: false });
      return s && s.ino !== ino && integrity(db) === 'ok' && s;
    }, 10_000, 50);
    rec.check('the bot wrote a good trades.db again by itself (sqlite3 integrity_check ok)', true, `the new file's mtime is ${Math.round(good.mtimeMs - injectedAt)} ms after the damage; the damaged one is no longer at trades.db`);
    rec.recovered(good.mtimeMs - injectedAt, 'pages overwritten to a good trades.db on disk again (its mtime)');

    const fillsAtAlert = env.journal('trades.csv').length;
    await until('three more fills after the alert', () => env.journal('trades.csv').length >= fillsAtAlert + 3, 20_000, 50);
    const checkpoint = await env.control({ command: 'checkpoint-now' });
    await databaseEqualsJournal(env, rec, 'while running, after checkpoint-now', { atLeastSeq: Number(checkpoint.result.maxSeq) });

    // The runbook's manual procedure.
    const stopped = await env.stop(bot);
    rec.check('manual procedure: SIGTERM stops the bot cleanly (exit 0)', stopped.code === 0, JSON.stringify(stopped));
    renameSync(db, `${db}.corrupt`);
    const rows = env.journal('trades.csv').length;
    const restartAt = Date.now();
    const again = await env.startTrading(restartAt);
    const open = await env.waitLog('the rebuilt trade store', (l) => /^trade store open: /.test(l.message), restartAt, 10_000, again.bot);
    rec.check('manual procedure: the restart rebuilds trades.db from the journal', open.source === 'journal' && Number(open.maxSeq) === rows, `${open.message} (journal: ${rows} rows)`);
    const last = await env.stop(again.bot);
    rec.check('the rebuilt bot stops cleanly (exit 0)', last.code === 0, JSON.stringify(last));
    await databaseEqualsJournal(env, rec, 'after the manual rebuild');
    await audit(env, rec);
  },
};
