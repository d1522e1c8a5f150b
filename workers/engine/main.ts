import type { Candle, Quote } from '../../shared/domain.js';
import { bootWorker } from '../common/runtime.js';
import { Inbox } from '../common/inbox.js';
import { CandleHistory } from './candle-history.js';
import { loadStrategy } from './strategy-loader.js';

/** What the engine loop works through, in arrival order. */
type EngineInput = { type: 'candle'; candle: Candle } | { type: 'quote'; quote: Quote };

/**
 * The engine worker: one loop that takes market events in order and runs the strategy
 * on each closed candle. The loop beats after each event it finishes (or after an idle
 * wait), so a strategy that spins or awaits forever stops the heartbeat and the
 * supervisor's hang handling takes over; nothing here hides a hang behind a timer.
 */
await bootWorker('engine', async (ctx) => {
  const strategy = await loadStrategy(ctx.config.strategy.module);
  const inbox = new Inbox<EngineInput>();
  const history = new CandleHistory();
  const quotes = new Map<string, Quote>();
  let candlesHandled = 0;
  ctx.stopping.addEventListener('abort', () => inbox.close());
  ctx.log.info(`engine generation ${ctx.generation} loaded strategy "${strategy.name}"`, { module: ctx.config.strategy.module });

  const handle = async (input: EngineInput): Promise<void> => {
    switch (input.type) {
      case 'quote':
        quotes.set(input.quote.symbol, input.quote);
        return;
      case 'candle': {
        if (!history.add(input.candle)) return;
        const signal = await strategy.onCandle(input.candle, {
          symbol: input.candle.symbol,
          candles: history.recent(input.candle.symbol),
          position: null,
          params: ctx.config.strategy.params,
        });
        candlesHandled++;
        if (signal) ctx.log.info(`signal ${signal.kind} ${input.candle.symbol}: ${signal.reason}`, { symbol: input.candle.symbol, signal });
        return;
      }
    }
  };

  return {
    requests: {},
    events: {
      candle: (candle) => inbox.push({ type: 'candle', candle }),
      quote: (quote) => inbox.push({ type: 'quote', quote }),
    },
    details: () => ({ strategy: strategy.name, candlesHandled, queued: inbox.size, symbolsQuoted: quotes.size }),
    run: async () => {
      while (!ctx.stopping.aborted) {
        const input = await inbox.take(ctx.config.worker.loopIdleMs);
        if (input) await handle(input);
        ctx.progress();
      }
    },
  };
});
