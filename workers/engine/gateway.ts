import type { Fill, OrderIntent, OrderReport } from '../../shared/domain.js';
import type { AccountBalances, MarketRules } from '../../shared/protocol.js';

/**
 * What the engine needs from the other workers, as plain async functions. The engine
 * worker binds them to its channels; tests of the engine logic bind them to the real
 * workers or to a real simulator.
 */
export interface ExchangeGateway {
  placeOrder(intent: OrderIntent): Promise<OrderReport>;
  fetchOrder(symbol: string, clientOrderId: string): Promise<OrderReport | null>;
  cancelOrder(symbol: string, clientOrderId: string): Promise<OrderReport | null>;
  fetchOpenOrders(): Promise<OrderReport[]>;
  fetchBalance(): Promise<AccountBalances>;
  fetchMyTrades(symbol: string, since: number): Promise<Fill[]>;
  marketRules(): Promise<MarketRules[]>;
}

export interface JournalGateway {
  /** Resolves once the intent is fsync'd: only then may the order leave. */
  journalIntent(intent: OrderIntent): Promise<void>;
  /** Resolves with the fill's journal seq once it is fsync'd. */
  journalFill(fill: Fill): Promise<number>;
  /** Fills already journaled for an order (so a reconciled fill is journaled once). */
  fillsFor(clientOrderId: string): Promise<Fill[]>;
}
