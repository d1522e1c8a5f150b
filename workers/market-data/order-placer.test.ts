/**
 * An order is never sent twice: the simulator accepts orders and drops the answers, and
 * sim.orders() (every order request that reached it) says how many exist afterwards.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../shared/errors.js';
import { LiquidityGuardian } from './liquidity-guardian.js';
import { MarketPoller } from './market-poller.js';
import { CLOCK_ALLOWANCE_MS, OrderDesk } from './order-placer.js';
import { gatewayStack, intent, placeThroughDesk, type Stack, type StackOptions, sharedSimulator } from './test-support.js';

/** One simulator for the file, its faults cleared after each test. */
const simulator = sharedSimulator();

const RECV_WINDOW = 300;
const ORDER_PATH = '/api/v3/order';

/** The desk as the worker builds it, with a guardian fed by a real poll of the simulator. */
async function desk(o: StackOptions = {}): Promise<{ stack: Stack; desk: OrderDesk }> {
  const stack = gatewayStack(simulator(), { timeoutMs: 300, recvWindowMs: RECV_WINDOW, ...o });
  // The simulator's feed stands still here (candleIntervalMs 0), so "frozen" is out of the way.
  const guardian = new LiquidityGuardian(
    { staleAfterMs: 60_000, maxSpreadBps: 10, depthBps: 10, depthFactor: 3 },
    { breaker: () => stack.breaker.current, signing: () => stack.exchange.signingProblem, log: stack.log },
  );
  await new MarketPoller(stack.exchange, ['BTC/USDT'], { candle: () => undefined, quote: (q, t) => guardian.observe(q, t) }).pollOnce();
  return { stack, desk: new OrderDesk(stack.exchange, guardian, { recvWindowMs: RECV_WINDOW, backoff: { baseMs: 20, maxMs: 100 }, log: stack.log }) };
}

const recordsOf = (clientOrderId: string) => simulator().orders().filter((o) => o.clientOrderId === clientOrderId);

describe('accept-and-drop: the answer is lost after the order was accepted', () => {
  it.each([
    { variant: 'connection reset', hold: false },
    { variant: 'socket held until the client times out', hold: true },
  ])('$variant: exactly one order exists and the answer carries its fill', async ({ hold }) => {
    const { stack, desk: d } = await desk();
    const order = intent();
    simulator().faults.inject({ kind: 'drop-response', count: 1, hold });
    const report = await placeThroughDesk(d, order);
    expect(recordsOf(order.clientOrderId).map((r) => r.outcome)).toEqual(['accepted']);
    expect(report).toMatchObject({ clientOrderId: order.clientOrderId, status: 'closed', filled: order.amount, side: 'buy', type: 'market' });
    expect(report.average).toBeGreaterThan(0);
    expect(report.fee).toEqual({ cost: expect.closeTo(order.amount * 0.001, 10) as number, currency: 'BTC' });
    expect(stack.log.at('info').some((m) => m.includes('found on the exchange'))).toBe(true);
  });
});

describe('lost before it was accepted', () => {
  it('is sent again only once the exchange does not know it and its recvWindow has passed', async () => {
    const { stack, desk: d } = await desk();
    const order = intent({ role: 'exit', side: 'sell' });
    simulator().faults.inject({ kind: 'timeout', count: 1, pathPrefix: ORDER_PATH, method: 'POST' });
    const started = Date.now();
    const report = await placeThroughDesk(d, order);
    expect(recordsOf(order.clientOrderId).map((r) => r.outcome)).toEqual(['faulted', 'accepted']);
    expect(report).toMatchObject({ status: 'closed', filled: order.amount });
    expect(Date.now() - started).toBeGreaterThanOrEqual(RECV_WINDOW + CLOCK_ALLOWANCE_MS);
    // Asked before re-sending: a lookup came between the two order requests.
    const requests = simulator().requests().filter((r) => r.time >= started && r.path === ORDER_PATH);
    expect(requests.map((r) => r.method)).toEqual(['POST', 'GET', 'GET', 'POST']);
    expect(stack.log.at('warn').some((m) => m.includes('sending it again'))).toBe(true);
  });

  it.each([
    { fault: '503', spec: { kind: 'status', status: 503 } as const },
    { fault: 'a 200 with garbage (ccxt throws a TypeError)', spec: { kind: 'malformed' } as const },
  ])('$fault on the order request is looked up, not blindly re-sent', async ({ spec }) => {
    const { desk: d } = await desk();
    const order = intent();
    simulator().faults.inject({ ...spec, count: 1, pathPrefix: ORDER_PATH, method: 'POST' });
    await placeThroughDesk(d, order);
    expect(recordsOf(order.clientOrderId).map((r) => r.outcome)).toEqual(['faulted', 'accepted']);
  });
});

describe('"Duplicate order sent." means it exists', () => {
  it('is answered with the existing order, not an error and not a second order', async () => {
    const { stack, desk: d } = await desk();
    const order = intent({ type: 'limit', role: 'exit', side: 'sell', price: Math.round(simulator().price('BTC/USDT') * 1.2) });
    const first = await stack.exchange.createOrder(order);
    const report = await placeThroughDesk(d, order);
    expect(report).toMatchObject({ exchangeOrderId: first.exchangeOrderId, status: 'open', filled: 0 });
    expect(recordsOf(order.clientOrderId).map((r) => r.outcome)).toEqual(['accepted', 'rejected']);
  });
});

describe('business refusals are answered, never retried', () => {
  it('insufficient funds: EXCHANGE_REJECTED after one request', async () => {
    const { desk: d } = await desk();
    const order = intent({ role: 'exit', side: 'sell', amount: 5 });
    await expect(placeThroughDesk(d, order)).rejects.toMatchObject({ code: ErrorCode.EXCHANGE_REJECTED });
    expect(recordsOf(order.clientOrderId).map((r) => r.outcome)).toEqual(['rejected']);
  });
});

describe('while the breaker is open', () => {
  it('an exit waits in the desk and goes out after the cooldown; an entry is refused and never sent', async () => {
    const COOLDOWN = 300;
    const { stack, desk: d } = await desk({ cooldownMs: COOLDOWN });
    simulator().faults.inject({ kind: 'reset', count: 5, pathPrefix: '/api/v3/ticker' });
    for (let i = 0; i < 5; i++) await stack.exchange.fetchTicker('BTC/USDT').catch(() => undefined);
    expect(stack.breaker.current).toBe('open');

    const entry = intent();
    await expect(placeThroughDesk(d, entry)).rejects.toMatchObject({ code: ErrorCode.ENTRY_BLOCKED, message: expect.stringContaining('breaker is open') as string });
    expect(recordsOf(entry.clientOrderId)).toEqual([]);

    const exit = intent({ role: 'stop', side: 'sell' });
    const openedAt = stack.breaker.snapshot().openedAt as number;
    const report = await placeThroughDesk(d, exit, COOLDOWN * 4 + 2000);
    expect(Date.now()).toBeGreaterThanOrEqual(openedAt + COOLDOWN);
    expect(report).toMatchObject({ status: 'closed', filled: exit.amount });
    expect(recordsOf(exit.clientOrderId).map((r) => r.outcome)).toEqual(['accepted']);
    expect(stack.breaker.current).toBe('closed');
    expect(stack.log.at('warn').filter((m) => m.includes(`order ${exit.clientOrderId} (stop) waits`))).toHaveLength(1);
  });
});
