import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../shared/exit-codes.js';
import { startBot, writeScaledConfig, type BotProcess } from '../fixtures/testing/bot-process.js';
import { sendControl } from '../fixtures/testing/control-client.js';
import { tempDir } from '../fixtures/testing/tree.js';

const running: BotProcess[] = [];
afterEach(() => {
  for (const bot of running.splice(0)) if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
});

function start(cwd: string): BotProcess {
  writeScaledConfig(cwd, 'every-n.js');
  const b = startBot(['--config', 'config.json'], { cwd });
  running.push(b);
  return b;
}

describe('control socket', () => {
  it('is owner-only, answers status and health, and refuses what it does not know', async () => {
    const cwd = tempDir('tg-ctl-');
    const dataDir = join(cwd, 'dashboard/data/scalping');
    const b = start(cwd);
    await b.waitForLine(/all workers ready/);
    expect(statSync(join(dataDir, 'control.sock')).mode & 0o777).toBe(0o600);

    const status = await sendControl(dataDir, { command: 'status' });
    expect(status).toMatchObject({ ok: true, result: { health: { status: 'running' }, workers: { engine: { name: 'engine', generation: 1 } } } });
    const health = await sendControl(dataDir, { command: 'health' });
    expect(health).toMatchObject({ ok: true, result: { pid: b.proc.pid, workers: { persistence: { state: 'running' } } } });

    expect(await sendControl(dataDir, { command: 'launch' })).toMatchObject({ ok: false, error: { code: 'TG_ERR_PROTOCOL' } });
    expect(await sendControl(dataDir, { command: 'reset-kill-switch' })).toMatchObject({ ok: false, error: { code: 'TG_ERR_USAGE', message: expect.stringMatching(/needs a reason/) } });
    b.proc.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('refuses a second bot on the same data directory, and a restart after a crash takes over the stale lock and socket', async () => {
    const cwd = tempDir('tg-ctl-');
    const first = start(cwd);
    await first.waitForLine(/all workers ready/);
    const second = start(cwd);
    expect((await second.exited).code).toBe(ExitCode.LOCKED);
    expect(second.output()).toMatch(/held by a running bot \(pid \d+\)/);

    first.proc.kill('SIGKILL');
    await first.exited;
    const third = start(cwd);
    await third.waitForLine(/removing a stale control socket/);
    await third.waitForLine(/all workers ready/);
    third.proc.kill('SIGTERM');
    expect((await third.exited).code).toBe(0);
  });
});
