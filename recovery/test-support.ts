/** What the recovery CLI's tests share: the CLI as a real child process, a real bot, status rows. */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startBot, writeScaledConfig, type BotProcess } from '../fixtures/testing/bot-process.js';
import { ROOT } from '../fixtures/testing/tree.js';
import type { StatusSnapshot } from '../shared/status.js';
import { StatusFile } from '../workers/persistence/index.js';
import { recordingLog } from '../workers/persistence/test-support.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `node recovery/cli.js ...args` in `cwd`, stdin not a terminal (as under a script or ssh -T). */
export function cli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [join(ROOT, 'recovery/cli.js'), ...args], { cwd, env: { ...process.env, ...env }, timeout: 60_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    child.stdin?.end();
  });
}

/** A bot on the every-n strategy with thresholds scaled down, in `cwd` (data in cwd/data). */
export function startTestBot(cwd: string): BotProcess {
  writeScaledConfig(cwd, 'every-n.js', {}, { dataDir: 'data' });
  return startBot(['--config', 'config.json'], { cwd });
}

export function snapshot(n: number, over: Partial<StatusSnapshot> = {}): StatusSnapshot {
  return {
    time: Date.UTC(2026, 11, 4, 10, n),
    equity: 10_000 - n,
    balances: { USDT: { free: 10_000 - n, locked: 0 } },
    positions: [],
    killSwitch: { tripped: false, reason: null, trippedAt: null, day: '2026-12-04', realisedLoss: { today: n } },
    breaker: { state: 'closed' },
    lastFillSeq: 0,
    ...over,
  };
}

/** Writes status.csv in `dataDir` through the persistence layer's StatusFile, one row per snapshot. */
export async function writeStatus(dataDir: string, rows: readonly StatusSnapshot[]): Promise<void> {
  mkdirSync(dataDir, { recursive: true });
  const file = await StatusFile.open(join(dataDir, 'status.csv'), recordingLog());
  try {
    for (const row of rows) await file.appendStatus(row);
  } finally {
    await file.close();
  }
}

function hasScript(): boolean {
  try {
    execFileSync('script', ['-qec', 'true', '/dev/null'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
/** script(1) from util-linux is here: terminal tests can run (they skip, saying so, where it is not). */
export const canPty = hasScript();
if (!canPty) console.warn('recovery terminal tests are skipped: they need script(1) from util-linux for a real pseudo-terminal');

/** The CLI on a real pseudo-terminal (script(1)), answering the prompt with `answer`. */
export function onTerminal(args: string[], cwd: string, answer: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const command = [process.execPath, join(ROOT, 'recovery/cli.js'), ...args].map((a) => `'${a}'`).join(' ');
    const child = execFile('script', ['-qec', command, '/dev/null'], { cwd, timeout: 30_000 }, (err, stdout) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, output: stdout });
    });
    child.stdin?.end(`${answer}\n`);
  });
}
