import { readFileSync } from 'node:fs';
import type { Config } from '../shared/config-schema.js';
import { ConfigError } from '../shared/errors.js';
import type { Log } from '../shared/log.js';
import type { ExchangeEndpoint } from '../shared/worker-data.js';
import { SIM_DEFAULTS, startSimulator } from '../fixtures/exchange-sim/index.js';

export interface ResolvedEndpoint {
  endpoint: ExchangeEndpoint;
  /** Stops the embedded simulator, when there is one. */
  close(): Promise<void>;
}

/**
 * Decides which exchange the bot talks to. No `--live` and no `exchange.apiUrl`: an
 * embedded simulator on 127.0.0.1 (paper trading, no keys, no network). `exchange.apiUrl`:
 * that Binance-compatible endpoint. `--live`: Binance itself, and only with keys from the
 * environment or `exchange.keysFile`; never a real Binance host without `--live`.
 */
export async function resolveEndpoint(config: Config, env: NodeJS.ProcessEnv, log: Log): Promise<ResolvedEndpoint> {
  const keys = readKeys(config, env);
  if (config.live) {
    if (!keys) throw new ConfigError('live', true, 'needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment, or exchange.keysFile');
    return { endpoint: { apiUrl: config.exchange.apiUrl, ...keys, description: config.exchange.sandbox ? 'binance testnet (live)' : 'binance (live)' }, close: async () => undefined };
  }
  if (config.exchange.apiUrl !== null) {
    if (/(^|\.)binance\.(com|us)$/i.test(new URL(config.exchange.apiUrl).hostname)) {
      throw new ConfigError('exchange.apiUrl', config.exchange.apiUrl, 'points at Binance itself; real trading needs --live');
    }
    const creds = keys ?? { apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret };
    return { endpoint: { apiUrl: config.exchange.apiUrl, ...creds, description: `configured endpoint ${config.exchange.apiUrl}` }, close: async () => undefined };
  }
  const sim = config.simulator;
  const simulator = await startSimulator({
    port: sim.port,
    scenario: sim.candlesFile ? { candlesFile: sim.candlesFile } : sim.scenario,
    seed: sim.seed,
    candleIntervalMs: sim.candleIntervalMs,
    symbols: config.symbols,
  });
  log.info(`embedded exchange simulator on ${simulator.url} (paper trading: scenario ${sim.candlesFile ?? sim.scenario}, a candle every ${sim.candleIntervalMs} ms)`, { simulatorUrl: simulator.url });
  return {
    endpoint: { apiUrl: simulator.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, description: `embedded simulator ${simulator.url}` },
    close: () => simulator.close(),
  };
}

function readKeys(config: Config, env: NodeJS.ProcessEnv): { apiKey: string; secret: string } | null {
  if (env.BINANCE_API_KEY && env.BINANCE_API_SECRET) return { apiKey: env.BINANCE_API_KEY, secret: env.BINANCE_API_SECRET };
  if (!config.exchange.keysFile) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(config.exchange.keysFile, 'utf8'));
  } catch (err) {
    // The message names the file, never its content.
    throw new ConfigError('exchange.keysFile', config.exchange.keysFile, `cannot be read as JSON: ${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'}`);
  }
  const { apiKey, secret } = (parsed ?? {}) as { apiKey?: unknown; secret?: unknown };
  if (typeof apiKey !== 'string' || typeof secret !== 'string' || !apiKey || !secret) {
    throw new ConfigError('exchange.keysFile', config.exchange.keysFile, 'must hold {"apiKey": "...", "secret": "..."}');
  }
  return { apiKey, secret };
}
