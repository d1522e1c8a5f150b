/**
 * The ccxt client behind the breaker: the only way the market-data worker reaches the
 * exchange. Each operation runs ccxt and checks its answer inside the breaker, so a malformed
 * answer fails (and counts) like a timeout. It also keeps the one piece of state a business
 * refusal can carry: signed requests being refused (bad keys, clock skew), which stops entries.
 */
import type { binance } from 'ccxt';
import type { OrderIntent, OrderReport, Fill, Symbol } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import type { AccountBalances, MarketRules } from '../../shared/protocol.js';
import { checkBook, checkCandles, checkTicker, toBalances, toFill, toMarketRules, toOrderReport, type CandleRow } from './answers.js';
import type { ExchangeBreaker } from './breaker.js';
import { ExchangeCallError, MalformedAnswer, classify, parseRetryAfter } from './faults.js';

/** ccxt's unified type names for the order types we send. */
const CCXT_TYPE = { market: 'market', limit: 'limit', stop_loss_limit: 'STOP_LOSS_LIMIT' } as const;

export interface SigningProblem {
  kind: 'auth' | 'clock';
  message: string;
  since: number;
}

export class GuardedExchange {
  private marketsLoaded = false;
  private signing: SigningProblem | null = null;

  constructor(
    readonly client: binance,
    readonly breaker: ExchangeBreaker,
    private readonly log: Log,
    private readonly now: () => number = Date.now,
  ) {}

  /** Set while signed requests are refused (AuthenticationError, InvalidNonce); cleared by the next signed success. */
  get signingProblem(): SigningProblem | null {
    return this.signing;
  }

  async fetchCandles(symbol: Symbol, limit: number): Promise<CandleRow[]> {
    return this.call(`fetchOHLCV ${symbol}`, false, async () => checkCandles(await this.client.fetchOHLCV(symbol, '1m', undefined, limit), symbol));
  }

  async fetchBook(symbol: Symbol, levels: number): Promise<ReturnType<typeof checkBook>> {
    return this.call(`fetchOrderBook ${symbol}`, false, async () => checkBook(await this.client.fetchOrderBook(symbol, levels), symbol));
  }

  async fetchTicker(symbol: Symbol): Promise<ReturnType<typeof checkTicker>> {
    return this.call(`fetchTicker ${symbol}`, false, async () => checkTicker(await this.client.fetchTicker(symbol), symbol));
  }

  /** Sends one order tagged with its client order id. Never retries: the order desk decides. */
  async createOrder(intent: OrderIntent): Promise<OrderReport> {
    const params: Record<string, unknown> = { newClientOrderId: intent.clientOrderId };
    if (intent.stopPrice !== undefined) params['stopPrice'] = intent.stopPrice;
    // FULL answers carry the fills, so the report has filled, average and fee at once.
    if (intent.type === 'market') params['newOrderRespType'] = 'FULL';
    return this.call(`createOrder ${intent.clientOrderId}`, true, async () =>
      toOrderReport(await this.client.createOrder(intent.symbol, CCXT_TYPE[intent.type], intent.side, intent.amount, intent.price, params), intent.clientOrderId),
    );
  }

  /** The order with this client id, or null when the exchange does not know it. */
  async fetchOrderByClientId(symbol: Symbol, clientOrderId: string): Promise<OrderReport | null> {
    return this.orNull(() =>
      this.call(`fetchOrder ${clientOrderId}`, true, async () =>
        toOrderReport(await this.client.fetchOrder(undefined as unknown as string, symbol, { origClientOrderId: clientOrderId }), clientOrderId),
      ),
    );
  }

  /**
   * The report with its fee. Binance's order query has no fills, so a filled order found by
   * lookup gets its fee from the order's trades. Trades not listed yet, or fees in several
   * currencies, leave the report without a fee and say so: the fill itself is what must not
   * be lost, and the engine's reconciliation reads the fees from fetch-my-trades.
   */
  async withFee(report: OrderReport): Promise<OrderReport> {
    if (report.filled === 0 || report.fee) return report;
    const fills = await this.call(`fetchMyTrades order ${report.exchangeOrderId}`, true, async () => {
      const trades = await this.client.fetchMyTrades(report.symbol, undefined, undefined, { orderId: report.exchangeOrderId });
      if (!Array.isArray(trades)) throw new MalformedAnswer('my trades: not a list');
      return trades.filter((t) => String(t.order) === report.exchangeOrderId).map((t) => toFill(t, report));
    });
    const currencies = new Set(fills.map((f) => f.feeCurrency));
    if (fills.length === 0 || currencies.size !== 1) {
      this.log.warn(`order ${report.clientOrderId} filled ${report.filled}, but its trades show ${fills.length} fill(s) in ${currencies.size} fee currencies: answered without a fee`);
      return report;
    }
    return { ...report, fee: { cost: fills.reduce((sum, f) => sum + f.fee, 0), currency: [...currencies][0] as string } };
  }

  /** Cancels by client id; the order's final report, or null when the exchange does not know it. */
  async cancelOrder(symbol: Symbol, clientOrderId: string): Promise<OrderReport | null> {
    return this.orNull(() =>
      this.call(`cancelOrder ${clientOrderId}`, true, async () => {
        await this.client.cancelOrder(undefined as unknown as string, symbol, { origClientOrderId: clientOrderId });
        // Binance's cancel answer gives the cancel's own client id; the order's report is what the caller needs.
        return toOrderReport(await this.client.fetchOrder(undefined as unknown as string, symbol, { origClientOrderId: clientOrderId }), clientOrderId);
      }),
    );
  }

  async fetchOpenOrders(symbols: readonly Symbol[]): Promise<OrderReport[]> {
    return this.call('fetchOpenOrders', true, async () => {
      const orders = await this.client.fetchOpenOrders();
      if (!Array.isArray(orders)) throw new MalformedAnswer('open orders: not a list');
      return orders.map((o) => toOrderReport(o)).filter((r) => symbols.includes(r.symbol));
    });
  }

  async fetchBalance(): Promise<AccountBalances> {
    return this.call('fetchBalance', true, async () => toBalances(await this.client.fetchBalance(), this.now()));
  }

  /** Executions since `since`, oldest first, each tagged with its order's client id and type. */
  async fetchMyTrades(symbol: Symbol, since: number): Promise<Fill[]> {
    const trades = await this.call(`fetchMyTrades ${symbol}`, true, async () => {
      const list = await this.client.fetchMyTrades(symbol, since);
      if (!Array.isArray(list)) throw new MalformedAnswer('my trades: not a list');
      return list;
    });
    if (trades.length === 0) return [];
    // myTrades has the exchange order id only; the order list maps it to the client id and type.
    return this.call(`fetchOrders ${symbol}`, true, async () => {
      const list = await this.client.fetchOrders(symbol);
      if (!Array.isArray(list)) throw new MalformedAnswer('orders: not a list');
      const orders = new Map(list.map((o) => toOrderReport(o)).map((r) => [r.exchangeOrderId, r]));
      const fills = trades.map((t) => {
        const order = orders.get(String(t.order));
        if (!order) throw new MalformedAnswer(`trade ${t.id} belongs to order ${t.order}, which the order list does not hold`);
        return toFill(t, order);
      });
      return fills.sort((a, b) => a.timestamp - b.timestamp);
    });
  }

  async marketRules(symbols: readonly Symbol[]): Promise<MarketRules[]> {
    await this.ensureMarkets();
    try {
      return symbols.map((s) => toMarketRules((this.client.markets ?? {})[s], s));
    } catch (err) {
      // The markets answer passed its check when it was loaded: a missing symbol is a configuration problem.
      throw new TraderError(ErrorCode.EXCHANGE_REJECTED, (err as Error).message, { cause: err });
    }
  }

  /** Loads the markets once (ccxt needs them for every symbol call), through the breaker. */
  async ensureMarkets(): Promise<void> {
    if (this.marketsLoaded) return;
    await this.call('loadMarkets', false, async () => {
      const markets = await this.client.loadMarkets(true);
      if (typeof markets !== 'object' || markets === null || Object.keys(markets).length === 0) throw new MalformedAnswer('exchangeInfo: no markets');
    });
    this.marketsLoaded = true;
  }

  private async orNull<T>(run: () => Promise<T>): Promise<T | null> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof ExchangeCallError && err.fault.notFound) return null;
      throw err;
    }
  }

  private async call<T>(what: string, signed: boolean, run: () => Promise<T>): Promise<T> {
    if (what !== 'loadMarkets') await this.ensureMarkets();
    let result: T;
    try {
      result = await this.breaker.call(what, async () => {
        try {
          return await run();
        } catch (err) {
          throw this.callError(what, err);
        }
      });
    } catch (err) {
      if (err instanceof ExchangeCallError) this.noteRefusal(err);
      throw err;
    }
    if (signed && this.signing) {
      this.log.info(`signed requests accepted again (${this.signing.kind} problem since ${new Date(this.signing.since).toISOString()} is over)`);
      this.signing = null;
    }
    return result;
  }

  private callError(what: string, err: unknown): ExchangeCallError {
    if (err instanceof ExchangeCallError) return err;
    const fault = classify(err);
    const retryAfterMs = fault.kind === 'rate-limited' ? parseRetryAfter(this.client.last_response_headers?.['Retry-After'], this.now()) : undefined;
    return new ExchangeCallError(what, fault, err, retryAfterMs);
  }

  private noteRefusal(err: ExchangeCallError): void {
    const kind = err.fault.kind;
    if (kind !== 'auth' && kind !== 'clock') return;
    if (this.signing?.kind === kind) return;
    this.signing = { kind, message: err.message, since: this.now() };
    if (kind === 'auth') {
      this.log.critical(`exchange refused the API credentials: new entries stop until a signed request succeeds (${err.message})`, { code: err.code });
    } else {
      this.log.error(`exchange refused a signed request for clock skew (-1021): new entries stop until a signed request succeeds; check NTP (${err.message})`, { code: err.code });
    }
  }
}
