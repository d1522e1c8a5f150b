import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { SLOT } from '../shared/heartbeat-layout.js';
import { ROOT, isWorker, nextEvent, startTree, testConfig, until, type TestTree } from '../fixtures/testing/tree.js';

let tree: TestTree | null = null;
afterEach(async () => {
  await tree?.stop();
  tree = null;
});

function trigger(t: TestTree, mode: 'busy' | 'never-settle'): void {
  writeFileSync(t.config.strategy.params.triggerFile as string, mode);
}

async function engineHandledCandles(t: TestTree): Promise<number> {
  const status = await t.supervisor.child('engine').control.request('status', {});
  return status.details.candlesHandled as number;
}

describe('hang detection', () => {
  for (const mode of ['busy', 'never-settle'] as const) {
    it(`warns about, kills and respawns an engine whose loop is stuck (${mode})`, async () => {
      tree = await startTree(testConfig());
      const t = tree;
      await until('the engine to handle candles', async () => (await engineHandledCandles(t)) > 0);
      const lagging = nextEvent(t.supervisor, 'lagging', isWorker('engine'));
      const hung = nextEvent(t.supervisor, 'hung', isWorker('engine'));
      const respawned = nextEvent(t.supervisor, 'ready', (p) => p.name === 'engine' && p.generation === 2);
      trigger(t, mode);

      const warn = await lagging;
      expect(warn.lagMs).toBeGreaterThan(t.config.supervisor.heartbeat.warnAfterMs);
      const kill = await hung;
      expect(kill.lagMs).toBeGreaterThan(t.config.supervisor.heartbeat.killAfterMs);
      await respawned;

      const engine = t.supervisor.child('engine');
      expect(engine.restarts).toBe(1);
      expect(engine.lastRestartReason).toMatch(/^hung: heartbeat lag \d+ ms > killAfterMs 1500/);
      // The survivors were never touched.
      expect(t.supervisor.child('persistence').generation).toBe(1);
      expect(t.supervisor.child('market-data').generation).toBe(1);
      // The warning names the worker and the lag, in the log an operator reads.
      const lines = t.logLines();
      expect(lines.some((l) => l.level === 'warn' && /^engine heartbeat lags \d+ ms/.test(String(l.message)))).toBe(true);
      const health = t.supervisor.healthReport();
      expect(health.incidents.map((i) => i.kind)).toEqual(expect.arrayContaining(['hang-warning', 'hang-kill', 'respawn']));
      // The new engine's loop runs: it handles candles again.
      await until('the respawned engine to handle candles', async () => (await engineHandledCandles(t)) > 0);
    });
  }

  it('never kills a worker whose loop keeps making progress', async () => {
    tree = await startTree(testConfig());
    const t = tree;
    // A lag warning can come from a loaded machine; a kill must not.
    let hung = false;
    t.supervisor.on('hung', () => (hung = true));
    // Watch for four kill thresholds while candles, quotes and idle wake-ups keep the loops busy.
    const watchMs = 4 * t.config.supervisor.heartbeat.killAfterMs;
    const startBeats = t.supervisor.table.read(SLOT.engine).beats;
    const started = Date.now();
    await until('four kill thresholds to pass', () => Date.now() - started > watchMs, watchMs * 4, 100);
    expect(hung).toBe(false);
    expect(t.supervisor.table.read(SLOT.engine).beats).toBeGreaterThan(startBeats);
    for (const name of ['persistence', 'market-data', 'engine'] as const) {
      expect(t.supervisor.child(name).generation).toBe(1);
      expect(t.supervisor.child(name).state.kind).toBe('running');
    }
  });
});

describe('respawn wiring', () => {
  it('rejects requests pending towards a killed engine, and connects the new engine to the survivors both ways', async () => {
    tree = await startTree(testConfig());
    const t = tree;
    await until('the engine to handle candles', async () => (await engineHandledCandles(t)) > 0);
    const respawned = nextEvent(t.supervisor, 'ready', (p) => p.name === 'engine' && p.generation === 2);
    trigger(t, 'busy');
    await until('the engine to spin', () => existsSync(`${t.config.strategy.params.triggerFile as string}.hanging`));

    // market-data pings the spinning engine over its own channel: the ping cannot be answered.
    const pending = t.supervisor.child('market-data').control.request('probe-peer', { peer: 'engine' });
    const outcome = await pending.then(
      () => ({ code: 'answered' }),
      (err: { code: string; message: string }) => err,
    );
    expect(outcome.code).toBe(ErrorCode.PEER_EXITED);
    expect((outcome as { message: string }).message).toMatch(/market-data->engine: request "ping" #\d+ was not answered/);
    await respawned;

    const md = t.supervisor.child('market-data').control;
    const engine = t.supervisor.child('engine').control;
    const persistence = t.supervisor.child('persistence').control;
    await expect(md.request('probe-peer', { peer: 'engine' })).resolves.toMatchObject({ from: 'engine', generation: 2 });
    await expect(persistence.request('probe-peer', { peer: 'engine' })).resolves.toMatchObject({ from: 'engine', generation: 2 });
    await expect(engine.request('probe-peer', { peer: 'market-data' })).resolves.toMatchObject({ from: 'market-data', generation: 1 });
    await expect(engine.request('probe-peer', { peer: 'persistence' })).resolves.toMatchObject({ from: 'persistence', generation: 1 });
    // And market data streams to the new engine without restarting market-data.
    await until('the new engine to receive candles', async () => (await engineHandledCandles(t)) > 0);
  });
});

describe('crashes and restart policy', () => {
  it('respawns a crashing engine with growing delays and escalates a crash loop', async () => {
    const config = testConfig({
      supervisor: { restart: { maxRestarts: 3, periodMs: 60_000, backoffInitialMs: 100, backoffMaxMs: 2000, stableAfterMs: 60_000 } },
      strategy: { module: join(ROOT, 'fixtures/strategies/crash.js'), params: { always: true } },
    });
    tree = await startTree(config, { waitReady: false });
    const t = tree;
    const delays: number[] = [];
    t.supervisor.on('respawn-scheduled', (p) => p.name === 'engine' && delays.push(p.delayMs));
    const escalation = nextEvent(t.supervisor, 'escalate');
    const code = await t.supervisor.done;
    expect(code).toBe(ExitCode.ESCALATED);
    expect((await escalation).reason).toMatch(/engine failed 4 times within supervisor\.restart\.periodMs/);
    expect(delays).toEqual([100, 200, 400]);
    expect(t.supervisor.child('engine').state.kind).toBe('failed');
    // The rest of the tree was stopped cleanly, not abandoned.
    expect(t.supervisor.child('persistence').state.kind).toBe('stopped');
    expect(t.supervisor.child('market-data').state.kind).toBe('stopped');
    const lines = t.logLines();
    expect(lines.some((l) => l.level === 'critical' && l.alert === 'CRITICAL' && /^escalating: engine failed/.test(String(l.message)))).toBe(true);
    expect(lines.some((l) => l.level === 'error' && /deliberate uncaught error/.test(String(l.message)))).toBe(true);
  });

  it('does not respawn a worker that fails before READY in a tight loop', async () => {
    const config = testConfig({
      supervisor: { restart: { maxRestarts: 2, periodMs: 60_000, backoffInitialMs: 200, backoffMaxMs: 2000, stableAfterMs: 60_000 } },
      strategy: { module: join(ROOT, 'fixtures/strategies/crash-on-load.js'), params: {} },
    });
    tree = await startTree(config, { waitReady: false });
    const t = tree;
    const spawns: number[] = [];
    t.supervisor.on('exit', (p) => p.name === 'engine' && spawns.push(Date.now()));
    const delays: number[] = [];
    t.supervisor.on('respawn-scheduled', (p) => p.name === 'engine' && delays.push(p.delayMs));
    expect(await t.supervisor.done).toBe(ExitCode.ESCALATED);
    expect(delays).toEqual([200, 400]);
    // Measured gaps between failures are at least the backoff: no tight loop.
    expect(spawns).toHaveLength(3);
    expect((spawns[1] as number) - (spawns[0] as number)).toBeGreaterThanOrEqual(200);
    expect((spawns[2] as number) - (spawns[1] as number)).toBeGreaterThanOrEqual(400);
    expect(t.supervisor.healthReport().incidents.filter((i) => i.kind === 'start-failure')).toHaveLength(3);
    expect(t.supervisor.child('engine').lastRestartReason).toMatch(/failed before READY/);
  });
});
