import { workerData } from 'node:worker_threads';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { WorkerBootData } from '../../shared/worker-data.js';
import { Inbox } from '../common/inbox.js';
import { bootWorker } from '../common/runtime.js';
import { ExchangeBreaker } from './breaker.js';
import { createExchangeClient } from './exchange-client.js';
import { GuardedExchange } from './guarded-exchange.js';
import { LiquidityGuardian } from './liquidity-guardian.js';
import { MarketPoller } from './market-poller.js';
import { OrderDesk } from './order-placer.js';
import { PollSchedule } from './poll-schedule.js';

/** A request's work, run in the loop; `cancel` answers it when the worker stops first. */
interface Work {
  run(): Promise<void>;
  cancel(err: Error): void;
}

/**
 * The market-data worker: the only owner of ccxt, and every call goes through one breaker.
 * One loop: requests from the engine are worked as they come (orders through the order
 * desk, which may hold them while the breaker is open); between them, candles, ticker and
 * book of each symbol are polled on the poll schedule and streamed to the engine. The loop
 * never waits longer than `worker.loopIdleMs` in its inbox, so it beats while it backs off;
 * a ccxt call is bounded by `exchange.timeoutMs`, so it cannot wait forever on the network.
 */
await bootWorker('market-data', async (ctx) => {
  const endpoint = (workerData as WorkerBootData).exchange;
  if (!endpoint) throw new TraderError(ErrorCode.CONFIG, 'market-data was started without an exchange endpoint');
  const { exchange: cfg, guardian: guardianCfg, symbols } = ctx.config;
  const client = createExchangeClient({
    apiUrl: endpoint.apiUrl ?? undefined,
    apiKey: endpoint.apiKey,
    secret: endpoint.secret,
    timeoutMs: cfg.timeoutMs,
    sandbox: cfg.sandbox,
    recvWindowMs: cfg.recvWindowMs,
  });
  // The health log and the engine hear of every change; the engine reconciles when it closes again.
  const breaker = new ExchangeBreaker({
    ...cfg.breaker,
    log: ctx.log,
    onChange: (snapshot) => {
      ctx.health('breaker', { ...snapshot });
      ctx.peer('engine').emit('breaker', { ...snapshot });
    },
  });
  const exchange = new GuardedExchange(client, breaker, ctx.log);
  const guardian = new LiquidityGuardian(guardianCfg, { breaker: () => breaker.current, signing: () => exchange.signingProblem, log: ctx.log });
  const desk = new OrderDesk(exchange, guardian, { recvWindowMs: cfg.recvWindowMs, backoff: cfg.backoff, log: ctx.log });
  const schedule = new PollSchedule(breaker, { pollIntervalMs: cfg.pollIntervalMs, backoff: cfg.backoff, log: ctx.log });
  const poller = new MarketPoller(exchange, symbols, {
    candle: (candle) => ctx.peer('engine').emit('candle', candle),
    quote: (quote, lastChangeAt) => {
      guardian.observe(quote, lastChangeAt);
      ctx.peer('engine').emit('quote', quote);
    },
  });
  const inbox = new Inbox<Work>();
  ctx.stopping.addEventListener('abort', () => inbox.close());
  ctx.health('breaker', { ...breaker.snapshot() });
  ctx.log.info(`market-data generation ${ctx.generation} using ${endpoint.description}`, { symbols });

  /** Runs `work` in the loop (the only place the exchange is called) and answers with its result. */
  const inLoop = <T>(work: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, 'market-data is stopping'));
      inbox.push({ run: () => work().then(resolve, reject), cancel: reject });
    });

  return {
    requests: {
      'place-order': (intent) =>
        new Promise((resolve, reject) => {
          if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, 'market-data is stopping'));
          inbox.push({ run: async () => desk.submit(intent, resolve, reject), cancel: reject });
        }),
      'fetch-order': ({ symbol, clientOrderId }) => inLoop(() => exchange.fetchOrderByClientId(symbol, clientOrderId)),
      'cancel-order': ({ symbol, clientOrderId }) => inLoop(() => exchange.cancelOrder(symbol, clientOrderId)),
      'fetch-open-orders': () => inLoop(() => exchange.fetchOpenOrders(symbols)),
      'fetch-balance': () => inLoop(() => exchange.fetchBalance()),
      'fetch-my-trades': ({ symbol, since }) => inLoop(() => exchange.fetchMyTrades(symbol, since)),
      'market-rules': () => inLoop(() => exchange.marketRules(symbols)),
    },
    events: {},
    details: () => ({
      endpoint: endpoint.description,
      breaker: breaker.snapshot(),
      entryBlocks: guardian.blocks(),
      signingProblem: exchange.signingProblem,
      polls: schedule.rounds,
      failures: schedule.failures,
      lastError: schedule.problem,
      queuedOrders: desk.size,
    }),
    run: async () => {
      let nextPollAt = 0;
      while (!ctx.stopping.aborted) {
        const dueAt = Math.min(nextPollAt, desk.nextDueAt() ?? Infinity);
        const work = await inbox.take(Math.min(ctx.config.worker.loopIdleMs, Math.max(0, dueAt - Date.now())));
        if (work) await work.run();
        await desk.runDue();
        if (!ctx.stopping.aborted && Date.now() >= nextPollAt) {
          nextPollAt = await schedule.round(() => poller.pollOnce());
          // Repeated with each round, so an engine respawned since the last change learns the state.
          ctx.peer('engine').emit('breaker', { ...breaker.snapshot() });
        }
        ctx.progress();
      }
      desk.drain('market-data stopped');
      for (const work of inbox.drain()) work.cancel(new TraderError(ErrorCode.CLOSED, 'market-data stopped before the request was worked'));
      breaker.shutdown();
    },
  };
});
