/**
 * The trading vocabulary every worker shares. Plain data only: these records cross
 * threads by structured clone and land in the journal, so no class instances.
 */

/** A unified ccxt symbol such as `BTC/USDT`. */
export type Symbol = string;

/** One closed candle. Times are epoch milliseconds (UTC). */
export interface Candle {
  symbol: Symbol;
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  /** Wall-clock ms when the market-data worker received it (candle times are the exchange's). */
  receivedAt?: number;
}

/** The best prices and the book depth the LiquidityGuardian looks at. */
export interface Quote {
  symbol: Symbol;
  /** When the market-data worker received it from the exchange. */
  receivedAt: number;
  bid: number;
  ask: number;
  last: number;
  /** [price, amount] levels, best first. */
  bids: Array<[number, number]>;
  asks: Array<[number, number]>;
}

export type Side = 'buy' | 'sell';
export type OrderType = 'market' | 'limit' | 'stop_loss_limit';
/** Whether an order opens a position, closes one, or protects one on the exchange. */
export type OrderRole = 'entry' | 'exit' | 'stop';

/** What the engine wants done, journaled (with its client order id) before it leaves. */
export interface OrderIntent {
  clientOrderId: string;
  symbol: Symbol;
  side: Side;
  type: OrderType;
  role: OrderRole;
  amount: number;
  /** Limit price (limit and stop-loss-limit orders). */
  price?: number;
  /** Trigger price (stop-loss-limit orders). */
  stopPrice?: number;
  reason: string;
  createdAt: number;
}

export type OrderStatus = 'open' | 'closed' | 'canceled' | 'expired' | 'rejected';

/** The exchange's answer about an order, normalised from ccxt's unified order. */
export interface OrderReport {
  clientOrderId: string;
  exchangeOrderId: string;
  symbol: Symbol;
  side: Side;
  type: OrderType;
  status: OrderStatus;
  amount: number;
  filled: number;
  /** Average fill price, when anything filled. */
  average?: number;
  fee?: { cost: number; currency: string };
  timestamp: number;
}

/** One execution, as the journal records it: the master truth of what was traded. */
export interface Fill {
  clientOrderId: string;
  exchangeOrderId: string;
  symbol: Symbol;
  side: Side;
  type: OrderType;
  role: OrderRole;
  amount: number;
  price: number;
  fee: number;
  feeCurrency: string;
  /** Why: the strategy's reason, `stop-loss`, `reconciled`, ... */
  reason: string;
  /** Exchange time of the fill (epoch ms). */
  timestamp: number;
}
