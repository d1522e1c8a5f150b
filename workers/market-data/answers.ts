/**
 * ccxt's answers turned into the project's records, checked on the way. ccxt often does not
 * throw on a garbage body (klines of nulls, an empty book, an order without an id): every
 * check here throws MalformedAnswer, which the breaker counts as a failure, so a bad answer
 * is an outage, never a crash and never a zero read as a price.
 */
import type { Balances, Market, OHLCV, Order, OrderBook, Ticker, Trade } from 'ccxt';
import type { Fill, OrderReport, OrderStatus, OrderType, Side } from '../../shared/domain.js';
import type { AccountBalances, MarketRules } from '../../shared/protocol.js';
import { MalformedAnswer, UnsupportedAnswer } from './faults.js';

const positive = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0;
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

function need<T>(ok: boolean, what: string, value: T): T {
  if (!ok) throw new MalformedAnswer(what);
  return value;
}

export type CandleRow = [openTime: number, open: number, high: number, low: number, close: number, volume: number];

export function checkCandles(rows: OHLCV[], symbol: string): CandleRow[] {
  need(Array.isArray(rows) && rows.length > 0, `klines for ${symbol}: no rows`, rows);
  return rows.map((row) => {
    const ok = Array.isArray(row) && row.length >= 6 && row.slice(0, 6).every((v, i) => (i === 5 ? nonNegative(v) : positive(v)));
    return need(ok, `klines for ${symbol}: malformed row ${JSON.stringify(row)}`, row.slice(0, 6) as CandleRow);
  });
}

export function checkBook(book: OrderBook, symbol: string): { bids: Array<[number, number]>; asks: Array<[number, number]> } {
  const side = (levels: unknown, name: string): Array<[number, number]> => {
    need(Array.isArray(levels) && levels.length > 0, `order book for ${symbol}: no ${name}`, levels);
    return (levels as unknown[][]).map((l) => {
      const ok = Array.isArray(l) && positive(l[0]) && positive(l[1]);
      return need(ok, `order book for ${symbol}: malformed ${name} level ${JSON.stringify(l)}`, [l[0], l[1]] as [number, number]);
    });
  };
  const bids = side(book?.bids, 'bids');
  const asks = side(book?.asks, 'asks');
  need((bids[0] as [number, number])[0] < (asks[0] as [number, number])[0], `order book for ${symbol}: crossed (bid >= ask)`, null);
  return { bids, asks };
}

/** The ticker's last price and its exchange time (the wall-clock time of the last price change). */
export function checkTicker(t: Ticker, symbol: string): { last: number; timestamp: number } {
  need(positive(t?.last) && positive(t?.timestamp), `ticker for ${symbol}: no last price or time`, null);
  return { last: t.last as number, timestamp: t.timestamp as number };
}

const TYPES: Record<string, OrderType> = { market: 'market', limit: 'limit', stop_loss_limit: 'stop_loss_limit' };
const STATUSES: ReadonlySet<string> = new Set<OrderStatus>(['open', 'closed', 'canceled', 'expired', 'rejected']);

/**
 * A ccxt order as an OrderReport. `expectedClientId` guards against answering one order with
 * another's report. ccxt reports a STOP_LOSS_LIMIT as type `limit` with a trigger price.
 */
export function toOrderReport(o: Order, expectedClientId?: string): OrderReport {
  const what = `order ${expectedClientId ?? o?.clientOrderId ?? '?'}`;
  need(typeof o === 'object' && o !== null && typeof o.id === 'string' && o.id !== '', `${what}: no order id`, null);
  need(typeof o.clientOrderId === 'string' && (expectedClientId === undefined || o.clientOrderId === expectedClientId), `${what}: answered with client id ${o.clientOrderId}`, null);
  need(o.side === 'buy' || o.side === 'sell', `${what}: side ${o.side}`, null);
  need(typeof o.symbol === 'string', `${what}: no symbol`, null);
  need(STATUSES.has(o.status as string), `${what}: status ${o.status}`, null);
  need(nonNegative(o.amount) && nonNegative(o.filled), `${what}: amount ${o.amount} filled ${o.filled}`, null);
  const triggered = o.triggerPrice !== undefined && o.triggerPrice !== null;
  const type = triggered && o.type === 'limit' ? 'stop_loss_limit' : TYPES[String(o.type).toLowerCase()];
  // A manual order of another type is a real answer: refuse it loudly, never count it as an outage.
  if (type === undefined) throw new UnsupportedAnswer(`${what}: order type ${o.type} is not one the bot trades (market, limit, stop-loss-limit)`);
  const report: OrderReport = {
    clientOrderId: o.clientOrderId as string,
    exchangeOrderId: o.id as string,
    symbol: o.symbol as string,
    side: o.side as Side,
    type: type as OrderType,
    status: o.status as OrderStatus,
    amount: o.amount as number,
    filled: o.filled as number,
    timestamp: positive(o.timestamp) ? o.timestamp : positive(o.lastUpdateTimestamp) ? (o.lastUpdateTimestamp as number) : Date.now(),
  };
  if (report.filled > 0) report.average = need(positive(o.average), `${what}: filled ${report.filled} without an average price`, o.average as number);
  const fees = (o as { fees?: Array<{ cost?: number; currency?: string }> }).fees;
  const fee = o.fee ?? (fees?.length === 1 ? fees[0] : undefined);
  if (fee && nonNegative(fee.cost) && typeof fee.currency === 'string') report.fee = { cost: fee.cost, currency: fee.currency };
  return report;
}

/**
 * One execution as a Fill. Binance's myTrades carries the order id but not the client id
 * nor the order type, so the caller passes the order's report. The role cannot be known
 * here: it is guessed from the side and marked `reconciled`; the engine takes the real one
 * from its journaled intent (by client order id).
 */
export function toFill(t: Trade, order: OrderReport): Fill {
  const what = `trade ${t?.id ?? '?'}`;
  need(typeof t?.id === 'string' && positive(t.price) && positive(t.amount) && positive(t.timestamp), `${what}: malformed`, null);
  need(t.side === order.side, `${what}: side ${t.side} differs from its order's ${order.side}`, null);
  const fee = t.fee && nonNegative(t.fee.cost) && typeof t.fee.currency === 'string' ? t.fee : { cost: 0, currency: '' };
  return {
    clientOrderId: order.clientOrderId,
    exchangeOrderId: order.exchangeOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    role: order.side === 'buy' ? 'entry' : 'exit',
    amount: t.amount as number,
    price: t.price as number,
    fee: fee.cost as number,
    feeCurrency: fee.currency as string,
    reason: 'reconciled',
    timestamp: t.timestamp as number,
  };
}

/** Binance's account answer always holds a `balances` list; ccxt turns garbage into an empty balance instead. */
export function toBalances(b: Balances, now: number): AccountBalances {
  const info = b?.info as { balances?: unknown } | undefined;
  need(typeof info === 'object' && info !== null && Array.isArray(info.balances), 'balance: no balances list', null);
  const free: Record<string, number> = {};
  const used: Record<string, number> = {};
  for (const [asset, amount] of Object.entries(b.free ?? {})) {
    need(nonNegative(amount), `balance: free ${asset} ${amount}`, null);
    free[asset] = amount as number;
  }
  for (const [asset, amount] of Object.entries(b.used ?? {})) {
    need(nonNegative(amount), `balance: used ${asset} ${amount}`, null);
    used[asset] = amount as number;
  }
  return { free, used, fetchedAt: now };
}

/** ccxt's binance uses TICK_SIZE precision: `precision.amount` is the LOT_SIZE step. */
export function toMarketRules(m: Market | undefined, symbol: string): MarketRules {
  if (m === undefined) throw new MalformedAnswer(`markets: ${symbol} is not listed`);
  const market: Market = m;
  const rules = {
    symbol,
    base: market.base,
    quote: market.quote,
    amountStep: market.precision?.amount,
    minAmount: market.limits?.amount?.min ?? 0,
    priceTick: market.precision?.price,
    minNotional: market.limits?.cost?.min ?? 0,
  };
  need(positive(rules.amountStep) && positive(rules.priceTick) && nonNegative(rules.minAmount) && nonNegative(rules.minNotional), `markets: ${symbol} has malformed filters`, null);
  return rules as MarketRules;
}
