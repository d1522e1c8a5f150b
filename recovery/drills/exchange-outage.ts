/**
 * Exchange outage: the simulator times out, resets connections, then answers 503 to
 * everything, long enough for a failed probe, then recovers. The breaker must open after 5
 * failures in a row, keep every request (orders included) off the exchange while open, probe
 * once per cooldown, close when the exchange answers, and trading must resume without any
 * order sent twice.
 */
import { during } from './checks.js';
import { audit, type Drill } from './drill.js';
import { accepted, holdN, SYMBOL, time, until, type LogRecord } from './harness.js';
import { DRILL_SCALE } from './scale.js';

const COOLDOWN = DRILL_SCALE['exchange.breaker.cooldownMs'];
const THRESHOLD = 5;
/**
 * A worker's loop waits on its exchange call; a timed-out order is looked up before anything
 * else, so one step can take two request timeouts. Production keeps the kill threshold 12x
 * the request timeout (120 s vs 10 s); the drill keeps that ratio, else the supervisor would
 * kill market-data for waiting on an exchange that is down.
 */
const OUTAGE_HEARTBEAT = { warnAfterMs: 6 * DRILL_SCALE['exchange.timeoutMs'], killAfterMs: 12 * DRILL_SCALE['exchange.timeoutMs'] };

const transition = (l: LogRecord): [string, string] | null => {
  const m = /^breaker (\S+) -> (\S+):/.exec(l.message);
  return m ? [m[1] as string, m[2] as string] : null;
};

export const exchangeOutage: Drill = {
  name: 'exchange-outage',
  scale: `heartbeat warn ${OUTAGE_HEARTBEAT.warnAfterMs / 1000} s, kill ${OUTAGE_HEARTBEAT.killAfterMs / 1000} s (12x the 1 s request timeout, as in production)`,
  fault: 'the simulator times out (2 requests), resets (2), then answers 503 to everything until cleared (POST /__admin/faults)',
  async run(env, rec) {
    env.writeConfig({ strategy: holdN(3, 5), exchange: { breaker: { failureThreshold: THRESHOLD } }, supervisor: { heartbeat: OUTAGE_HEARTBEAT } });
    const { bot } = await env.startTrading();
    await until('two entries on the exchange', async () => accepted(await env.sim.orders(), 'e').length >= 2, 20_000, 50);
    // The outage starts right after an entry fills, so the entry's stop is still to be sent:
    // an order the bot wants to place while the exchange is down.
    const entries = accepted(await env.sim.orders(), 'e').length;
    await until('the next entry on the exchange', async () => accepted(await env.sim.orders(), 'e').length > entries, 20_000, 5);

    const outageAt = Date.now();
    await env.sim.inject({ kind: 'timeout', count: 2 });
    await env.sim.inject({ kind: 'reset', count: 2 });
    await env.sim.inject({ kind: 'status', status: 503 });
    const opened = await env.waitLog('the breaker to open', (l) => transition(l)?.[1] === 'open', outageAt, 15_000, bot);
    const snapshot = opened.breaker as { consecutiveFailures: number; openedAt: number };
    rec.check(`the breaker opens after ${THRESHOLD} consecutive failures`, snapshot.consecutiveFailures === THRESHOLD, `${opened.message.slice(0, 140)}`);
    const health = await until('the health log to show the open breaker', () => {
      const breaker = env.health().workers['market-data']?.components.breaker;
      return breaker?.state !== 'closed' && breaker?.openedAt === snapshot.openedAt && breaker;
    }, 5000, 50);
    rec.check("health_log.json workers['market-data'].components.breaker shows it open", typeof health.openedAt === 'number', `state ${String(health.state)}, openedAt ${new Date(Number(health.openedAt)).toISOString()}`);
    rec.detected(snapshot.openedAt - outageAt, 'first fault injected to the breaker opening (its openedAt)');

    // One probe fails while the exchange is still down; then the exchange comes back.
    await env.waitLog('a failed probe', (l) => transition(l)?.join() === 'half-open,open', time(opened), 4 * COOLDOWN, bot);
    const recoveredAt = Date.now();
    await env.sim.clearFaults();
    const closed = await env.waitLog('the breaker to close', (l) => transition(l)?.join() === 'half-open,closed', recoveredAt, 4 * COOLDOWN, bot);
    const resumed = await until('an entry after the breaker closed', async () => accepted(await env.sim.orders(), 'e').find((o) => o.time > time(closed)), 20_000, 50).catch(() => null);
    if (resumed) {
      rec.check('trading resumes: a new entry reaches the exchange after the breaker closed', true, `${resumed.clientOrderId} ${resumed.time - time(closed)} ms after closing`);
      rec.recovered(resumed.time - recoveredAt, 'exchange back (faults cleared) to the first new entry accepted (simulator time)');
    } else {
      const rejected = (await env.sim.orders()).filter((o) => o.time > time(closed) && o.outcome === 'rejected');
      const first = rejected[0];
      rec.check('trading resumes: a new entry reaches the exchange after the breaker closed', false, `no entry within 20 s of closing; ${rejected.length} orders rejected since${first ? `, e.g. ${first.clientOrderId} ${first.side} ${first.type}: ${first.error?.code} ${first.error?.msg}` : ''}`);
    }
    const transitions = env.logLines().filter((l) => time(l) >= outageAt && time(l) <= time(closed) && transition(l));
    const windows: Array<[number, number]> = [];
    for (const [i, l] of transitions.entries()) {
      if (transition(l)?.[1] !== 'open') continue;
      const next = transitions[i + 1];
      windows.push([time(l), next ? time(next) : time(closed)]);
    }
    const probeWaits = windows.map(([from, to]) => to - from);
    rec.check(`each probe waits out the cooldown (${COOLDOWN} ms)`, windows.length >= 2 && probeWaits.every((w) => w >= COOLDOWN), `${windows.length} open periods: ${probeWaits.join(', ')} ms`);
    const [orders, requests] = [await env.sim.orders(), await env.sim.requests()];
    const ordersWhileOpen = during(orders, windows);
    const requestsWhileOpen = during(requests, windows);
    rec.none('no order reaches the exchange while the breaker is open (simulator /__admin/orders)', ordersWhileOpen.map((o) => `${o.clientOrderId} at ${new Date(o.time).toISOString()}`), `${orders.filter((o) => o.time >= outageAt && o.time <= time(closed)).length} order requests during the whole outage, none while open`);
    rec.none('no request at all reaches the exchange while open (simulator /__admin/requests)', requestsWhileOpen.map((r) => `${r.method} ${r.path} at ${new Date(r.time).toISOString()}`), `${requests.filter((r) => r.time >= outageAt && r.time <= time(closed)).length} requests during the outage, all outside the open periods`);

    const tried = orders.filter((o) => o.time >= outageAt && o.time <= time(closed));
    const retried = tried.filter((o) => o.outcome !== 'accepted').map((o) => {
      const later = orders.filter((l) => l.clientOrderId === o.clientOrderId && l.outcome === 'accepted');
      return later.length === 1 && (later[0]?.time ?? 0) > time(closed) ? null : `${o.clientOrderId} (${o.outcome} at ${new Date(o.time).toISOString()}) accepted ${later.length} times, ${later.map((l) => new Date(l.time).toISOString()).join(', ')}`;
    });
    rec.none('an order refused by the outage is placed once, after the breaker closed', retried.filter((r): r is string => r !== null), `${tried.length} order requests during the outage: ${tried.map((o) => `${o.clientOrderId} ${o.outcome}${o.fault ? ` (${o.fault})` : ''}`).join(', ') || 'none'}`);

    const stopped = await env.stop(bot);
    rec.check('the bot stops cleanly (exit 0)', stopped.code === 0, `exit ${JSON.stringify(stopped)}`);
    const balance = (await env.sim.outsider().fetchBalance()) as unknown as { total: Record<string, number> };
    const open = await env.sim.outsider().fetchOpenOrders(SYMBOL);
    rec.check('nothing is left half-done on the exchange: any BTC held is covered by one open stop', (balance.total.BTC ?? 0) < 1e-5 ? open.length === 0 : open.length === 1, `BTC ${balance.total.BTC ?? 0}, open orders ${open.map((o) => o.clientOrderId).join(', ') || 'none'}`);
    await audit(env, rec);
  },
};
