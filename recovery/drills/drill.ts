/**
 * What a drill is and what it reports. A drill runs its scenario against the real tree and
 * records checks as it goes; `audit()` is the common end: orders and fills compared between
 * the simulator's own records, the exchange's view and the journal.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSqlJs } from '../../workers/persistence/sqlite.js';
import { databaseVsJournal, duplicatedFills, duplicatedOrders, feeMismatches, lostFills, ordersUnknownToJournal, type ExchangeOrder, type ExchangeTrade } from './checks.js';
import { SYMBOL, type DrillEnv } from './harness.js';

export interface Check {
  name: string;
  pass: boolean;
  /** The evidence: the measured values, or the problems found. */
  detail: string;
}

export interface DrillResult {
  drill: string;
  fault: string;
  scale: string | null;
  pass: boolean;
  /** From the fault to the bot noticing it (see `detectFrom`), measured from log/health/simulator timestamps. */
  detectMs: number | null;
  detectFrom: string;
  /** From the fault (or its end) to normal operation again (see `recoverFrom`). */
  recoverMs: number | null;
  recoverFrom: string;
  ordersLost: number | null;
  duplicatedOrders: number | null;
  fillsLost: number | null;
  checks: Check[];
  runtimeMs: number;
  /** An exception that ended the drill early (a wait that timed out, a bot that would not start). */
  error: string | null;
  /** The drill's directory, kept when it failed. */
  dir: string | null;
}

/** Collects a drill's checks and measurements as it runs. */
export class Recorder {
  readonly checks: Check[] = [];
  detectMs: number | null = null;
  detectFrom = '';
  recoverMs: number | null = null;
  recoverFrom = '';
  ordersLost: number | null = null;
  duplicatedOrders: number | null = null;
  fillsLost: number | null = null;

  check(name: string, pass: boolean, detail: string): boolean {
    this.checks.push({ name, pass, detail });
    return pass;
  }

  /** A check passes when `problems` is empty; the first few problems are its detail. */
  none(name: string, problems: readonly string[], okDetail: string): boolean {
    return this.check(name, problems.length === 0, problems.length === 0 ? okDetail : `${problems.length}: ${problems.slice(0, 3).join('; ')}`);
  }

  detected(ms: number, from: string): void {
    this.detectMs = Math.round(ms);
    this.detectFrom = from;
  }

  recovered(ms: number, from: string): void {
    this.recoverMs = Math.round(ms);
    this.recoverFrom = from;
  }
}

export interface Drill {
  name: string;
  /** One line: the fault injected. */
  fault: string;
  /** This drill's own changes to the scale, printed with its result. */
  scale?: string;
  run(env: DrillEnv, rec: Recorder): Promise<void>;
}

/** Where `audit()` keeps the simulator's order record and the exchange's view of every order. */
export const EVIDENCE_FILE = 'exchange-evidence.json';

/** The exchange's view of every order, through our own ccxt client. */
export async function exchangeOrders(env: DrillEnv): Promise<ExchangeOrder[]> {
  const orders = await env.sim.outsider().fetchOrders(SYMBOL);
  return orders.map((o) => ({ clientOrderId: String(o.clientOrderId), status: String(o.status), filled: Number(o.filled ?? 0) }));
}

/** Every execution on the exchange, through our own ccxt client. */
export async function exchangeTrades(env: DrillEnv): Promise<ExchangeTrade[]> {
  const trades = await env.sim.outsider().fetchMyTrades(SYMBOL);
  return trades.map((t) => ({ orderId: String(t.order), fee: Number(t.fee?.cost ?? 0), feeCurrency: String(t.fee?.currency ?? '') }));
}

/**
 * The common end of every drill that traded: no order sent twice, none sent without its
 * write-ahead intent, every exchange fill journaled once with the exchange's amount.
 */
export async function audit(env: DrillEnv, rec: Recorder): Promise<void> {
  const simOrders = await env.sim.orders();
  const exchange = await exchangeOrders(env);
  const trades = await exchangeTrades(env);
  // The exchange's side of the evidence, kept beside the journals (the simulator does not outlive the drill).
  writeFileSync(join(env.dir, EVIDENCE_FILE), JSON.stringify({ simOrders, exchangeOrders: exchange, exchangeTrades: trades }, null, 2));
  const fills = env.journal('trades.csv');
  const dup = duplicatedOrders(simOrders);
  const unknown = ordersUnknownToJournal(simOrders, env.journal('intents.csv'));
  const lost = lostFills(exchange, fills);
  const twice = duplicatedFills(fills);
  rec.duplicatedOrders = dup.length;
  rec.ordersLost = unknown.length;
  rec.fillsLost = lost.length;
  const acceptedCount = simOrders.filter((o) => o.outcome === 'accepted').length;
  rec.none('no client order id accepted twice by the exchange', dup, `${acceptedCount} accepted orders, all distinct`);
  rec.none('every order on the exchange was journaled in intents.csv first', unknown, `${acceptedCount} orders, all in intents.csv`);
  rec.none('every fill on the exchange is in trades.csv with its amount', lost, `${fills.length} journal rows cover every filled order`);
  rec.none('no fill journaled twice', twice, `${fills.length} rows, one per order`);
  rec.none('every journaled fee is what the exchange charged (myTrades)', feeMismatches(trades, fills), `${trades.length} executions, fees equal`);
}

/** trades.db's fills table, read by the `sqlite3` CLI when installed (an outside reader), else by sql.js. */
export async function readDatabase(dataDir: string): Promise<{ rows: Array<Record<string, unknown>>; reader: string }> {
  const path = join(dataDir, 'trades.db');
  try {
    const out = execFileSync('sqlite3', ['-readonly', '-json', path, 'SELECT * FROM fills ORDER BY seq'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { rows: out.trim() === '' ? [] : (JSON.parse(out) as Array<Record<string, unknown>>), reader: 'sqlite3 CLI' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const SQL = await loadSqlJs();
  const db = new SQL.Database(readFileSync(path));
  try {
    const result = db.exec('SELECT * FROM fills ORDER BY seq')[0];
    const rows = (result?.values ?? []).map((v) => Object.fromEntries(result!.columns.map((c, i) => [c, v[i]])));
    return { rows, reader: 'sql.js' };
  } finally {
    db.close();
  }
}

/** Checks that trades.db (on disk, read from outside) equals trades.csv. */
/**
 * trades.db against trades.csv, cell for cell. While the bot runs it keeps trading, so with
 * `running` the comparison stops at the file's own last seq (at least `atLeastSeq`, the
 * checkpoint asked for): fills after its checkpoint are not in that file yet.
 */
export async function databaseEqualsJournal(env: DrillEnv, rec: Recorder, when: string, running?: { atLeastSeq: number }): Promise<void> {
  const { rows, reader } = await readDatabase(env.dataDir);
  const fileSeq = Math.max(0, ...rows.map((r) => Number(r.seq)));
  if (running && fileSeq < running.atLeastSeq) rec.check(`trades.db holds the checkpoint asked for ${when}`, false, `last seq ${fileSeq}, checkpoint ${running.atLeastSeq}`);
  const journal = env.journal('trades.csv').filter((r) => !running || Number(r.seq) <= fileSeq);
  const problems = databaseVsJournal(rows, journal);
  rec.none(`trades.db equals trades.csv ${when} (read by ${reader})`, problems, `${rows.length} rows in both, cell for cell`);
}
