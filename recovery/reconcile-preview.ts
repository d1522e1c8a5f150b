/**
 * What reconciliation would change, computed read-only: the bot's view from its files (the
 * last valid status.csv row, then the fills journaled after it, through the engine's own
 * PositionBook) against the configured exchange (balances, open orders, and my trades since
 * the last journaled fill). Reads the exchange, writes nothing, places and cancels nothing.
 */
import { readFile } from 'node:fs/promises';
import type { binance } from 'ccxt';
import type { Config } from '../shared/config.js';
import type { Fill, OrderReport } from '../shared/domain.js';
import type { Log } from '../shared/log.js';
import { PositionBook, type Position } from '../workers/engine/positions.js';
import { toOrderReport } from '../workers/market-data/answers.js';
import { scanCsv } from '../workers/persistence/csv-format.js';
import { fillFormat, loadLastValidStatus, storePaths } from '../workers/persistence/index.js';

/** Below this, two amounts are the same (float residue of sums). */
const EPSILON = 1e-9;

export interface Preview {
  statusRow: string | null;
  journaledFills: number;
  since: number | null;
  changes: string[];
}

const baseOf = (symbol: string): string => symbol.split('/')[0] ?? symbol;

/** The bot's view as the engine rebuilds it at start (restore.ts): the status row, then newer fills. */
async function botView(config: Config, log: Log): Promise<{ positions: Position[]; balances: Record<string, number>; fills: Fill[]; statusTime: number | null }> {
  const paths = storePaths(config.dataDir);
  const status = await loadLastValidStatus(paths.status, log);
  const bytes = await readFile(paths.journal).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? null : Promise.reject(err)));
  const fills: Fill[] = [];
  const newer: Fill[] = [];
  if (bytes) scanCsv(bytes, fillFormat, 'strict', (seq, fill) => {
    fills.push(fill);
    if (seq > (status?.lastFillSeq ?? 0)) newer.push(fill);
  });
  const book = new PositionBook();
  book.seed(
    (status?.positions ?? []).map((p) => ({
      symbol: String(p.symbol),
      amount: Number(p.amount),
      entryPrice: Number(p.entryPrice),
      openedAt: Number(p.openedAt),
      stopClientOrderId: typeof p.stopClientOrderId === 'string' ? p.stopClientOrderId : null,
      stopPrice: typeof p.stopPrice === 'number' ? p.stopPrice : null,
    })),
  );
  for (const fill of newer) book.apply(fill, baseOf(fill.symbol));
  const balances = Object.fromEntries(Object.entries(status?.balances ?? {}).map(([asset, b]) => [asset, b.free + b.locked]));
  return { positions: book.all(), balances, fills, statusTime: status?.time ?? null };
}

export async function previewReconcile(config: Config, exchange: binance, log: Log): Promise<Preview> {
  const view = await botView(config, log);
  const changes: string[] = [];
  const journaledOrders = new Set(view.fills.map((f) => f.exchangeOrderId));
  const since = view.fills.length > 0 ? Math.max(...view.fills.map((f) => f.timestamp)) + 1 : view.statusTime;

  await exchange.loadMarkets();
  for (const symbol of config.symbols) {
    const trades = await exchange.fetchMyTrades(symbol, since ?? undefined);
    const byOrder = new Map<string, typeof trades>();
    for (const t of trades) {
      const id = String(t.order ?? '');
      if (!journaledOrders.has(id)) byOrder.set(id, [...(byOrder.get(id) ?? []), t]);
    }
    for (const [order, list] of byOrder) {
      const amount = list.reduce((s, t) => s + (t.amount ?? 0), 0);
      const cost = list.reduce((s, t) => s + (t.amount ?? 0) * (t.price ?? 0), 0);
      changes.push(`would journal a missing fill: order ${order} ${list[0]?.side} ${amount} ${symbol} at ${amount ? cost / amount : 0} (${list.length} trade(s))`);
    }
  }

  const balance = (await exchange.fetchBalance()) as unknown as { total: Record<string, number | undefined> };
  const assets = new Set([...Object.keys(view.balances), ...Object.entries(balance.total).filter(([, v]) => (v ?? 0) > 0).map(([a]) => a)]);
  for (const asset of [...assets].sort()) {
    const mine = view.balances[asset] ?? 0;
    const theirs = balance.total[asset] ?? 0;
    if (Math.abs(mine - theirs) > EPSILON) changes.push(`would take the exchange's ${asset} balance: ${theirs} (status.csv says ${mine})`);
  }

  const liveStops = new Set<string>();
  for (const raw of await exchange.fetchOpenOrders()) {
    // The market-data worker's own reading of a ccxt order (a STOP_LOSS_LIMIT comes as `limit` with a trigger price).
    let order: OrderReport;
    try {
      order = toOrderReport(raw);
    } catch (err) {
      changes.push(`open order ${raw.clientOrderId ?? raw.id} (${raw.type} ${raw.side} ${raw.symbol}) cannot be read as the bot reads orders (${(err as Error).message}): reconciliation would stop on it; deal with it by hand`);
      continue;
    }
    const position = view.positions.find((p) => p.symbol === order.symbol);
    const isStop = position && order.side === 'sell' && order.type === 'stop_loss_limit';
    if (isStop && (position.stopClientOrderId === null || position.stopClientOrderId === order.clientOrderId)) {
      liveStops.add(order.symbol);
      continue;
    }
    const what = `open order ${order.clientOrderId} (${order.type} ${order.side} ${order.amount} ${order.symbol})`;
    changes.push(config.reconcile.unknownOrders === 'adopt' ? `would adopt ${what}: not one the bot keeps (reconcile.unknownOrders=adopt)` : `would cancel ${what}: not one the bot keeps (reconcile.unknownOrders=cancel)`);
  }

  for (const position of view.positions) {
    const held = balance.total[baseOf(position.symbol)] ?? 0;
    if (held + EPSILON < position.amount) changes.push(`would correct the ${position.symbol} position: the journal says ${position.amount}, the exchange holds ${held}`);
    if (!liveStops.has(position.symbol)) changes.push(`would place a protective stop for ${position.symbol} (${position.amount}): none is open on the exchange`);
  }
  return { statusRow: view.statusTime === null ? null : new Date(view.statusTime).toISOString(), journaledFills: view.fills.length, since, changes };
}
