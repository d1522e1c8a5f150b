/**
 * What the persistence tests and the crash fixture share: a logger that records what it
 * was told, a deterministic fill, a temp data folder. No fakes of the file system: tests
 * run on real files.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fill, OrderIntent } from '../../shared/domain.js';

export { recordingLog, type Recorded, type RecordingLog } from '../../fixtures/testing/recording-log.js';

/** A fill whose fields all derive from `n`, including values that need CSV quoting. */
export function makeFill(n: number): Fill {
  return {
    clientOrderId: `tg-${n}`,
    exchangeOrderId: `${900_000 + n}`,
    symbol: n % 2 ? 'BTC/USDT' : 'ETH/USDT',
    side: n % 2 ? 'buy' : 'sell',
    type: 'market',
    role: n % 3 === 0 ? 'stop' : n % 2 ? 'entry' : 'exit',
    amount: 0.001 * ((n % 7) + 1),
    price: 43_000 + n / 100,
    fee: 0.00001 * n,
    feeCurrency: 'BNB',
    reason: n % 5 === 0 ? `ema "cross", rsi<30\nline two ${n}` : n % 7 === 0 ? `ünïcødé € 😀 ${n}` : `signal ${n}`,
    timestamp: 1_733_300_000_000 + n * 1000,
  };
}

export function makeIntent(n: number): OrderIntent {
  return {
    clientOrderId: `tg-${n}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: n % 2 ? 'limit' : 'market',
    role: 'entry',
    amount: 0.001 * n,
    ...(n % 2 ? { price: 43_000 + n } : {}),
    reason: `intent, ${n}`,
    createdAt: 1_733_300_000_000 + n * 1000,
  };
}

export function tempDataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'tg-persistence-'));
}
