import type { Fill, OrderIntent, OrderReport } from '../../shared/domain.js';
import type { ExchangeGateway, JournalGateway } from './gateway.js';

/** How far before an order's report time its trades are looked for (the report time can be the last update, not the first fill). */
const TRADE_LOOKBACK_MS = 60_000;

/** The fill an order report describes, or null when nothing filled. */
export function fillFromReport(report: OrderReport, intent: Pick<OrderIntent, 'role' | 'reason'>): Fill | null {
  if (!(report.filled > 0) || report.average === undefined) return null;
  return {
    clientOrderId: report.clientOrderId,
    exchangeOrderId: report.exchangeOrderId,
    symbol: report.symbol,
    side: report.side,
    type: report.type,
    role: intent.role,
    amount: report.filled,
    price: report.average,
    fee: report.fee?.cost ?? 0,
    feeCurrency: report.fee?.currency ?? '',
    reason: intent.reason,
    timestamp: report.timestamp,
  };
}

export interface Execution {
  report: OrderReport;
  /** The journaled fill, if the order filled (fully or partly) at once. */
  fill: Fill | null;
}

/**
 * Write-ahead order execution: the intent (with its client order id) is fsync'd in the
 * journal before the order leaves, and a fill is fsync'd before anything acts on it. If
 * this thread dies anywhere in between, the next engine finds the intent without a fill
 * and asks the exchange about it by client order id (see reconciler.ts).
 */
export class OrderExecutor {
  constructor(
    private readonly exchange: ExchangeGateway,
    private readonly journal: JournalGateway,
  ) {}

  async execute(intent: OrderIntent): Promise<Execution> {
    await this.journal.journalIntent(intent);
    const report = await this.exchange.placeOrder(intent);
    const fill = await this.withFee(fillFromReport(report, intent));
    if (fill) await this.journal.journalFill(fill);
    return { report, fill };
  }

  /** Journals the fill of a report learned later (a stop that filled, a reconciled order), once. */
  async recordOnce(report: OrderReport, intent: Pick<OrderIntent, 'role' | 'reason'>): Promise<Fill | null> {
    const fill = fillFromReport(report, intent);
    if (!fill) return null;
    const known = await this.journal.fillsFor(report.clientOrderId);
    if (known.length > 0) return null;
    const complete = (await this.withFee(fill)) as Fill;
    await this.journal.journalFill(complete);
    return complete;
  }

  /**
   * An order looked up by its client id (after a lost answer, or found by reconciliation)
   * carries no fees: Binance's GET order has no fills. The fee is in the account's trade
   * history, so the journal records what was really charged, not 0.
   */
  private async withFee(fill: Fill | null): Promise<Fill | null> {
    if (!fill || fill.feeCurrency !== '') return fill;
    const trades = (await this.exchange.fetchMyTrades(fill.symbol, fill.timestamp - TRADE_LOOKBACK_MS)).filter((t) => t.clientOrderId === fill.clientOrderId);
    if (trades.length === 0) return fill;
    return { ...fill, fee: trades.reduce((sum, t) => sum + t.fee, 0), feeCurrency: trades[0]?.feeCurrency ?? '' };
  }
}
