/**
 * Power loss: SIGKILL of the whole bot process, four times, mid-trading. Odd rounds kill the
 * moment an order intent is journaled (the order may or may not have left); even rounds kill
 * while a stop rests on the exchange, then push the price through the stop while the bot is
 * down. Every fill the exchange made must end up in the journal exactly once (the down-time
 * ones marked reconciled), the database must catch up with the journal at every start, and
 * no order may be sent twice.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { audit, databaseEqualsJournal, type Drill } from './drill.js';
import { holdN, SYMBOL, time, until, type LogRecord } from './harness.js';

const ROUNDS = 4;

const size = (path: string): number => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export const powerLoss: Drill = {
  name: 'power-loss',
  fault: `SIGKILL of the whole process ${ROUNDS} times mid-trading; on even rounds a stop fills while the bot is down`,
  async run(env, rec) {
    // Positions are only closed by their stops: the kills and the down-time fills decide.
    env.writeConfig({ strategy: holdN(3, 1_000_000) });
    const outsider = env.sim.outsider();
    let { bot } = await env.startTrading();
    const downFills: string[] = [];
    const opens: Array<{ line: LogRecord; journalRows: number }> = [];
    const detect: number[] = [];
    const recover: number[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      if (round % 2 === 1) {
        const intents = join(env.dataDir, 'intents.csv');
        const before = size(intents);
        await until('an order intent being journaled', () => size(intents) > before, 20_000, 5);
      } else {
        await until('a stop resting on the exchange', async () => (await outsider.fetchOpenOrders(SYMBOL)).some((o) => String(o.clientOrderId).startsWith('tg-s-')), 20_000, 100);
      }
      bot.proc.kill('SIGKILL');
      const killed = await bot.exited;
      const killedAt = Date.now();
      rec.check(`round ${round}: the process died of SIGKILL`, killed.signal === 'SIGKILL', JSON.stringify(killed));
      if (round % 2 === 0) {
        const stop = (await outsider.fetchOpenOrders(SYMBOL)).find((o) => String(o.clientOrderId).startsWith('tg-s-'));
        if (stop) {
          // Through the trigger, not through the limit: the stop fills while nobody listens.
          await env.sim.admin('POST', '/price', { price: (Number(stop.triggerPrice ?? stop.stopPrice) + Number(stop.price)) / 2 });
          await until('the stop to fill while the bot is down', async () => (await outsider.fetchOrder(String(stop.id), SYMBOL)).status === 'closed', 10_000, 50);
          downFills.push(String(stop.clientOrderId));
        }
      }
      const journalRows = env.journal('trades.csv').length;
      const restartAt = Date.now();
      const started = await env.startTrading(restartAt);
      bot = started.bot;
      const open = await env.waitLog('the trade store to open', (l) => /^trade store open: /.test(l.message), restartAt, 10_000, bot);
      opens.push({ line: open, journalRows });
      detect.push(time(started.reconciled) - restartAt);
      recover.push(time(started.reconciled) - killedAt);
    }
    rec.detected(Math.max(...detect), `restart to the start-up reconciliation done (log time), worst of ${ROUNDS}: ${detect.join(', ')} ms`);
    rec.recovered(Math.max(...recover), `SIGKILL to the restarted bot reconciled (log time), worst of ${ROUNDS}: ${recover.join(', ')} ms`);

    const stopped = await env.stop(bot);
    rec.check('the last run stops cleanly (exit 0)', stopped.code === 0, `exit ${JSON.stringify(stopped)}`);
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
