import { describe, expect, it } from 'vitest';
import { RestartPolicy } from './restart-policy.js';
import { judgeLag } from './heartbeat-monitor.js';

const options = { maxRestarts: 5, periodMs: 600_000, backoffInitialMs: 1000, backoffMaxMs: 30_000, stableAfterMs: 60_000 };

describe('RestartPolicy', () => {
  it('doubles the delay from 1 s to a 30 s ceiling and escalates the 6th failure within the period', () => {
    const policy = new RestartPolicy({ ...options, maxRestarts: 10 });
    const delays = Array.from({ length: 7 }, (_, i) => policy.onFailure(i * 10, 0)).map((d) => (d.action === 'restart' ? d.delayMs : -1));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);

    const strict = new RestartPolicy(options);
    for (let i = 0; i < 5; i++) expect(strict.onFailure(i, 0).action).toBe('restart');
    expect(strict.onFailure(5, 0)).toEqual({ action: 'escalate', restartsInWindow: 6 });
  });

  it('forgets restarts older than the period and resets the backoff after a stable run', () => {
    const policy = new RestartPolicy(options);
    for (let i = 0; i < 5; i++) policy.onFailure(i, 0);
    const later = policy.onFailure(600_010, 0);
    expect(later.action).toBe('restart');
    const stable = policy.onFailure(700_000, 60_000);
    expect(stable).toMatchObject({ action: 'restart', delayMs: 1000 });
  });
});

describe('judgeLag', () => {
  it('is healthy up to the warn threshold, lagging up to the kill threshold, hung past it', () => {
    const t = { warnAfterMs: 60_000, killAfterMs: 120_000 };
    expect(judgeLag(60_000, t)).toBe('healthy');
    expect(judgeLag(60_001, t)).toBe('lagging');
    expect(judgeLag(120_000, t)).toBe('lagging');
    expect(judgeLag(120_001, t)).toBe('hung');
  });
});
