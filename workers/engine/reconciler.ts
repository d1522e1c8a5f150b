import type { Fill, OrderIntent, OrderReport, OrderRole, Symbol } from '../../shared/domain.js';
import type { Log } from '../../shared/log.js';
import type { ExchangeGateway, JournalGateway } from './gateway.js';
import type { TradingEngine } from './trading-engine.js';

/** What to do with an open order on the exchange that the bot does not know. */
export type UnknownOrderPolicy = 'cancel' | 'adopt';

export interface ReconcileReport {
  reason: string;
  at: number;
  /** Every difference found between the bot's view and the exchange's; the exchange won each. */
  discrepancies: string[];
  fillsJournaled: number;
  stopsPlaced: number;
  ordersCancelled: number;
}

const ROLE_BY_TAG: Record<string, OrderRole> = { e: 'entry', x: 'exit', s: 'stop' };

/** The role an order had, from its client order id (`tg-<role>-...`), or from its side for an order the bot did not make. */
export function roleOf(clientOrderId: string, side: 'buy' | 'sell'): OrderRole {
  const tag = /^tg-([exs])-/.exec(clientOrderId)?.[1];
  return (tag && ROLE_BY_TAG[tag]) || (side === 'buy' ? 'entry' : 'exit');
}

/** Aggregates the executions of one order into one journal row (the journal keeps one row per order's fill). */
function aggregate(trades: readonly Fill[], role: OrderRole): Fill {
  const first = trades[0] as Fill;
  const amount = trades.reduce((s, t) => s + t.amount, 0);
  const cost = trades.reduce((s, t) => s + t.amount * t.price, 0);
  return { ...first, role, amount, price: cost / amount, fee: trades.reduce((s, t) => s + t.fee, 0), reason: 'reconciled', timestamp: (trades.at(-1) as Fill).timestamp };
}

/**
 * Auto-reconciliation: the exchange wins over the journal for balances, open orders and
 * fills that happened while the bot was down. Runs on every start, after every engine
 * respawn, when the breaker closes again and every `reconcile.intervalMs`. Each fill is
 * journaled once (reason `reconciled`), every discrepancy is logged and counted.
 */
export class Reconciler {
  constructor(
    private readonly engine: TradingEngine,
    private readonly exchange: ExchangeGateway,
    private readonly journal: JournalGateway,
    private readonly symbols: readonly Symbol[],
    private readonly unknownOrders: UnknownOrderPolicy,
    private readonly log: Log,
    private readonly now: () => number,
  ) {}

  async run(reason: string, pendingIntents: readonly OrderIntent[], since: number): Promise<ReconcileReport> {
    const report: ReconcileReport = { reason, at: this.now(), discrepancies: [], fillsJournaled: 0, stopsPlaced: 0, ordersCancelled: 0 };
    const differ = (what: string): void => {
      report.discrepancies.push(what);
      this.log.warn(`reconciliation (${reason}): ${what}`);
    };
    this.engine.setRules(await this.exchange.marketRules());
    const executor = this.engine.executorForReconcile;

    // 1. Intents journaled without a fill: the order may have gone out before a crash.
    const liveStops = new Map<Symbol, OrderReport>();
    for (const intent of pendingIntents) {
      const order = await this.exchange.fetchOrder(intent.symbol, intent.clientOrderId);
      if (!order) continue;
      const fill = await executor.recordOnce(order, { role: intent.role, reason: `${intent.reason} (reconciled)` });
      if (fill) {
        report.fillsJournaled++;
        differ(`order ${intent.clientOrderId} (${intent.role} ${intent.side} ${intent.symbol}) filled ${fill.amount} at ${fill.price} without the bot hearing of it`);
        this.engine.applyFill(fill);
      }
      if (order.status === 'open' && intent.role === 'stop') liveStops.set(intent.symbol, order);
    }

    // 2. Fills the exchange has that the journal does not (a stop that triggered while the bot was down).
    for (const symbol of this.symbols) {
      const trades = await this.exchange.fetchMyTrades(symbol, since);
      const byOrder = new Map<string, Fill[]>();
      for (const t of trades) byOrder.set(t.clientOrderId, [...(byOrder.get(t.clientOrderId) ?? []), t]);
      for (const [clientOrderId, list] of byOrder) {
        if ((await this.journal.fillsFor(clientOrderId)).length > 0) continue;
        const fill = aggregate(list, roleOf(clientOrderId, (list[0] as Fill).side));
        await this.journal.journalFill(fill);
        report.fillsJournaled++;
        differ(`fill of ${clientOrderId} (${fill.side} ${fill.amount} ${symbol} at ${fill.price}) was missing from the journal`);
        this.engine.applyFill(fill);
      }
    }

    // 3. Balances: the exchange's.
    this.engine.balances = await this.exchange.fetchBalance();

    // 4. Positions against what is really held.
    for (const position of this.engine.positions.all()) {
      const rules = this.engine.rulesFor(position.symbol);
      const base = rules?.base ?? position.symbol.split('/')[0] ?? '';
      const held = (this.engine.balances.free[base] ?? 0) + (this.engine.balances.used[base] ?? 0);
      if (held + (rules?.amountStep ?? 0) < position.amount) {
        differ(`${position.symbol}: the book says ${position.amount} ${base}, the exchange holds ${held}; using the exchange's`);
        if (rules && held < rules.minAmount) this.engine.positions.close(position.symbol);
        else position.amount = held;
      }
    }

    // 5. Open orders: keep the live stops, deal with the rest per policy.
    const open = await this.exchange.fetchOpenOrders();
    for (const order of open) {
      const position = this.engine.positions.get(order.symbol);
      const isStopOfPosition = position && order.type === 'stop_loss_limit' && order.side === 'sell';
      const kept = liveStops.get(order.symbol)?.clientOrderId;
      // The first stop seen for a position is kept (its own, or one found through a pending intent); a second is a duplicate.
      if (isStopOfPosition && (kept === undefined || kept === order.clientOrderId || position.stopClientOrderId === order.clientOrderId)) {
        liveStops.set(order.symbol, order);
        continue;
      }
      if (this.unknownOrders === 'adopt') {
        differ(`open order ${order.clientOrderId} (${order.type} ${order.side} ${order.symbol}) is not one the bot placed for a live position; adopted: left on the exchange (reconcile.unknownOrders=adopt)`);
        continue;
      }
      differ(`open order ${order.clientOrderId} (${order.type} ${order.side} ${order.symbol}) is not one the bot keeps; cancelling it (reconcile.unknownOrders=${this.unknownOrders})`);
      const final = await this.exchange.cancelOrder(order.symbol, order.clientOrderId);
      report.ordersCancelled++;
      if (final) {
        const fill = await executor.recordOnce(final, { role: roleOf(final.clientOrderId, final.side), reason: 'reconciled' });
        if (fill) {
          report.fillsJournaled++;
          this.engine.applyFill(fill);
        }
      }
    }

    // 6. Every position gets a live stop on the exchange.
    for (const position of this.engine.positions.all()) {
      const stop = liveStops.get(position.symbol);
      if (stop) {
        if (position.stopClientOrderId !== stop.clientOrderId) this.engine.positions.setStop(position.symbol, stop.clientOrderId, position.stopPrice);
        continue;
      }
      if (position.stopClientOrderId) differ(`${position.symbol}: its stop ${position.stopClientOrderId} is no longer on the exchange; placing a new one`);
      this.engine.positions.setStop(position.symbol, null, null);
      await this.engine.protect(position);
      report.stopsPlaced++;
    }
    this.engine.balances = await this.exchange.fetchBalance();
    this.log.info(`reconciliation (${reason}) done: ${report.discrepancies.length} discrepancies, ${report.fillsJournaled} fills journaled, ${report.stopsPlaced} stops placed, ${report.ordersCancelled} orders cancelled`, { ...report });
    return report;
  }
}
