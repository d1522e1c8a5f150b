/**
 * What the market-data tests share: a log that records what it was told, and the gateway
 * stack (real ccxt client, breaker, guarded exchange) pointed at a real simulator on loopback.
 * Nothing here fakes the exchange.
 */
import type { binance } from 'ccxt';
import type { OrderIntent, OrderReport } from '../../shared/domain.js';
import type { Log, LogMeta } from '../../shared/log.js';
import type { RunningSimulator } from '../../fixtures/exchange-sim/index.js';
import { ExchangeBreaker, type BreakerSnapshot } from './breaker.js';
import { createExchangeClient } from './exchange-client.js';
import { GuardedExchange } from './guarded-exchange.js';
import type { OrderDesk } from './order-placer.js';

export interface RecordingLog extends Log {
  records: Array<{ level: keyof Log; message: string; meta?: LogMeta }>;
  at(level: keyof Log): string[];
}

export function recordingLog(): RecordingLog {
  const records: RecordingLog['records'] = [];
  const put = (level: keyof Log) => (message: string, meta?: LogMeta) => void records.push({ level, message, ...(meta ? { meta } : {}) });
  return {
    records,
    debug: put('debug'),
    info: put('info'),
    warn: put('warn'),
    error: put('error'),
    critical: put('critical'),
    at: (level) => records.filter((r) => r.level === level).map((r) => r.message),
  };
}

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
