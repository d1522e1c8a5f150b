import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanCsv } from './csv-format.js';
import { fillFormat } from './formats.js';
import { storePaths } from './paths.js';
import { recordingLog, tempDataDir } from './test-support.js';
import { TradeStore } from './trade-store.js';

const FIXTURE = fileURLToPath(new URL('./crash-fixture.js', import.meta.url));
const KILLS = 24;

/** Runs the fixture until it has acknowledged `acksBeforeKill` fills, then SIGKILLs it. */
async function runAndKill(dataDir: string, first: number, acksBeforeKill: number, acked: Map<string, number>, stderr: string[]): Promise<void> {
  const child: ChildProcess = spawn(process.execPath, [FIXTURE, dataDir, String(first)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = 0;
  let buffered = '';
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const l of lines) {
      const [, seq, id] = l.split(' ');
      acked.set(id as string, Number(seq));
      if (++seen === acksBeforeKill) child.kill('SIGKILL');
    }
  });
  // 'exit' can come before the last 'data': wait for the pipe to close too.
  const drained = new Promise((resolve) => child.stdout?.once('close', resolve));
  expect(await exited).toBe('SIGKILL');
  await drained;
}

describe('crash consistency under SIGKILL', () => {
  it(`every acknowledged fill survives ${KILLS} kills exactly once, in the journal and the database`, async () => {
    expect(existsSync(FIXTURE), `${FIXTURE} is missing: build first (npx tsc -p tsconfig.json; npm test does)`).toBe(true);
    const dataDir = await tempDataDir();
    const acked = new Map<string, number>();
    const stderr: string[] = [];
    for (let run = 0; run < KILLS; run++) {
      // Each run its own id range, so a fill written but not acknowledged is never sent again.
      await runAndKill(dataDir, (run + 1) * 1_000_000, 1 + Math.floor(Math.random() * 60), acked, stderr);
    }
    expect(acked.size).toBeGreaterThan(KILLS);

    const journal = new Map<string, number[]>();
    scanCsv(await readFile(storePaths(dataDir).journal), fillFormat, 'strict', (seq, fill) =>
      journal.set(fill.clientOrderId, [...(journal.get(fill.clientOrderId) ?? []), seq]),
    );
    for (const [id, seq] of acked) expect(journal.get(id), id).toEqual([seq]);
    expect([...journal.values()].every((seqs) => seqs.length === 1)).toBe(true);

    const log = recordingLog();
    const store = await TradeStore.open({ dataDir, log, checkpointIntervalMs: 0, verifyIntervalMs: 0 });
    try {
      const db = new Map(
        await store.withDatabase((d) => (d.exec('SELECT client_order_id, seq FROM fills')[0]?.values ?? []).map((r) => [String(r[0]), Number(r[1])] as const)),
      );
      expect(db.size).toBe(journal.size);
      for (const [id, seq] of acked) expect(db.get(id), id).toBe(seq);
      expect(await store.verify()).toBeNull();
    } finally {
      await store.close();
    }
    const alerts = stderr.join('').split('\n').filter((l) => l.includes('"critical"'));
    expect(alerts).toEqual([]);
    expect(log.at('critical')).toEqual([]);
  });
});
