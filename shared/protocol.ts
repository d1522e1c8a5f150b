import type { MessagePort } from 'node:worker_threads';
import type { Candle, Fill, OrderIntent, OrderReport, Quote } from './domain.js';
import type { ErrorRecord } from './errors.js';
import type { WorkerName } from './heartbeat-layout.js';
import type { LogRecord } from './log.js';

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
  };
}

/** Market data: the only owner of ccxt. */
export interface MarketDataServes extends Protocol {
  requests: {
    ping: { input: PingInput; output: PingOutput };
    /** Send an order whose intent is already journaled; answers with the exchange's report. */
    'place-order': { input: OrderIntent; output: OrderReport };
  };
  events: Record<string, never>;
}

/** Persistence: journal, database, status. */
export interface PersistenceServes extends Protocol {
  requests: {
    ping: { input: PingInput; output: PingOutput };
    /** Journal an order intent; answers after fsync. */
    'journal-intent': { input: OrderIntent; output: { seq: number } };
    /** Journal a fill; answers after fsync. */
    'journal-fill': { input: Fill; output: { seq: number } };
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
