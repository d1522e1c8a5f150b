import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { Channel } from '../shared/channel.js';
import type { Config } from '../shared/config-schema.js';
import type { ErrorRecord } from '../shared/errors.js';
import type { WorkerName } from '../shared/heartbeat-layout.js';
import type { Log, LogRecord } from '../shared/log.js';
import type { RootServes, WorkerControlServes } from '../shared/protocol.js';
import type { ExchangeEndpoint, WorkerBootData } from '../shared/worker-data.js';
import type { ChildState } from './child-state.js';

/** What the supervisor hears from a child. */
export interface ChildListener {
  onReady(child: Child): void;
  onExit(child: Child, code: number, state: ChildState): void;
  onLog(child: Child, record: LogRecord): void;
  onFatal(child: Child, error: ErrorRecord): void;
  onHealth(child: Child, component: string, state: Record<string, unknown>): void;
}

/**
 * One supervised worker slot: its thread (if any), its control channel, its state and
 * its restart bookkeeping. A respawn reuses the slot with a new generation.
 */
export class Child {
  state: ChildState = { kind: 'idle' };
  generation = 0;
  restarts = 0;
  lastRestartReason: string | null = null;
  lastExitCode: number | null = null;
  /** The last `fatal` the current thread reported, if any (cleared at each spawn). */
  lastFatal: ErrorRecord | null = null;
  /** Warned about lag in the current episode (reset when the lag clears). */
  warned = false;
  /** Health fragments the worker published (breaker, kill switch, ...). */
  readonly components = new Map<string, Record<string, unknown>>();
  private worker: Worker | null = null;
  readonly control: Channel<RootServes, WorkerControlServes>;

  constructor(
    readonly name: WorkerName,
    private readonly file: URL,
    private readonly listener: ChildListener,
    private readonly log: Log,
  ) {
    this.control = new Channel<RootServes, WorkerControlServes>({
      name: `root->${name}`,
      requests: {},
      events: {
        ready: () => this.listener.onReady(this),
        log: (record) => this.listener.onLog(this, record),
        fatal: (error) => {
          this.lastFatal = error;
          this.listener.onFatal(this, error);
        },
        stopped: () => undefined,
        health: ({ component, state }) => {
          this.components.set(component, state);
          this.listener.onHealth(this, component, state);
        },
      },
      onProblem: (err) => this.log.error(err.message, { child: name, code: err.code }),
    });
  }

  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  setState(next: ChildState, why: string): void {
    const prev = this.state.kind;
    this.state = next;
    this.log.info(`${this.name}: ${prev} -> ${next.kind} (${why})`, { child: this.name, from: prev, to: next.kind, generation: this.generation });
  }

  /** Starts a new thread with `ports` (one end of a fresh channel per live peer). */
  spawn(config: Config, heartbeat: SharedArrayBuffer, ports: Partial<Record<WorkerName, MessagePort>>, now: number, exchange?: ExchangeEndpoint): void {
    this.generation++;
    this.warned = false;
    this.lastFatal = null;
    this.components.clear();
    const data: WorkerBootData = { name: this.name, generation: this.generation, config, heartbeat, ports };
    if (exchange) data.exchange = exchange;
    const worker = new Worker(this.file, { workerData: data, transferList: Object.values(ports) });
    this.worker = worker;
    this.control.attach(worker, null);
    worker.on('error', (err) => {
      // An error thrown while the module loads never reaches the worker's own handlers.
      if (this.worker !== worker) return;
      this.lastFatal = { name: err.name, code: (err as { code?: string }).code ?? 'ERR_WORKER', message: `${this.name}: ${err.message}` };
      this.listener.onFatal(this, this.lastFatal);
    });
    worker.once('exit', (code) => {
      if (this.worker !== worker) return;
      this.worker = null;
      this.lastExitCode = code;
      this.control.detach(`${this.name} exited with code ${code}`);
      this.listener.onExit(this, code, this.state);
    });
    this.setState({ kind: 'starting', since: now }, `generation ${this.generation} spawned`);
  }

  /** Asks the worker to finish, flush and exit. */
  requestStop(reason: string, now: number): void {
    if (!this.worker) return;
    this.setState({ kind: 'stopping', since: now, reason }, reason);
    this.control.emit('stop', { reason });
  }

  /** Stops the thread at once. It may not exit if it is stuck in native code; the caller bounds the wait. */
  terminate(reason: string, now: number): void {
    if (!this.worker) return;
    this.setState({ kind: 'terminating', since: now, reason }, reason);
    void this.worker.terminate().catch((err: unknown) => this.log.error(`${this.name}: terminate failed: ${(err as Error).message}`));
  }

  /** Hands this worker one end of a new channel to `peer`. */
  sendPeerPort(peer: WorkerName, port: MessagePort): boolean {
    return this.control.emit('peer-port', { peer, port }, [port]);
  }

  sendPeerDown(peer: WorkerName, reason: string): void {
    this.control.emit('peer-down', { peer, reason });
  }
}

/** A fresh channel between two workers: one end for each. */
export function freshChannel(): { mine: MessagePort; theirs: MessagePort } {
  const { port1, port2 } = new MessageChannel();
  return { mine: port1, theirs: port2 };
}
