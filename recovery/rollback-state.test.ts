import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotProcess } from '../fixtures/testing/bot-process.js';
import { tempDir } from '../fixtures/testing/tree.js';
import { loadLastValidStatus, storePaths } from '../workers/persistence/index.js';
import { recordingLog } from '../workers/persistence/test-support.js';
import { RecoveryExit } from './exit-codes.js';
import { canPty, cli, onTerminal, snapshot, startTestBot, writeStatus } from './test-support.js';

const running: BotProcess[] = [];
afterEach(() => {
  for (const bot of running.splice(0)) if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
});

const TRIPPED = { tripped: true, reason: 'equity fell 6% within 5 min', trippedAt: Date.UTC(2026, 11, 4, 10, 4), day: '2026-12-04', realisedLoss: { today: 600 } };

/** Five status rows a minute apart; the kill switch trips at row 4. */
async function statusDir(): Promise<{ cwd: string; paths: ReturnType<typeof storePaths> }> {
  const cwd = tempDir('tg-rollback-');
  const paths = storePaths(join(cwd, 'data'));
  await writeStatus(paths.dataDir, [1, 2, 3, 4, 5].map((n) => snapshot(n, n >= 4 ? { killSwitch: TRIPPED } : {})));
  return { cwd, paths };
}

const iso = (n: number): string => new Date(snapshot(n).time).toISOString();

describe('rollback-state', () => {
  it('cuts status.csv back to row N (copy kept, -wal/-shm removed), and the restarted bot is seeded from row N', async () => {
    const { cwd, paths } = await statusDir();
    const original = readFileSync(paths.status, 'utf8');
    writeFileSync(`${paths.db}-wal`, 'stale wal');
    writeFileSync(`${paths.db}-shm`, 'stale shm');

    const refused = await cli(['rollback-state', '--data-dir', 'data', '--to', '3'], cwd);
    expect(refused.code).toBe(RecoveryExit.USAGE);
    expect(refused.stderr).toMatch(/refused without --yes/);
    expect(refused.stderr).toMatch(/rows to cut \(2\)/);
    expect(readFileSync(paths.status, 'utf8')).toBe(original);

    const run = await cli(['rollback-state', '--data-dir', 'data', '--to', '3', '--yes', '--json'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.OK);
    const result = JSON.parse(run.stdout) as { copy: string; cut: number[]; removed: string[] };
    expect(result.cut).toEqual([4, 5]);
    expect(readFileSync(join(cwd, result.copy), 'utf8')).toBe(original);
    expect(result.copy).toMatch(/status\.csv\.before-rollback-\d{8}T\d{6}\.\d{3}Z$/);
    expect(existsSync(`${paths.db}-wal`) || existsSync(`${paths.db}-shm`)).toBe(false);
    expect((await loadLastValidStatus(paths.status, recordingLog()))?.time).toBe(snapshot(3).time);

    const bot = startTestBot(cwd);
    running.push(bot);
    await bot.waitForLine(new RegExp(`restored from status\\.csv row of ${iso(3).replace(/\./g, '\\.')}: 0 positions, kill switch armed`));
    bot.proc.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
  });

  it('--to a UTC time keeps the last row at or before it; a row that is not there changes nothing', async () => {
    const { cwd, paths } = await statusDir();
    const original = readFileSync(paths.status, 'utf8');
    const missing = await cli(['rollback-state', '--data-dir', 'data', '--to', '9', '--yes'], cwd);
    expect(missing.code).toBe(RecoveryExit.FAILED);
    expect(missing.stderr).toMatch(/no valid status row numbered 9 \(valid rows: 1\.\.5/);
    const early = await cli(['rollback-state', '--data-dir', 'data', '--to', '2026-12-04T09:00:00Z', '--yes'], cwd);
    expect(early.code).toBe(RecoveryExit.FAILED);
    expect(readFileSync(paths.status, 'utf8')).toBe(original);

    const run = await cli(['rollback-state', '--data-dir', 'data', '--to', '2026-12-04T10:02:30Z', '--yes'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.OK);
    expect((await loadLastValidStatus(paths.status, recordingLog()))?.time).toBe(snapshot(2).time);
    expect(readdirSync(paths.dataDir).filter((f) => f.startsWith('status.csv.before-rollback-'))).toHaveLength(1);
  });
});

describe.skipIf(!canPty)('rollback-state on a terminal', () => {
  it('asks before cutting: "n" changes nothing (exit 1), "y" cuts', async () => {
    const { cwd, paths } = await statusDir();
    const original = readFileSync(paths.status, 'utf8');
    const no = await onTerminal(['rollback-state', '--data-dir', 'data', '--to', '2'], cwd, 'n');
    expect(no.output).toMatch(/cut status\.csv back to row 2\? \[y\/N\]/);
    expect(no.code).toBe(RecoveryExit.FAILED);
    expect(readFileSync(paths.status, 'utf8')).toBe(original);
    const yes = await onTerminal(['rollback-state', '--data-dir', 'data', '--to', '2'], cwd, 'y');
    expect(yes.code, yes.output).toBe(RecoveryExit.OK);
    expect((await loadLastValidStatus(paths.status, recordingLog()))?.time).toBe(snapshot(2).time);
  });
});

describe('reset-kill-switch --offline', () => {
  it('appends a re-armed copy of the last row with who and why, and the next start comes up armed', async () => {
    const { cwd, paths } = await statusDir();
    const noReason = await cli(['reset-kill-switch', '--offline', '--data-dir', 'data'], cwd);
    expect(noReason.code).toBe(RecoveryExit.USAGE);
    const run = await cli(['reset-kill-switch', '--offline', '--data-dir', 'data', '--reason', 'reviewed the flash crash', '--by', 'carol@ops'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.OK);
    const last = await loadLastValidStatus(paths.status, recordingLog());
    expect(last).toMatchObject({
      equity: snapshot(5).equity,
      balances: snapshot(5).balances,
      killSwitch: { tripped: false, reason: null, trippedAt: null, realisedLoss: { today: 0 }, lastReset: { by: 'carol@ops', reason: 'reviewed the flash crash' } },
    });
    // The audit trail lands in the bot's own daily log, tagged as the recovery CLI's.
    const logs = readdirSync(join(cwd, 'logs')).map((f) => readFileSync(join(cwd, 'logs', f), 'utf8')).join('');
    expect(logs).toMatch(/"message":"reset-kill-switch --offline by carol@ops: reviewed the flash crash[^"]*".*"worker":"recovery"/);

    const bot = startTestBot(cwd);
    running.push(bot);
    await bot.waitForLine(/restored from status\.csv row of .*: 0 positions, kill switch armed/);
    bot.proc.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    expect(bot.output()).not.toMatch(/kill switch is still tripped/);
  });
});
