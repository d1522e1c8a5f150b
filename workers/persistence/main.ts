import type { Fill, OrderIntent } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { PersistedState } from '../../shared/protocol.js';
import type { StatusSnapshot } from '../../shared/status.js';
import { bootWorker } from '../common/runtime.js';
import { Inbox } from '../common/inbox.js';
import { StatusFile } from './status-file.js';
import { TradeStore } from './trade-store.js';

type Ack = { resolve: (seq: number) => void; reject: (err: Error) => void };
type Write = { kind: 'fill'; fill: Fill } | { kind: 'intent'; intent: OrderIntent } | { kind: 'status'; snapshot: StatusSnapshot };
type Job = Write & Ack;

/**
 * The persistence worker: one loop that takes writes as they come, appends everything
 * waiting together (one fsync per file for the group) and acknowledges each write only
 * after the fsync covering it. The loop beats after each flushed group, or after an idle
 * wait. trades.db is checkpointed on its timer, after a burst of fills, and at shutdown.
 */
await bootWorker('persistence', async (ctx) => {
  const p = ctx.config.persistence;
  const store = await TradeStore.open({
    dataDir: ctx.config.dataDir,
    log: ctx.log,
    checkpointIntervalMs: p.checkpointIntervalMs,
    backupIntervalMs: p.backupIntervalMs,
    verifyIntervalMs: p.verifyIntervalMs,
  });
  const status = await StatusFile.open(store.paths.status, ctx.log);
  const inbox = new Inbox<Job>();
  let flushes = 0;
  let fillsSinceCheckpoint = 0;
  ctx.stopping.addEventListener('abort', () => inbox.close());
  const publish = (): void => ctx.health('persistence', { store: store.currentState, lastFillSeq: store.lastSeq, flushes });
  publish();

  const enqueue = (job: Write): Promise<{ seq: number }> =>
    new Promise<number>((resolve, reject) => {
      if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, 'persistence is stopping; nothing was written'));
      inbox.push({ ...job, resolve, reject });
    }).then((seq) => ({ seq }));

  /** Appends a group, one append (one fsync) per file; each caller hears back after the fsync covering its row. */
  const flush = async (group: Job[]): Promise<void> => {
    const of = <K extends Job['kind']>(kind: K) => group.filter((j): j is Extract<Job, { kind: K }> => j.kind === kind);
    const fills = of('fill');
    const intents = of('intent');
    const snapshots = of('status');
    await Promise.all([
      settle(intents, () => store.journalIntents(intents.map((j) => j.intent))),
      settle(fills, () => store.appendFills(fills.map((j) => j.fill))),
      settle(snapshots, () => Promise.all(snapshots.map((j) => status.appendStatus(j.snapshot)))),
    ]);
    flushes++;
    fillsSinceCheckpoint += fills.length;
    if (fillsSinceCheckpoint >= p.checkpointAfterFills) {
      fillsSinceCheckpoint = 0;
      await store.checkpoint().catch((err: Error) => ctx.log.error(`checkpoint after a burst failed: ${err.message}`));
    }
  };

  const loadState = async (): Promise<PersistedState> => {
    const last = await status.loadLastValidStatus();
    const after = last?.lastFillSeq ?? 0;
    const fillsAfter = await store.fillsAfter(after);
    const lastFill = store.lastSeq > 0 ? ((await store.fillsAfter(store.lastSeq - 1))[0] ?? null) : null;
    return { status: last, fillsAfter, pendingIntents: await store.intentsWithoutFill(), lastFill };
  };

  return {
    requests: {
      'journal-fill': (fill) => enqueue({ kind: 'fill', fill }),
      'journal-intent': (intent) => enqueue({ kind: 'intent', intent }),
      'append-status': (snapshot) => enqueue({ kind: 'status', snapshot }),
      'fills-for-order': async ({ clientOrderId }) => (await store.fillsByClientOrderId(clientOrderId)).map((e) => e.record),
      'load-state': () => loadState(),
      'checkpoint-now': async () => {
        const result = await store.checkpoint();
        return { maxSeq: result.maxSeq, verified: result.verified };
      },
    },
    events: {},
    command: async (cmd) => {
      if (cmd.name !== 'checkpoint-now') throw new TraderError(ErrorCode.PROTOCOL, `persistence does not run "${cmd.name}"`);
      ctx.log.info(`checkpoint asked by ${cmd.by}`);
      return store.checkpoint();
    },
    details: () => ({ dataDir: ctx.config.dataDir, store: store.currentState, lastFillSeq: store.lastSeq, flushes, queued: inbox.size }),
    run: async () => {
      while (!ctx.stopping.aborted) {
        const first = await inbox.take(ctx.config.worker.loopIdleMs);
        if (first) {
          await flush([first, ...inbox.drain()]);
          publish();
        }
        ctx.progress();
      }
      const rest = inbox.drain();
      if (rest.length > 0) await flush(rest);
      await status.close();
      await store.close();
    },
  };
});

async function settle<J extends Ack>(jobs: J[], append: () => Promise<number[]>): Promise<void> {
  if (jobs.length === 0) return;
  try {
    const seqs = await append();
    jobs.forEach((job, i) => job.resolve(seqs[i] as number));
  } catch (err) {
    for (const job of jobs) job.reject(err as Error);
  }
}
