import type { Exchange } from 'ccxt';
import type { Candle, Quote, Symbol } from '../../shared/domain.js';

export interface MarketSink {
  candle(candle: Candle): void;
  quote(quote: Quote): void;
}

/** How many candles the first poll of a symbol fetches, so the strategy starts warm. */
const WARM_UP_CANDLES = 60;
const BOOK_LEVELS = 20;

/**
 * Polls candles and the order book of each symbol and passes on what is new. The last
 * kline the exchange returns is the candle still forming; only the ones before it are
 * closed, and each closed candle is passed on once.
 */
export class MarketPoller {
  private readonly lastClosed = new Map<Symbol, number>();

  constructor(
    private readonly client: Exchange,
    private readonly symbols: readonly Symbol[],
    private readonly sink: MarketSink,
    private readonly now: () => number = Date.now,
  ) {}

  /** One round over every symbol. Throws what ccxt throws; the caller decides what a failure means. */
  async pollOnce(): Promise<void> {
    for (const symbol of this.symbols) {
      await this.pollCandles(symbol);
      await this.pollBook(symbol);
    }
  }

  /** When the symbol's last closed candle was seen (0 = never). */
  lastClosedAt(symbol: Symbol): number {
    return this.lastClosed.get(symbol) ?? 0;
  }

  private async pollCandles(symbol: Symbol): Promise<void> {
    const since = this.lastClosed.get(symbol);
    const rows = await this.client.fetchOHLCV(symbol, '1m', undefined, since === undefined ? WARM_UP_CANDLES : 5);
    const closed = rows.slice(0, -1);
    for (const [openTime, open, high, low, close, volume] of closed) {
      if (typeof openTime !== 'number' || (since !== undefined && openTime <= since)) continue;
      if (![open, high, low, close, volume].every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new TypeError(`malformed kline for ${symbol} at ${openTime}`);
      }
      this.sink.candle({ symbol, openTime, open: open as number, high: high as number, low: low as number, close: close as number, volume: volume as number });
      this.lastClosed.set(symbol, openTime);
    }
  }

  private async pollBook(symbol: Symbol): Promise<void> {
    const book = await this.client.fetchOrderBook(symbol, BOOK_LEVELS);
    const bids = book.bids.map(([p, a]) => [Number(p), Number(a)] as [number, number]);
    const asks = book.asks.map(([p, a]) => [Number(p), Number(a)] as [number, number]);
    const bestBid = bids[0]?.[0];
    const bestAsk = asks[0]?.[0];
    if (bestBid === undefined || bestAsk === undefined || !(bestBid > 0) || !(bestAsk >= bestBid)) {
      throw new TypeError(`malformed order book for ${symbol}`);
    }
    this.sink.quote({ symbol, receivedAt: this.now(), bid: bestBid, ask: bestAsk, last: (bestBid + bestAsk) / 2, bids, asks });
  }
}
