/**
 * Child process for the crash-consistency test: appends fills as fast as it can, from a few
 * concurrent writers (so group commits and checkpoints are in flight when the SIGKILL lands),
 * and prints `ack <seq> <clientOrderId>` only after each append resolved. Log lines go to
 * stderr as JSON so the test can check that no kill ever caused an alert.
 *
 *   node workers/persistence/crash-fixture.js <dataDir> <firstFillNumber>
 */
import type { Log } from './log.js';
import { makeFill } from './test-support.js';
import { TradeStore } from './trade-store.js';

const [dataDir, first] = process.argv.slice(2);
if (!dataDir || !first) throw new Error('usage: crash-fixture.js <dataDir> <firstFillNumber>');

const line = (level: string) => (message: string) => void process.stderr.write(`${JSON.stringify({ level, message })}\n`);
const log: Log = { info: line('info'), warn: line('warn'), error: line('error'), critical: line('critical') };

const store = await TradeStore.open({ dataDir, log, checkpointIntervalMs: 5, backupIntervalMs: 20, verifyIntervalMs: 0 });
let next = Number(first);

async function writer(): Promise<never> {
  for (;;) {
    const fills = Array.from({ length: 1 + (next % 3) }, () => makeFill(next++));
    const seqs = await store.appendFills(fills);
    // Pipes are synchronous on Linux: once write() returns the line is the parent's to read.
    process.stdout.write(seqs.map((seq, i) => `ack ${seq} ${fills[i]?.clientOrderId}\n`).join(''));
  }
}

await Promise.all([writer(), writer(), writer()]);
