/**
 * Runbook scenario B against the real simulator over loopback, through the real ccxt client:
 * which faults count towards the breaker, 5 in a row open it, an open breaker sends nothing,
 * and after the cooldown exactly one probe goes out.
 */
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../fixtures/exchange-sim/index.js';
import { ErrorCode } from '../../shared/errors.js';
import type { BreakerState } from './breaker.js';
import { ExchangeCallError, type FaultKind } from './faults.js';
import { gatewayStack, intent, type Stack, sharedSimulator } from './test-support.js';

/** One simulator for the file, its faults cleared after each test. */
const simulator = sharedSimulator();

const TICKER = '/api/v3/ticker';

async function failure(p: Promise<unknown>): Promise<ExchangeCallError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ExchangeCallError);
  return err as ExchangeCallError;
}

async function ready(o: Parameters<typeof gatewayStack>[1] = {}): Promise<Stack> {
  const stack = gatewayStack(simulator(), { timeoutMs: 300, ...o });
  await stack.exchange.ensureMarkets();
  return stack;
}

/** Waits until the breaker publishes `state`; a timer-driven change gets 4x its nominal time. */
async function reaches(stack: Stack, state: BreakerState, withinMs: number): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (stack.breaker.current !== state) {
    if (Date.now() > deadline) throw new Error(`breaker did not reach ${state} within ${withinMs} ms (is ${stack.breaker.current})`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const inject = (spec: FaultSpec) => simulator().faults.inject({ count: 1, pathPrefix: TICKER, ...spec });

interface Case {
  fault: string;
  counts: boolean;
  kind: FaultKind;
  run(stack: Stack): Promise<unknown>;
}

const ticker = (s: Stack) => s.exchange.fetchTicker('BTC/USDT');
const MATRIX: Case[] = [
  { fault: 'timeout', counts: true, kind: 'unreachable', run: (s) => (inject({ kind: 'timeout' }), ticker(s)) },
  { fault: 'reset', counts: true, kind: 'unreachable', run: (s) => (inject({ kind: 'reset' }), ticker(s)) },
  { fault: '500', counts: true, kind: 'unavailable', run: (s) => (inject({ kind: 'status', status: 500 }), ticker(s)) },
  { fault: '502', counts: true, kind: 'unavailable', run: (s) => (inject({ kind: 'status', status: 502 }), ticker(s)) },
  { fault: '503', counts: true, kind: 'unavailable', run: (s) => (inject({ kind: 'status', status: 503 }), ticker(s)) },
  { fault: '429', counts: true, kind: 'rate-limited', run: (s) => (inject({ kind: 'status', status: 429 }), ticker(s)) },
  { fault: '418', counts: true, kind: 'rate-limited', run: (s) => (inject({ kind: 'status', status: 418 }), ticker(s)) },
  { fault: 'malformed ticker (ccxt throws TypeError)', counts: true, kind: 'malformed', run: (s) => (inject({ kind: 'malformed' }), ticker(s)) },
  {
    fault: 'malformed book (ccxt resolves an empty book)',
    counts: true,
    kind: 'malformed',
    run: (s) => (inject({ kind: 'malformed', pathPrefix: '/api/v3/depth' }), s.exchange.fetchBook('BTC/USDT', 20)),
  },
  {
    fault: 'malformed klines (ccxt resolves rows of nulls)',
    counts: true,
    kind: 'malformed',
    run: (s) => (inject({ kind: 'malformed', pathPrefix: '/api/v3/klines' }), s.exchange.fetchCandles('BTC/USDT', 5)),
  },
  {
    fault: 'malformed balance (ccxt resolves an empty balance)',
    counts: true,
    kind: 'malformed',
    run: (s) => (inject({ kind: 'malformed', pathPrefix: '/api/v3/account' }), s.exchange.fetchBalance()),
  },
  {
    fault: 'InvalidNonce (-1021)',
    counts: false,
    kind: 'clock',
    run: (s) => ((s.client.options['timeDifference'] = 120_000), s.exchange.fetchBalance()),
  },
  { fault: 'auth (-1022)', counts: false, kind: 'auth', run: async (s) => s.exchange.fetchBalance() },
  { fault: 'insufficient funds', counts: false, kind: 'rejected', run: (s) => s.exchange.createOrder(intent({ amount: 50 })) },
  {
    fault: 'invalid order ("Duplicate order sent.")',
    counts: false,
    kind: 'rejected',
    run: async (s) => {
      const resting = intent({ type: 'limit', price: Math.round(simulator().price('BTC/USDT') * 0.8) });
      await s.exchange.createOrder(resting);
      return s.exchange.createOrder(resting);
    },
  },
  { fault: 'bad symbol', counts: false, kind: 'rejected', run: (s) => s.exchange.fetchTicker('DOGE/USDT') },
];

describe('which faults count towards the breaker', () => {
  it.each(MATRIX)('$fault: counts=$counts ($kind)', async (c) => {
    const stack = await ready(c.fault.startsWith('auth') ? { secret: 'wrong-secret' } : {});
    const err = await failure(c.run(stack));
    expect(err.fault.kind).toBe(c.kind);
    expect(err.fault.counts).toBe(c.counts);
    expect(stack.breaker.snapshot().consecutiveFailures).toBe(c.counts ? 1 : 0);
    expect(err.code).toBe(c.counts ? ErrorCode.EXCHANGE_UNAVAILABLE : c.kind === 'auth' ? ErrorCode.EXCHANGE_AUTH : c.kind === 'clock' ? ErrorCode.EXCHANGE_CLOCK : ErrorCode.EXCHANGE_REJECTED);
  });

  it('a duplicate order is recognised as one (the order desk looks it up instead of failing)', async () => {
    const stack = await ready();
    const resting = intent({ type: 'limit', price: Math.round(simulator().price('BTC/USDT') * 0.8) });
    await stack.exchange.createOrder(resting);
    expect((await failure(stack.exchange.createOrder(resting))).fault.duplicate).toBe(true);
    expect(await stack.exchange.fetchOrderByClientId('BTC/USDT', 'never-sent')).toBeNull();
    expect(stack.breaker.current).toBe('closed');
  });

  it('an AuthenticationError is a CRITICAL alert and marks signing refused; InvalidNonce clears on the next signed success', async () => {
    const bad = await ready({ secret: 'wrong-secret' });
    await failure(bad.exchange.fetchBalance());
    expect(bad.log.at('critical')).toHaveLength(1);
    expect(bad.exchange.signingProblem?.kind).toBe('auth');
    await failure(bad.exchange.fetchBalance());
    expect(bad.log.at('critical')).toHaveLength(1);

    const skewed = await ready();
    skewed.client.options['timeDifference'] = 120_000;
    await failure(skewed.exchange.fetchBalance());
    expect(skewed.exchange.signingProblem?.kind).toBe('clock');
    skewed.client.options['timeDifference'] = 0;
    await skewed.exchange.fetchBalance();
    expect(skewed.exchange.signingProblem).toBeNull();
  });
});

describe('the breaker opens at the 5th consecutive counted failure', () => {
  const fail503 = async (stack: Stack, n: number) => {
    simulator().faults.inject({ kind: 'status', status: 503, count: n, pathPrefix: TICKER });
    for (let i = 0; i < n; i++) await failure(ticker(stack));
  };

  it('4 failures after earlier successes leave it closed; the 5th opens it', async () => {
    const stack = await ready();
    await ticker(stack);
    await ticker(stack);
    await fail503(stack, 4);
    expect(stack.breaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 4 });
    await fail503(stack, 1);
    const open = stack.breaker.snapshot();
    expect(open).toMatchObject({ state: 'open', consecutiveFailures: 5, lastFailure: { kind: 'unavailable' } });
    expect(open.nextProbeAt).toBe((open.openedAt as number) + 60_000);
    expect(stack.published.map((s) => s.state)).toEqual(['closed', 'closed', 'closed', 'closed', 'open']);
    expect(stack.log.at('error').filter((m) => m.startsWith('breaker closed -> open'))).toHaveLength(1);
    stack.breaker.shutdown();
  });

  it('an answer in between ends the streak: 4 failures, a success, 4 failures stay closed', async () => {
    const stack = await ready();
    await fail503(stack, 4);
    await ticker(stack);
    await fail503(stack, 4);
    expect(stack.breaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 4 });
    // A business refusal is an answer too.
    await failure(stack.exchange.createOrder(intent({ amount: 50 })));
    expect(stack.breaker.snapshot().consecutiveFailures).toBe(0);
  });

  it('business errors never open it, however many', async () => {
    const stack = await ready();
    for (let i = 0; i < 6; i++) await failure(stack.exchange.createOrder(intent({ amount: 50 })));
    expect(stack.breaker.current).toBe('closed');
  });
});

describe('open, cooldown, one probe', () => {
  const COOLDOWN = 300;
  const openIt = async (): Promise<Stack> => {
    const stack = await ready({ cooldownMs: COOLDOWN });
    simulator().faults.inject({ kind: 'reset', count: 5, pathPrefix: TICKER });
    for (let i = 0; i < 5; i++) await failure(ticker(stack));
    expect(stack.breaker.current).toBe('open');
    return stack;
  };

  it('while open, calls fail fast and the simulator receives no request at all', async () => {
    const stack = await openIt();
    const before = simulator().requests().length;
    for (const call of [ticker(stack), stack.exchange.fetchBalance(), stack.exchange.createOrder(intent({ role: 'exit' })), stack.exchange.fetchOrderByClientId('BTC/USDT', 'x')]) {
      await expect(call).rejects.toMatchObject({ code: ErrorCode.BREAKER_OPEN });
    }
    expect(simulator().requests().length).toBe(before);
    stack.breaker.shutdown();
  });

  it('after the cooldown exactly one probe goes out; its success closes the breaker', async () => {
    const stack = await openIt();
    await reaches(stack, 'half-open', COOLDOWN * 4);
    const before = simulator().requests().length;
    const [probe, second] = await Promise.allSettled([ticker(stack), ticker(stack)]);
    expect(probe.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.BREAKER_OPEN } });
    expect(simulator().requests().length - before).toBe(1);
    expect(stack.breaker.snapshot()).toMatchObject({ state: 'closed', consecutiveFailures: 0, openedAt: null, nextProbeAt: null });
    expect(stack.published.slice(-3).map((s) => s.state)).toEqual(['open', 'half-open', 'closed']);
  });

  it('a failed probe reopens it for another cooldown', async () => {
    const stack = await openIt();
    const firstOpen = stack.breaker.snapshot().openedAt as number;
    await reaches(stack, 'half-open', COOLDOWN * 4);
    simulator().faults.inject({ kind: 'status', status: 502, count: 1, pathPrefix: TICKER });
    const before = simulator().requests().length;
    await failure(ticker(stack));
    expect(simulator().requests().length - before).toBe(1);
    const reopened = stack.breaker.snapshot();
    expect(reopened.state).toBe('open');
    expect(reopened.openedAt as number).toBeGreaterThan(firstOpen);
    expect(reopened.nextProbeAt).toBe((reopened.openedAt as number) + COOLDOWN);
    expect(stack.log.at('error').some((m) => m.startsWith('breaker half-open -> open: probe failed'))).toBe(true);
    await reaches(stack, 'half-open', COOLDOWN * 4);
    await ticker(stack);
    expect(stack.breaker.current).toBe('closed');
  });

  it('a Retry-After longer than the cooldown holds it open until it has passed', async () => {
    const stack = await ready({ cooldownMs: 100 });
    simulator().faults.inject({ kind: 'status', status: 429, retryAfterSec: 1, count: 5, pathPrefix: TICKER });
    let lastFailureAt = 0;
    for (let i = 0; i < 5; i++) {
      const err = await failure(ticker(stack));
      expect(err.retryAfterMs).toBe(1000);
      lastFailureAt = Date.now();
    }
    const open = stack.breaker.snapshot();
    expect(open.nextProbeAt as number).toBeGreaterThanOrEqual((open.openedAt as number) + 900);
    await reaches(stack, 'half-open', 4000);
    expect(Date.now()).toBeGreaterThanOrEqual(lastFailureAt + 900);
    await ticker(stack);
    expect(stack.breaker.current).toBe('closed');
  });
});
