import type { OrderIntent, OrderReport } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { WorkerBootData } from '../../shared/worker-data.js';
import { workerData } from 'node:worker_threads';
import { bootWorker } from '../common/runtime.js';
import { Inbox } from '../common/inbox.js';
import { createExchangeClient } from './exchange-client.js';
import { MarketPoller } from './market-poller.js';
import { placeOrder } from './order-placer.js';

interface OrderJob {
  intent: OrderIntent;
  resolve: (report: OrderReport) => void;
  reject: (err: Error) => void;
}

/**
 * The market-data worker: the only owner of ccxt. One loop: orders the engine sent are
 * executed as they come; between them, every `exchange.pollIntervalMs`, candles and the
 * book of each symbol are polled and streamed to the engine. The loop beats after each
 * order or poll round; a ccxt call is bounded by `exchange.timeoutMs`, so the loop
 * cannot wait forever on the network.
 */
await bootWorker('market-data', async (ctx) => {
  const endpoint = (workerData as WorkerBootData).exchange;
  if (!endpoint) throw new TraderError(ErrorCode.CONFIG, 'market-data was started without an exchange endpoint');
  const client = createExchangeClient({
    apiUrl: endpoint.apiUrl ?? undefined,
    apiKey: endpoint.apiKey,
    secret: endpoint.secret,
    timeoutMs: ctx.config.exchange.timeoutMs,
    sandbox: ctx.config.exchange.sandbox,
  });
  const orders = new Inbox<OrderJob>();
  ctx.stopping.addEventListener('abort', () => orders.close());
  const poller = new MarketPoller(client, ctx.config.symbols, {
    candle: (candle) => ctx.peer('engine').emit('candle', candle),
    quote: (quote) => ctx.peer('engine').emit('quote', quote),
  });
  let marketsLoaded = false;
  let polls = 0;
  let failures = 0;
  let lastError: string | null = null;
  ctx.log.info(`market-data generation ${ctx.generation} using ${endpoint.description}`, { symbols: ctx.config.symbols });

  const poll = async (): Promise<void> => {
    try {
      if (!marketsLoaded) {
        await client.loadMarkets();
        marketsLoaded = true;
      }
      await poller.pollOnce();
      polls++;
      lastError = null;
    } catch (err) {
      failures++;
      const message = `${(err as Error).name}: ${(err as Error).message}`;
      if (message !== lastError) ctx.log.warn(`poll failed: ${message}`);
      lastError = message;
    }
  };

  return {
    requests: {
      'place-order': (intent) =>
        new Promise<OrderReport>((resolve, reject) => {
          if (ctx.stopping.aborted) return reject(new TraderError(ErrorCode.CLOSED, 'market-data is stopping'));
          orders.push({ intent, resolve, reject });
        }),
    },
    events: {},
    details: () => ({ endpoint: endpoint.description, marketsLoaded, polls, failures, lastError, queuedOrders: orders.size }),
    run: async () => {
      let nextPollAt = 0;
      while (!ctx.stopping.aborted) {
        const job = await orders.take(Math.max(0, nextPollAt - Date.now()));
        if (job) {
          await placeOrder(client, job.intent).then(job.resolve, job.reject);
        } else if (!ctx.stopping.aborted) {
          await poll();
          nextPollAt = Date.now() + ctx.config.exchange.pollIntervalMs;
        }
        ctx.progress();
      }
      for (const job of orders.drain()) job.reject(new TraderError(ErrorCode.CLOSED, 'market-data stopped before the order was sent'));
    },
  };
});
