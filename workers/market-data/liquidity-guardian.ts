/**
 * LiquidityGuardian: the last gate an entry passes before it reaches the exchange. It refuses
 * new entries while the exchange is not known to work (breaker not closed, signed requests
 * refused), while the market data is stale, and while the book is too thin or the spread too
 * wide for the order. Exits and stops never ask it: getting out must not depend on liquidity.
 * A plain module, consulted synchronously inside the market-data loop.
 */
import type { OrderIntent, Quote, Symbol } from '../../shared/domain.js';
import type { Log } from '../../shared/log.js';
import type { BreakerState } from './breaker.js';
import type { SigningProblem } from './guarded-exchange.js';

export interface GuardianOptions {
  staleAfterMs: number;
  maxSpreadBps: number;
  depthBps: number;
  depthFactor: number;
}

export interface GuardianDeps {
  breaker: () => BreakerState;
  signing: () => SigningProblem | null;
  log: Log;
  now?: () => number;
}

export type BlockCode = 'breaker' | 'signing' | 'no-data' | 'stale' | 'frozen' | 'spread' | 'depth';

export type Verdict = { ok: true } | { ok: false; code: BlockCode; reason: string };

interface MarketView {
  quote: Quote;
  /** Exchange time of the last price change (the ticker's time): a frozen feed still answers. */
  lastChangeAt: number;
}

const BPS = 10_000;

export class LiquidityGuardian {
  private readonly views = new Map<Symbol, MarketView>();
  private readonly blocked = new Map<Symbol, BlockCode>();
  private readonly now: () => number;

  constructor(
    private readonly options: GuardianOptions,
    private readonly deps: GuardianDeps,
  ) {
    this.now = deps.now ?? Date.now;
  }

  /** The latest good quote of a symbol, received at `quote.receivedAt` (wall clock). */
  observe(quote: Quote, lastChangeAt: number): void {
    this.views.set(quote.symbol, { quote, lastChangeAt });
  }

  /** Whether an entry may go out now. Logs when a symbol's verdict changes, not on every call. */
  check(intent: OrderIntent): Verdict {
    const verdict = this.judge(intent);
    const before = this.blocked.get(intent.symbol);
    const after = verdict.ok ? undefined : verdict.code;
    if (before !== after) {
      if (verdict.ok) {
        this.blocked.delete(intent.symbol);
        this.deps.log.info(`entries on ${intent.symbol} allowed again (was blocked: ${before})`);
      } else {
        this.blocked.set(intent.symbol, verdict.code);
        this.deps.log.warn(`entries on ${intent.symbol} blocked: ${verdict.reason}`, { guardian: verdict.code });
      }
    }
    return verdict;
  }

  /** Symbols whose last verdict was a block, with its code (for status and the health log). */
  blocks(): Record<Symbol, BlockCode> {
    return Object.fromEntries(this.blocked);
  }

  private judge(intent: OrderIntent): Verdict {
    const o = this.options;
    const breaker = this.deps.breaker();
    if (breaker !== 'closed') return block('breaker', `exchange breaker is ${breaker}`);
    const signing = this.deps.signing();
    if (signing) return block('signing', `signed requests are refused (${signing.kind}): ${signing.message}`);
    const view = this.views.get(intent.symbol);
    if (!view) return block('no-data', `no market data for ${intent.symbol} yet`);
    const { quote } = view;
    const age = this.now() - quote.receivedAt;
    if (age > o.staleAfterMs) return block('stale', `market data is ${age} ms old (limit ${o.staleAfterMs} ms)`);
    const still = quote.receivedAt - view.lastChangeAt;
    if (still > o.staleAfterMs) return block('frozen', `the exchange's price has not changed for ${still} ms (limit ${o.staleAfterMs} ms)`);
    const mid = (quote.bid + quote.ask) / 2;
    const spreadBps = ((quote.ask - quote.bid) / mid) * BPS;
    if (spreadBps > o.maxSpreadBps) return block('spread', `spread ${spreadBps.toFixed(1)} bps is wider than ${o.maxSpreadBps} bps`);
    // A buy takes the asks, a sell the bids; only levels within depthBps of the mid count.
    const levels = intent.side === 'buy' ? quote.asks : quote.bids;
    const limit = intent.side === 'buy' ? mid * (1 + o.depthBps / BPS) : mid * (1 - o.depthBps / BPS);
    const depth = levels.filter(([price]) => (intent.side === 'buy' ? price <= limit : price >= limit)).reduce((sum, [, amount]) => sum + amount, 0);
    const needed = intent.amount * o.depthFactor;
    if (depth < needed) {
      return block('depth', `book within ${o.depthBps} bps holds ${depth} ${intent.symbol.split('/')[0]}, less than ${o.depthFactor} x the order's ${intent.amount}`);
    }
    return { ok: true };
  }
}

function block(code: BlockCode, reason: string): Verdict {
  return { ok: false, code, reason };
}
