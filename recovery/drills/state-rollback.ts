/**
 * State rollback: status.csv is cut back to a row from before the open position (with
 * `node recovery/cli.js rollback-state --to N --yes` when that command is built, else by the
 * drill itself with papaparse and an atomic write), and a stop fills on the exchange while the
 * bot is down. The restart must seed from the chosen row, replay the journal on top, and the
 * start-up reconciliation must correct the rest from the exchange.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Papa from 'papaparse';
import { writeFileAtomic } from '../../shared/atomic-file.js';
import { ROOT } from '../../fixtures/testing/tree.js';
import { audit, type Drill } from './drill.js';
import { holdN, SYMBOL, time, until, type DrillEnv } from './harness.js';

/** Cuts status.csv after row `seq`; returns how it was done. */
async function rollBack(env: DrillEnv, seq: number): Promise<{ how: string; ok: boolean; detail: string }> {
  if (existsSync(join(ROOT, 'recovery/commands/rollback-state.js'))) {
    const run = spawnSync(process.execPath, [join(ROOT, 'recovery/cli.js'), 'rollback-state', '--to', String(seq), '--yes', '--config', 'config.json', '--by', 'dr-drill'], { cwd: env.dir, encoding: 'utf8' });
    return { how: `node recovery/cli.js rollback-state --to ${seq} --yes`, ok: run.status === 0, detail: `exit ${run.status}: ${(run.stdout.trim() || run.stderr.trim()).split('\n')[0]}` };
  }
  const path = join(env.dataDir, 'status.csv');
  const parsed = Papa.parse<Record<string, string>>(readFileSync(path, 'utf8'), { header: true, skipEmptyLines: true });
  const kept = parsed.data.filter((r) => Number(r.seq) <= seq);
  await writeFileAtomic(path, `${Papa.unparse(kept, { columns: parsed.meta.fields, newline: '\n' })}\n`);
  return { how: 'papaparse + atomic write (the CLI has no rollback-state yet)', ok: true, detail: `${parsed.data.length - kept.length} rows cut` };
}

export const stateRollback: Drill = {
  name: 'state-rollback',
  fault: 'status.csv cut back to a row from before the open position, and the position\'s stop fills while the bot is down',
  async run(env, rec) {
    env.writeConfig({ strategy: holdN(3, 1_000_000) });
    const outsider = env.sim.outsider();
    const { bot } = await env.startTrading();
    await until('a position protected by a stop', async () => (await env.engineStatus()).positions.some((p) => typeof p.stopClientOrderId === 'string'));
    const stopped = await env.stop(bot);
    rec.check('the bot stops cleanly (exit 0)', stopped.code === 0, JSON.stringify(stopped));

    const rows = env.journal('status.csv');
    const flat = rows.filter((r) => r.positions === '[]');
    const target = flat.at(-1);
    if (!target || Number(target.seq) === Number(rows.at(-1)?.seq)) throw new Error(`no status row without a position before the last row (${rows.length} rows)`);
    const stop = (await outsider.fetchOpenOrders(SYMBOL)).find((o) => String(o.clientOrderId).startsWith('tg-s-'));
    if (!stop) throw new Error('the position has no stop resting on the exchange');
    await env.sim.admin('POST', '/price', { price: (Number(stop.triggerPrice ?? stop.stopPrice) + Number(stop.price)) / 2 });
    await until('the stop to fill while the bot is down', async () => (await outsider.fetchOrder(String(stop.id), SYMBOL)).status === 'closed', 10_000, 50);

    const cut = await rollBack(env, Number(target.seq));
    const last = env.journal('status.csv').at(-1);
    rec.check(`status.csv is cut back to row ${target.seq} (${cut.how})`, cut.ok && last?.seq === target.seq, `${cut.detail}; last row now ${last?.seq} of ${rows.length}`);

    const newer = env.journal('trades.csv').filter((r) => Number(r.seq) > Number(target.last_fill_seq)).length;
    // The restart runs a strategy that never signals, so a new entry cannot move the state
    // between our reading the engine's view and the exchange's.
    env.writeConfig({ strategy: { module: join(ROOT, 'fixtures/strategies/hang.js'), params: {} } });
    const restartAt = Date.now();
    const again = await env.startTrading(restartAt);
    const wanted = `restored from status.csv row of ${new Date(Date.parse(target.time ?? '')).toISOString()}`;
    const restored = await env.waitLog('the restore line', (l) => /^restored from status\.csv row of /.test(l.message), restartAt, 5000, again.bot);
    rec.check('the restart seeds from the chosen row', restored.message.startsWith(wanted), restored.message);
    const replayed = env.logLines().find((l) => time(l) >= restartAt && /^replayed \d+ journaled fills newer than the status row/.test(l.message));
    rec.check('the journal\'s fills newer than the row are replayed on top', newer > 0 && replayed?.message.startsWith(`replayed ${newer} `) === true, `${replayed?.message ?? 'no replay line'} (trades.csv has ${newer} fills after the row's seq ${target.last_fill_seq})`);
    rec.detected(time(restored) - restartAt, 'restart to the restore from the chosen row (log time)');
    const n = Number(/^reconciliation \(start\) done: (\d+) discrepancies/.exec(again.reconciled.message)?.[1]);
    rec.check('the start-up reconciliation finds and corrects the difference with the exchange', n >= 1, again.reconciled.message);
    rec.recovered(time(again.reconciled) - restartAt, 'restart to the start-up reconciliation done (log time)');

    const view = await env.engineStatus();
    const balance = (await outsider.fetchBalance()) as unknown as { total: Record<string, number> };
    const engineBtc = (view.balances.free.BTC ?? 0) + (view.balances.used.BTC ?? 0);
    const engineUsdt = (view.balances.free.USDT ?? 0) + (view.balances.used.USDT ?? 0);
    rec.check(
      "after reconciliation the engine's state is the exchange's (no position, same balances)",
      view.positions.length === 0 && Math.abs(engineBtc - (balance.total.BTC ?? 0)) < 1e-8 && Math.abs(engineUsdt - (balance.total.USDT ?? 0)) < 1e-6,
      `positions ${view.positions.length}; BTC ${engineBtc} vs exchange ${balance.total.BTC ?? 0}; USDT ${engineUsdt} vs ${balance.total.USDT ?? 0}`,
    );
    const stopRows = env.journal('trades.csv').filter((r) => r.client_order_id === stop.clientOrderId);
    rec.check('the stop that filled while down is journaled once, reason reconciled', stopRows.length === 1 && /reconciled/.test(stopRows[0]?.reason ?? ''), `${stopRows.length} rows: ${stopRows.map((r) => r.reason).join(', ')}`);
    const end = await env.stop(again.bot);
    rec.check('the bot stops cleanly after the rollback (exit 0)', end.code === 0, JSON.stringify(end));
    await audit(env, rec);
  },
};
