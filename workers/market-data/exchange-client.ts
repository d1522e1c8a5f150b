/**
 * The one place a ccxt `binance` client is built. Spot only: loading markets asks for the spot
 * exchangeInfo and nothing else (no futures exchangeInfo, no sapi margin pairs, no currency
 * list), because the bot trades spot and every extra call is one more thing that can fail.
 */
import { binance } from 'ccxt';

export interface ExchangeClientOptions {
  /** Base URL of a Binance-compatible server, e.g. the simulator's `http://127.0.0.1:9000`. Absent = Binance. */
  apiUrl?: string;
  apiKey?: string;
  secret?: string;
  /** Per-request timeout; ccxt rejects with RequestTimeout after it. */
  timeoutMs: number;
  /** Binance's testnet (ignored when `apiUrl` is given). */
  sandbox?: boolean;
  /** recvWindow of signed requests; the order desk waits it out before it trusts "order not found". @default 5000 */
  recvWindowMs?: number;
}

/**
 * Points every URL ccxt knows for Binance at `apiUrl`, keeping each path (`/api/v3`, `/sapi/v1`,
 * ...). Rewriting all of them, not only the spot ones we call, means a code path we did not
 * expect can reach the simulator's 404 but never the real exchange.
 */
function rebase(urls: Record<string, unknown>, apiUrl: string): Record<string, unknown> {
  const base = apiUrl.replace(/\/+$/, '');
  return Object.fromEntries(
    Object.entries(urls).map(([name, url]) => [name, typeof url === 'string' ? base + new URL(url).pathname : url]),
  );
}

export function createExchangeClient(opts: ExchangeClientOptions): binance {
  const exchange = new binance({
    apiKey: opts.apiKey,
    secret: opts.secret,
    timeout: opts.timeoutMs,
    // Pacing belongs to the market-data worker (breaker and backoff), not to a hidden queue in ccxt.
    enableRateLimit: false,
    options: {
      defaultType: 'spot',
      fetchMarkets: { types: ['spot'] },
      fetchMargins: false,
      fetchCurrencies: false,
      // Clock drift shows up as InvalidNonce (-1021) where the operator can see it, not as a hidden extra call.
      adjustForTimeDifference: false,
      // Reconciliation asks for every open order at once; ccxt would otherwise refuse with an
      // ExchangeError that looks like an exchange rejection but never left the process.
      fetchOpenOrders: { warnWithoutSymbol: false },
      // ccxt's default is 10 s; Binance's own is 5 s. The order desk must know the value it waits out.
      recvWindow: opts.recvWindowMs ?? 5000,
    },
  });
  if (opts.sandbox && !opts.apiUrl) exchange.setSandboxMode(true);
  if (opts.apiUrl) {
    const urls = exchange.urls as { api: Record<string, unknown> };
    urls.api = rebase(urls.api, opts.apiUrl);
  }
  return exchange;
}
