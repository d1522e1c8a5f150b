/**
 * Crash loop: the engine fails at start-up every time (its strategy throws at import). The
 * supervisor must back off with growing delays, then escalate with exit code 70 within the
 * intensity window, so systemd restarts the whole process under its own limits.
 */
import { join } from 'node:path';
import { ExitCode } from '../../shared/exit-codes.js';
import { ROOT } from '../../fixtures/testing/tree.js';
import { notGrowing } from './checks.js';
import type { Drill } from './drill.js';
import { time } from './harness.js';
import { DRILL_SCALE } from './scale.js';

const MAX_RESTARTS = 5;

export const crashLoop: Drill = {
  name: 'crash-loop',
  fault: 'the engine crashes at start-up every time (fixtures/strategies/crash-on-load.js)',
  async run(env, rec) {
    env.writeConfig({
      supervisor: { restart: { maxRestarts: MAX_RESTARTS, backoffMaxMs: 5000 } },
      strategy: { module: join(ROOT, 'fixtures/strategies/crash-on-load.js'), params: {} },
    });
    const bot = env.startBot();
    // The whole loop is bounded by the backoff: 0.1+0.2+0.4+0.8+1.6 s plus six start-ups.
    const exit = await Promise.race([bot.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000).unref())]);
    rec.check('the process exits with the escalation code 70', exit?.code === ExitCode.ESCALATED, `exit ${JSON.stringify(exit)}`);

    const lines = env.logLines();
    const respawns = lines.filter((l) => /^engine will be respawned in \d+ ms/.test(l.message));
    const delays = respawns.map((l) => Number(l.delayMs));
    rec.none('respawn delays grow (backoff)', notGrowing(delays), `delays ${delays.join(', ')} ms`);
    rec.check(`respawned maxRestarts (${MAX_RESTARTS}) times before escalating`, respawns.length === MAX_RESTARTS, `${respawns.length} respawns logged`);
    const escalation = lines.find((l) => l.level === 'critical' && /^escalating: engine failed \d+ times within supervisor\.restart\.periodMs/.test(l.message));
    // The respawn line is logged when the failure is handled: the first one dates the first crash.
    const firstFailure = respawns[0];
    rec.check('a CRITICAL escalation alert names the engine and the window', escalation?.alert === 'CRITICAL', escalation?.message ?? 'no escalation line');
    if (escalation && firstFailure) {
      const span = time(escalation) - time(firstFailure);
      rec.check('escalated within the intensity window', span < DRILL_SCALE['supervisor.restart.periodMs'], `${span} ms from the first failure, window ${DRILL_SCALE['supervisor.restart.periodMs']} ms`);
      rec.detected(span, 'first engine failure to the escalation decision (log times)');
    }
    const stops = lines.filter((l) => /-> stopped/.test(l.message)).map((l) => l.child);
    rec.check('the healthy workers were stopped in order before the exit', stops.join(',') === 'market-data,persistence', `stopped: ${stops.join(', ') || 'none'}`);
    const health = env.health();
    rec.check('the health log says escalating and counts the restarts', health.status === 'escalating' && health.workers.engine?.restarts === MAX_RESTARTS, `status ${String(health.status)}, engine restarts ${health.workers.engine?.restarts}`);
  },
};
