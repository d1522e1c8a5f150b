/**
 * The two journals' columns and codecs: `trades.csv` (fills) and `intents.csv` (order
 * intents, journaled before the order leaves). Times are ISO 8601 UTC with milliseconds;
 * numbers are JavaScript's shortest round-trip decimal, so a value read back is the value written.
 */
import type { Fill, OrderIntent, OrderRole, OrderType, Side } from '../../shared/domain.js';
import type { CsvFormat } from './csv-format.js';

const SIDES: readonly Side[] = ['buy', 'sell'];
const TYPES: readonly OrderType[] = ['market', 'limit', 'stop_loss_limit'];
const ROLES: readonly OrderRole[] = ['entry', 'exit', 'stop'];
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function parseTime(text: string, column: string): number {
  const ms = ISO_UTC.test(text) ? Date.parse(text) : NaN;
  if (!Number.isFinite(ms)) throw new Error(`${column} "${text.slice(0, 40)}" is not an ISO UTC time`);
  return ms;
}

export function parseNumber(text: string, column: string, min = -Infinity): number {
  const value = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(value) || value < min) throw new Error(`${column} "${text.slice(0, 40)}" is not a number >= ${min}`);
  return value;
}

function optionalNumber(text: string, column: string): number | undefined {
  return text === '' ? undefined : parseNumber(text, column, 0);
}

function oneOf<T extends string>(text: string, allowed: readonly T[], column: string): T {
  if (!(allowed as readonly string[]).includes(text)) throw new Error(`${column} "${text.slice(0, 40)}" is not one of ${allowed.join('/')}`);
  return text as T;
}

function required(text: string, column: string): string {
  if (text === '') throw new Error(`${column} is empty`);
  return text;
}

function cellsOf(cells: readonly string[], n: number): string[] {
  if (cells.length !== n) throw new Error(`${cells.length} cells, expected ${n}`);
  return cells as string[];
}

/** trades.csv: one row per fill. The column order is also the `fills` table's, so `sqlite3 .import` reads it as is. */
export const fillFormat: CsvFormat<Fill> = {
  name: 'trades journal',
  columns: ['time', 'exchange_order_id', 'client_order_id', 'symbol', 'side', 'type', 'role', 'amount', 'price', 'fee', 'fee_currency', 'reason'],
  encode: (f) => [
    isoTime(f.timestamp),
    f.exchangeOrderId,
    f.clientOrderId,
    f.symbol,
    f.side,
    f.type,
    f.role,
    String(f.amount),
    String(f.price),
    String(f.fee),
    f.feeCurrency,
    f.reason,
  ],
  decode: (cells) => {
    const [time, exchangeOrderId, clientOrderId, symbol, side, type, role, amount, price, fee, feeCurrency, reason] = cellsOf(cells, 12) as [
      string, string, string, string, string, string, string, string, string, string, string, string,
    ];
    return {
      timestamp: parseTime(time, 'time'),
      exchangeOrderId: required(exchangeOrderId, 'exchange_order_id'),
      clientOrderId,
      symbol: required(symbol, 'symbol'),
      side: oneOf(side, SIDES, 'side'),
      type: oneOf(type, TYPES, 'type'),
      role: oneOf(role, ROLES, 'role'),
      amount: parseNumber(amount, 'amount', 0),
      price: parseNumber(price, 'price', 0),
      fee: parseNumber(fee, 'fee'),
      feeCurrency,
      reason,
    };
  },
};

/** intents.csv: one row per order intent, written before the order is sent. */
export const intentFormat: CsvFormat<OrderIntent> = {
  name: 'intents journal',
  columns: ['time', 'client_order_id', 'symbol', 'side', 'type', 'role', 'amount', 'price', 'stop_price', 'reason'],
  encode: (i) => [
    isoTime(i.createdAt),
    i.clientOrderId,
    i.symbol,
    i.side,
    i.type,
    i.role,
    String(i.amount),
    i.price === undefined ? '' : String(i.price),
    i.stopPrice === undefined ? '' : String(i.stopPrice),
    i.reason,
  ],
  decode: (cells) => {
    const [time, clientOrderId, symbol, side, type, role, amount, price, stopPrice, reason] = cellsOf(cells, 10) as [
      string, string, string, string, string, string, string, string, string, string,
    ];
    const intent: OrderIntent = {
      createdAt: parseTime(time, 'time'),
      clientOrderId: required(clientOrderId, 'client_order_id'),
      symbol: required(symbol, 'symbol'),
      side: oneOf(side, SIDES, 'side'),
      type: oneOf(type, TYPES, 'type'),
      role: oneOf(role, ROLES, 'role'),
      amount: parseNumber(amount, 'amount', 0),
      reason,
    };
    const limit = optionalNumber(price, 'price');
    const trigger = optionalNumber(stopPrice, 'stop_price');
    if (limit !== undefined) intent.price = limit;
    if (trigger !== undefined) intent.stopPrice = trigger;
    return intent;
  },
};
