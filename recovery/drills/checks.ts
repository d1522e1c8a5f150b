/**
 * The drills' judgements as plain functions over plain data (simulator records, journal rows,
 * database rows), so a test can hand each one broken evidence and see it fail. Each returns
 * the problems it found, one line each; an empty list is a pass.
 */
import type { SimOrderRecord } from '../../fixtures/exchange-sim/types.js';

/** What the exchange says about one order (from allOrders, through an independent ccxt client). */
export interface ExchangeOrder {
  clientOrderId: string;
  status: string;
  filled: number;
}

/** Amounts in the journal are the exchange's, summed: equal up to float addition. */
const SAME_AMOUNT = 1e-9;

/** Client order ids the exchange accepted more than once: the same order sent twice. */
export function duplicatedOrders(orders: readonly SimOrderRecord[]): string[] {
  const seen = new Map<string, number>();
  for (const o of orders) if (o.outcome === 'accepted') seen.set(o.clientOrderId, (seen.get(o.clientOrderId) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id, n]) => `${id} accepted ${n} times by the exchange`);
}

/** Orders the exchange accepted from the bot that its intents journal does not hold: sent without the write-ahead record. */
export function ordersUnknownToJournal(orders: readonly SimOrderRecord[], intents: ReadonlyArray<Record<string, string>>): string[] {
  const journaled = new Set(intents.map((r) => r.client_order_id));
  return orders
    .filter((o) => o.outcome === 'accepted' && o.clientOrderId.startsWith('tg-') && !journaled.has(o.clientOrderId))
    .map((o) => `${o.clientOrderId} (${o.side} ${o.type}) is on the exchange but not in intents.csv`);
}

/** Orders that filled on the exchange without exactly one journal row of the same amount: fills lost (or duplicated). */
export function lostFills(exchange: readonly ExchangeOrder[], fills: ReadonlyArray<Record<string, string>>): string[] {
  const rows = new Map<string, Array<Record<string, string>>>();
  for (const r of fills) rows.set(r.client_order_id ?? '', [...(rows.get(r.client_order_id ?? '') ?? []), r]);
  const problems: string[] = [];
  for (const o of exchange) {
    if (!(o.filled > 0)) continue;
    const mine = rows.get(o.clientOrderId) ?? [];
    if (mine.length === 0) problems.push(`${o.clientOrderId} filled ${o.filled} on the exchange and is not in trades.csv`);
    else if (Math.abs(Number(mine[0]?.amount) - o.filled) > SAME_AMOUNT * Math.max(1, o.filled)) {
      problems.push(`${o.clientOrderId} filled ${o.filled} on the exchange, trades.csv says ${mine[0]?.amount}`);
    }
  }
  return problems;
}

/** One execution as the exchange reports it (myTrades, through an independent ccxt client). */
export interface ExchangeTrade {
  orderId: string;
  fee: number;
  feeCurrency: string;
}

/** Orders whose journaled fee is not what the exchange charged (summed over the order's executions). */
export function feeMismatches(trades: readonly ExchangeTrade[], fills: ReadonlyArray<Record<string, string>>): string[] {
  const charged = new Map<string, { fee: number; currency: string }>();
  for (const t of trades) {
    const sum = charged.get(t.orderId) ?? { fee: 0, currency: t.feeCurrency };
    charged.set(t.orderId, { fee: sum.fee + t.fee, currency: t.feeCurrency });
  }
  const problems: string[] = [];
  for (const row of fills) {
    const exchange = charged.get(row.exchange_order_id ?? '');
    if (!exchange) continue;
    const fee = Number(row.fee);
    if (Math.abs(fee - exchange.fee) > SAME_AMOUNT * Math.max(1, exchange.fee) || row.fee_currency !== exchange.currency) {
      problems.push(`${row.client_order_id}: trades.csv fee ${row.fee} ${row.fee_currency || '(no currency)'}, the exchange charged ${exchange.fee} ${exchange.currency}`);
    }
  }
  return problems;
}

/** Journal rows for the same order: the journal keeps one row per order's fill. */
export function duplicatedFills(fills: ReadonlyArray<Record<string, string>>): string[] {
  const count = new Map<string, number>();
  for (const r of fills) count.set(r.client_order_id ?? '', (count.get(r.client_order_id ?? '') ?? 0) + 1);
  return [...count].filter(([, n]) => n > 1).map(([id, n]) => `${id} is journaled ${n} times in trades.csv`);
}

const NUMERIC = new Set(['seq', 'amount', 'price', 'fee']);

/** Differences between trades.db's fills table and trades.csv, row by row and cell by cell. */
export function databaseVsJournal(db: ReadonlyArray<Record<string, unknown>>, journal: ReadonlyArray<Record<string, string>>): string[] {
  const problems: string[] = [];
  const bySeq = new Map(db.map((r) => [Number(r.seq), r]));
  for (const row of journal) {
    const found = bySeq.get(Number(row.seq));
    if (!found) {
      problems.push(`journal row seq ${row.seq} (${row.client_order_id}) is missing from trades.db`);
      continue;
    }
    for (const [column, text] of Object.entries(row)) {
      const value = found[column];
      const same = NUMERIC.has(column) ? Number(value) === Number(text) : String(value) === text;
      if (!same) problems.push(`seq ${row.seq} ${column}: trades.db has ${JSON.stringify(value)}, trades.csv ${JSON.stringify(text)}`);
    }
  }
  if (db.length > journal.length) problems.push(`trades.db holds ${db.length} rows, trades.csv ${journal.length}`);
  return problems;
}

/** Records (requests, orders) whose time falls inside one of the [from, to) windows. */
export function during<T extends { time: number }>(records: readonly T[], windows: ReadonlyArray<readonly [number, number]>): T[] {
  return records.filter((r) => windows.some(([from, to]) => r.time > from && r.time < to));
}

/** Problems with a restart backoff: each delay must be larger than the one before. */
export function notGrowing(delays: readonly number[]): string[] {
  const problems: string[] = [];
  for (let i = 1; i < delays.length; i++) {
    if ((delays[i] as number) <= (delays[i - 1] as number)) problems.push(`respawn delay ${i + 1} (${delays[i]} ms) is not above delay ${i} (${delays[i - 1]} ms)`);
  }
  if (delays.length < 2) problems.push(`only ${delays.length} respawn delay(s) logged`);
  return problems;
}
