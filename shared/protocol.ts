import type { MessagePort } from 'node:worker_threads';
import type { Candle, Fill, OrderIntent, OrderReport, Quote } from './domain.js';
import type { ErrorRecord } from './errors.js';
import type { WorkerName } from './heartbeat-layout.js';
import type { LogRecord } from './log.js';
import type { BreakerStatus, StatusSnapshot } from './status.js';

/**
 * The tagged unions of the tree, one per receiver: `XServes` lists the requests X
 * answers (`input` -> `output`) and the events X accepts. A channel between two threads
 * is typed by what each side serves, so a request to the wrong thread does not compile,
 * and a message of an unknown type at run time is a PROTOCOL error, never dropped.
 */
export interface Protocol {
  requests: Record<string, { input: unknown; output: unknown }>;
  events: Record<string, unknown>;
}

/** Every worker answers a ping on every channel: the liveness probe and the benchmark hop. */
export interface PingInput {
  from: string;
  sentAt: number;
}
export interface PingOutput {
  from: WorkerName;
  generation: number;
}

export interface WorkerStatus {
  name: WorkerName;
  generation: number;
  /** Loop iterations since start. */
  iterations: number;
  /** The worker's own view (breaker state, positions, ...), added by later components. */
  details: Record<string, unknown>;
}

/** What every worker answers from the root on its control channel. */
export interface WorkerControlServes extends Protocol {
  requests: {
    /** The worker's status for the health log and the control socket. */
    status: { input: Record<string, never>; output: WorkerStatus };
    /** Ping `peer` over the worker's own channel to it: proves a peer link works end to end. */
    'probe-peer': { input: { peer: WorkerName }; output: PingOutput & { roundTripMs: number } };
    /** An operator's command (from the control socket), for the worker that owns it. */
    command: { input: WorkerCommand; output: unknown };
  };
  events: {
    /** Finish the work in hand, flush, and exit. */
    stop: { reason: string };
    /** A (new) port to `peer`: the old one, if any, is dead; pending requests on it are rejected. */
    'peer-port': { peer: WorkerName; port: MessagePort };
    /** `peer` died; requests pending towards it are rejected until a new port arrives. */
    'peer-down': { peer: WorkerName; reason: string };
  };
}

/** Operators' commands, each owned by one worker; `by` names who asked, for the audit trail. */
export type WorkerCommand =
  /** Engine: the runbook's reset_daily_losses(). */
  | { name: 'reset-kill-switch'; by: string; reason: string }
  /** Engine: refuse or allow new entries (exits and stops go on). */
  | { name: 'pause-entries'; by: string; reason: string }
  | { name: 'resume-entries'; by: string; reason: string }
  /** Engine: reconcile with the exchange now. */
  | { name: 'reconcile-now'; by: string }
  /** Persistence: checkpoint trades.db now. */
  | { name: 'checkpoint-now'; by: string };

/** What the root accepts from every worker. */
export interface RootServes extends Protocol {
  requests: Record<string, never>;
  events: {
    /** Set-up done, the loop is running: the next child may start. */
    ready: { name: WorkerName; generation: number };
    /** A log record for the root's single writer. */
    log: LogRecord;
    /** An uncaught exception or unhandled rejection; the worker exits right after. */
    fatal: ErrorRecord;
    /** Clean stop finished; the worker exits right after. */
    stopped: { name: WorkerName };
    /** A named piece of state for the health log (breaker, kill switch, persistence). */
    health: { component: string; state: Record<string, unknown> };
  };
}

/** The engine: strategy, risk, kill switch, order intents. */
export interface EngineServes extends Protocol {
  requests: {
    ping: { input: PingInput; output: PingOutput };
  };
  events: {
    /** A closed candle for one symbol (from market-data). */
    candle: Candle;
    /** The latest prices and book for one symbol (from market-data). */
    quote: Quote;
    /** The exchange breaker changed state (from market-data); closing again triggers a reconciliation. */
    breaker: BreakerStatus;
  };
}

/** Free and locked amounts per asset, as the exchange reports them. */
export interface AccountBalances {
  free: Record<string, number>;
  used: Record<string, number>;
  /** When the exchange answered (epoch ms). */
  fetchedAt: number;
}

/** The exchange's trading rules for one symbol, from its filters. */
export interface MarketRules {
  symbol: string;
  base: string;
  quote: string;
  /** LOT_SIZE step and minimum, in base units. */
  amountStep: number;
  minAmount: number;
  /** PRICE_FILTER tick. */
  priceTick: number;
  /** MIN_NOTIONAL / NOTIONAL minimum, in quote units. */
  minNotional: number;
}

/** Market data: the only owner of ccxt. Every request goes through the breaker. */
export interface MarketDataServes extends Protocol {
  requests: {
    ping: { input: PingInput; output: PingOutput };
    /** Send an order whose intent is already journaled; answers with the exchange's report (never sends it twice). */
    'place-order': { input: OrderIntent; output: OrderReport };
    /** Look an order up by its client order id; null when the exchange does not know it. */
    'fetch-order': { input: { symbol: string; clientOrderId: string }; output: OrderReport | null };
    /** Cancel an order by client order id; answers with its final report (null when the exchange does not know it). */
    'cancel-order': { input: { symbol: string; clientOrderId: string }; output: OrderReport | null };
    /** Every open order of the configured symbols. */
    'fetch-open-orders': { input: Record<string, never>; output: OrderReport[] };
    /** Balances per asset. */
    'fetch-balance': { input: Record<string, never>; output: AccountBalances };
    /** Executions of `symbol` since `since` (epoch ms), oldest first, one per trade, tagged with their order's client id. */
    'fetch-my-trades': { input: { symbol: string; since: number }; output: Fill[] };
    /** Lot size, tick and minimum notional of each configured symbol. */
    'market-rules': { input: Record<string, never>; output: MarketRules[] };
  };
  events: Record<string, never>;
}

/** What a (re)starting engine is seeded from. */
export interface PersistedState {
  /** The last valid status.csv row, or null on a first start. */
  status: StatusSnapshot | null;
  /** Fills journaled after that row (seq > status.lastFillSeq), oldest first: replayed on top of it. */
  fillsAfter: Array<{ seq: number; fill: Fill }>;
  /** Intents with no journaled fill: the exchange is asked about each. */
  pendingIntents: OrderIntent[];
  /** The last journaled fill, if any: reconciliation asks the exchange for trades since its time. */
  lastFill: { seq: number; fill: Fill } | null;
}

/** Persistence: journal, database, status. */
export interface PersistenceServes extends Protocol {
  requests: {
    ping: { input: PingInput; output: PingOutput };
    /** Journal an order intent; answers after fsync. */
    'journal-intent': { input: OrderIntent; output: { seq: number } };
    /** Journal a fill; answers after fsync. */
    'journal-fill': { input: Fill; output: { seq: number } };
    /** Fills journaled for one order (so a fill learned twice is journaled once). */
    'fills-for-order': { input: { clientOrderId: string }; output: Fill[] };
    /** Append a status snapshot to status.csv; answers after fsync. */
    'append-status': { input: StatusSnapshot; output: { seq: number } };
    /** Everything an engine needs to restore itself. */
    'load-state': { input: Record<string, never>; output: PersistedState };
    /** Checkpoint trades.db now. */
    'checkpoint-now': { input: Record<string, never>; output: { maxSeq: number; verified: boolean } };
  };
  events: Record<string, never>;
}

/** What each worker serves to its peers, by name. */
export interface ServesByWorker {
  engine: EngineServes;
  'market-data': MarketDataServes;
  persistence: PersistenceServes;
}

/** The pairs of workers that talk; the root makes one MessageChannel per pair. */
export const PEER_LINKS: ReadonlyArray<readonly [WorkerName, WorkerName]> = [
  ['engine', 'market-data'],
  ['engine', 'persistence'],
  ['market-data', 'persistence'],
];

export function peersOf(name: WorkerName): WorkerName[] {
  return PEER_LINKS.flatMap(([a, b]) => (a === name ? [b] : b === name ? [a] : []));
}
