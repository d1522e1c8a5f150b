/**
 * The one configuration schema: every key, its default and its rule. Defaults follow
 * the runbook (a 120 s kill threshold, a 60 s breaker cooldown); tests shorten them
 * through configuration, never by editing code. Durations are milliseconds in keys
 * ending in `Ms`.
 */

export interface Config {
  /** Where the journal, database, status file and control socket live. @default 'dashboard/data/scalping' */
  dataDir: string;
  /** Where `bot_YYYYMMDD.json` and `health_log.json` are written. @default 'logs' */
  logsDir: string;
  /** Lowest level written to the logs. @default 'info' */
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'critical';
  /** Unified symbols traded. @default ['BTC/USDT'] */
  symbols: string[];
  /** Trade on the real exchange named by `exchange`; set by `--live` only. @default false */
  live: boolean;
  supervisor: {
    heartbeat: {
      /** How often the root samples the heartbeat table. @default 1000 */
      sampleIntervalMs: number;
      /** Lag past this logs a warning naming the worker. @default 60000 */
      warnAfterMs: number;
      /** Lag past this terminates and respawns the worker. @default 120000 */
      killAfterMs: number;
    };
    restart: {
      /** More restarts of one child than this within `periodMs` escalates. @default 5 */
      maxRestarts: number;
      /** The intensity window. @default 600000 */
      periodMs: number;
      /** First respawn delay; doubles per consecutive failure. @default 1000 */
      backoffInitialMs: number;
      /** Ceiling of the respawn delay. @default 30000 */
      backoffMaxMs: number;
      /** A child that stays up this long has its backoff reset. @default 60000 */
      stableAfterMs: number;
    };
    /** A worker that has not said READY by then has failed to start. @default 30000 */
    readyTimeoutMs: number;
    /** A terminated worker that has not exited by then is wedged in native code: escalate. @default 5000 */
    terminateTimeoutMs: number;
    /** Graceful shutdown budget; what is left is terminated. @default 20000 */
    shutdownTimeoutMs: number;
    healthLog: {
      /** How often `health_log.json` is rewritten. @default 5000 */
      intervalMs: number;
      /** How many recent incidents it keeps. @default 50 */
      maxIncidents: number;
    };
  };
  worker: {
    /** How long an idle worker loop waits for work before it comes around (and beats). @default 1000 */
    loopIdleMs: number;
  };
  exchange: {
    /** The ccxt exchange class. @default 'binance' */
    id: 'binance';
    /** Base URL of a Binance-compatible endpoint; null runs the embedded simulator (unless live). @default null */
    apiUrl: string | null;
    /** Use Binance's testnet. @default false */
    sandbox: boolean;
    /** ccxt request timeout. @default 10000 */
    timeoutMs: number;
    /** How often tickers, candles and the book are polled per symbol. @default 1000 */
    pollIntervalMs: number;
    /** A file with `{"apiKey": ..., "secret": ...}`; the environment's BINANCE_API_KEY/SECRET win. @default null */
    keysFile: string | null;
    /** How long after its timestamp a signed request may still be accepted; an order not found after it (plus 1 s of clock allowance) was never placed. @default 5000 */
    recvWindowMs: number;
    breaker: {
      /** Consecutive counted failures (timeouts, resets, 5xx, 429/418, malformed answers) that open the breaker. @default 5 */
      failureThreshold: number;
      /** How long an open breaker fails every call fast before it lets one probe through. @default 60000 */
      cooldownMs: number;
    };
    backoff: {
      /** First polling retry delay ceiling; doubles per consecutive failure, full jitter below it. @default 1000 */
      baseMs: number;
      /** Ceiling of the polling retry delay (a longer Retry-After still wins). @default 30000 */
      maxMs: number;
    };
  };
  /** LiquidityGuardian: when new entries are refused (exits and stops are never refused by it). */
  guardian: {
    /** Entries are refused while the symbol's last good quote is older than this (wall clock), or its price has not changed for this long. @default 5000 */
    staleAfterMs: number;
    /** Entries are refused while the spread is wider than this, in basis points of the mid price. @default 10 */
    maxSpreadBps: number;
    /** How far from the mid price, in basis points, the book counts as depth for an order. @default 10 */
    depthBps: number;
    /** Entries are refused while the depth on the order's side holds less than this many times its size. @default 3 */
    depthFactor: number;
  };
  simulator: {
    /** The generated market the embedded simulator replays. @default 'calm' */
    scenario: 'calm' | 'trending' | 'flash-crash' | 'gap';
    /** A CSV of real one-minute candles to replay instead of a generated scenario. @default null */
    candlesFile: string | null;
    /** Seed of the generated scenario. @default 1 */
    seed: number;
    /** One candle every this many ms. @default 1000 */
    candleIntervalMs: number;
    /** Loopback port; 0 picks a free one. @default 0 */
    port: number;
  };
  strategy: {
    /** Path of the strategy ES module, relative to the working directory (else the install root). @default 'fixtures/strategies/scalper.js' */
    module: string;
    /** Handed to the strategy as `context.params`. @default {} */
    params: Record<string, unknown>;
    /** This many throwing candles in a row pause entries with a CRITICAL alert. @default 5 */
    maxConsecutiveErrors: number;
  };
  risk: {
    /** Each entry's size, as a percentage of equity. @default 10 */
    positionSizePct: number;
    /** No entry while this many positions are open. @default 1 */
    maxOpenPositions: number;
    /** The exchange-side STOP_LOSS_LIMIT sits this far below the entry fill. @default 1 */
    stopLossPct: number;
    /** The stop's limit price sits this far below its trigger, so a fast fall still fills. @default 0.5 */
    stopLimitOffsetPct: number;
    /** The day's realised plus unrealised loss past this percentage of the 00:00 UTC equity trips the kill switch. @default 3 */
    dailyLossLimitPct: number;
    killSwitch: {
      /** Equity this far below its peak within `windowMs` trips the kill switch. @default 5 */
      maxDrawdownPct: number;
      /** The drawdown window. @default 60000 */
      windowMs: number;
    };
  };
  reconcile: {
    /** Reconcile with the exchange this often (also on start, respawn, and when the breaker closes). @default 60000 */
    intervalMs: number;
    /** Open orders the bot does not know: `cancel` them, or `adopt` (leave them). @default 'cancel' */
    unknownOrders: 'cancel' | 'adopt';
  };
  persistence: {
    /** Checkpoint trades.db this often (also after a burst of writes and at shutdown). @default 60000 */
    checkpointIntervalMs: number;
    /** Copy a verified checkpoint to trades_backup.db this often. @default 3600000 */
    backupIntervalMs: number;
    /** Verify trades.db on disk (integrity_check, in the pool) this often. @default 300000 */
    verifyIntervalMs: number;
    /** The engine writes a status.csv row this often (and after every fill and every kill-switch or breaker change). @default 60000 */
    statusIntervalMs: number;
    /** Checkpoint after this many fills since the last checkpoint (a burst). @default 100 */
    checkpointAfterFills: number;
  };
}

export const DEFAULTS: Config = {
  dataDir: 'dashboard/data/scalping',
  logsDir: 'logs',
  logLevel: 'info',
  symbols: ['BTC/USDT'],
  live: false,
  supervisor: {
    heartbeat: { sampleIntervalMs: 1000, warnAfterMs: 60_000, killAfterMs: 120_000 },
    restart: { maxRestarts: 5, periodMs: 600_000, backoffInitialMs: 1000, backoffMaxMs: 30_000, stableAfterMs: 60_000 },
    readyTimeoutMs: 30_000,
    terminateTimeoutMs: 5000,
    shutdownTimeoutMs: 20_000,
    healthLog: { intervalMs: 5000, maxIncidents: 50 },
  },
  worker: { loopIdleMs: 1000 },
  exchange: {
    id: 'binance',
    apiUrl: null,
    sandbox: false,
    timeoutMs: 10_000,
    pollIntervalMs: 1000,
    keysFile: null,
    recvWindowMs: 5000,
    breaker: { failureThreshold: 5, cooldownMs: 60_000 },
    backoff: { baseMs: 1000, maxMs: 30_000 },
  },
  guardian: { staleAfterMs: 5000, maxSpreadBps: 10, depthBps: 10, depthFactor: 3 },
  simulator: { scenario: 'calm', candlesFile: null, seed: 1, candleIntervalMs: 1000, port: 0 },
  strategy: { module: 'fixtures/strategies/scalper.js', params: {}, maxConsecutiveErrors: 5 },
  risk: {
    positionSizePct: 10,
    maxOpenPositions: 1,
    stopLossPct: 1,
    stopLimitOffsetPct: 0.5,
    dailyLossLimitPct: 3,
    killSwitch: { maxDrawdownPct: 5, windowMs: 60_000 },
  },
  reconcile: { intervalMs: 60_000, unknownOrders: 'cancel' },
  persistence: { checkpointIntervalMs: 60_000, backupIntervalMs: 3_600_000, verifyIntervalMs: 300_000, statusIntervalMs: 60_000, checkpointAfterFills: 100 },
};

/** A rule checks one value and returns why it is bad, or null. */
export type Rule = (value: unknown) => string | null;

const positiveMs: Rule = (v) => (Number.isInteger(v) && (v as number) > 0 ? null : 'must be a whole number of milliseconds above 0');
const count = (min: number): Rule => (v) => (Number.isInteger(v) && (v as number) >= min ? null : `must be a whole number >= ${min}`);
const positiveNumber: Rule = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a number above 0');
const text: Rule = (v) => (typeof v === 'string' && v.length > 0 ? null : 'must be a non-empty string');
const flag: Rule = (v) => (typeof v === 'boolean' ? null : 'must be true or false');
const oneOf = (...allowed: string[]): Rule => (v) => (allowed.includes(v as string) ? null : `must be one of ${allowed.join(', ')}`);
const orNull = (rule: Rule): Rule => (v) => (v === null ? null : rule(v));
const url: Rule = (v) => {
  if (typeof v !== 'string') return 'must be a URL string';
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be a URL';
  }
};
const symbolList: Rule = (v) =>
  Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && /^[A-Z0-9]+\/[A-Z0-9]+$/.test(s))
    ? null
    : 'must be a non-empty list of symbols like "BTC/USDT"';
const percent: Rule = (v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100 ? null : 'must be a percentage above 0 and at most 100');
const plainObject: Rule = (v) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? null : 'must be an object');

/**
 * Every leaf key and its rule. A key whose rule is `plainObject` is free-form below
 * (a strategy's own params); every other key not listed here is unknown.
 */
export const RULES: Readonly<Record<string, Rule>> = {
  dataDir: text,
  logsDir: text,
  logLevel: oneOf('debug', 'info', 'warn', 'error', 'critical'),
  symbols: symbolList,
  live: flag,
  'supervisor.heartbeat.sampleIntervalMs': positiveMs,
  'supervisor.heartbeat.warnAfterMs': positiveMs,
  'supervisor.heartbeat.killAfterMs': positiveMs,
  'supervisor.restart.maxRestarts': count(0),
  'supervisor.restart.periodMs': positiveMs,
  'supervisor.restart.backoffInitialMs': positiveMs,
  'supervisor.restart.backoffMaxMs': positiveMs,
  'supervisor.restart.stableAfterMs': positiveMs,
  'supervisor.readyTimeoutMs': positiveMs,
  'supervisor.terminateTimeoutMs': positiveMs,
  'supervisor.shutdownTimeoutMs': positiveMs,
  'supervisor.healthLog.intervalMs': positiveMs,
  'supervisor.healthLog.maxIncidents': count(1),
  'worker.loopIdleMs': positiveMs,
  'exchange.id': oneOf('binance'),
  'exchange.apiUrl': orNull(url),
  'exchange.sandbox': flag,
  'exchange.timeoutMs': positiveMs,
  'exchange.pollIntervalMs': positiveMs,
  'exchange.keysFile': orNull(text),
  'exchange.recvWindowMs': (v) => (Number.isInteger(v) && (v as number) > 0 && (v as number) <= 60_000 ? null : 'must be a whole number of milliseconds from 1 to 60000 (Binance\'s limit)'),
  'exchange.breaker.failureThreshold': count(1),
  'exchange.breaker.cooldownMs': positiveMs,
  'exchange.backoff.baseMs': positiveMs,
  'exchange.backoff.maxMs': positiveMs,
  'guardian.staleAfterMs': positiveMs,
  'guardian.maxSpreadBps': positiveNumber,
  'guardian.depthBps': positiveNumber,
  'guardian.depthFactor': positiveNumber,
  'simulator.scenario': oneOf('calm', 'trending', 'flash-crash', 'gap'),
  'simulator.candlesFile': orNull(text),
  'simulator.seed': count(0),
  'simulator.candleIntervalMs': count(0),
  'simulator.port': (v) => (Number.isInteger(v) && (v as number) >= 0 && (v as number) < 65536 ? null : 'must be a port number 0-65535'),
  'strategy.module': text,
  'strategy.params': plainObject,
  'strategy.maxConsecutiveErrors': count(1),
  'risk.positionSizePct': percent,
  'risk.maxOpenPositions': count(1),
  'risk.stopLossPct': percent,
  'risk.stopLimitOffsetPct': percent,
  'risk.dailyLossLimitPct': percent,
  'risk.killSwitch.maxDrawdownPct': percent,
  'risk.killSwitch.windowMs': positiveMs,
  'reconcile.intervalMs': positiveMs,
  'reconcile.unknownOrders': oneOf('cancel', 'adopt'),
  'persistence.checkpointIntervalMs': positiveMs,
  'persistence.backupIntervalMs': positiveMs,
  'persistence.verifyIntervalMs': positiveMs,
  'persistence.statusIntervalMs': positiveMs,
  'persistence.checkpointAfterFills': count(1),
};

/** Checks that relate two keys; each returns [key, value, reason] when violated. */
export function crossChecks(c: Config): Array<[string, unknown, string]> {
  const problems: Array<[string, unknown, string]> = [];
  const hb = c.supervisor.heartbeat;
  if (hb.killAfterMs <= hb.warnAfterMs) {
    problems.push(['supervisor.heartbeat.killAfterMs', hb.killAfterMs, `must be greater than supervisor.heartbeat.warnAfterMs (${hb.warnAfterMs})`]);
  }
  const r = c.supervisor.restart;
  if (r.backoffMaxMs < r.backoffInitialMs) {
    problems.push(['supervisor.restart.backoffMaxMs', r.backoffMaxMs, `must be at least supervisor.restart.backoffInitialMs (${r.backoffInitialMs})`]);
  }
  const b = c.exchange.backoff;
  if (b.maxMs < b.baseMs) {
    problems.push(['exchange.backoff.maxMs', b.maxMs, `must be at least exchange.backoff.baseMs (${b.baseMs})`]);
  }
  return problems;
}
