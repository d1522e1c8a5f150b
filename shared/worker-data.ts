import type { MessagePort } from 'node:worker_threads';
import type { Config } from './config-schema.js';
import type { WorkerName } from './heartbeat-layout.js';

/** What the root hands a worker at spawn, in `workerData` (the ports go in the transfer list). */
export interface WorkerBootData {
  name: WorkerName;
  /** 1 for the first spawn of this worker, +1 per respawn. */
  generation: number;
  config: Config;
  /** The heartbeat table; the worker writes only its own slot. */
  heartbeat: SharedArrayBuffer;
  /** One end of a fresh channel to every peer that is alive at spawn time. */
  ports: Partial<Record<WorkerName, MessagePort>>;
  /** Only for market-data: where the exchange is and the keys to it. Never logged. */
  exchange?: ExchangeEndpoint;
}

/** The exchange the market-data worker talks to: Binance itself, a testnet, or a simulator. */
export interface ExchangeEndpoint {
  /** Base URL for ccxt; null = Binance's own URLs. */
  apiUrl: string | null;
  apiKey: string;
  secret: string;
  /** What it is, for logs: `embedded simulator`, `configured endpoint`, `binance live`. */
  description: string;
}
