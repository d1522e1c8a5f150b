import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../shared/config.js';
import { ExitCode } from '../shared/exit-codes.js';
import { ROOT, tempDir } from '../fixtures/testing/tree.js';

// The units live in systemd/; their test sits here because vitest collects recovery/**.
const UNITS = ['trader-gemini.service', 'trader-gemini@.service'];
const run = promisify(execFile);

function hasAnalyze(): boolean {
  try {
    execFileSync('systemd-analyze', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const canVerify = hasAnalyze();
if (!canVerify) console.warn('systemd unit verification skipped: systemd-analyze is absent (apt-get install systemd)');

function settings(unit: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(join(ROOT, 'systemd', unit), 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (m) map.set(m[1] as string, m[2] as string);
  }
  return map;
}

function seconds(value: string | undefined): number {
  const m = /^(\d+)(s|min)?$/.exec(value ?? '');
  if (!m) throw new Error(`cannot read "${value}" as a duration`);
  return Number(m[1]) * (m[2] === 'min' ? 60 : 1);
}

describe('systemd units', () => {
  it.skipIf(!canVerify)('pass systemd-analyze verify with no warning at all (the template through an instance)', async () => {
    const dir = tempDir('tg-units-');
    for (const unit of UNITS) {
      // ExecStart must name an executable that exists here: this machine's node, not /usr/bin/node.
      const text = readFileSync(join(ROOT, 'systemd', unit), 'utf8').replaceAll('/usr/bin/node ', `${process.execPath} `);
      writeFileSync(join(dir, unit), text);
    }
    symlinkSync(join(dir, 'trader-gemini@.service'), join(dir, 'trader-gemini@acct1.service'));
    for (const unit of ['trader-gemini.service', 'trader-gemini@acct1.service']) {
      const { stdout, stderr } = await run('systemd-analyze', ['verify', '--recursive-errors=no', join(dir, unit)]).catch((err: { stdout: string; stderr: string; code: number }) => {
        throw new Error(`systemd-analyze verify ${unit} exited ${err.code}:\n${err.stdout}${err.stderr}`);
      });
      expect(`${stdout}${stderr}`, unit).toBe('');
    }
  });

  it('agree with the code: exit codes not to restart, stop timeout past the shutdown budget, the watchdog, the data directory', () => {
    for (const unit of UNITS) {
      const s = settings(unit);
      expect(s.get('RestartPreventExitStatus')?.split(' ').map(Number).sort()).toEqual([ExitCode.USAGE, ExitCode.DATA, ExitCode.LOCKED, ExitCode.CONFIG].sort());
      expect(seconds(s.get('TimeoutStopSec')) * 1000).toBeGreaterThan(DEFAULTS.supervisor.shutdownTimeoutMs);
      expect(s.get('Type')).toBe('notify');
      expect(s.get('NotifyAccess')).toBe('all');
      expect(seconds(s.get('WatchdogSec'))).toBeGreaterThan(0);
      expect(s.get('KillMode')).toBe('mixed');
      expect(s.get('Restart')).toBe('on-failure');
      const exec = s.get('ExecStart') ?? '';
      expect(exec).toMatch(/ \/opt\/trader-gemini\/supervisor\/main\.js /);
      const dataDir = /--data-dir (\S+)/.exec(exec)?.[1] ?? '';
      expect(dataDir.startsWith(`${s.get('WorkingDirectory')}/`), `${unit}: --data-dir inside WorkingDirectory`).toBe(true);
      expect(s.get('WorkingDirectory')).toBe(`/var/lib/${s.get('StateDirectory')}`);
      expect(/--logs-dir (\S+)/.exec(exec)?.[1]).toBe(`/var/log/${s.get('LogsDirectory')}`);
    }
    expect(settings('trader-gemini@.service').get('EnvironmentFile')).toContain('%i');
  });
});
