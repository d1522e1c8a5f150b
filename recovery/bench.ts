/**
 * `node recovery/bench.js [rows]` (default 1 000 000): the recovery CLI's rebuild-db and
 * verify on a generated journal of `rows` fills, run as the operator runs them (real child
 * processes), with wall time, rows per second and peak RSS of each. The test suite runs
 * 100k rows to stay within its time budget; this is where the 1M figure comes from.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeJournal } from '../workers/persistence/bench.js';
import { storePaths } from '../workers/persistence/index.js';

interface Step {
  step: string;
  exit: number | null;
  ms: number;
  rowsPerSec: number;
  peakRssMb: number | null;
}

/** Runs the CLI under /usr/bin/time when present, for the child's peak RSS. */
function runCli(args: string[], rows: number): Promise<Step> {
  const cli = join(import.meta.dirname, 'cli.js');
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'peak-rss-kb %M', process.execPath, cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.once('error', () => resolve({ step: args[0] ?? '', exit: null, ms: 0, rowsPerSec: 0, peakRssMb: null }));
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      const kb = /peak-rss-kb (\d+)/.exec(stderr)?.[1];
      resolve({ step: args[0] ?? '', exit: code, ms: Math.round(ms), rowsPerSec: Math.round(rows / (ms / 1000)), peakRssMb: kb ? Math.round(Number(kb) / 1024) : null });
    });
  });
}

const rows = Number(process.argv[2] ?? 1_000_000);
const dir = await mkdtemp(join(tmpdir(), 'tg-recovery-bench-'));
try {
  const paths = storePaths(join(dir, 'data'));
  await mkdir(paths.dataDir);
  const t0 = performance.now();
  await writeJournal(paths.journal, rows);
  const journalMb = (await stat(paths.journal)).size / 2 ** 20;
  console.log(`journal: ${rows} rows, ${journalMb.toFixed(1)} MB, generated in ${Math.round(performance.now() - t0)} ms`);
  for (const args of [['rebuild-db'], ['verify']]) {
    const step = await runCli([...args, '--data-dir', paths.dataDir], rows);
    console.log(JSON.stringify(step));
    if (step.exit !== 0) process.exitCode = 1;
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
