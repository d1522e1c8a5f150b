import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Fill, OrderIntent } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import { bootWorker } from '../common/runtime.js';
import { Inbox } from '../common/inbox.js';
import { CsvJournal } from './csv-journal.js';
import { fillFormat, intentFormat } from './formats.js';

type Job =
  | { kind: 'fill'; fill: Fill; resolve: (seq: number) => void; reject: (err: Error) => void }
  | { kind: 'intent'; intent: OrderIntent; resolve: (seq: number) => void; reject: (err: Error) => void };

/**
 * The persistence worker: one loop that takes journal writes as they come, appends all
 * that are waiting together (one fsync for the group) and acknowledges each only after
 * that fsync. The loop beats after each flushed group, or after an idle wait.
 */
await bootWorker('persistence', async (ctx) => {
  const dir = ctx.config.dataDir;
  mkdirSync(dir, { recursive: true });
  const trades = await CsvJournal.open(join(dir, 'trades.csv'), fillFormat, ctx.log);
  const intents = await CsvJournal.open(join(dir, 'intents.csv'), intentFormat, ctx.log);
  const inbox = new Inbox<Job>();
  let flushes = 0;
  ctx.stopping.addEventListener('abort', () => inbox.close());

  const enqueue = (make: (resolve: (seq: number) => void, reject: (err: Error) => void) => Job): Promise<{ seq: number }> =>
    new Promise<number>((resolve, reject) => {
      if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, 'persistence is stopping; nothing was written'));
      inbox.push(make(resolve, reject));
    }).then((seq) => ({ seq }));

  /** Appends a group in one go per journal; each caller hears back after the fsync covering its row. */
  const flush = async (group: Job[]): Promise<void> => {
    const fills = group.filter((j): j is Extract<Job, { kind: 'fill' }> => j.kind === 'fill');
    const intentJobs = group.filter((j): j is Extract<Job, { kind: 'intent' }> => j.kind === 'intent');
    await Promise.all([
      settle(intentJobs, () => intents.append(intentJobs.map((j) => j.intent))),
      settle(fills, () => trades.append(fills.map((j) => j.fill))),
    ]);
    flushes++;
  };

  return {
    requests: {
      'journal-fill': (fill) => enqueue((resolve, reject) => ({ kind: 'fill', fill, resolve, reject })),
      'journal-intent': (intent) => enqueue((resolve, reject) => ({ kind: 'intent', intent, resolve, reject })),
    },
    events: {},
    details: () => ({ dataDir: dir, lastFillSeq: trades.lastSeq, lastIntentSeq: intents.lastSeq, flushes, queued: inbox.size }),
    run: async () => {
      while (!ctx.stopping.aborted) {
        const first = await inbox.take(ctx.config.worker.loopIdleMs);
        if (first) await flush([first, ...inbox.drain()]);
        ctx.progress();
      }
      const rest = inbox.drain();
      if (rest.length > 0) await flush(rest);
      await Promise.all([trades.close(), intents.close()]);
    },
  };
});

async function settle<J extends { resolve: (seq: number) => void; reject: (err: Error) => void }>(
  jobs: J[],
  append: () => Promise<number[]>,
): Promise<void> {
  if (jobs.length === 0) return;
  try {
    const seqs = await append();
    jobs.forEach((job, i) => job.resolve(seqs[i] as number));
  } catch (err) {
    for (const job of jobs) job.reject(err as Error);
  }
}
