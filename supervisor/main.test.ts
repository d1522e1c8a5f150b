import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../shared/exit-codes.js';
import { startSimulator } from '../fixtures/exchange-sim/index.js';
import { startBot, writeScaledConfig, type BotProcess } from '../fixtures/testing/bot-process.js';
import { canNotify, startNotifyReceiver } from '../fixtures/testing/notify-receiver.js';
import { ROOT, readLogLines, tempDir, until } from '../fixtures/testing/tree.js';
import { dayStamp } from './daily-file-transport.js';

const running: BotProcess[] = [];
afterEach(() => {
  for (const bot of running.splice(0)) if (bot.proc.exitCode === null && bot.proc.signalCode === null) bot.proc.kill('SIGKILL');
});

/** A working directory with a config that scales the thresholds down, as the tests of the tree do. */
function workdir(over: Record<string, unknown> = {}): { cwd: string; trigger: string } {
  const cwd = tempDir('tg-main-');
  const trigger = join(cwd, 'hang-trigger');
  writeScaledConfig(cwd, 'hang.js', { triggerFile: trigger }, over);
  return { cwd, trigger };
}

function bot(args: string[], cwd: string, env?: NodeJS.ProcessEnv): BotProcess {
  const b = startBot(args, env ? { cwd, env } : { cwd });
  running.push(b);
  return b;
}

const logFile = (cwd: string): string => join(cwd, 'logs', `bot_${dayStamp(Date.now())}.json`);

describe('node supervisor/main.js', () => {
  it('starts out of the box with no arguments: embedded simulator, default strategy', async () => {
    const cwd = tempDir('tg-default-');
    const b = bot([], cwd);
    await b.waitForLine(/embedded exchange simulator on http:\/\/127\.0\.0\.1:\d+/);
    await b.waitForLine(/loaded strategy "ema-cross-scalper"/);
    await b.waitForLine(/all workers ready/);
    await b.waitForLine(/reconciliation \(start\) done/);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(existsSync(join(cwd, 'dashboard/data/scalping/trades.csv'))).toBe(true);
    expect(existsSync(join(cwd, 'logs/health_log.json'))).toBe(true);
  });

  it('paper-trades with no arguments: orders reach the embedded simulator and fills come back', async () => {
    const cwd = tempDir('tg-paper-');
    // No flags: the environment picks a strategy that trades at once and a fast market.
    const b = bot([], cwd, {
      TRADER_GEMINI__strategy__module: JSON.stringify(join(ROOT, 'fixtures/strategies/every-n.js')),
      TRADER_GEMINI__strategy__params: '{"entryEvery": 3, "holdCandles": 3}',
      TRADER_GEMINI__simulator__candleIntervalMs: '100',
      TRADER_GEMINI__exchange__pollIntervalMs: '100',
    });
    const url = /embedded exchange simulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(await b.waitForLine(/embedded exchange simulator on/))?.[1] as string;
    const journal = join(cwd, 'dashboard/data/scalping/trades.csv');
    await until('an entry and an exit in the journal', () => {
      const text = existsSync(journal) ? readFileSync(journal, 'utf8') : '';
      return /,entry,/.test(text) && /,exit,/.test(text);
    });
    const orders = (await (await fetch(`${url}/__admin/orders`)).json()) as Array<{ clientOrderId: string; outcome: string }>;
    const accepted = orders.filter((o) => o.outcome === 'accepted').map((o) => o.clientOrderId);
    expect(accepted.some((id) => id.startsWith('tg-e-'))).toBe(true);
    expect(accepted.some((id) => id.startsWith('tg-x-'))).toBe(true);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
  });

  it('stops in order on SIGTERM with exit 0 and every log line flushed', async () => {
    const { cwd } = workdir();
    const b = bot(['--config', 'config.json'], cwd);
    await b.waitForLine(/all workers ready/);
    b.proc.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    const lines = readLogLines(logFile(cwd));
    const stops = lines.filter((l) => /-> stopped/.test(String(l.message))).map((l) => l.child);
    expect(stops).toEqual(['engine', 'market-data', 'persistence']);
    expect(lines.at(-1)?.message).toBe('stopped (exit code 0)');
    // Default paths follow the runbook, relative to the working directory.
    expect(existsSync(join(cwd, 'dashboard/data/scalping/trades.csv'))).toBe(true);
  });

  it('writes the health log on SIGUSR1, keeps running, and opens no inspector port', async () => {
    const { cwd } = workdir();
    const b = bot(['--config', 'config.json'], cwd);
    await b.waitForLine(/all workers ready/);
    const before = Date.now();
    b.proc.kill('SIGUSR1');
    const line = await b.waitForLine(/SIGUSR1: health: running; persistence=running/);
    expect(line).toMatch(/engine=running lag=\d+ms restarts=0/);
    const health = JSON.parse(readFileSync(join(cwd, 'logs/health_log.json'), 'utf8')) as Record<string, unknown>;
    expect(Date.parse(health.generatedAt as string)).toBeGreaterThanOrEqual(before - 1000);
    expect(health).toMatchObject({ pid: b.proc.pid, status: 'running' });
    expect(health.uptimeMs).toBeGreaterThan(0);
    const workers = health.workers as Record<string, Record<string, unknown>>;
    for (const name of ['persistence', 'market-data', 'engine']) {
      expect(workers[name]).toMatchObject({ state: 'running', restarts: 0, lastRestartReason: null });
      expect(workers[name]?.lagMs).toEqual(expect.any(Number));
      expect(workers[name]?.lastHeartbeatAt).toEqual(expect.any(String));
    }
    expect(health.incidents).toEqual([]);
    // Node's default SIGUSR1 action would have opened the inspector.
    expect(b.output()).not.toMatch(/Debugger listening/);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(9229, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(false)));
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(b.proc.exitCode).toBeNull();
    b.proc.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
  });

  it('terminates what is left at supervisor.shutdownTimeoutMs and still exits 0', async () => {
    const { cwd, trigger } = workdir({
      supervisor: { heartbeat: { sampleIntervalMs: 100, warnAfterMs: 500, killAfterMs: 600_000 }, shutdownTimeoutMs: 1000, terminateTimeoutMs: 1000 },
    });
    const b = bot(['--config', 'config.json'], cwd);
    await b.waitForLine(/all workers ready/);
    writeFileSync(trigger, 'never-settle');
    await until('the engine to hang', () => existsSync(`${trigger}.hanging`));
    b.proc.kill('SIGTERM');
    expect(await b.exited).toEqual({ code: 0, signal: null });
    expect(b.output()).toMatch(/engine did not stop within supervisor.shutdownTimeoutMs; terminating it/);
  });

  it('exits at once on a second SIGINT', async () => {
    const { cwd, trigger } = workdir({
      supervisor: { heartbeat: { sampleIntervalMs: 100, warnAfterMs: 500, killAfterMs: 600_000 }, shutdownTimeoutMs: 600_000 },
    });
    const b = bot(['--config', 'config.json'], cwd);
    await b.waitForLine(/all workers ready/);
    writeFileSync(trigger, 'never-settle');
    await until('the engine to hang', () => existsSync(`${trigger}.hanging`));
    b.proc.kill('SIGINT');
    await b.waitForLine(/SIGINT received: graceful shutdown/);
    b.proc.kill('SIGINT');
    expect(await b.exited).toEqual({ code: ExitCode.INTERRUPTED, signal: null });
  });

  it('escalates with a CRITICAL alert when a terminated worker is wedged in a system call', async () => {
    const { cwd, trigger } = workdir();
    const b = bot(['--config', 'config.json'], cwd);
    await b.waitForLine(/all workers ready/);
    writeFileSync(trigger, 'native');
    const result = await b.exited;
    // process.exit() cannot finish while the thread is blocked, so the root kills itself.
    expect(result.signal).toBe('SIGKILL');
    const lines = readLogLines(logFile(cwd));
    const critical = lines.filter((l) => l.level === 'critical' && l.alert === 'CRITICAL').map((l) => String(l.message));
    expect(critical.some((m) => /^engine did not exit within 1000 ms of terminate\(\)/.test(m))).toBe(true);
    expect(critical.some((m) => /wedged in native code/.test(m))).toBe(true);
    // The healthy workers were still stopped in order, so their files are flushed.
    const stops = lines.filter((l) => /-> stopped/.test(String(l.message))).map((l) => l.child);
    expect(stops).toEqual(['market-data', 'persistence']);
  });
});

describe.skipIf(!canNotify)('systemd notify protocol', () => {
  it('sends READY=1 once every worker is ready, WATCHDOG=1 from the monitor, STOPPING=1 at shutdown', async () => {
    const receiver = await startNotifyReceiver();
    try {
      const { cwd } = workdir();
      // A 2 s watchdog: keep-alives every 500 ms while the monitor runs.
      const b = bot(['--config', 'config.json'], cwd, { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '2000000' });
      await b.waitForLine(/all workers ready/);
      expect(await receiver.waitFor(/^READY=1/)).toBe('READY=1\nSTATUS=all workers ready');
      await receiver.waitFor(/^WATCHDOG=1$/);
      const keepAlives = (): number => receiver.messages.filter((m) => m === 'WATCHDOG=1').length;
      const before = keepAlives();
      await until('another keep-alive', () => keepAlives() > before);
      // A frozen root (SIGSTOP) sends nothing: systemd would kill it after WatchdogSec. The
      // silence is an absence, so it is watched for four keep-alive periods (2 s).
      b.proc.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 200));
      const frozenAt = keepAlives();
      await new Promise((r) => setTimeout(r, 2000));
      expect(keepAlives()).toBe(frozenAt);
      b.proc.kill('SIGCONT');
      await until('keep-alives to resume', () => keepAlives() > frozenAt);
      b.proc.kill('SIGTERM');
      expect(await b.exited).toEqual({ code: 0, signal: null });
      expect(receiver.messages.some((m) => /^STOPPING=1/.test(m))).toBe(true);
      expect(receiver.messages.indexOf('READY=1\nSTATUS=all workers ready')).toBeLessThan(receiver.messages.findIndex((m) => /^STOPPING=1/.test(m)));
    } finally {
      receiver.proc.kill('SIGKILL');
    }
  });
});

describe('start-up that needs an operator', () => {
  it('stops at once, without restart loops, on a bad row in the middle of the journal', async () => {
    const { cwd } = workdir();
    const dataDir = join(cwd, 'dashboard/data/scalping');
    mkdirSync(dataDir, { recursive: true });
    const header = 'seq,time,exchange_order_id,client_order_id,symbol,side,type,role,amount,price,fee,fee_currency,reason';
    const row = (seq: number, amount: string): string => `${seq},2026-03-03T01:17:00.000Z,${seq},tg-e-x${seq},BTC/USDT,buy,market,entry,${amount},23000,0,USDT,test`;
    writeFileSync(join(dataDir, 'trades.csv'), `${[header, row(1, '0.1'), row(2, 'garbage'), row(3, '0.1')].join('\n')}\n`);
    const b = bot(['--config', 'config.json'], cwd);
    expect((await b.exited).code).toBe(ExitCode.DATA);
    const out = b.output();
    expect(out).toMatch(/CRITICAL \[supervisor\] persistence cannot start: .*line 3.*node recovery\/cli\.js repair-journal.*not restarting/);
    expect(out).not.toMatch(/will be respawned/);
    // Nothing was set aside or rewritten: the operator decides.
    expect(readFileSync(join(dataDir, 'trades.csv'), 'utf8')).toMatch(/garbage/);
  });
});

describe('configuration errors', () => {
  it('refuses a bad value before any worker starts, naming the key and the value', async () => {
    const { cwd } = workdir({ supervisor: { heartbeat: { killAfterMs: -5 } } });
    const b = bot(['--config', 'config.json'], cwd);
    expect((await b.exited).code).toBe(ExitCode.CONFIG);
    expect(b.output()).toMatch(/config key "supervisor.heartbeat.killAfterMs" must be a whole number of milliseconds above 0 \(got -5\)/);
    expect(b.output()).not.toMatch(/spawned/);
    expect(existsSync(join(cwd, 'logs'))).toBe(false);
  });

  it('refuses an unknown key, and a bad environment override', async () => {
    const { cwd } = workdir({ exchange: { pollIntervalMs: 100, pollIntervall: 5 } });
    const b = bot(['--config', 'config.json'], cwd);
    expect((await b.exited).code).toBe(ExitCode.CONFIG);
    expect(b.output()).toMatch(/config key "exchange.pollIntervall" is not a known configuration key \(got 5\)/);

    const ok = workdir();
    const c = bot(['--config', 'config.json'], ok.cwd, { TRADER_GEMINI__logLevel: 'loud' });
    expect((await c.exited).code).toBe(ExitCode.CONFIG);
    expect(c.output()).toMatch(/config key "logLevel" must be one of debug, info, warn, error, critical \(got "loud"\)/);
  });

  it('refuses live trading without keys, and a real Binance URL without --live', async () => {
    const { cwd } = workdir();
    const env = { BINANCE_API_KEY: '', BINANCE_API_SECRET: '' };
    const live = bot(['--config', 'config.json', '--live'], cwd, env);
    expect((await live.exited).code).toBe(ExitCode.CONFIG);
    expect(live.output()).toMatch(/config key "live" needs BINANCE_API_KEY and BINANCE_API_SECRET in the environment, or exchange.keysFile/);

    const real = workdir({ exchange: { apiUrl: 'https://api.binance.com' } });
    const paper = bot(['--config', 'config.json'], real.cwd, { BINANCE_API_KEY: 'k-123', BINANCE_API_SECRET: 's-456' });
    expect((await paper.exited).code).toBe(ExitCode.CONFIG);
    expect(paper.output()).toMatch(/"exchange.apiUrl" points at Binance itself; real trading needs --live/);
    expect(paper.output()).not.toMatch(/s-456/);
  });

  it('never writes the API key or secret to a log, the health log, a journal or status.csv', async () => {
    const sim = await startSimulator({ candleIntervalMs: 100, apiKey: 'k-live-123', apiSecret: 's-live-456' });
    try {
      const { cwd } = workdir({ exchange: { apiUrl: sim.url, pollIntervalMs: 100 }, strategy: { module: join(ROOT, 'fixtures/strategies/every-n.js'), params: {} } });
      const b = bot(['--config', 'config.json'], cwd, { BINANCE_API_KEY: 'k-live-123', BINANCE_API_SECRET: 's-live-456' });
      await b.waitForLine(/reconciliation \(start\) done/);
      await until('a fill in the journal', () => /,entry,/.test(existsSync(join(cwd, 'dashboard/data/scalping/trades.csv')) ? readFileSync(join(cwd, 'dashboard/data/scalping/trades.csv'), 'utf8') : ''));
      b.proc.kill('SIGUSR1');
      await b.waitForLine(/SIGUSR1: health/);
      b.proc.kill('SIGTERM');
      expect((await b.exited).code).toBe(0);
      const files = readdirSync(cwd, { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && e.name !== 'config.json');
      expect(files.length).toBeGreaterThan(5);
      for (const f of files) expect(readFileSync(join(f.parentPath, f.name), 'utf8')).not.toMatch(/s-live-456|k-live-123/);
      expect(b.output()).not.toMatch(/s-live-456|k-live-123/);
    } finally {
      await sim.close();
    }
  });

  it('prefixes stdout lines with their syslog priority under journald, so journalctl -p crit finds CRITICAL alerts', async () => {
    const { cwd } = workdir();
    const b = bot(['--config', 'config.json'], cwd, { JOURNAL_STREAM: '8:12345' });
    await b.waitForLine(/all workers ready/);
    b.proc.kill('SIGTERM');
    expect((await b.exited).code).toBe(0);
    const lines = b.output().split('\n').filter((l) => l.includes(' [supervisor] '));
    expect(lines.length).toBeGreaterThan(3);
    for (const l of lines) expect(l).toMatch(/^<[2-7]>\d{4}-/);
    expect(lines.find((l) => / INFO \[supervisor\] all workers ready/.test(l))).toMatch(/^<6>/);
  });

  it('refuses an unknown flag with the usage and its own exit code', async () => {
    const { cwd } = workdir();
    const b = bot(['--dataa-dir', 'x'], cwd);
    expect((await b.exited).code).toBe(ExitCode.USAGE);
    expect(b.output()).toMatch(/Unknown option '--dataa-dir'/);
    expect(b.output()).toMatch(/usage: node supervisor\/main.js/);
  });

  it('prints the effective configuration with secrets redacted', async () => {
    const { cwd } = workdir({ strategy: { module: 'x.js', params: { apiSecret: 'hunter2', window: 7 } } });
    const b = bot(['--config', 'config.json', '--print-config', '--data-dir', '/srv/tg'], cwd, { TRADER_GEMINI__supervisor__heartbeat__killAfterMs: '2500' });
    expect((await b.exited).code).toBe(0);
    const printed = JSON.parse(b.output()) as { dataDir: string; strategy: { params: Record<string, unknown> }; supervisor: { heartbeat: { killAfterMs: number } } };
    expect(printed.dataDir).toBe('/srv/tg');
    expect(printed.supervisor.heartbeat.killAfterMs).toBe(2500);
    expect(printed.strategy.params).toEqual({ apiSecret: '[redacted]', window: 7 });
    expect(b.output()).not.toMatch(/hunter2/);
  });
});
