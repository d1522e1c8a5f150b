/**
 * Each block condition refuses entries and lets exits through, with the market made thin,
 * wide, frozen or unreachable on the real simulator. A refused entry never reaches it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../fixtures/exchange-sim/index.js';
import { until } from '../../fixtures/testing/tree.js';
import { ErrorCode } from '../../shared/errors.js';
import { LiquidityGuardian, type BlockCode } from './liquidity-guardian.js';
import { MarketPoller } from './market-poller.js';
import { OrderDesk } from './order-placer.js';
import { gatewayStack, intent, placeThroughDesk, type Stack } from './test-support.js';

// Long enough that a busy machine never judges a just-polled quote stale or frozen by accident.
const STALE_MS = 1000;
let sim: RunningSimulator;
beforeAll(async () => {
  // A moving market: the ticker's time (last price change) stays fresh unless the feed is frozen.
  sim = await startSimulator({ candleIntervalMs: 20, balances: { USDT: 100_000, BTC: 5 } });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.faults.clear();
  sim.faults.freezeFeed(false);
  sim.faults.setBook({ spreadBps: 2, depthLevels: 20, levelSize: 0.5 });
});

interface Rig {
  stack: Stack;
  guardian: LiquidityGuardian;
  desk: OrderDesk;
  poll(): Promise<void>;
  /** Moves the guardian's clock forward: the last quote ages without new polls. */
  skewMs: number;
}

function rig(secret?: string): Rig {
  const stack = gatewayStack(sim, { timeoutMs: 500, cooldownMs: 60_000, ...(secret ? { secret } : {}) });
  const r = { stack, skewMs: 0 } as Rig;
  r.guardian = new LiquidityGuardian(
    { staleAfterMs: STALE_MS, maxSpreadBps: 10, depthBps: 10, depthFactor: 3 },
    { breaker: () => stack.breaker.current, signing: () => stack.exchange.signingProblem, log: stack.log, now: () => Date.now() + r.skewMs },
  );
  const poller = new MarketPoller(stack.exchange, ['BTC/USDT'], { candle: () => undefined, quote: (q, t) => r.guardian.observe(q, t) });
  r.poll = () => poller.pollOnce();
  r.desk = new OrderDesk(stack.exchange, r.guardian, { recvWindowMs: 5000, backoff: { baseMs: 20, maxMs: 100 }, log: stack.log });
  return r;
}

const sent = (clientOrderId: string) => sim.orders().filter((o) => o.clientOrderId === clientOrderId).map((o) => o.outcome);

/** An entry is refused with `code` and never sent; an exit of the same size goes out and fills. */
async function entriesBlockedExitsPass(r: Rig, code: BlockCode): Promise<void> {
  const entry = intent({ amount: 0.01 });
  const refused = await placeThroughDesk(r.desk, entry).catch((e: unknown) => e);
  expect(refused).toMatchObject({ code: ErrorCode.ENTRY_BLOCKED });
  expect(r.guardian.blocks()['BTC/USDT']).toBe(code);
  expect(sent(entry.clientOrderId)).toEqual([]);
  const exit = intent({ role: 'exit', side: 'sell', amount: 0.01 });
  await expect(placeThroughDesk(r.desk, exit)).resolves.toMatchObject({ status: 'closed', filled: 0.01 });
  expect(sent(exit.clientOrderId)).toEqual(['accepted']);
}

describe('LiquidityGuardian', () => {
  it('lets an entry through on a fresh, tight, deep market', async () => {
    const r = rig();
    await r.poll();
    const entry = intent({ amount: 0.01 });
    await expect(placeThroughDesk(r.desk, entry)).resolves.toMatchObject({ status: 'closed' });
    expect(sent(entry.clientOrderId)).toEqual(['accepted']);
    expect(r.guardian.blocks()).toEqual({});
  });

  it('blocks before any market data arrived', async () => {
    await entriesBlockedExitsPass(rig(), 'no-data');
  });

  it('blocks while the last good quote is older than staleAfterMs (wall clock)', async () => {
    const r = rig();
    await r.poll();
    r.skewMs = STALE_MS + 1;
    await entriesBlockedExitsPass(r, 'stale');
  });

  it("blocks while the exchange's price has not moved for staleAfterMs (frozen feed, answers still come)", async () => {
    const r = rig();
    sim.faults.freezeFeed(true);
    await until('the frozen feed to be judged frozen', async () => {
      await r.poll();
      return r.guardian.check(intent()).ok === false;
    }, STALE_MS * 4 + 2000);
    await entriesBlockedExitsPass(r, 'frozen');
  });

  it('blocks while the spread is wider than maxSpreadBps', async () => {
    const r = rig();
    sim.faults.setBook({ spreadBps: 25 });
    await r.poll();
    await entriesBlockedExitsPass(r, 'spread');
  });

  it("blocks while the book within depthBps holds less than depthFactor x the order's size", async () => {
    const r = rig();
    // 10 levels of ~0.002 within 10 bps: about 0.02, less than 3 x 0.01.
    sim.faults.setBook({ levelSize: 0.001 });
    await r.poll();
    await entriesBlockedExitsPass(r, 'depth');
    expect(r.guardian.check(intent({ amount: 0.001 })).ok).toBe(true);
  });

  it('blocks while the breaker is not closed', async () => {
    const r = rig();
    await r.poll();
    sim.faults.inject({ kind: 'status', status: 503, count: 5 });
    for (let i = 0; i < 5; i++) await r.poll().catch(() => undefined);
    expect(r.stack.breaker.current).toBe('open');
    const entry = intent();
    await expect(placeThroughDesk(r.desk, entry)).rejects.toMatchObject({ code: ErrorCode.ENTRY_BLOCKED });
    expect(r.guardian.blocks()['BTC/USDT']).toBe('breaker');
    expect(sent(entry.clientOrderId)).toEqual([]);
    r.stack.breaker.shutdown();
  });

  it('blocks while signed requests are refused (bad credentials)', async () => {
    const r = rig('wrong-secret');
    await r.poll();
    await r.stack.exchange.fetchBalance().catch(() => undefined);
    expect(r.guardian.check(intent())).toMatchObject({ ok: false, code: 'signing' });
    expect(r.stack.log.at('critical')).toHaveLength(1);
  });

  it('logs a block once per change, not per check', async () => {
    const r = rig();
    sim.faults.setBook({ spreadBps: 25 });
    await r.poll();
    for (let i = 0; i < 5; i++) expect(r.guardian.check(intent()).ok).toBe(false);
    sim.faults.setBook({ spreadBps: 2 });
    await r.poll();
    for (let i = 0; i < 5; i++) expect(r.guardian.check(intent()).ok).toBe(true);
    const lines = r.stack.log.records.filter((l) => l.message.startsWith('entries on BTC/USDT'));
    expect(lines.map((l) => l.level)).toEqual(['warn', 'info']);
    expect(lines[0]?.message).toContain('spread');
  });
});
