import type { Exchange, Order } from 'ccxt';
import type { OrderIntent, OrderReport, OrderStatus } from '../../shared/domain.js';

/** ccxt's unified type names for the order types we send. */
const CCXT_TYPE = { market: 'market', limit: 'limit', stop_loss_limit: 'STOP_LOSS_LIMIT' } as const;

/** Sends one order whose intent is already journaled, tagged with its client order id. */
export async function placeOrder(client: Exchange, intent: OrderIntent): Promise<OrderReport> {
  const params: Record<string, unknown> = { newClientOrderId: intent.clientOrderId };
  if (intent.stopPrice !== undefined) params.stopPrice = intent.stopPrice;
  const order = await client.createOrder(intent.symbol, CCXT_TYPE[intent.type], intent.side, intent.amount, intent.price, params);
  return toReport(order, intent);
}

export function toReport(order: Order, intent: OrderIntent): OrderReport {
  const report: OrderReport = {
    clientOrderId: order.clientOrderId ?? intent.clientOrderId,
    exchangeOrderId: String(order.id),
    symbol: order.symbol ?? intent.symbol,
    side: intent.side,
    type: intent.type,
    status: normaliseStatus(order.status),
    amount: order.amount ?? intent.amount,
    filled: order.filled ?? 0,
    timestamp: order.timestamp ?? Date.now(),
  };
  if (order.average !== undefined && order.average !== null) report.average = order.average;
  if (order.fee?.cost !== undefined && order.fee.currency) report.fee = { cost: order.fee.cost, currency: order.fee.currency };
  return report;
}

function normaliseStatus(status: string | undefined): OrderStatus {
  switch (status) {
    case 'open':
    case 'closed':
    case 'canceled':
    case 'expired':
    case 'rejected':
      return status;
    default:
      return 'open';
  }
}
