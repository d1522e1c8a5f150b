/**
 * Power loss: SIGKILL of the whole bot process, four times, mid-trading:
 *   1. the moment an entry intent is journaled (the order may or may not have left);
 *   2. while a stop rests on the exchange; the price then goes through the stop while the bot is down;
 *   3. while the exchange holds a new entry and its stop whose answers it dropped (the bot is
 *      still waiting for the stop's answer): an order the bot never heard back about;
 *   4. as 2, when a stop rests on the exchange.
 * Every fill the exchange made must end up in the journal exactly once (the down-time ones
 * marked reconciled), the database must catch up with the journal at every start, every
 * position must have its stop resting on the exchange after each restart, and no order may
 * be sent twice.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { binance } from 'ccxt';
import { audit, databaseEqualsJournal, type Drill } from './drill.js';
import { holdN, SYMBOL, time, until, type DrillEnv, type LogRecord } from './harness.js';

const ROUNDS = 4;

function entryIntents(env: DrillEnv): number {
  try {
    return readFileSync(join(env.dataDir, 'intents.csv'), 'utf8').split(',tg-e-').length - 1;
  } catch {
    return 0;
  }
}

async function restingStop(outsider: binance): Promise<{ id: string; clientOrderId: string; trigger: number; limit: number } | null> {
  const stop = (await outsider.fetchOpenOrders(SYMBOL)).find((o) => String(o.clientOrderId).startsWith('tg-s-'));
  return stop ? { id: String(stop.id), clientOrderId: String(stop.clientOrderId), trigger: Number(stop.triggerPrice ?? stop.stopPrice), limit: Number(stop.price) } : null;
}

export const powerLoss: Drill = {
  name: 'power-loss',
  fault: `SIGKILL of the whole process ${ROUNDS} times: mid-order, with a stop resting (it fills while down), while an order's answer is lost`,
  async run(env, rec) {
    // Positions are only closed by their stops: the kills and the down-time fills decide.
    env.writeConfig({ strategy: holdN(3, 1_000_000) });
    const outsider = env.sim.outsider();
    let entriesAtStart = entryIntents(env);
    let { bot } = await env.startTrading();
    const downFills: string[] = [];
    const opens: Array<{ line: LogRecord; journalRows: number }> = [];
    const unprotected: string[] = [];
    const detect: number[] = [];
    const recover: number[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      if (round === 1) {
        await until('an entry intent being journaled', () => entryIntents(env) > entriesAtStart, 20_000, 5);
      } else if (round === 3) {
        await until('the stop whose answer the exchange dropped', async () => (await env.sim.orders()).some((o) => o.fault === 'drop-response' && o.clientOrderId.startsWith('tg-s-')), 20_000, 20);
      } else {
        await until('a stop resting on the exchange', () => restingStop(outsider), round === 2 ? 20_000 : 5000, 100).catch(() => null);
      }
      bot.proc.kill('SIGKILL');
      const killed = await bot.exited;
      const killedAt = Date.now();
      rec.check(`round ${round}: the process died of SIGKILL`, killed.signal === 'SIGKILL', JSON.stringify(killed));
      const stop = round % 2 === 0 ? await restingStop(outsider) : null;
      if (stop) {
        // Through the trigger, not through the limit: the stop fills while nobody listens.
        await env.sim.admin('POST', '/price', { price: (stop.trigger + stop.limit) / 2 });
        await until('the stop to fill while the bot is down', async () => (await outsider.fetchOrder(stop.id, SYMBOL)).status === 'closed', 10_000, 50);
        downFills.push(stop.clientOrderId);
      }
      await env.sim.clearFaults();
      // Round 3's fault: the next entry and its stop are created, their answers never come.
      if (round === 2) await env.sim.inject({ kind: 'drop-response', count: 2, hold: true, pathPrefix: '/api/v3/order', method: 'POST' });
      const journalRows = env.journal('trades.csv').length;
      entriesAtStart = entryIntents(env);
      const restartAt = Date.now();
      const started = await env.startTrading(restartAt);
      bot = started.bot;
      const open = await env.waitLog('the trade store to open', (l) => /^trade store open: /.test(l.message), restartAt, 10_000, bot);
      opens.push({ line: open, journalRows });
      detect.push(time(started.reconciled) - restartAt);
      recover.push(time(started.reconciled) - killedAt);
      // The engine keeps trading after the start-up reconciliation: a position it has just
      // opened may be between its fill and its stop's answer. So the engine's view is read
      // first, the exchange's second, and the check allows the bot a few seconds to agree.
      const gaps = async (): Promise<string[]> => {
        const positions = (await env.engineStatus()).positions;
        const resting = new Set((await outsider.fetchOpenOrders(SYMBOL)).map((o) => String(o.clientOrderId)));
        return positions
          .filter((p) => !p.stopClientOrderId || !resting.has(p.stopClientOrderId))
          .map((p) => `after round ${round}: ${p.symbol} ${p.amount} has stop ${p.stopClientOrderId ?? 'none'}, resting on the exchange: ${[...resting].join(', ') || 'nothing'}`);
      };
      let last: string[] = [];
      const agreed = await until('every position to have its stop resting', async () => (last = await gaps()).length === 0, 5000, 100).catch(() => false);
      if (!agreed) unprotected.push(...last);
    }
    rec.detected(Math.max(...detect), `restart to the start-up reconciliation done (log time), worst of ${ROUNDS}: ${detect.join(', ')} ms`);
    rec.recovered(Math.max(...recover), `SIGKILL to the restarted bot reconciled (log time), worst of ${ROUNDS}: ${recover.join(', ')} ms`);

    const stopped = await env.stop(bot);
    rec.check('the last run stops cleanly (exit 0)', stopped.code === 0, `exit ${JSON.stringify(stopped)}`);
    rec.none('after every restart each position has its stop resting on the exchange (reconciliation closed the gap)', unprotected, `${ROUNDS} restarts checked`);
    const caughtUp = opens.filter((o) => Number(o.line.maxSeq) !== o.journalRows);
    rec.none(
      'at every restart the database held every journaled fill (replayed from trades.csv)',
      caughtUp.map((o) => `${o.line.message} but trades.csv had ${o.journalRows} rows`),
      opens.map((o) => `${o.line.source} +${o.line.replayed} replayed = ${o.line.maxSeq}`).join('; '),
    );
    const fills = env.journal('trades.csv');
    const downProblems = downFills.flatMap((id) => {
      const rows = fills.filter((r) => r.client_order_id === id);
      return rows.length === 1 && /reconciled/.test(rows[0]?.reason ?? '') ? [] : [`${id}: ${rows.length} rows, reason ${rows.map((r) => r.reason).join('/')}`];
    });
    rec.check('stops filled while the bot was down happened', downFills.length >= 1, `${downFills.length} down-time fills`);
    rec.none('each down-time fill is journaled once, reason reconciled', downProblems, downFills.join(', '));
    await audit(env, rec);
    await databaseEqualsJournal(env, rec, 'after the last clean stop');
  },
};
