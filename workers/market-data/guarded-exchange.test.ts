/**
 * The requests the engine's reconciliation and risk sizing make, answered from the real
 * simulator through the breaker: shapes, "unknown" as null, and garbage as a counted failure.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import type { Order } from 'ccxt';
import { toOrderReport } from './answers.js';
import { classify } from './faults.js';
import { gatewayStack, intent, type Stack, sharedSimulator } from './test-support.js';

/** One simulator for the file, its faults cleared after each test. */
const simulator = sharedSimulator();
let stack: Stack;
beforeAll(() => {
  stack = gatewayStack(simulator(), { timeoutMs: 500 });
});

describe('GuardedExchange', () => {
  it('market rules come from the exchange filters; an unlisted symbol is a rejection, not an outage', async () => {
    const [rules] = await stack.exchange.marketRules(['BTC/USDT']);
    expect(rules).toMatchObject({ symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT' });
    for (const v of [rules?.amountStep, rules?.priceTick, rules?.minNotional]) expect(v).toBeGreaterThan(0);
    await expect(stack.exchange.marketRules(['DOGE/USDT'])).rejects.toMatchObject({ code: ErrorCode.EXCHANGE_REJECTED });
  });

  it('open orders, fetch by client id, cancel by client id (null when unknown)', async () => {
    const resting = intent({ type: 'limit', price: Math.round(simulator().price('BTC/USDT') * 0.8) });
    const placed = await stack.exchange.createOrder(resting);
    expect((await stack.exchange.fetchOpenOrders(['BTC/USDT'])).map((o) => o.clientOrderId)).toContain(resting.clientOrderId);
    expect(await stack.exchange.fetchOrderByClientId('BTC/USDT', resting.clientOrderId)).toMatchObject({ exchangeOrderId: placed.exchangeOrderId, status: 'open' });
    expect(await stack.exchange.cancelOrder('BTC/USDT', resting.clientOrderId)).toMatchObject({ clientOrderId: resting.clientOrderId, status: 'canceled' });
    expect(await stack.exchange.cancelOrder('BTC/USDT', 'never-sent')).toBeNull();
    expect((await stack.exchange.fetchOpenOrders(['BTC/USDT'])).map((o) => o.clientOrderId)).not.toContain(resting.clientOrderId);
  });

  it('a stop-loss-limit is reported as one, with its trigger', async () => {
    const p = simulator().price('BTC/USDT');
    const stop = intent({ role: 'stop', side: 'sell', type: 'stop_loss_limit', amount: 0.001, stopPrice: Math.round(p * 0.9), price: Math.round(p * 0.89) });
    expect(await stack.exchange.createOrder(stop)).toMatchObject({ type: 'stop_loss_limit', status: 'open' });
    await stack.exchange.cancelOrder('BTC/USDT', stop.clientOrderId);
  });

  it('my trades, oldest first, each tagged with its order client id, type and fee', async () => {
    const since = Date.now();
    const buy = intent({ amount: 0.002 });
    const sell = intent({ role: 'exit', side: 'sell', amount: 0.002 });
    await stack.exchange.createOrder(buy);
    await stack.exchange.createOrder(sell);
    const fills = await stack.exchange.fetchMyTrades('BTC/USDT', since);
    expect(fills.map((f) => [f.clientOrderId, f.side, f.type])).toEqual([
      [buy.clientOrderId, 'buy', 'market'],
      [sell.clientOrderId, 'sell', 'market'],
    ]);
    expect(fills.map((f) => f.feeCurrency)).toEqual(['BTC', 'USDT']);
    expect(await stack.exchange.fetchMyTrades('BTC/USDT', Date.now() + 60_000)).toEqual([]);
  });

  it('balances: free and used per asset; a garbage answer is a counted failure, never an empty balance', async () => {
    const b = await stack.exchange.fetchBalance();
    expect(b.free['USDT']).toBeGreaterThan(0);
    expect(b.fetchedAt).toBeLessThanOrEqual(Date.now());
    for (const path of ['/api/v3/account', '/api/v3/openOrders']) {
      simulator().faults.inject({ kind: 'malformed', count: 1, pathPrefix: path });
      const call = path.endsWith('account') ? stack.exchange.fetchBalance() : stack.exchange.fetchOpenOrders(['BTC/USDT']);
      await expect(call).rejects.toMatchObject({ code: ErrorCode.EXCHANGE_UNAVAILABLE, fault: { kind: 'malformed', counts: true } });
    }
    expect(stack.breaker.snapshot().consecutiveFailures).toBe(2);
    await stack.exchange.fetchBalance();
    expect(stack.breaker.snapshot().consecutiveFailures).toBe(0);
  });

  it('an order of a type the bot does not trade is refused as a business answer, not counted as an outage', async () => {
    const resting = intent({ type: 'limit', price: Math.round(simulator().price('BTC/USDT') * 0.8) });
    await stack.exchange.createOrder(resting);
    const real = (await stack.client.fetchOpenOrders()).find((o) => o.clientOrderId === resting.clientOrderId) as Order;
    const err = (() => {
      try {
        toOrderReport({ ...real, type: 'take_profit' });
      } catch (e) {
        return e;
      }
      return null;
    })();
    expect(classify(err)).toMatchObject({ kind: 'rejected', counts: false });
    await stack.exchange.cancelOrder('BTC/USDT', resting.clientOrderId);
  });
});
