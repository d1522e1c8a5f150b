/**
 * Runbook scenario B through the real market-data worker thread, in the real tree, against
 * the real simulator: the breaker opens, the health log shows it, the loop keeps beating
 * through the cooldown, nothing reaches the exchange while open, and it closes again.
 */
import { readFileSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { startTree, testConfig, until, type TestTree } from '../../fixtures/testing/tree.js';
import { Channel } from '../../shared/channel.js';
import type { Quote } from '../../shared/domain.js';
import { ErrorCode } from '../../shared/errors.js';
import type { EngineServes, MarketDataServes } from '../../shared/protocol.js';
import type { BreakerStatus } from '../../shared/status.js';
import type { BreakerSnapshot } from './breaker.js';
import { intent } from './test-support.js';

// Long enough that the checks made while it is open finish well before the probe, even on a busy machine.
const COOLDOWN = 1500;
const config = () =>
  testConfig({
    exchange: { timeoutMs: 500, recvWindowMs: 500, breaker: { failureThreshold: 5, cooldownMs: COOLDOWN }, backoff: { baseMs: 50, maxMs: 200 } },
    guardian: { staleAfterMs: 3000 },
  });

let tree: TestTree | null = null;
afterEach(async () => {
  await tree?.stop();
  tree = null;
});

const breakerHealth = (t: TestTree) => t.supervisor.healthReport().workers['market-data']?.components['breaker'] as BreakerSnapshot | undefined;
const breakerIs = (t: TestTree, state: BreakerSnapshot['state']) => () => breakerHealth(t)?.state === state && (breakerHealth(t) as BreakerSnapshot);

/**
 * Takes the engine's seat on the engine<->market-data link, with the supervisor's own
 * `peer-port` mechanism: from here on the test is the engine as far as market-data can tell
 * (it gets the candles, quotes and breaker events), and the real engine has lost its link to
 * market-data. Taken once the engine has finished its start-up reconciliation, so the real
 * engine has no request in flight that losing the link would fail.
 */
async function takeEngineSeat(t: TestTree): Promise<{ md: Channel<EngineServes, MarketDataServes>; quotes: Quote[]; breaker: BreakerStatus[] }> {
  await until('the engine to finish its start-up reconciliation', async () => {
    const status = await t.supervisor.child('engine').control.request('status', {});
    return Number(status.details['reconciliations'] ?? 0) >= 1;
  });
  const quotes: Quote[] = [];
  const breaker: BreakerStatus[] = [];
  const md = new Channel<EngineServes, MarketDataServes>({
    name: 'test-as-engine->market-data',
    requests: { ping: () => ({ from: 'engine', generation: 0 }) },
    events: { candle: () => undefined, quote: (q) => void quotes.push(q), breaker: (b) => void breaker.push(b) },
    onProblem: (err) => {
      throw err;
    },
  });
  const { port1, port2 } = new MessageChannel();
  md.attach(port1);
  expect(t.supervisor.child('market-data').sendPeerPort('engine', port2)).toBe(true);
  return { md, quotes, breaker };
}

describe('market-data worker thread', () => {
  it('opens the breaker on a 5xx storm, keeps beating through the cooldown, sends nothing while open, and closes after the probe', async () => {
    const t = (tree = await startTree(config()));
    await until('the first good poll (breaker published closed)', breakerIs(t, 'closed'));
    t.simulator.faults.inject({ kind: 'status', status: 503 });
    const open = await until('the breaker to open', breakerIs(t, 'open'), 10_000);
    expect(open).toMatchObject({ consecutiveFailures: 5, lastFailure: { kind: 'unavailable' } });
    expect(open.nextProbeAt).toBe((open.openedAt as number) + COOLDOWN);

    // The cooldown is waited inside the loop's inbox take: the heartbeat goes on.
    const requestsAtOpen = t.simulator.requests().length;
    const beatsAtOpen = t.supervisor.healthReport().workers['market-data']?.beats ?? 0;
    await until('three more beats while open', () => (t.supervisor.healthReport().workers['market-data']?.beats ?? 0) >= beatsAtOpen + 3, COOLDOWN / 2);
    const health = t.supervisor.healthReport().workers['market-data'];
    expect(breakerHealth(t)?.state).toBe('open');
    expect(health?.lagMs).toBeLessThan(t.config.supervisor.heartbeat.warnAfterMs);
    expect(t.simulator.requests().length).toBe(requestsAtOpen);
    const status = await t.supervisor.child('market-data').control.request('status', {});
    expect(status.details['breaker']).toMatchObject({ state: 'open' });

    // On disk, where an operator looks.
    const file = (await t.supervisor.writeHealth()) as string;
    const onDisk = JSON.parse(readFileSync(file, 'utf8')) as { workers: Record<string, { components: Record<string, BreakerSnapshot> }> };
    expect(onDisk.workers['market-data']?.components['breaker']).toMatchObject({ state: 'open', consecutiveFailures: 5, openedAt: open.openedAt });

    t.simulator.faults.clear();
    await until('the breaker to close after the probe', breakerIs(t, 'closed'), COOLDOWN * 4);
    const transitions = t
      .logLines()
      .filter((l) => l['worker'] === 'market-data' && String(l['message']).startsWith('breaker '))
      .map((l) => String(l['message']).split(':')[0]);
    expect(transitions).toEqual(['breaker closed -> open', 'breaker open -> half-open', 'breaker half-open -> closed']);
  });

  it('place-order: entries fill when healthy and are refused while open; an exit waits out the cooldown and fills once', async () => {
    const t = (tree = await startTree(config()));
    const seat = await takeEngineSeat(t);
    await until('a quote on the new link', () => seat.quotes.length > 0);

    const entry = intent();
    await expect(seat.md.request('place-order', entry)).resolves.toMatchObject({ clientOrderId: entry.clientOrderId, status: 'closed', filled: entry.amount });

    t.simulator.faults.inject({ kind: 'reset' });
    await until('a breaker event saying open', () => seat.breaker.some((b) => b.state === 'open'), 10_000);
    const refused = intent();
    await expect(seat.md.request('place-order', refused)).rejects.toMatchObject({ code: ErrorCode.ENTRY_BLOCKED });

    const exit = intent({ role: 'exit', side: 'sell', amount: 0.005 });
    const exitReply = seat.md.request('place-order', exit);
    await until('the exit to wait in the worker', async () => (await t.supervisor.child('market-data').control.request('status', {})).details['queuedOrders'] === 1);
    t.simulator.faults.clear();
    await expect(exitReply).resolves.toMatchObject({ clientOrderId: exit.clientOrderId, status: 'closed', filled: 0.005 });
    expect(seat.breaker.at(-1)?.state).toBe('closed');

    const outcomes = (id: string) => t.simulator.orders().filter((o) => o.clientOrderId === id).map((o) => o.outcome);
    expect(outcomes(entry.clientOrderId)).toEqual(['accepted']);
    expect(outcomes(refused.clientOrderId)).toEqual([]);
    expect(outcomes(exit.clientOrderId)).toEqual(['accepted']);
  });
});
