/**
 * What the market-data tests share: a log that records what it was told, and the gateway
 * stack (real ccxt client, breaker, guarded exchange) pointed at a real simulator on loopback.
 * Nothing here fakes the exchange.
 */
import type { binance } from 'ccxt';
import type { OrderIntent, OrderReport } from '../../shared/domain.js';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../fixtures/exchange-sim/index.js';
import { ExchangeBreaker, type BreakerSnapshot } from './breaker.js';
import { createExchangeClient } from './exchange-client.js';
import { GuardedExchange } from './guarded-exchange.js';
import type { OrderDesk } from './order-placer.js';

import { recordingLog, type RecordingLog } from '../../fixtures/testing/recording-log.js';

export { recordingLog, type RecordingLog };

export interface Stack {
  client: binance;
  breaker: ExchangeBreaker;
  exchange: GuardedExchange;
  log: RecordingLog;
  /** Every snapshot the breaker published, in order. */
  published: BreakerSnapshot[];
}

export interface StackOptions {
  timeoutMs?: number;
  cooldownMs?: number;
  failureThreshold?: number;
  recvWindowMs?: number;
  secret?: string;
}

export function gatewayStack(sim: RunningSimulator, o: StackOptions = {}): Stack {
  const log = recordingLog();
  const published: BreakerSnapshot[] = [];
  const client = createExchangeClient({ apiUrl: sim.url, apiKey: 'sim-key', secret: o.secret ?? 'sim-secret', timeoutMs: o.timeoutMs ?? 1000, recvWindowMs: o.recvWindowMs ?? 5000 });
  const breaker = new ExchangeBreaker({ failureThreshold: o.failureThreshold ?? 5, cooldownMs: o.cooldownMs ?? 60_000, log, onChange: (s) => published.push(s) });
  return { client, breaker, exchange: new GuardedExchange(client, breaker, log), log, published };
}

let seq = 0;
export function intent(over: Partial<OrderIntent> = {}): OrderIntent {
  seq++;
  return { clientOrderId: `t-${process.pid}-${seq}`, symbol: 'BTC/USDT', side: 'buy', type: 'market', role: 'entry', amount: 0.01, reason: 'test', createdAt: Date.now(), ...over };
}

/** Drives the desk as the worker loop does (work what is due, wait until the next due time) until `intent` settles. */
export async function placeThroughDesk(desk: OrderDesk, order: OrderIntent, timeoutMs = 10_000): Promise<OrderReport> {
  let settled = false;
  const result = new Promise<OrderReport>((resolve, reject) =>
    desk.submit(
      order,
      (r) => ((settled = true), resolve(r)),
      (e) => ((settled = true), reject(e)),
    ),
  );
  const deadline = Date.now() + timeoutMs;
  while (!settled) {
    if (Date.now() > deadline) throw new Error(`order ${order.clientOrderId} not settled within ${timeoutMs} ms`);
    await desk.runDue();
    const due = desk.nextDueAt();
    if (!settled && due !== null) await new Promise((r) => setTimeout(r, Math.max(0, Math.min(50, due - Date.now()))));
  }
  return result;
}

/** One simulator (no candle clock, a funded account) shared by a test file; faults cleared after each test. */
export function sharedSimulator(): () => RunningSimulator {
  let sim: RunningSimulator | undefined;
  beforeAll(async () => {
    sim = await startSimulator({ candleIntervalMs: 0, balances: { USDT: 100_000, BTC: 1 } });
  });
  afterAll(async () => {
    await sim?.close();
  });
  afterEach(() => sim?.faults.clear());
  return () => {
    if (!sim) throw new Error('the shared simulator is not started yet (use it inside a test)');
    return sim;
  };
}
