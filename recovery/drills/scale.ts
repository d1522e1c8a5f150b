/**
 * The thresholds every drill runs with: the runbook's defaults scaled down so the whole set
 * runs in minutes. Each drill merges its own few changes on top. The scale is printed with
 * every run, so nobody mistakes a 1.5 s kill threshold for the production one.
 */
import { DEFAULTS } from '../../shared/config-schema.js';

/** The configuration keys the drills change, with the value they use. */
export const DRILL_SCALE = {
  'supervisor.heartbeat.sampleIntervalMs': 100,
  'supervisor.heartbeat.warnAfterMs': 500,
  'supervisor.heartbeat.killAfterMs': 1500,
  'supervisor.restart.backoffInitialMs': 100,
  'supervisor.restart.periodMs': 60_000,
  'supervisor.healthLog.intervalMs': 200,
  'supervisor.shutdownTimeoutMs': 10_000,
  'worker.loopIdleMs': 100,
  'exchange.pollIntervalMs': 100,
  'exchange.timeoutMs': 1000,
  'exchange.breaker.cooldownMs': 2000,
  'exchange.backoff.baseMs': 100,
  'exchange.backoff.maxMs': 1000,
  'persistence.verifyIntervalMs': 300,
  'persistence.checkpointIntervalMs': 5000,
  'persistence.statusIntervalMs': 500,
  'reconcile.intervalMs': 600_000,
} as const;

/** The simulator plays one candle every this many ms (a one-minute candle in production). */
export const CANDLE_MS = 100;

function lookup(path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], DEFAULTS);
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/** "supervisor.heartbeat.killAfterMs 1.5 s instead of 120 s", one per key, plus the candle clock. */
export function scaleLines(): string[] {
  const lines = Object.entries(DRILL_SCALE).map(([key, value]) => {
    const base = lookup(key) as number;
    return `${key} ${seconds(value)} instead of ${seconds(base)}`;
  });
  lines.push(`simulator candle every ${seconds(CANDLE_MS)} instead of 60 s`);
  return lines;
}

/** DRILL_SCALE as a nested config object, ready to be written as config.json. */
export function scaledConfig(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(DRILL_SCALE)) {
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts.at(-1) as string] = value;
  }
  return out;
}
