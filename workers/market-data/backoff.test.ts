/**
 * Polling retries: exponential ceilings with full jitter under them, a Retry-After from a real
 * 429 as a floor, and no growth while the breaker fails calls fast.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../fixtures/exchange-sim/index.js';
import { Backoff } from './backoff.js';
import { parseRetryAfter } from './faults.js';
import { MarketPoller } from './market-poller.js';
import { PollSchedule } from './poll-schedule.js';
import { gatewayStack } from './test-support.js';

describe('Backoff', () => {
  it('draws each delay between 0 and a ceiling that doubles up to maxMs', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 });
    const ceilings: number[] = [];
    for (let i = 0; i < 8; i++) {
      const ceiling = b.ceiling();
      ceilings.push(ceiling);
      const delay = b.next();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    }
    expect(ceilings).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
    b.reset();
    expect(b.ceiling()).toBe(100);
  });

  it('is jittered: the same attempt gives spread-out delays that fill its range', () => {
    const delays = Array.from({ length: 200 }, () => new Backoff({ baseMs: 1000, maxMs: 1000 }).next());
    expect(new Set(delays).size).toBeGreaterThan(150);
    expect(Math.min(...delays)).toBeLessThan(250);
    expect(Math.max(...delays)).toBeGreaterThan(750);
  });

  it('the random draw decides where under the ceiling (full jitter), at both ends', () => {
    expect(new Backoff({ baseMs: 400, maxMs: 10_000 }, () => 0).next()).toBe(0);
    expect(new Backoff({ baseMs: 400, maxMs: 10_000 }, () => 0.999).next()).toBe(399);
  });

  it('a Retry-After is a floor, even above maxMs', () => {
    const b = new Backoff({ baseMs: 100, maxMs: 1000 }, () => 0.5);
    expect(b.next(5000)).toBe(5000);
    expect(b.next(10)).toBe(100);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('PollSchedule against the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ candleIntervalMs: 20 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => sim.faults.clear());

  const setUp = (random: () => number, cooldownMs = 60_000) => {
    const stack = gatewayStack(sim, { timeoutMs: 500, cooldownMs });
    const poller = new MarketPoller(stack.exchange, ['BTC/USDT'], { candle: () => undefined, quote: () => undefined });
    const schedule = new PollSchedule(stack.breaker, { pollIntervalMs: 100, backoff: { baseMs: 200, maxMs: 5000 }, log: stack.log, random });
    return { stack, schedule, round: () => schedule.round(() => poller.pollOnce()) };
  };

  it('backs off with growing ceilings on failures and returns to the poll interval after a good round', async () => {
    const { schedule, round, stack } = setUp(() => 0.999);
    sim.faults.inject({ kind: 'status', status: 502, count: 3 });
    // Measured from when round() returns, so the request's own time (long on a busy machine) is not in it.
    const waits: number[] = [];
    for (let i = 0; i < 3; i++) {
      const next = await round();
      waits.push(next - Date.now());
    }
    // 0.999 of ceilings 200, 400, 800, less the few ms between the failure and the return.
    [200, 400, 800].forEach((ceiling, i) => {
      expect(waits[i]).toBeLessThan(ceiling);
      expect(waits[i]).toBeGreaterThan(ceiling * 0.999 - 50);
    });
    expect(schedule.problem).toContain('ExchangeNotAvailable');
    const next = await round();
    expect(next - Date.now()).toBeLessThanOrEqual(100);
    expect(schedule.problem).toBeNull();
    expect(schedule.backoff.attempts).toBe(0);
    // One warning for the outage, one line when it is over: not one per round.
    expect(stack.log.at('warn').filter((m) => m.startsWith('poll failed'))).toHaveLength(1);
    expect(stack.log.at('info').filter((m) => m.startsWith('polling works again'))).toHaveLength(1);
  });

  it("honours a 429's Retry-After over a shorter jittered delay", async () => {
    const { round } = setUp(() => 0);
    sim.faults.inject({ kind: 'status', status: 429, retryAfterSec: 2, count: 1 });
    const next = await round();
    expect(next - Date.now()).toBeGreaterThan(2000 - 50);
  });

  it('while the breaker is open, waits for the probe time without sending or growing the backoff', async () => {
    const { stack, schedule, round } = setUp(() => 0.5, 60_000);
    sim.faults.inject({ kind: 'reset', count: 5 });
    for (let i = 0; i < 5; i++) await round();
    expect(stack.breaker.current).toBe('open');
    const attempts = schedule.backoff.attempts;
    const requests = sim.requests().length;
    const next = await round();
    expect(next).toBe(stack.breaker.probeAt);
    expect(schedule.backoff.attempts).toBe(attempts);
    expect(sim.requests().length).toBe(requests);
    stack.breaker.shutdown();
  });
});
