/**
 * Offline commands run with the bot stopped. The CLI takes the data directory's lock (the
 * bot's own, supervisor/data-lock.ts) for as long as it runs: a live bot makes it refuse,
 * naming the pid, and a bot started meanwhile refuses in turn, so nothing rewrites a file
 * under the other.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { ErrorCode, TraderError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import { acquireDataLock, lockHolder } from '../supervisor/data-lock.js';
import { CliExit, RecoveryExit } from './exit-codes.js';

export async function withOfflineLock<R>(dataDir: string, fn: () => Promise<R>): Promise<R> {
  if (!existsSync(dataDir)) throw new CliExit(RecoveryExit.NO_INPUT, `data directory ${dataDir} does not exist (wrong --data-dir or --config?)`);
  let release: () => void;
  try {
    release = acquireDataLock(dataDir);
  } catch (err) {
    if (err instanceof TraderError && err.code === ErrorCode.LOCKED) {
      const pid = lockHolder(dataDir);
      throw new CliExit(
        RecoveryExit.BOT_RUNNING,
        `refused: a running bot (pid ${pid ?? 'unknown'}) holds ${dataDir}. Offline commands need it stopped: systemctl stop trader-gemini (or kill -TERM ${pid ?? '<pid>'}), then run this again`,
      );
    }
    throw err;
  }
  try {
    return await fn();
  } finally {
    release();
  }
}

/**
 * The audit trail of offline changes: the same daily log files the bot writes
 * (`logs/bot_YYYYMMDD.json`), tagged `worker: "recovery"`. Safe because the bot, their only
 * other writer, is stopped while the lock is held.
 */
export async function auditLog(logsDir: string): Promise<{ log: Log; close: () => Promise<void> }> {
  mkdirSync(logsDir, { recursive: true });
  // winston loads only for the commands that write: the online ones start faster without it.
  const { createRootLogger } = await import('../supervisor/logger.js');
  const root = createRootLogger({ logsDir, level: 'info', console: false });
  const put =
    (level: 'debug' | 'info' | 'warn' | 'error' | 'critical') =>
    (message: string, meta?: Record<string, unknown>): void =>
      root.fromWorker('recovery', { level, message, time: Date.now(), ...(meta ? { meta } : {}) });
  return { log: { debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error'), critical: put('critical') }, close: () => root.close() };
}
