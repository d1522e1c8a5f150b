import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../fixtures/exchange-sim/index.js';
import { createExchangeClient } from './exchange-client.js';

describe('createExchangeClient', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ candleIntervalMs: 0 });
  });
  afterAll(async () => {
    await sim.close();
  });

  it('points every Binance URL at apiUrl, keeping the paths', () => {
    const ex = createExchangeClient({ apiUrl: `${sim.url}/`, timeoutMs: 1000 });
    const api = ex.urls['api'] as Record<string, string>;
    expect(api['public']).toBe(`${sim.url}/api/v3`);
    expect(api['private']).toBe(`${sim.url}/api/v3`);
    expect(api['v1']).toBe(`${sim.url}/api/v1`);
    expect(api['sapi']).toBe(`${sim.url}/sapi/v1`);
    expect(Object.values(api).filter((u) => !u.startsWith(sim.url))).toEqual([]);
  });

  it('is spot only, unthrottled, with the given timeout', () => {
    const ex = createExchangeClient({ timeoutMs: 750 });
    expect(ex.timeout).toBe(750);
    expect(ex.enableRateLimit).toBe(false);
    expect(ex.options['defaultType']).toBe('spot');
    expect(ex.options['fetchMarkets']).toMatchObject({ types: ['spot'] });
    expect(ex.options['fetchCurrencies']).toBe(false);
    expect((ex.urls['api'] as Record<string, string>)['public']).toBe('https://api.binance.com/api/v3');
  });

  it('uses the testnet URLs in sandbox mode', () => {
    const ex = createExchangeClient({ timeoutMs: 1000, sandbox: true });
    expect((ex.urls['api'] as Record<string, string>)['public']).not.toContain('://api.binance.com');
  });

  it('fetches the open orders of every symbol in one call', async () => {
    const ex = createExchangeClient({ apiUrl: sim.url, apiKey: 'sim-key', secret: 'sim-secret', timeoutMs: 1000 });
    const price = Math.round(sim.price('BTC/USDT') * 0.9);
    await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price, { clientOrderId: 'all-open' });
    expect((await ex.fetchOpenOrders()).map((o) => o.clientOrderId)).toEqual(['all-open']);
  });

  it('loadMarkets with keys asks for the spot exchangeInfo and nothing else', async () => {
    const ex = createExchangeClient({ apiUrl: sim.url, apiKey: 'sim-key', secret: 'sim-secret', timeoutMs: 1000 });
    const before = sim.requests().length;
    await ex.loadMarkets();
    expect(sim.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v3/exchangeInfo']);
  });
});
