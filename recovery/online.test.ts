import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotProcess } from '../fixtures/testing/bot-process.js';
import { tempDir } from '../fixtures/testing/tree.js';
import { RecoveryExit } from './exit-codes.js';
import { cli, startTestBot } from './test-support.js';

const running: BotProcess[] = [];
afterEach(() => {
  for (const bot of running.splice(0)) if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
});

const DATA = ['--data-dir', 'data'];

describe('recovery CLI against a running bot', () => {
  it('online commands talk to it; offline commands refuse, naming its pid; without it, exit 69', async () => {
    const cwd = tempDir('tg-cli-');
    const bot = startTestBot(cwd);
    running.push(bot);
    await bot.waitForLine(/all workers ready/);
    const pid = bot.proc.pid as number;

    const status = await cli(['status', ...DATA], cwd);
    expect(status.code, status.stderr).toBe(RecoveryExit.OK);
    for (const worker of ['persistence', 'market-data', 'engine']) expect(status.stdout).toMatch(new RegExp(`^${worker}\\s+running\\s+1\\s`, 'm'));
    expect(status.stdout).toContain(`bot pid ${pid}: running`);
    const statusJson = await cli(['status', ...DATA, '--json'], cwd);
    expect(JSON.parse(statusJson.stdout)).toMatchObject({ health: { pid, workers: { engine: { state: 'running' } } }, workers: { engine: { name: 'engine' } } });

    const health = await cli(['health', ...DATA, '--json'], cwd);
    expect(health.code).toBe(RecoveryExit.OK);
    expect(JSON.parse(health.stdout)).toMatchObject({ pid, status: 'running' });
    expect(existsSync(join(cwd, 'logs/health_log.json'))).toBe(true);

    const noReason = await cli(['reset-kill-switch', ...DATA], cwd);
    expect(noReason.code).toBe(RecoveryExit.USAGE);
    expect(noReason.stderr).toMatch(/--reason is required/);
    const reset = await cli(['reset-kill-switch', ...DATA, '--reason', 'drill: reset after review', '--by', 'alice@ops', '--json'], cwd);
    expect(reset.code, reset.stderr).toBe(RecoveryExit.OK);
    expect(JSON.parse(reset.stdout)).toMatchObject({ tripped: false, lastReset: { by: 'alice@ops', reason: 'drill: reset after review' } });
    await bot.waitForLine(/reset-kill-switch asked by alice@ops: drill: reset after review/);

    expect((await cli(['pause-entries', ...DATA], cwd)).code).toBe(RecoveryExit.USAGE);
    const pause = await cli(['pause-entries', ...DATA, '--reason', 'maintenance', '--by', 'bob'], cwd);
    expect(pause.code, pause.stderr).toBe(RecoveryExit.OK);
    await bot.waitForLine(/pause-entries asked by bob: maintenance/);
    const paused = JSON.parse((await cli(['status', ...DATA, '--json'], cwd)).stdout) as { workers: { engine: { details: { pauses: unknown[] } } } };
    expect(paused.workers.engine.details.pauses.length).toBeGreaterThan(0);
    const resume = await cli(['resume-entries', ...DATA, '--reason', 'done', '--by', 'bob'], cwd);
    expect(resume.code, resume.stderr).toBe(RecoveryExit.OK);
    await bot.waitForLine(/resume-entries asked by bob: done/);

    // Human output: what an operator reads at 3 am.
    const reconcile = await cli(['reconcile', ...DATA], cwd);
    expect(reconcile.code, reconcile.stderr).toBe(RecoveryExit.OK);
    expect(reconcile.stdout).toMatch(/^reconciled \(asked by [^)]+\): \d+ discrepancies, \d+ fills journaled/);
    const checkpoint = await cli(['checkpoint', ...DATA], cwd);
    expect(checkpoint.code, checkpoint.stderr).toBe(RecoveryExit.OK);
    expect(checkpoint.stdout).toMatch(/^trades\.db checkpointed up to seq \d+ \(\d+ bytes\): verified/);
    const healthText = await cli(['health', ...DATA], cwd);
    expect(healthText.stdout).toMatch(/^health: running; persistence=running lag=\d+ms restarts=0; market-data=running/);

    for (const offline of [['verify'], ['rebuild-db'], ['rollback-state', '--to', '1', '--yes'], ['repair-journal', '--quarantine'], ['reset-kill-switch', '--offline', '--reason', 'x'], ['reconcile', '--dry-run']]) {
      const refused = await cli([...offline, ...DATA], cwd);
      expect(refused.code, `${offline.join(' ')}: ${refused.stderr}`).toBe(RecoveryExit.BOT_RUNNING);
      expect(refused.stderr).toContain(`running bot (pid ${pid})`);
    }

    bot.proc.kill('SIGTERM');
    expect((await bot.exited).code).toBe(0);
    const gone = await cli(['status', ...DATA], cwd);
    expect(gone.code).toBe(RecoveryExit.BOT_NOT_RUNNING);
    expect(gone.stderr).toMatch(/no bot is running on data/);
    // With the bot stopped, the offline commands run: its files verify.
    const verify = await cli(['verify', ...DATA], cwd);
    expect(verify.code, verify.stdout + verify.stderr).toBe(RecoveryExit.OK);
  });

  it('exits 69 with a message when no bot ever ran on the data directory', async () => {
    const cwd = tempDir('tg-cli-');
    for (const command of [['status'], ['health'], ['reset-kill-switch', '--reason', 'x'], ['checkpoint'], ['reconcile']]) {
      const run = await cli([...command, ...DATA], cwd);
      expect(run.code, command.join(' ')).toBe(RecoveryExit.BOT_NOT_RUNNING);
      expect(run.stderr).toMatch(/no bot is running on data: there is no control socket/);
    }
  });
});
