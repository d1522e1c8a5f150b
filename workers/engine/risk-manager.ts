import type { MarketRules } from '../../shared/protocol.js';

export interface RiskOptions {
  positionSizePct: number;
  maxOpenPositions: number;
  stopLossPct: number;
  /** How far below the stop trigger the stop's limit price sits, so a fast fall still fills. */
  stopLimitOffsetPct: number;
}

export type SizingDecision = { ok: true; amount: number; notional: number } | { ok: false; reason: string };

/** Rounds down to the exchange's step (never up: an order above the balance is refused). */
export function floorToStep(value: number, step: number): number {
  if (!(step > 0)) return value;
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  return Number((Math.floor(value / step + 1e-9) * step).toFixed(decimals));
}

/**
 * RiskManager: sizes each entry at `positionSizePct` of equity, within
 * `maxOpenPositions`, the free quote balance, and the market's lot size and minimum
 * notional; refuses what does not fit, saying why. It also prices the protective stop
 * every filled entry gets on the exchange.
 */
export class RiskManager {
  constructor(private readonly options: RiskOptions) {}

  sizeEntry(input: { equity: number; freeQuote: number; price: number; openPositions: number; rules: MarketRules | undefined }): SizingDecision {
    const { equity, freeQuote, price, openPositions, rules } = input;
    if (openPositions >= this.options.maxOpenPositions) {
      return { ok: false, reason: `${openPositions} open positions, risk.maxOpenPositions is ${this.options.maxOpenPositions}` };
    }
    if (!rules) return { ok: false, reason: 'no market rules (lot size, minimum notional) from the exchange yet' };
    if (!(price > 0) || !(equity > 0)) return { ok: false, reason: `no usable price (${price}) or equity (${equity})` };
    // Keep 0.5% of the free balance for the fee and rounding.
    const budget = Math.min((equity * this.options.positionSizePct) / 100, freeQuote * 0.995);
    const amount = floorToStep(budget / price, rules.amountStep);
    const notional = amount * price;
    if (amount < rules.minAmount) return { ok: false, reason: `size ${amount} ${rules.base} is below the lot minimum ${rules.minAmount}` };
    if (notional < rules.minNotional) {
      return { ok: false, reason: `notional ${notional.toFixed(2)} ${rules.quote} is below the exchange minimum ${rules.minNotional} (free ${freeQuote.toFixed(2)})` };
    }
    return { ok: true, amount, notional };
  }

  /** Trigger and limit prices of the STOP_LOSS_LIMIT for a position entered at `entryPrice`. */
  stopFor(entryPrice: number, rules: MarketRules): { stopPrice: number; limitPrice: number } {
    const stopPrice = floorToStep(entryPrice * (1 - this.options.stopLossPct / 100), rules.priceTick);
    const limitPrice = floorToStep(stopPrice * (1 - this.options.stopLimitOffsetPct / 100), rules.priceTick);
    return { stopPrice, limitPrice };
  }

  /** The amount of a position that can be sold: rounded down to the lot step. */
  sellable(amount: number, rules: MarketRules | undefined): number {
    return rules ? floorToStep(amount, rules.amountStep) : amount;
  }
}
