import type { Candle, Fill, OrderIntent, Quote, Symbol } from '../../shared/domain.js';
import { ErrorCode } from '../../shared/errors.js';
import type { Log } from '../../shared/log.js';
import type { AccountBalances, MarketRules } from '../../shared/protocol.js';
import type { Signal, Strategy } from '../../shared/strategy.js';
import { CandleHistory } from './candle-history.js';
import { newClientOrderId } from './client-order-id.js';
import type { ExchangeGateway, JournalGateway } from './gateway.js';
import { KillSwitch, type KillSwitchEvent, type KillSwitchOptions, type KillSwitchRecord } from './kill-switch.js';
import { OrderExecutor } from './order-executor.js';
import { PositionBook, type Position } from './positions.js';
import { RiskManager, type RiskOptions } from './risk-manager.js';
import { StrategyRunner } from './strategy-runner.js';

export interface TradingEngineOptions {
  risk: RiskOptions;
  killSwitch: KillSwitchOptions;
  maxConsecutiveStrategyErrors: number;
  params: Readonly<Record<string, unknown>>;
}

export interface TradingEngineDeps {
  strategy: Strategy;
  exchange: ExchangeGateway;
  journal: JournalGateway;
  log: Log;
  now: () => number;
  /** Told on every kill-switch change (persist it, alert) and after every fill (snapshot). */
  onStateChange: (why: string) => void;
}

/** Why entries are refused besides the kill switch, each with its own reset. */
export type EntryPause = 'starting' | 'strategy-errors' | 'operator' | 'authentication';

/**
 * The engine's trading logic, free of threads so tests can drive it: marks equity on
 * every quote (the kill switch sees every price), runs the strategy on every closed
 * candle, and turns signals into orders through the gates. Entries pass, in order, the
 * KillSwitch, the pauses, the RiskManager, then the LiquidityGuardian in market-data (a
 * refusal there comes back as ENTRY_BLOCKED); exits pass no gate but the exchange.
 */
export class TradingEngine {
  readonly positions = new PositionBook();
  readonly killSwitch: KillSwitch;
  readonly history = new CandleHistory();
  readonly pauses = new Set<EntryPause>(['starting']);
  balances: AccountBalances = { free: {}, used: {}, fetchedAt: 0 };
  private readonly quotes = new Map<Symbol, Quote>();
  /**
   * The latest price seen for each symbol, from whichever came last: a quote, a closed
   * candle, or our own fill. A position bought after a gap must not be marked at the quote
   * from before the gap (that would be a phantom peak, and a false kill-switch trip).
   */
  private readonly marks = new Map<Symbol, { price: number; at: number }>();
  /** Equity as last marked; what a status row shows while a price is missing. */
  lastEquity: number | null = null;
  private readonly rules = new Map<Symbol, MarketRules>();
  private readonly risk: RiskManager;
  private readonly executor: OrderExecutor;
  private readonly runner: StrategyRunner;
  private lastFill: Fill | null = null;
  private entriesSent = 0;
  private refusals = 0;
  private candlesHandled = 0;

  constructor(
    private readonly options: TradingEngineOptions,
    private readonly deps: TradingEngineDeps,
  ) {
    this.risk = new RiskManager(options.risk);
    this.executor = new OrderExecutor(deps.exchange, deps.journal);
    this.runner = new StrategyRunner(deps.strategy, options.maxConsecutiveStrategyErrors, deps.log, (paused, why) => {
      if (paused) this.pause('strategy-errors', why);
      else this.resume('strategy-errors', why);
    });
    this.killSwitch = new KillSwitch(options.killSwitch, deps.now(), (event, record) => this.onKillSwitch(event, record));
  }

  get executorForReconcile(): OrderExecutor {
    return this.executor;
  }

  setRules(rules: readonly MarketRules[]): void {
    for (const r of rules) this.rules.set(r.symbol, r);
  }

  rulesFor(symbol: Symbol): MarketRules | undefined {
    return this.rules.get(symbol);
  }

  /** Equity marked to market: every asset at the mid price of its quote, the quote currency at par. */
  equity(): number | null {
    let total = 0;
    const assets = new Set([...Object.keys(this.balances.free), ...Object.keys(this.balances.used)]);
    for (const asset of assets) {
      const amount = (this.balances.free[asset] ?? 0) + (this.balances.used[asset] ?? 0);
      if (amount === 0) continue;
      const price = this.priceOf(asset);
      if (price === null) return null;
      total += amount * price;
    }
    this.lastEquity = total;
    return total;
  }

  /** A price update: marks equity and lets the kill switch see it. */
  onQuote(quote: Quote): void {
    this.quotes.set(quote.symbol, quote);
    this.mark(quote.symbol, (quote.bid + quote.ask) / 2, quote.receivedAt);
    const equity = this.equity();
    if (equity !== null) this.killSwitch.onEquity(this.deps.now(), equity);
  }

  /** Records a price for `symbol` unless a newer one is already known. */
  mark(symbol: Symbol, price: number, at: number): void {
    const current = this.marks.get(symbol);
    if (!current || at >= current.at) this.marks.set(symbol, { price, at });
  }

  /** A closed candle: the strategy decides, the gates and the exchange do the rest. */
  async onCandle(candle: Candle): Promise<void> {
    if (!this.history.add(candle)) return;
    this.mark(candle.symbol, candle.close, candle.receivedAt ?? 0);
    const position = this.positions.get(candle.symbol);
    const signal = await this.runner.run(candle, {
      symbol: candle.symbol,
      candles: this.history.recent(candle.symbol),
      position: position ? { symbol: position.symbol, amount: position.amount, entryPrice: position.entryPrice, openedAt: position.openedAt } : null,
      params: this.options.params,
    });
    this.candlesHandled++;
    if (signal) await this.act(candle, signal);
  }

  /** The runbook's reset_daily_losses(): re-arms entries, logged with who and why. */
  resetDailyLosses(by: string, reason: string): void {
    this.deps.log.warn(`kill switch reset by ${by}: ${reason}`, { by, reason });
    this.killSwitch.resetDailyLosses(this.deps.now(), by, reason, this.equity());
  }

  pause(why: EntryPause, detail: string): void {
    if (this.pauses.has(why)) return;
    this.pauses.add(why);
    this.deps.log.warn(`entries paused (${why}): ${detail}`, { pause: why });
    this.deps.onStateChange(`entries paused: ${why}`);
  }

  resume(why: EntryPause, detail: string): void {
    if (!this.pauses.delete(why)) return;
    this.deps.log.info(`entries resumed (${why}): ${detail}`, { pause: why });
    this.deps.onStateChange(`entries resumed: ${why}`);
  }

  /** Applies a journaled fill to positions, counts what it realised, re-reads balances later. */
  applyFill(fill: Fill): void {
    const rules = this.rules.get(fill.symbol);
    const base = rules?.base ?? fill.symbol.split('/')[0] ?? '';
    this.mark(fill.symbol, fill.price, this.deps.now());
    const realised = this.positions.apply(fill, base);
    if (realised) this.killSwitch.onRealised(this.deps.now(), realised.pnl);
    this.lastFill = fill;
    // A sell rounded down to the lot step leaves dust no order could sell: the position is over.
    const left = this.positions.get(fill.symbol);
    if (left && fill.side === 'sell' && rules && (left.amount < rules.minAmount || left.amount * fill.price < rules.minNotional)) {
      this.deps.log.info(`${fill.symbol}: ${left.amount} ${base} left after the sell is below the exchange minimum; position closed`, { symbol: fill.symbol });
      this.positions.close(fill.symbol);
    }
  }

  /** Exits a position at market: cancel its stop first, so the stop cannot sell what the exit sells. */
  async exit(symbol: Symbol, reason: string): Promise<void> {
    const position = this.positions.get(symbol);
    if (!position) return;
    if (position.stopClientOrderId) {
      const cancelled = await this.deps.exchange.cancelOrder(symbol, position.stopClientOrderId);
      const stopFill = cancelled ? await this.executor.recordOnce(cancelled, { role: 'stop', reason: 'stop-loss' }) : null;
      this.positions.setStop(symbol, null, null);
      if (stopFill) {
        this.applyFill(stopFill);
        this.deps.log.info(`${symbol}: the stop had already filled; exit done by the stop`, { symbol });
        await this.afterFill();
        if (!this.positions.get(symbol)) return;
      }
    }
    const current = this.positions.get(symbol);
    if (!current) return;
    // What is free now: the cancelled stop no longer locks the coins, whatever balances said before.
    this.balances = await this.deps.exchange.fetchBalance();
    const amount = this.risk.sellable(Math.min(current.amount, this.balances.free[this.baseOf(symbol)] ?? 0), this.rules.get(symbol));
    if (!(amount > 0)) {
      this.deps.log.warn(`${symbol}: nothing sellable left of the position (dust); closing it in the book`, { symbol, amount: current.amount });
      this.positions.close(symbol);
      return;
    }
    const intent = this.intent(symbol, 'sell', 'market', 'exit', amount, reason);
    const { fill } = await this.executor.execute(intent);
    if (fill) this.applyFill(fill);
    await this.afterFill();
  }

  /** Places the exchange-side STOP_LOSS_LIMIT for a position (layer 3 safety). */
  async protect(position: Position): Promise<void> {
    const rules = this.rules.get(position.symbol);
    if (!rules) throw new Error(`no market rules for ${position.symbol}; cannot price its stop`);
    const amount = this.risk.sellable(position.amount, rules);
    if (!(amount >= rules.minAmount) || amount * position.entryPrice < rules.minNotional) {
      this.deps.log.warn(`${position.symbol}: position ${position.amount} is too small for a stop order; no stop placed`, { symbol: position.symbol });
      return;
    }
    const { stopPrice, limitPrice } = this.risk.stopFor(position.entryPrice, rules);
    const intent = this.intent(position.symbol, 'sell', 'stop_loss_limit', 'stop', amount, `stop-loss ${this.options.risk.stopLossPct}% below entry ${position.entryPrice}`);
    intent.stopPrice = stopPrice;
    intent.price = limitPrice;
    const { report, fill } = await this.executor.execute(intent);
    if (fill) {
      // The market was already through the stop: it filled at once.
      this.applyFill(fill);
      await this.afterFill();
      return;
    }
    this.positions.setStop(position.symbol, report.clientOrderId, stopPrice);
    this.deps.log.info(`${position.symbol}: stop-loss placed at ${stopPrice} (limit ${limitPrice}) for ${amount}`, { symbol: position.symbol, clientOrderId: report.clientOrderId });
    this.deps.onStateChange('stop placed');
  }

  /** Re-reads balances from the exchange (it wins) and snapshots the state. */
  async afterFill(): Promise<void> {
    this.balances = await this.deps.exchange.fetchBalance();
    this.deps.onStateChange('fill');
  }

  status(): Record<string, unknown> {
    return {
      killSwitch: this.killSwitch.record(),
      pauses: [...this.pauses],
      positions: this.positions.all(),
      equity: this.equity(),
      balances: this.balances,
      lastFill: this.lastFill,
      candlesHandled: this.candlesHandled,
      entriesSent: this.entriesSent,
      entriesRefused: this.refusals,
      strategy: this.runner.status(),
    };
  }

  private async act(candle: Candle, signal: Signal): Promise<void> {
    const symbol = candle.symbol;
    if (signal.kind === 'exit') {
      if (this.positions.get(symbol)) await this.exit(symbol, signal.reason);
      return;
    }
    if (this.positions.get(symbol)) return;
    const refusal = this.entryRefusal(symbol, candle.close);
    if (typeof refusal === 'string') {
      this.refusals++;
      this.deps.log.info(`entry ${symbol} refused: ${refusal}`, { symbol, signal: signal.reason });
      return;
    }
    const intent = this.intent(symbol, 'buy', 'market', 'entry', refusal.amount, signal.reason);
    // Tick-to-order latency is measured from this line (npm run bench).
    this.deps.log.debug(`entry order ${intent.clientOrderId} for ${symbol}`, { clientOrderId: intent.clientOrderId, candleReceivedAt: candle.receivedAt });
    let execution;
    try {
      this.entriesSent++;
      execution = await this.executor.execute(intent);
    } catch (err) {
      if ((err as { code?: string }).code === ErrorCode.ENTRY_BLOCKED) {
        this.refusals++;
        this.deps.log.info(`entry ${symbol} refused: ${(err as Error).message}`, { symbol, signal: signal.reason });
        return;
      }
      throw err;
    }
    if (!execution.fill) return;
    this.applyFill(execution.fill);
    await this.afterFill();
    const position = this.positions.get(symbol);
    if (position) await this.protect(position);
  }

  /** The first gate that refuses an entry, or the sizing that passes them all. */
  private entryRefusal(symbol: Symbol, lastPrice: number): string | { amount: number } {
    if (this.killSwitch.state.kind === 'tripped') return `kill switch tripped: ${this.killSwitch.state.reason}`;
    if (this.pauses.size > 0) return `entries paused: ${[...this.pauses].join(', ')}`;
    const quote = this.quotes.get(symbol);
    const price = quote?.ask ?? lastPrice;
    const rules = this.rules.get(symbol);
    const equity = this.equity();
    const decision = this.risk.sizeEntry({
      equity: equity ?? 0,
      freeQuote: rules ? (this.balances.free[rules.quote] ?? 0) : 0,
      price,
      openPositions: this.positions.count,
      rules,
    });
    return decision.ok ? { amount: decision.amount } : `risk: ${decision.reason}`;
  }

  private intent(symbol: Symbol, side: 'buy' | 'sell', type: OrderIntent['type'], role: OrderIntent['role'], amount: number, reason: string): OrderIntent {
    const now = this.deps.now();
    return { clientOrderId: newClientOrderId(role, now), symbol, side, type, role, amount, reason, createdAt: now };
  }

  private onKillSwitch(event: KillSwitchEvent, record: KillSwitchRecord): void {
    if (event === 'tripped') {
      this.deps.log.critical(`KILL SWITCH TRIPPED: ${record.reason}; every entry is refused until an operator resets it (reset-kill-switch); exits and stops go on`, { killSwitch: record });
    }
    this.deps.onStateChange(`kill switch ${event}`);
  }

  private baseOf(symbol: Symbol): string {
    return this.rules.get(symbol)?.base ?? symbol.split('/')[0] ?? symbol;
  }

  private priceOf(asset: string): number | null {
    for (const [symbol, m] of this.marks) {
      const [base, quote] = symbol.split('/');
      if (base === asset) return m.price;
      if (quote === asset) return 1;
    }
    for (const r of this.rules.values()) if (r.quote === asset) return 1;
    return null;
  }
}
