/**
 * Engine hang: the engine's loop blocks, first in a busy loop, then in an await that never
 * settles. The root must warn at warnAfterMs, kill and respawn at killAfterMs, and the
 * position, its stop and the kill switch must come through unchanged, with no order sent twice.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../fixtures/testing/tree.js';
import { audit, type Drill } from './drill.js';
import { accepted, time, until, type EngineView } from './harness.js';
import { DRILL_SCALE } from './scale.js';

const WARN = DRILL_SCALE['supervisor.heartbeat.warnAfterMs'];
const KILL = DRILL_SCALE['supervisor.heartbeat.killAfterMs'];

const describe = (v: EngineView): string =>
  JSON.stringify({ positions: v.positions.map((p) => ({ symbol: p.symbol, amount: p.amount, stop: p.stopClientOrderId })), killSwitch: v.killSwitch.tripped });

export const engineHang: Drill = {
  name: 'engine-hang',
  fault: "the engine loop blocks: a busy loop, then an await that never settles (hang.js's trigger file)",
  async run(env, rec) {
    const trigger = join(env.dir, 'hang-trigger');
    env.writeConfig({
      strategy: { module: join(ROOT, 'recovery/drills/strategies/trade-then-hang.js'), params: { entryEvery: 3, holdCandles: 1_000_000, triggerFile: trigger } },
    });
    const { bot } = await env.startTrading();
    const before = await until('a position protected by a stop', async () => {
      const view = await env.engineStatus();
      return view.positions.some((p) => typeof p.stopClientOrderId === 'string') && view;
    });
    const entriesBefore = accepted(await env.sim.orders(), 'e').length;

    const detect: number[] = [];
    const recover: number[] = [];
    for (const [i, mode] of (['busy', 'never-settle'] as const).entries()) {
      const generation = i + 2;
      const injected = Date.now();
      writeFileSync(trigger, mode);
      const warn = await env.waitLog(`the ${mode} hang warning`, (l) => /^engine heartbeat lags \d+ ms/.test(l.message), injected, 10_000, bot);
      const hung = await env.waitLog(`the ${mode} hang kill`, (l) => /^engine is hung: heartbeat lag \d+ ms > killAfterMs/.test(l.message), injected, 10_000, bot);
      const respawned = await env.waitLog(`engine generation ${generation} running`, (l) => l.child === 'engine' && l.to === 'running' && l.generation === generation, injected, 20_000, bot);
      const reconciled = await env.waitLog(`generation ${generation}'s reconciliation`, (l) => /^reconciliation \(.*\) done/.test(l.message), time(respawned), 20_000, bot);
      const warnLag = Number(warn.lagMs);
      const killLag = Number(hung.lagMs);
      rec.check(
        `${mode}: warned past warnAfterMs, then killed past killAfterMs`,
        warnLag > WARN && warnLag < KILL && killLag > KILL && time(warn) <= time(hung),
        `warned at lag ${warnLag} ms (threshold ${WARN}), killed at lag ${killLag} ms (threshold ${KILL})`,
      );
      detect.push(time(warn) - injected);
      recover.push(time(reconciled) - injected);
    }
    rec.detected(Math.max(...detect), `trigger written to the heartbeat warning (log time); busy ${detect[0]} ms, never-settle ${detect[1]} ms`);
    rec.recovered(Math.max(...recover), `trigger written to the respawned engine's reconciliation done (log time); busy ${recover[0]} ms, never-settle ${recover[1]} ms`);

    const after = await until('the respawned engine to restore its state', async () => {
      const view = await env.engineStatus();
      return view.restored && view.reconciliations >= 1 && view;
    });
    rec.check('positions, stops and kill switch are the same after both respawns (control socket status)', describe(after) === describe(before), `before ${describe(before)}, after ${describe(after)}`);
    const health = env.health().workers.engine;
    rec.check('the health log counts two engine restarts for a hang', health?.restarts === 2 && /hung/.test(String((health as Record<string, unknown>).lastRestartReason)), `restarts ${health?.restarts}, last reason ${String((health as Record<string, unknown> | undefined)?.lastRestartReason)}`);
    const entriesAfter = accepted(await env.sim.orders(), 'e').length;
    rec.check('no new entry while the position was held (nothing re-sent by the respawned engine)', entriesAfter === entriesBefore, `${entriesBefore} entries before, ${entriesAfter} after`);
    const stopped = await env.stop(bot);
    rec.check('the bot still stops cleanly (exit 0)', stopped.code === 0, `exit ${JSON.stringify(stopped)}`);
    await audit(env, rec);
  },
};
