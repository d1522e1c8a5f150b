import type { Candle, Quote } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { WorkerCommand } from '../../shared/protocol.js';
import type { BreakerStatus, StatusSnapshot } from '../../shared/status.js';
import { bootWorker } from '../common/runtime.js';
import { Inbox } from '../common/inbox.js';
import type { ExchangeGateway, JournalGateway } from './gateway.js';
import { Reconciler, type ReconcileReport } from './reconciler.js';
import { restoreEngine, snapshotOf } from './restore.js';
import { loadStrategy } from './strategy-loader.js';
import { TradingEngine } from './trading-engine.js';

/** What the engine loop works through, in arrival order. */
type EngineInput =
  | { type: 'candle'; candle: Candle }
  | { type: 'quote'; quote: Quote }
  | { type: 'reconcile'; reason: string }
  | { type: 'command'; command: WorkerCommand; done: Done };

type Done = (result: { ok: true; value: unknown } | { ok: false; error: Error }) => void;

/**
 * The engine worker: one loop that takes market events in order, marks equity on every
 * quote (the kill switch sees every price), runs the strategy on every closed candle and
 * sends orders through the gates. The loop beats after each event it finishes (or after an
 * idle wait), so a strategy that spins or awaits forever stops the heartbeat and the
 * supervisor's hang handling takes over; nothing here hides a hang behind a timer.
 *
 * A (re)started engine takes no entry until its positions, pending intents and kill switch
 * are restored from persistence and reconciled with the exchange.
 */
await bootWorker('engine', async (ctx) => {
  const { config } = ctx;
  const strategy = await loadStrategy(config.strategy.module);
  const inbox = new Inbox<EngineInput>();
  ctx.stopping.addEventListener('abort', () => inbox.close());
  const md = () => ctx.peer('market-data');
  const persistence = () => ctx.peer('persistence');
  const exchange: ExchangeGateway = {
    placeOrder: (intent) => md().request('place-order', intent),
    fetchOrder: (symbol, clientOrderId) => md().request('fetch-order', { symbol, clientOrderId }),
    cancelOrder: (symbol, clientOrderId) => md().request('cancel-order', { symbol, clientOrderId }),
    fetchOpenOrders: () => md().request('fetch-open-orders', {}),
    fetchBalance: () => md().request('fetch-balance', {}),
    fetchMyTrades: (symbol, since) => md().request('fetch-my-trades', { symbol, since }),
    marketRules: () => md().request('market-rules', {}),
  };
  const journal: JournalGateway = {
    journalIntent: async (intent) => void (await persistence().request('journal-intent', intent)),
    journalFill: async (fill) => (await persistence().request('journal-fill', fill)).seq,
    fillsFor: (clientOrderId) => persistence().request('fills-for-order', { clientOrderId }),
  };
  let lastFillSeq = 0;
  let snapshotDue = false;
  let breaker: BreakerStatus = { state: 'closed' };
  const newestQueued = new Map<string, number>();
  const engine = new TradingEngine(
    {
      risk: config.risk,
      killSwitch: { maxDrawdownPct: config.risk.killSwitch.maxDrawdownPct, windowMs: config.risk.killSwitch.windowMs, dailyLossLimitPct: config.risk.dailyLossLimitPct },
      maxConsecutiveStrategyErrors: config.strategy.maxConsecutiveErrors,
      params: config.strategy.params,
    },
    {
      strategy,
      exchange,
      journal: { ...journal, journalFill: async (fill) => (lastFillSeq = await journal.journalFill(fill)) },
      log: ctx.log,
      now: Date.now,
      onStateChange: () => (snapshotDue = true),
    },
  );
  const reconciler = new Reconciler(engine, exchange, journal, config.symbols, config.reconcile.unknownOrders, ctx.log, Date.now);
  let restored = false;
  let reconciliations = 0;
  let discrepancies = 0;
  let lastReconcile: ReconcileReport | null = null;
  let nextStatusAt = 0;
  ctx.log.info(`engine generation ${ctx.generation} loaded strategy "${strategy.name}"`, { module: config.strategy.module });

  /** Writes a status row (fsync'd) and publishes the state to the health log. */
  const snapshot = async (): Promise<void> => {
    snapshotDue = false;
    const s: StatusSnapshot = snapshotOf(engine, lastFillSeq, Date.now(), breaker);
    await persistence().request('append-status', s);
    ctx.health('engine', {
      killSwitch: s.killSwitch,
      pauses: [...engine.pauses],
      positions: s.positions,
      equity: s.equity,
      reconciliation: { runs: reconciliations, discrepancies, last: lastReconcile && { at: new Date(lastReconcile.at).toISOString(), reason: lastReconcile.reason, discrepancies: lastReconcile.discrepancies } },
    });
    nextStatusAt = Date.now() + config.persistence.statusIntervalMs;
  };

  const reconcile = async (reason: string): Promise<void> => {
    const state = await persistence().request('load-state', {});
    if (!restored) {
      lastFillSeq = restoreEngine(engine, state, ctx.log);
      restored = true;
    }
    const since = state.lastFill?.fill.timestamp ?? Date.now();
    lastReconcile = await reconciler.run(reason, state.pendingIntents, since);
    reconciliations++;
    discrepancies += lastReconcile.discrepancies.length;
    engine.resume('starting', `restored and reconciled (${reason})`);
    snapshotDue = true;
  };

  const handle = async (input: EngineInput): Promise<void> => {
    switch (input.type) {
      case 'quote':
        engine.onQuote(input.quote);
        return;
      case 'candle':
        // Candles that arrive before restore, or that a newer queued candle of the same symbol
        // has overtaken (the warm-up batch, a backlog after a slow step), only build history:
        // acting on them would trade on prices that are already gone.
        if (!restored || input.candle.openTime < (newestQueued.get(input.candle.symbol) ?? 0)) {
          engine.history.add(input.candle);
          engine.mark(input.candle.symbol, input.candle.close, input.candle.receivedAt ?? 0);
          return;
        }
        await engine.onCandle(input.candle);
        return;
      case 'reconcile':
        await reconcile(input.reason);
        return;
      case 'command':
        input.done({ ok: true, value: await command(input.command) });
        return;
    }
  };

  /** Operators' commands run inside the loop, in order with the market events. */
  const command = async (cmd: WorkerCommand): Promise<unknown> => {
    switch (cmd.name) {
      case 'reset-kill-switch':
        engine.resetDailyLosses(cmd.by, cmd.reason);
        return engine.killSwitch.record();
      case 'pause-entries':
        engine.pause('operator', `${cmd.by}: ${cmd.reason}`);
        return { pauses: [...engine.pauses] };
      case 'resume-entries':
        engine.resume('operator', `${cmd.by}: ${cmd.reason}`);
        return { pauses: [...engine.pauses] };
      case 'reconcile-now':
        await reconcile(`asked by ${cmd.by}`);
        return lastReconcile;
      case 'checkpoint-now':
        throw new TraderError(ErrorCode.PROTOCOL, 'checkpoint-now belongs to the persistence worker');
    }
  };

  inbox.push({ type: 'reconcile', reason: ctx.generation === 1 ? 'start' : `engine respawn (generation ${ctx.generation})` });
  let nextReconcileAt = Date.now() + config.reconcile.intervalMs;

  return {
    requests: {},
    events: {
      candle: (candle) => {
        newestQueued.set(candle.symbol, Math.max(newestQueued.get(candle.symbol) ?? 0, candle.openTime));
        inbox.push({ type: 'candle', candle });
      },
      quote: (quote) => inbox.push({ type: 'quote', quote }),
      breaker: (next) => {
        const recovered = breaker.state !== 'closed' && next.state === 'closed';
        breaker = next;
        snapshotDue = true;
        if (recovered) inbox.push({ type: 'reconcile', reason: 'exchange breaker closed again' });
      },
    },
    command: (cmd) =>
      new Promise((resolve, reject) => {
        if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, `the engine is stopping; "${cmd.name}" was not run`));
        inbox.push({ type: 'command', command: cmd, done: (r) => (r.ok ? resolve(r.value) : reject(r.error)) });
      }),
    details: () => ({ strategy: strategy.name, restored, reconciliations, lastReconcile, queued: inbox.size, ...engine.status() }),
    run: async () => {
      while (!ctx.stopping.aborted) {
        const input = await inbox.take(config.worker.loopIdleMs);
        try {
          if (input) await handle(input).catch((err: Error) => {
            if (input.type === 'command') input.done({ ok: false, error: err });
            throw err;
          });
          if (Date.now() >= nextReconcileAt) {
            nextReconcileAt = Date.now() + config.reconcile.intervalMs;
            inbox.push({ type: 'reconcile', reason: 'interval' });
          }
          if (snapshotDue || Date.now() >= nextStatusAt) await snapshot();
        } catch (err) {
          // An exchange or journal failure fails this event, not the engine: it is logged and
          // retried by the next reconciliation; the exchange-side stop covers the position.
          ctx.log.error(`engine: ${input?.type ?? 'housekeeping'} failed: ${(err as Error).message}`, { code: (err as { code?: string }).code });
          if (input?.type === 'reconcile') nextReconcileAt = Math.min(nextReconcileAt, Date.now() + config.worker.loopIdleMs * 10);
        }
        ctx.progress();
      }
      if (restored) await snapshot().catch((err: Error) => ctx.log.error(`final status snapshot failed: ${err.message}`));
    },
  };
});
