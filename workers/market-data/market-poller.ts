import type { Candle, Quote, Symbol } from '../../shared/domain.js';
import type { GuardedExchange } from './guarded-exchange.js';

export interface MarketSink {
  candle(candle: Candle): void;
  /** A good quote, with the exchange time of the symbol's last price change. */
  quote(quote: Quote, lastChangeAt: number): void;
}

/** How many candles the first poll of a symbol fetches, so the strategy starts warm. */
const WARM_UP_CANDLES = 60;
const BOOK_LEVELS = 20;

/**
 * Polls candles, the ticker and the order book of each symbol through the breaker and passes
 * on what is new. The last kline the exchange returns is the candle still forming; only the
 * ones before it are closed, and each closed candle is passed on once. A quote is stamped with
 * the wall-clock time it was received: candle times are the exchange's and may run ahead.
 */
export class MarketPoller {
  private readonly lastClosed = new Map<Symbol, number>();

  constructor(
    private readonly exchange: GuardedExchange,
    private readonly symbols: readonly Symbol[],
    private readonly sink: MarketSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** One round over every symbol. Throws the first failure (coded); the caller backs off. */
  async pollOnce(): Promise<void> {
    for (const symbol of this.symbols) {
      await this.pollCandles(symbol);
      await this.pollQuote(symbol);
    }
  }

  private async pollCandles(symbol: Symbol): Promise<void> {
    const since = this.lastClosed.get(symbol);
    const rows = await this.exchange.fetchCandles(symbol, since === undefined ? WARM_UP_CANDLES : 5);
    for (const [openTime, open, high, low, close, volume] of rows.slice(0, -1)) {
      if (since !== undefined && openTime <= since) continue;
      this.sink.candle({ symbol, openTime, open, high, low, close, volume, receivedAt: this.now() });
      this.lastClosed.set(symbol, openTime);
    }
  }

  private async pollQuote(symbol: Symbol): Promise<void> {
    const ticker = await this.exchange.fetchTicker(symbol);
    const { bids, asks } = await this.exchange.fetchBook(symbol, BOOK_LEVELS);
    const bid = (bids[0] as [number, number])[0];
    const ask = (asks[0] as [number, number])[0];
    this.sink.quote({ symbol, receivedAt: this.now(), bid, ask, last: ticker.last, bids, asks }, ticker.timestamp);
  }
}
