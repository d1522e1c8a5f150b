/**
 * Judges one heartbeat sample. Lag is the time since the worker's loop last made
 * progress; the root warns once per episode past `warnAfterMs` and kills past
 * `killAfterMs`. Pure, so the thresholds can be tested without threads.
 */

export interface HeartbeatThresholds {
  warnAfterMs: number;
  killAfterMs: number;
}

export type HeartbeatVerdict = 'healthy' | 'lagging' | 'hung';

export function judgeLag(lagMs: number, t: HeartbeatThresholds): HeartbeatVerdict {
  if (lagMs > t.killAfterMs) return 'hung';
  if (lagMs > t.warnAfterMs) return 'lagging';
  return 'healthy';
}
