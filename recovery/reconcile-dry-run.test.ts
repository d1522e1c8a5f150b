import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SIM_DEFAULTS, startSimulator } from '../fixtures/exchange-sim/index.js';
import type { RunningSimulator } from '../fixtures/exchange-sim/types.js';
import { tempDir } from '../fixtures/testing/tree.js';
import { createExchangeClient } from '../workers/market-data/exchange-client.js';
import { CsvJournal, fillFormat, storePaths } from '../workers/persistence/index.js';
import { recordingLog } from '../workers/persistence/test-support.js';
import { RecoveryExit } from './exit-codes.js';
import { cli, snapshot, writeStatus } from './test-support.js';

const sims: RunningSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) await s.close();
});

function snapshotOfDir(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** A simulator, a data directory configured to reconcile against it, and a ccxt client on the same account. */
async function accountAndFiles(): Promise<{ cwd: string; paths: ReturnType<typeof storePaths>; exchange: ReturnType<typeof createExchangeClient> }> {
  const sim = await startSimulator({ candleIntervalMs: 100, symbols: ['BTC/USDT'] });
  sims.push(sim);
  const cwd = tempDir('tg-dryrun-');
  const paths = storePaths(join(cwd, 'data'));
  mkdirSync(paths.dataDir, { recursive: true });
  writeFileSync(join(cwd, 'config.json'), JSON.stringify({ dataDir: 'data', exchange: { apiUrl: sim.url } }));
  const exchange = createExchangeClient({ apiUrl: sim.url, apiKey: SIM_DEFAULTS.apiKey, secret: SIM_DEFAULTS.apiSecret, timeoutMs: 5000 });
  await exchange.loadMarkets();
  return { cwd, paths, exchange };
}

describe('reconcile --dry-run', () => {
  it('lists what reconciliation would change against the configured exchange and changes nothing', async () => {
    const { cwd, paths, exchange } = await accountAndFiles();
    // The bot's files: 10 000 USDT, no position, no fill.
    await writeStatus(paths.dataDir, [snapshot(0, { equity: 10_000, balances: { USDT: { free: 10_000, locked: 0 } } })]);
    await (await CsvJournal.open(paths.journal, fillFormat, recordingLog())).close();
    // While the bot was "down", someone bought (the fee is paid in BTC: 0.00999 held) on the account and left a limit order open.
    const bought = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01);
    const ticker = await exchange.fetchTicker('BTC/USDT');
    const resting = await exchange.createOrder('BTC/USDT', 'limit', 'buy', 0.01, Math.round((ticker.last ?? 30_000) * 0.5), { newClientOrderId: 'manual-1' });
    const before = snapshotOfDir(paths.dataDir);

    const run = await cli(['reconcile', '--dry-run', '--config', 'config.json', '--json'], cwd);
    expect(run.code, run.stderr).toBe(RecoveryExit.FAILED);
    const preview = JSON.parse(run.stdout) as { dryRun: boolean; changes: string[] };
    expect(preview.dryRun).toBe(true);
    expect(preview.changes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`would journal a missing fill: order ${bought.id} buy 0\\.01 BTC/USDT`)),
        expect.stringMatching(/would take the exchange's BTC balance: 0\.0099\d* \(status\.csv says 0\)/),
        expect.stringMatching(/would cancel open order manual-1 \(limit buy 0\.01 BTC\/USDT\)/),
      ]),
    );
    expect(snapshotOfDir(paths.dataDir)).toEqual(before);
    expect((await exchange.fetchOpenOrders('BTC/USDT')).map((o) => o.id)).toEqual([resting.id]);
  });

  it('reports nothing (exit 0) when the files and the exchange agree: a position, its live stop, its journaled fill', async () => {
    const { cwd, paths, exchange } = await accountAndFiles();
    const bought = await exchange.createOrder('BTC/USDT', 'market', 'buy', 0.01, undefined, { newClientOrderId: 'tg-e-1' });
    const held = Number(((await exchange.fetchBalance()) as unknown as { total: Record<string, number> }).total.BTC);
    const price = bought.average ?? bought.price ?? 30_000;
    const stopPrice = Math.round(price * 0.9);
    await exchange.createOrder('BTC/USDT', 'STOP_LOSS_LIMIT', 'sell', held, stopPrice - 10, { stopPrice, newClientOrderId: 'tg-s-1' });
    const balance = (await exchange.fetchBalance()) as unknown as { free: Record<string, number>; used: Record<string, number> };
    // The bot's files say exactly that: the fill journaled, the status row written after it.
    const journal = await CsvJournal.open(paths.journal, fillFormat, recordingLog());
    await journal.append([
      { clientOrderId: 'tg-e-1', exchangeOrderId: String(bought.id), symbol: 'BTC/USDT', side: 'buy', type: 'market', role: 'entry', amount: 0.01, price, fee: 0.01 - held, feeCurrency: 'BTC', reason: 'test', timestamp: bought.timestamp ?? Date.now() },
    ]);
    await journal.close();
    const balances = Object.fromEntries(['USDT', 'BTC'].map((a) => [a, { free: balance.free[a] ?? 0, locked: balance.used[a] ?? 0 }]));
    const position = { symbol: 'BTC/USDT', amount: held, entryPrice: price, openedAt: bought.timestamp ?? Date.now(), stopClientOrderId: 'tg-s-1', stopPrice };
    await writeStatus(paths.dataDir, [snapshot(0, { balances, positions: [position], lastFillSeq: 1 })]);

    const run = await cli(['reconcile', '--dry-run', '--config', 'config.json'], cwd);
    expect(run.stdout).toMatch(/nothing to change: the files and the exchange agree/);
    expect(run.code, run.stdout + run.stderr).toBe(RecoveryExit.OK);
  });

  it('refuses without an exchange to compare with (exit 78), and exits 71 when the exchange does not answer', async () => {
    const cwd = tempDir('tg-dryrun-');
    await writeStatus(join(cwd, 'data'), [snapshot(0)]);
    const none = await cli(['reconcile', '--dry-run', '--data-dir', 'data'], cwd);
    expect(none.code).toBe(RecoveryExit.CONFIG);
    expect(none.stderr).toMatch(/exchange\.apiUrl.*embedded simulator lives only inside a running bot/);

    const sim = await startSimulator({ candleIntervalMs: 100 });
    const url = sim.url;
    await sim.close();
    writeFileSync(join(cwd, 'config.json'), JSON.stringify({ dataDir: 'data', exchange: { apiUrl: url, timeoutMs: 2000 } }));
    const down = await cli(['reconcile', '--dry-run', '--config', 'config.json'], cwd);
    expect(down.code, down.stderr).toBe(RecoveryExit.UNAVAILABLE);
    expect(down.stderr).toMatch(/reconcile --dry-run against configured endpoint http:\/\/127\.0\.0\.1:\d+: NetworkError: .*ECONNREFUSED/);
  });
});
