import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLogLines, tempDir } from '../fixtures/testing/tree.js';
import { createRootLogger } from './logger.js';

describe('root logger', () => {
  it('starts a new bot_YYYYMMDD.json after midnight UTC', async () => {
    const dir = tempDir('tg-log-');
    let now = Date.parse('2026-03-03T23:59:59.500Z');
    const log = createRootLogger({ logsDir: dir, level: 'info', now: () => now, console: false });
    log.info('before midnight');
    now = Date.parse('2026-03-04T00:00:00.100Z');
    log.info('after midnight');
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['bot_20260303.json', 'bot_20260304.json']);
    expect(readLogLines(join(dir, 'bot_20260303.json')).map((l) => l.message)).toEqual(['before midnight']);
    expect(readLogLines(join(dir, 'bot_20260304.json')).map((l) => l.message)).toEqual(['after midnight']);
  });

  it("writes workers' records with their name and time, marks criticals, filters levels, redacts secrets", async () => {
    const dir = tempDir('tg-log-');
    const log = createRootLogger({ logsDir: dir, level: 'info', console: false });
    log.fromWorker('engine', { level: 'warn', message: 'from the engine', time: Date.parse('2026-01-01T00:00:00Z'), meta: { symbol: 'BTC/USDT' } });
    log.fromWorker('engine', { level: 'debug', message: 'too chatty', time: Date.now() });
    log.critical('kill switch tripped', { apiSecret: 'hunter2', drawdownPct: 5.2 });
    const file = log.currentFile();
    await log.close();
    const lines = readLogLines(file);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 'warn', worker: 'engine', message: 'from the engine', symbol: 'BTC/USDT', timestamp: '2026-01-01T00:00:00.000Z' });
    expect(lines[1]).toMatchObject({ level: 'critical', alert: 'CRITICAL', worker: 'supervisor', apiSecret: '[redacted]', drawdownPct: 5.2 });
  });
});
