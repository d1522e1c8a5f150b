/**
 * Runs drills one after another (they share the 2-core machine with the bot's threads; two at
 * once would make heartbeat lags the drills measure), each with its own simulator and
 * directory, and turns whatever happens into a DrillResult: an exception is a failed drill,
 * never a crashed run.
 */
import { Recorder, type Drill, type DrillResult } from './drill.js';
import { DrillEnv, SimProcess } from './harness.js';

export async function runDrill(drill: Drill, options: { keepDirs?: boolean } = {}): Promise<DrillResult> {
  const started = Date.now();
  const rec = new Recorder();
  let error: string | null = null;
  let env: DrillEnv | null = null;
  let sim: SimProcess | null = null;
  try {
    sim = await SimProcess.start();
    env = new DrillEnv(sim);
    await drill.run(env, rec);
  } catch (err) {
    error = err instanceof Error ? err.message : String(err);
  }
  const pass = error === null && rec.checks.length > 0 && rec.checks.every((c) => c.pass);
  const keep = !pass || options.keepDirs === true;
  await env?.close(keep).catch(() => undefined);
  await sim?.stop().catch(() => undefined);
  return {
    drill: drill.name,
    fault: drill.fault,
    scale: drill.scale ?? null,
    pass,
    detectMs: rec.detectMs,
    detectFrom: rec.detectFrom,
    recoverMs: rec.recoverMs,
    recoverFrom: rec.recoverFrom,
    ordersLost: rec.ordersLost,
    duplicatedOrders: rec.duplicatedOrders,
    fillsLost: rec.fillsLost,
    checks: rec.checks,
    runtimeMs: Date.now() - started,
    error,
    dir: keep && env ? env.dir : null,
  };
}

export async function runDrills(drills: readonly Drill[], options: { keepDirs?: boolean; onResult?: (r: DrillResult) => void } = {}): Promise<DrillResult[]> {
  const results: DrillResult[] = [];
  for (const drill of drills) {
    const result = await runDrill(drill, options);
    options.onResult?.(result);
    results.push(result);
  }
  return results;
}
