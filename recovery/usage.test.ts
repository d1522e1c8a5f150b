import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../fixtures/testing/tree.js';
import { RecoveryExit } from './exit-codes.js';
import { runCli } from './runner.js';
import { cli, type CliRun } from './test-support.js';

/** The dispatcher in-process (fast); one case per test still runs the real `node recovery/cli.js`. */
async function inProcess(args: string[], cwd: string): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const sink = (put: (s: string) => void) => ({ write: (s: string) => (put(s), true), isTTY: false }) as unknown as NodeJS.WriteStream;
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    const code = await runCli(args, process.env, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)), stdin: { isTTY: false } as NodeJS.ReadStream });
    return { code, stdout, stderr };
  } finally {
    process.chdir(previous);
  }
}

describe('recovery CLI usage', () => {
  it('exits 64 with a usage message for an unknown command, a bad flag, a missing or bad value', async () => {
    const cwd = tempDir('tg-usage-');
    const cases: Array<[string[], RegExp]> = [
      [[], /usage: node recovery\/cli\.js <command>/],
      [['launch-rockets'], /unknown command "launch-rockets"[\s\S]*usage: node recovery\/cli\.js <command>/],
      [['verify', '--bogus'], /Unknown option '--bogus'[\s\S]*usage: node recovery\/cli\.js verify/],
      [['status', 'extra'], /Unexpected argument 'extra'[\s\S]*usage: node recovery\/cli\.js status/],
      [['rollback-state', '--to'], /--to.*argument missing[\s\S]*usage: node recovery\/cli\.js rollback-state/],
      [['rollback-state', '--to', 'yesterday'], /neither a row number .* nor a UTC time[\s\S]*usage:/],
      [['rollback-state'], /--to is required[\s\S]*usage:/],
      [['repair-journal', '--file', 'orders'], /--file must be trades or intents[\s\S]*usage:/],
      [['pause-entries', '--reason', '   '], /--reason is required[\s\S]*usage:/],
    ];
    const real = await cli(['launch-rockets'], cwd);
    expect(real.code).toBe(RecoveryExit.USAGE);
    expect(real.stderr).toMatch(/unknown command/);
    for (const [args, message] of cases) {
      const run = await inProcess(args, cwd);
      expect(run.code, args.join(' ')).toBe(RecoveryExit.USAGE);
      expect(run.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('--help answers for the CLI and for each command with exit 0; a bad configuration exits 78 naming the key', async () => {
    const cwd = tempDir('tg-usage-');
    const help = await cli(['--help'], cwd);
    expect(help.stdout).toMatch(/exit codes: 0 ok/);
    expect(help.code).toBe(RecoveryExit.OK);
    for (const name of ['status', 'health', 'reset-kill-switch', 'pause-entries', 'resume-entries', 'reconcile', 'checkpoint', 'rebuild-db', 'verify', 'rollback-state', 'repair-journal']) {
      expect(help.stdout).toContain(`  ${name} `);
      const own = await inProcess([name, '--help'], cwd);
      expect(own.code, name).toBe(RecoveryExit.OK);
      expect(own.stdout).toContain(`usage: node recovery/cli.js ${name}`);
      expect(own.stdout).toContain('--data-dir DIR');
    }
    // The drills parse their own arguments; the CLI hands them over untouched.
    const drillHelp = await inProcess(['drill', '--help'], cwd);
    expect(drillHelp.code).toBe(RecoveryExit.OK);
    expect(drillHelp.stdout).toMatch(/usage: drill <scenario>\|all/);
    const noDrill = await inProcess(['drill', 'no-such-scenario'], cwd);
    expect(noDrill.code).toBe(RecoveryExit.USAGE);
    expect(noDrill.stderr).toMatch(/unknown scenario no-such-scenario/);
    writeFileSync(join(cwd, 'bad.json'), JSON.stringify({ supervisor: { shutdownTimeoutMs: -1 } }));
    const bad = await inProcess(['verify', '--config', 'bad.json'], cwd);
    expect(bad.code).toBe(RecoveryExit.CONFIG);
    expect(bad.stderr).toMatch(/supervisor\.shutdownTimeoutMs/);
    const json = await inProcess(['verify', '--config', 'bad.json', '--json'], cwd);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exit: RecoveryExit.CONFIG });
  });

  it('offline commands on a data directory that does not exist exit 66', async () => {
    const run = await inProcess(['verify', '--data-dir', 'nowhere'], tempDir('tg-usage-'));
    expect(run.code).toBe(RecoveryExit.NO_INPUT);
    expect(run.stderr).toMatch(/data directory nowhere does not exist/);
  });
});
