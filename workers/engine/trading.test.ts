import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../shared/config-schema.js';
import { createExchangeClient } from '../market-data/exchange-client.js';
import { SIM_DEFAULTS, startSimulator } from '../../fixtures/exchange-sim/index.js';
import type { RunningSimulator } from '../../fixtures/exchange-sim/types.js';
import { ROOT, startTree, testConfig, until, type TestTree } from '../../fixtures/testing/tree.js';
import { engineView, journalRows, openPositionWithStop, reconciledEngine, simOrders } from '../../fixtures/testing/trading.js';

const trees: TestTree[] = [];
const sims: RunningSimulator[] = [];
afterEach(async () => {
  for (const t of trees.splice(0)) await t.stop();
  for (const s of sims.splice(0)) await s.close();
});

async function sim(): Promise<RunningSimulator> {
  const s = await startSimulator({ candleIntervalMs: 100 });
  sims.push(s);
  return s;
}

async function tree(config: Config, simulator: RunningSimulator): Promise<TestTree> {
  const t = await startTree(config, { simulator });
  trees.push(t);
  return t;
}

/** Enters on the third candle it sees and holds for `hold` candles. */
function trader(over: Partial<Config['risk']> = {}, hold = 10_000): Config {
  const config = testConfig({
    strategy: { module: join(ROOT, 'fixtures/strategies/every-n.js'), params: { entryEvery: 3, holdCandles: hold } },
    reconcile: { intervalMs: 600_000, unknownOrders: 'cancel' },
  });
  config.risk = { ...config.risk, ...over };
  return config;
}

/** The same data directory, with a strategy that never signals: a restart that only restores and reconciles. */
function quiet(config: Config): Config {
  return { ...config, strategy: { ...config.strategy, module: join(ROOT, 'fixtures/strategies/hang.js'), params: {} } };
}

describe('trading through the tree', () => {
  it('journals the intent before the order, the fill after it, and protects the position with a stop on the exchange', async () => {
    const s = await sim();
    const config = trader();
    const t = await tree(config, s);
    const position = await openPositionWithStop(t.supervisor);
    const entries = simOrders(s, 'e');
    const stops = simOrders(s, 's');
    expect(entries).toHaveLength(1);
    expect(stops).toHaveLength(1);
    const intents = journalRows(config.dataDir, 'intents.csv');
    const fills = journalRows(config.dataDir, 'trades.csv');
    expect(intents.map((r) => r.client_order_id)).toEqual([entries[0]?.clientOrderId, stops[0]?.clientOrderId]);
    expect(fills).toHaveLength(1);
    expect(fills[0]).toMatchObject({ client_order_id: entries[0]?.clientOrderId, role: 'entry', side: 'buy' });
    expect(position.stopClientOrderId).toBe(stops[0]?.clientOrderId);
    // 1% below the entry price (fees included), rounded down to the tick.
    expect(Number(position.stopPrice)).toBeCloseTo(Number(position.entryPrice) * 0.99, 1);
    expect(Number(position.entryPrice)).toBeGreaterThanOrEqual(Number(fills[0]?.price));
  });

  it('flash crash: trips the kill switch, sends no entry after, still exits, stays tripped across a restart, resumes after a reset', async () => {
    const s = await sim();
    const config = trader({ positionSizePct: 90 }, 15);
    const t = await tree(config, s);
    await openPositionWithStop(t.supervisor);
    s.faults.jumpPrice('BTC/USDT', -8);
    const tripped = await until('the kill switch to trip', async () => (await engineView(t.supervisor)).killSwitch.tripped && Date.now());
    const entriesAtTrip = simOrders(s, 'e').length;
    const critical = t.logLines().find((l) => l.level === 'critical' && /KILL SWITCH TRIPPED/.test(String(l.message)));
    expect(critical?.alert).toBe('CRITICAL');
    // The strategy's exit still goes out and closes the position.
    await until('the position to be closed', async () => (await engineView(t.supervisor)).positions.length === 0);
    expect(simOrders(s, 'x').length).toBeGreaterThanOrEqual(1);
    // Entry signals keep coming (every 3 candles) and are refused.
    await until('an entry refused by the kill switch', () => t.logLines().some((l) => /entry BTC\/USDT refused: kill switch tripped/.test(String(l.message))));
    expect(simOrders(s, 'e').filter((o) => o.time >= tripped)).toHaveLength(0);
    expect(simOrders(s, 'e')).toHaveLength(entriesAtTrip);
    await t.stop();

    const again = await tree(config, s);
    expect((await reconciledEngine(again.supervisor)).killSwitch.tripped).toBe(true);
    await until('a refused entry after the restart', () => again.logLines().some((l) => /entry BTC\/USDT refused: kill switch tripped/.test(String(l.message))));
    expect(simOrders(s, 'e')).toHaveLength(entriesAtTrip);
    await again.supervisor.child('engine').control.request('command', { name: 'reset-kill-switch', by: 'test-operator', reason: 'crash is over' });
    await until('an entry after the reset', () => simOrders(s, 'e').length > entriesAtTrip);
    expect(again.logLines().some((l) => /kill switch reset by test-operator: crash is over/.test(String(l.message)))).toBe(true);
  });

  it('re-places a stop cancelled behind its back at the next reconciliation', async () => {
    const s = await sim();
    const t = await tree(trader(), s);
    const position = await openPositionWithStop(t.supervisor);
    const outsider = createExchangeClient({ apiUrl: s.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, timeoutMs: 2000 });
    await outsider.cancelOrder('', 'BTC/USDT', { origClientOrderId: position.stopClientOrderId });
    await t.supervisor.child('engine').control.request('command', { name: 'reconcile-now', by: 'test' });
    const view = await engineView(t.supervisor);
    const replaced = view.positions[0]?.stopClientOrderId as string;
    expect(replaced).not.toBe(position.stopClientOrderId);
    const open = await outsider.fetchOpenOrders('BTC/USDT');
    expect(open.map((o) => o.clientOrderId)).toEqual([replaced]);
  });

  it('journals once a stop that filled while the bot was down, and closes the position', async () => {
    const s = await sim();
    const config = trader();
    const t = await tree(config, s);
    const position = await openPositionWithStop(t.supervisor);
    await t.stop();
    // The price falls through the stop (1% below entry) but not through its limit (0.5% lower).
    s.faults.setPrice('BTC/USDT', Number(position.entryPrice) * 0.988);
    const again = await tree(quiet(config), s);
    expect((await reconciledEngine(again.supervisor)).positions).toEqual([]);
    const stopFills = journalRows(config.dataDir, 'trades.csv').filter((r) => r.client_order_id === position.stopClientOrderId);
    expect(stopFills).toHaveLength(1);
    expect(stopFills[0]?.reason).toMatch(/reconciled/);
    const outsider = createExchangeClient({ apiUrl: s.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, timeoutMs: 2000 });
    const balance = (await outsider.fetchBalance()) as unknown as { free: Record<string, number> };
    const view = await engineView(again.supervisor);
    const balances = view.balances as { free: Record<string, number> };
    expect(balances.free.USDT).toBeCloseTo(Number(balance.free.USDT), 6);
    expect(balances.free.BTC ?? 0).toBeCloseTo(Number(balance.free.BTC ?? 0), 8);
    // A second reconciliation finds nothing new.
    await again.supervisor.child('engine').control.request('command', { name: 'reconcile-now', by: 'test' });
    expect(journalRows(config.dataDir, 'trades.csv').filter((r) => r.client_order_id === position.stopClientOrderId)).toHaveLength(1);
  });

  it('sends one order, not two, when the engine dies between sending it and hearing its fill', async () => {
    const s = await sim();
    const config = trader();
    // The exchange takes the order and never answers: the engine waits on its reply.
    s.faults.inject({ kind: 'drop-response', count: 1, hold: true, pathPrefix: '/api/v3/order', method: 'POST' });
    const t = await tree(config, s);
    const respawned = new Promise<void>((resolve) => t.supervisor.on('ready', (p) => p.name === 'engine' && p.generation === 2 && resolve()));
    await until('the entry order to reach the exchange', () => simOrders(s, 'e').length === 1);
    t.supervisor.child('engine').terminate('test: killed between order and fill', Date.now());
    await respawned;
    const position = await openPositionWithStop(t.supervisor);
    expect(simOrders(s, 'e')).toHaveLength(1);
    const entry = simOrders(s, 'e')[0]?.clientOrderId;
    const fills = journalRows(config.dataDir, 'trades.csv').filter((r) => r.client_order_id === entry);
    expect(fills).toHaveLength(1);
    const outsider = createExchangeClient({ apiUrl: s.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, timeoutMs: 2000 });
    const balance = (await outsider.fetchBalance()) as unknown as { total: Record<string, number> };
    expect(Number(position.amount)).toBeCloseTo(Number(balance.total.BTC), 8);
  });

  it('pauses entries after a strategy throws the configured number of times, and keeps running', async () => {
    const s = await sim();
    const config = testConfig({ strategy: { module: join(ROOT, 'fixtures/strategies/throws.js'), params: {}, maxConsecutiveErrors: 3 } });
    const t = await tree(config, s);
    await until('entries to be paused', async () => ((await engineView(t.supervisor)).pauses as string[]).includes('strategy-errors'));
    const lines = t.logLines();
    expect(lines.some((l) => l.level === 'critical' && /failed 3 candles in a row/.test(String(l.message)))).toBe(true);
    expect(lines.some((l) => l.level === 'error' && typeof l.stack === 'string' && /deliberate strategy error/.test(String(l.stack)))).toBe(true);
    expect(t.supervisor.child('engine').generation).toBe(1);
    const before = (await engineView(t.supervisor)).candlesHandled as number;
    await until('the engine to keep handling candles', async () => ((await engineView(t.supervisor)).candlesHandled as number) > before);
  });
});
