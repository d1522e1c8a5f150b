import { describe, expect, it } from 'vitest';
import type { Fill } from '../../shared/domain.js';
import type { MarketRules } from '../../shared/protocol.js';
import { PositionBook } from './positions.js';
import { floorToStep, RiskManager } from './risk-manager.js';
import { roleOf } from './reconciler.js';
import { newClientOrderId } from './client-order-id.js';

const rules: MarketRules = { symbol: 'BTC/USDT', base: 'BTC', quote: 'USDT', amountStep: 0.00001, minAmount: 0.00001, priceTick: 0.01, minNotional: 5 };
const risk = new RiskManager({ positionSizePct: 10, maxOpenPositions: 1, stopLossPct: 1, stopLimitOffsetPct: 0.5 });

describe('RiskManager', () => {
  it('sizes at a percentage of equity, rounded down to the lot step', () => {
    expect(risk.sizeEntry({ equity: 10_000, freeQuote: 10_000, price: 30_000, openPositions: 0, rules })).toEqual({ ok: true, amount: 0.03333, notional: 0.03333 * 30_000 });
    expect(floorToStep(0.123456789, 0.001)).toBe(0.123);
  });

  it('refuses with the reason: too many positions, below the minimum notional, no rules', () => {
    expect(risk.sizeEntry({ equity: 10_000, freeQuote: 10_000, price: 30_000, openPositions: 1, rules })).toMatchObject({ ok: false, reason: expect.stringMatching(/risk.maxOpenPositions is 1/) });
    expect(risk.sizeEntry({ equity: 40, freeQuote: 40, price: 30_000, openPositions: 0, rules })).toMatchObject({ ok: false, reason: expect.stringMatching(/below the exchange minimum 5/) });
    expect(risk.sizeEntry({ equity: 10_000, freeQuote: 10_000, price: 30_000, openPositions: 0, rules: undefined })).toMatchObject({ ok: false });
  });

  it('never sizes above the free balance', () => {
    const d = risk.sizeEntry({ equity: 10_000, freeQuote: 500, price: 100, openPositions: 0, rules });
    expect(d.ok && d.notional).toBeLessThanOrEqual(500);
  });

  it('prices the stop below the entry with the limit below the trigger', () => {
    expect(risk.stopFor(30_000, rules)).toEqual({ stopPrice: 29_700, limitPrice: 29_551.5 });
  });
});

describe('PositionBook', () => {
  const fill = (side: 'buy' | 'sell', amount: number, price: number, fee: number, feeCurrency: string): Fill => ({
    clientOrderId: 'c', exchangeOrderId: '1', symbol: 'BTC/USDT', side, type: 'market', role: side === 'buy' ? 'entry' : 'exit', amount, price, fee, feeCurrency, reason: 't', timestamp: 1,
  });

  it('opens on a buy net of a base-asset fee and realises the pnl on the sell', () => {
    const book = new PositionBook();
    book.apply(fill('buy', 1, 100, 0.001, 'BTC'), 'BTC');
    expect(book.get('BTC/USDT')?.amount).toBeCloseTo(0.999);
    const realised = book.apply(fill('sell', 0.999, 110, 0.1, 'USDT'), 'BTC');
    expect(realised?.pnl).toBeCloseTo(0.999 * (110 - 100 / 0.999) - 0.1);
    expect(book.get('BTC/USDT')).toBeNull();
  });
});

describe('client order ids', () => {
  it('are unique, within Binance limits, and carry their role', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newClientOrderId('stop')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[.A-Z:/a-z0-9_-]{1,36}$/);
    expect(roleOf(newClientOrderId('entry'), 'sell')).toBe('entry');
    expect(roleOf('web_123', 'sell')).toBe('exit');
  });
});
