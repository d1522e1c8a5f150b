/**
 * What every drill runs on: a standalone exchange simulator (a child process, so it outlives
 * the bot's kills and restarts), the bot itself (`node supervisor/main.js`, a child process)
 * in a temporary directory, and readers for what they leave behind: the simulator's own
 * records, the journals, the JSON log, the health log. Nothing here decides pass or fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { binance } from 'ccxt';
import type { ControlCommand, ControlReply } from '../../shared/control-protocol.js';
import type { FaultSpec, SimOrderRecord, SimRequestRecord } from '../../fixtures/exchange-sim/types.js';
import { SIM_DEFAULTS } from '../../fixtures/exchange-sim/index.js';
import { startBot, type BotProcess } from '../../fixtures/testing/bot-process.js';
import { sendControl } from '../../fixtures/testing/control-client.js';
import { journalRows } from '../../fixtures/testing/trading.js';
import { readLogLines, ROOT, tempDir, until } from '../../fixtures/testing/tree.js';
import { createExchangeClient } from '../../workers/market-data/exchange-client.js';
import { CANDLE_MS, scaledConfig } from './scale.js';

export { until };
export type LogRecord = Record<string, unknown> & { level: string; message: string; timestamp: string; worker?: string };
export const SYMBOL = 'BTC/USDT';

/** The standalone simulator: `node fixtures/exchange-sim/main.js --port 0`, driven over its admin endpoint. */
export class SimProcess {
  private constructor(
    private readonly proc: ChildProcess,
    readonly url: string,
  ) {}

  static async start(): Promise<SimProcess> {
    const proc = spawn(process.execPath, [join(ROOT, 'fixtures/exchange-sim/main.js'), '--port', '0', '--candle-interval-ms', String(CANDLE_MS)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const url = await new Promise<string>((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        text += chunk.toString();
        const m = /exchange-sim listening on (http:\/\/\S+)/.exec(text);
        if (m) resolve(m[1] as string);
      };
      proc.stdout.on('data', onData);
      proc.stderr.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`exchange simulator exited (${code}) before listening: ${text}`)));
    });
    return new SimProcess(proc, url);
  }

  async admin<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/__admin${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${path}: HTTP ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  inject(spec: FaultSpec): Promise<{ id: number }> {
    return this.admin('POST', '/faults', spec);
  }

  clearFaults(): Promise<void> {
    return this.admin('DELETE', '/faults', {});
  }

  orders(): Promise<SimOrderRecord[]> {
    return this.admin('GET', '/orders');
  }

  requests(): Promise<SimRequestRecord[]> {
    return this.admin('GET', '/requests');
  }

  /** A client of our own, as an auditor would use: the exchange's view of orders and balances. */
  outsider(): binance {
    return createExchangeClient({ apiUrl: this.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, timeoutMs: 5000 });
  }

  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    const exited = once(this.proc, 'exit');
    this.proc.kill('SIGTERM');
    await exited;
  }
}

/** Accepted orders whose client id has the bot's role tag (`e` entry, `x` exit, `s` stop). */
export function accepted(orders: readonly SimOrderRecord[], role?: 'e' | 'x' | 's'): SimOrderRecord[] {
  return orders.filter((o) => o.outcome === 'accepted' && (role === undefined || o.clientOrderId.startsWith(`tg-${role}-`)));
}

/** One drill's working directory, config, bot processes and readers. */
export class DrillEnv {
  readonly dir = tempDir('tg-drill-');
  readonly dataDir = join(this.dir, 'data');
  readonly logsDir = join(this.dir, 'logs');
  private readonly bots: BotProcess[] = [];
  /** The exit of every bot process started, in order. */
  readonly exits: Array<{ code: number | null; signal: NodeJS.Signals | null }> = [];

  constructor(readonly sim: SimProcess) {}

  /** Writes config.json: the drill scale, the simulator's URL, then `over` (one level of merge per section). */
  writeConfig(over: Record<string, unknown>): void {
    const config: Record<string, unknown> = { ...scaledConfig(), dataDir: this.dataDir, logsDir: this.logsDir };
    config.exchange = { ...(config.exchange as object), apiUrl: this.sim.url };
    for (const [key, value] of Object.entries(over)) {
      const current = config[key];
      config[key] = current && typeof current === 'object' && value && typeof value === 'object' ? deepMerge(current as Record<string, unknown>, value as Record<string, unknown>) : value;
    }
    writeFileSync(join(this.dir, 'config.json'), JSON.stringify(config, null, 2));
  }

  /** Starts `node supervisor/main.js --config config.json`; BINANCE_* keys in our environment must not reach the simulator. */
  startBot(): BotProcess {
    const bot = startBot(['--config', 'config.json'], { cwd: this.dir, env: { BINANCE_API_KEY: '', BINANCE_API_SECRET: '' } });
    this.bots.push(bot);
    void bot.exited.then((e) => this.exits.push(e));
    return bot;
  }

  /** Starts the bot and waits until its start-up reconciliation is done; returns the bot and that log record. */
  async startTrading(after = Date.now()): Promise<{ bot: BotProcess; reconciled: LogRecord }> {
    const bot = this.startBot();
    const reconciled = await this.waitLog('the start-up reconciliation', (l) => /^reconciliation \(start\) done/.test(l.message), after, 30_000, bot);
    return { bot, reconciled };
  }

  /** Every JSON log line of every day file, oldest first. */
  logLines(): LogRecord[] {
    if (!existsSync(this.logsDir)) return [];
    return readdirSync(this.logsDir)
      .filter((f) => /^bot_\d{8}\.json$/.test(f))
      .sort()
      .flatMap((f) => readLogLines(join(this.logsDir, f)) as LogRecord[]);
  }

  /** The first log record at or after `after` (epoch ms) that passes `match`; fails fast if `bot` exits first. */
  waitLog(what: string, match: (l: LogRecord) => boolean, after: number, timeoutMs = 20_000, bot?: BotProcess): Promise<LogRecord> {
    return until(
      what,
      () => {
        const found = this.logLines().find((l) => time(l) >= after && match(l));
        if (found) return found;
        if (bot && (bot.proc.exitCode !== null || bot.proc.signalCode !== null)) throw new Error(`the bot exited while waiting for ${what}:\n${bot.output().slice(-2000)}`);
        return undefined;
      },
      timeoutMs,
      50,
    );
  }

  health(): Record<string, unknown> & { workers: Record<string, { restarts: number; state: string; components: Record<string, Record<string, unknown>> }> } {
    return JSON.parse(readFileSync(join(this.logsDir, 'health_log.json'), 'utf8')) as never;
  }

  journal(file: 'trades.csv' | 'intents.csv' | 'status.csv'): Array<Record<string, string>> {
    return journalRows(this.dataDir, file);
  }

  async control(command: ControlCommand): Promise<ControlReply & { ok: true; result: Record<string, unknown> }> {
    const reply = await sendControl(this.dataDir, command, 'dr-drill');
    if (!reply.ok) throw new Error(`control ${command.command} failed: ${reply.error.code} ${reply.error.message}`);
    return reply as never;
  }

  /** The engine's own view (positions, kill switch, balances), through the control socket. */
  async engineStatus(): Promise<EngineView> {
    const reply = await this.control({ command: 'status' });
    const engine = (reply.result.workers as Record<string, { details?: EngineView; error?: unknown }>).engine;
    if (!engine?.details) throw new Error(`the engine did not answer status: ${JSON.stringify(engine?.error)}`);
    return engine.details;
  }

  /** Sends SIGTERM and waits for the exit. */
  async stop(bot: BotProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    bot.proc.kill('SIGTERM');
    return bot.exited;
  }

  /** Kills whatever is still running and removes the directory (kept with `keep`, for a post-mortem). */
  async close(keep: boolean): Promise<void> {
    for (const bot of this.bots) {
      if (bot.proc.exitCode === null && bot.proc.signalCode === null) {
        bot.proc.kill('SIGKILL');
        await bot.exited;
      }
    }
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface EngineView {
  restored: boolean;
  reconciliations: number;
  positions: Array<Record<string, unknown> & { symbol: string; amount: number; stopClientOrderId: string | null }>;
  killSwitch: { tripped: boolean; reason: string | null };
  balances: { free: Record<string, number>; used: Record<string, number> };
  [more: string]: unknown;
}

/** A log record's time, epoch ms. */
export function time(record: { timestamp: string }): number {
  return Date.parse(record.timestamp);
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && k !== 'params' ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/** strategies/hold-n.ts: enters every `entryEvery` candles when flat, exits after `holdCandles` candles. */
export function holdN(entryEvery: number, holdCandles: number): Record<string, unknown> {
  return { module: join(ROOT, 'recovery/drills/strategies/hold-n.js'), params: { entryEvery, holdCandles } };
}
