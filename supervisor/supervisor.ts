import { EventEmitter } from 'node:events';
import type { MessagePort } from 'node:worker_threads';
import type { Config } from '../shared/config-schema.js';
import { ErrorCode, TraderError } from '../shared/errors.js';
import { ExitCode } from '../shared/exit-codes.js';
import { SLOT, WORKER_NAMES, type WorkerName } from '../shared/heartbeat-layout.js';
import { HeartbeatTable } from '../shared/heartbeat.js';
import type { Log, LogRecord } from '../shared/log.js';
import { peersOf } from '../shared/protocol.js';
import type { ExchangeEndpoint } from '../shared/worker-data.js';
import { Child, freshChannel } from './child.js';
import { hasThread, type ChildState } from './child-state.js';
import { judgeLag } from './heartbeat-monitor.js';
import { IncidentLog, writeHealthLog, type HealthReport, type Incident, type WorkerHealth } from './health-log.js';
import { RestartPolicy } from './restart-policy.js';
import type { SdNotify } from './sd-notify.js';

export interface SupervisorLog extends Log {
  fromWorker(worker: string, record: LogRecord): void;
}

export interface SupervisorOptions {
  config: Config;
  log: SupervisorLog;
  now?: () => number;
  /** The exchange market-data talks to (embedded simulator, configured endpoint, or Binance). */
  exchange: ExchangeEndpoint;
  /** systemd's notify protocol; a no-op without NOTIFY_SOCKET. */
  notify?: SdNotify;
}

/** Events a supervisor emits; tests and the entry point wait on them instead of sleeping. */
export interface SupervisorEvents {
  ready: [{ name: WorkerName; generation: number }];
  lagging: [{ name: WorkerName; lagMs: number }];
  hung: [{ name: WorkerName; lagMs: number }];
  exit: [{ name: WorkerName; code: number; expected: boolean }];
  'respawn-scheduled': [{ name: WorkerName; delayMs: number; reason: string }];
  incident: [Incident];
  escalate: [{ reason: string; code: number }];
  stopped: [{ code: number }];
}

const START_ORDER: readonly WorkerName[] = WORKER_NAMES;
/** Start failures that only an operator can fix: they stop the tree at once instead of retrying. */
const NEEDS_OPERATOR: ReadonlySet<string> = new Set([ErrorCode.CORRUPT, ErrorCode.FORMAT_VERSION, ErrorCode.CONFIG, ErrorCode.LOCKED]);
const STOP_ORDER: readonly WorkerName[] = [...WORKER_NAMES].reverse();

/**
 * The root of the tree. Starts persistence, market-data and engine in that order (each
 * after the previous said READY), wires a MessageChannel per pair of workers that talk,
 * watches the heartbeat table, kills and respawns a hung worker, respawns a crashed one
 * with backoff, escalates past the restart intensity, and stops them in reverse order.
 * It never calls `process.exit`: `done` resolves with the exit code for the caller.
 */
export class Supervisor extends EventEmitter<SupervisorEvents> {
  readonly table = new HeartbeatTable();
  readonly incidents: IncidentLog;
  readonly done: Promise<number>;
  private readonly children = new Map<WorkerName, Child>();
  private readonly policies = new Map<WorkerName, RestartPolicy>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly readyWaiters = new Map<WorkerName, Array<{ resolve: () => void; reject: (e: Error) => void }>>();
  private readonly exitWaiters = new Map<WorkerName, Array<() => void>>();
  private monitor: NodeJS.Timeout | null = null;
  private healthTimer: NodeJS.Timeout | null = null;
  private shutdownPromise: Promise<number> | null = null;
  private resolveDone!: (code: number) => void;
  private readonly startedAt: number;
  private readonly now: () => number;
  private readonly config: Config;
  private readonly log: SupervisorLog;
  private readonly exchange: ExchangeEndpoint;
  private readonly notify: SdNotify | null;
  private wedgedChild: WorkerName | null = null;
  private healthWrite: Promise<void> = Promise.resolve();

  constructor(options: SupervisorOptions) {
    super();
    this.config = options.config;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.startedAt = this.now();
    this.incidents = new IncidentLog(options.config.supervisor.healthLog.maxIncidents);
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.exchange = options.exchange;
    this.notify = options.notify ?? null;
    for (const name of WORKER_NAMES) {
      this.children.set(name, new Child(name, new URL(`../workers/${name}/main.js`, import.meta.url), this.listener, this.log));
      this.policies.set(name, new RestartPolicy(options.config.supervisor.restart));
    }
  }

  /**
   * A terminated thread that never exited (blocked in a system call). Node cannot exit
   * normally while it lives, not even with `process.exit`, so the caller must end the
   * process by other means.
   */
  get wedged(): boolean {
    return this.wedgedChild !== null;
  }

  get stopping(): boolean {
    return this.shutdownPromise !== null;
  }

  child(name: WorkerName): Child {
    return this.children.get(name) as Child;
  }

  /** Starts every worker in order; resolves when all are READY. Rejects if the tree escalates or shuts down first. */
  async start(): Promise<void> {
    this.monitor = setInterval(() => this.sample(), this.config.supervisor.heartbeat.sampleIntervalMs);
    this.healthTimer = setInterval(() => void this.writeHealth(), this.config.supervisor.healthLog.intervalMs);
    for (const name of START_ORDER) {
      const ready = this.waitReady(name);
      this.spawn(name);
      await ready;
    }
    this.log.info('all workers ready', { generations: Object.fromEntries([...this.children].map(([n, c]) => [n, c.generation])) });
    void this.writeHealth();
    void this.notify?.ready('all workers ready');
  }

  /** Resolves the next time `name` says READY. */
  waitReady(name: WorkerName): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.stopping) return reject(new TraderError(ErrorCode.CLOSED, 'the supervisor is shutting down'));
      const list = this.readyWaiters.get(name) ?? [];
      list.push({ resolve, reject });
      this.readyWaiters.set(name, list);
    });
  }

  /** Ordered, graceful stop: engine first, persistence last; what is left at the deadline is terminated. */
  shutdown(reason: string, code: number = ExitCode.OK): Promise<number> {
    this.shutdownPromise ??= this.stopAll(reason, code);
    return this.shutdownPromise;
  }

  healthReport(): HealthReport {
    const now = this.now();
    const workers: Record<string, WorkerHealth> = {};
    for (const [name, child] of this.children) {
      const sample = this.table.read(SLOT[name]);
      const alive = hasThread(child.state);
      workers[name] = {
        state: child.state.kind,
        generation: child.generation,
        threadId: child.threadId,
        lagMs: alive ? Math.max(0, now - sample.lastBeatAt) : null,
        lastHeartbeatAt: alive || sample.lastBeatAt > 0 ? new Date(sample.lastBeatAt).toISOString() : null,
        beats: sample.beats,
        restarts: child.restarts,
        lastRestartReason: child.lastRestartReason,
        components: Object.fromEntries(child.components),
      };
    }
    const states = [...this.children.values()].map((c) => c.state.kind);
    const status: HealthReport['status'] = this.stopping
      ? [...this.children.values()].some((c) => c.state.kind === 'failed') ? 'escalating' : 'stopping'
      : states.every((s) => s === 'running')
        ? 'running'
        : states.some((s) => s === 'idle') ? 'starting' : 'degraded';
    return {
      generatedAt: new Date(now).toISOString(),
      pid: process.pid,
      uptimeMs: now - this.startedAt,
      status,
      workers,
      incidents: this.incidents.recent(),
    };
  }

  /**
   * Writes `logs/health_log.json` now (after any write in flight, so the last one wins);
   * a failure to write is logged, never thrown into the monitor.
   */
  writeHealth(): Promise<string | null> {
    const report = this.healthReport();
    const write = this.healthWrite.then(() => writeHealthLog(this.config.logsDir, report));
    this.healthWrite = write.then(
      () => undefined,
      (err: unknown) => this.log.error(`could not write the health log: ${(err as Error).message}`),
    );
    return write.catch(() => null);
  }

  private readonly listener = {
    onReady: (child: Child): void => {
      if (child.state.kind !== 'starting') return;
      child.setState({ kind: 'running', since: this.now() }, 'READY');
      this.emit('ready', { name: child.name, generation: child.generation });
      const waiters = this.readyWaiters.get(child.name) ?? [];
      this.readyWaiters.delete(child.name);
      for (const w of waiters) w.resolve();
    },
    onExit: (child: Child, code: number, state: ChildState): void => this.onExit(child, code, state),
    onLog: (child: Child, record: LogRecord): void => this.log.fromWorker(child.name, record),
    onFatal: (child: Child, error: { name: string; code: string; message: string }): void => {
      this.log.error(`${child.name} failed: ${error.message}`, { child: child.name, code: error.code });
      this.incident(child.name, 'fatal', error.message.split('\n')[0] ?? error.message);
    },
    onHealth: (): void => undefined,
  };

  private spawn(name: WorkerName): void {
    const child = this.child(name);
    const ports: Partial<Record<WorkerName, MessagePort>> = {};
    for (const peer of peersOf(name)) {
      const other = this.child(peer);
      if (other.state.kind !== 'starting' && other.state.kind !== 'running') continue;
      const { mine, theirs } = freshChannel();
      ports[peer] = mine;
      other.sendPeerPort(name, theirs);
    }
    this.table.reset(SLOT[name], child.generation + 1, this.now());
    child.spawn(this.config, this.table.buffer, ports, this.now(), name === 'market-data' ? this.exchange : undefined);
    const generation = child.generation;
    this.later(this.config.supervisor.readyTimeoutMs, () => {
      if (child.state.kind === 'starting' && child.generation === generation) {
        this.incident(name, 'start-failure', `no READY within ${this.config.supervisor.readyTimeoutMs} ms`);
        this.kill(child, `no READY within supervisor.readyTimeoutMs (${this.config.supervisor.readyTimeoutMs} ms)`);
      }
    });
  }

  /** Samples the heartbeat table: warn on lag, kill on a hang. Keeps systemd's watchdog fed only while it runs. */
  private sample(): void {
    void this.notify?.watchdog();
    const now = this.now();
    const thresholds = this.config.supervisor.heartbeat;
    for (const [name, child] of this.children) {
      if (child.state.kind !== 'running') continue;
      const lagMs = now - this.table.read(SLOT[name]).lastBeatAt;
      switch (judgeLag(lagMs, thresholds)) {
        case 'healthy':
          child.warned = false;
          break;
        case 'lagging':
          if (child.warned) break;
          child.warned = true;
          this.log.warn(`${name} heartbeat lags ${lagMs} ms (warn after ${thresholds.warnAfterMs} ms)`, { child: name, lagMs });
          this.incident(name, 'hang-warning', `heartbeat lag ${lagMs} ms > warnAfterMs ${thresholds.warnAfterMs}`);
          this.emit('lagging', { name, lagMs });
          break;
        case 'hung':
          this.log.error(`${name} is hung: heartbeat lag ${lagMs} ms > killAfterMs ${thresholds.killAfterMs}; terminating and respawning`, { child: name, lagMs });
          this.incident(name, 'hang-kill', `heartbeat lag ${lagMs} ms > killAfterMs ${thresholds.killAfterMs}`);
          this.emit('hung', { name, lagMs });
          this.kill(child, `hung: heartbeat lag ${lagMs} ms > killAfterMs ${thresholds.killAfterMs}`);
          break;
      }
    }
  }

  /** Terminates a thread and bounds the wait: a thread stuck in native code cannot be stopped in place. */
  private kill(child: Child, reason: string): void {
    const generation = child.generation;
    child.terminate(reason, this.now());
    const bound = this.config.supervisor.terminateTimeoutMs;
    this.later(bound, () => {
      if (child.generation !== generation || child.state.kind !== 'terminating') return;
      const why = `${child.name} did not exit within ${bound} ms of terminate() (stuck in native code?); exiting so systemd restarts the process`;
      this.log.critical(why, { child: child.name });
      this.wedgedChild = child.name;
      this.incident(child.name, 'wedged', why);
      child.setState({ kind: 'failed', since: this.now(), reason: why }, why);
      this.escalate(why);
    });
  }

  private onExit(child: Child, code: number, state: ChildState): void {
    const name = child.name;
    const expected = state.kind === 'stopping' || this.stopping;
    this.emit('exit', { name, code, expected });
    const waiters = this.exitWaiters.get(name) ?? [];
    this.exitWaiters.delete(name);
    for (const w of waiters) w();
    for (const peer of peersOf(name)) this.child(peer).sendPeerDown(name, `exited with code ${code}`);
    if (expected) {
      child.setState({ kind: 'stopped', since: this.now() }, `exited with code ${code}`);
      return;
    }
    const reason =
      state.kind === 'terminating' ? state.reason : state.kind === 'starting' ? `failed before READY (exit code ${code})` : `crashed (exit code ${code})`;
    if (state.kind !== 'terminating') this.incident(name, state.kind === 'starting' ? 'start-failure' : 'crash', reason);
    const fatal = child.lastFatal;
    if (state.kind === 'starting' && fatal && NEEDS_OPERATOR.has(fatal.code)) {
      // A corrupt journal row or a file from a newer release: a restart would fail the same way.
      const why = `${name} cannot start: ${fatal.message.split('\n')[0] ?? fatal.message}; not restarting, an operator must act`;
      child.setState({ kind: 'failed', since: this.now(), reason: why }, why);
      this.log.critical(why, { child: name, code: fatal.code });
      this.incident(name, 'escalation', why);
      this.escalate(why, ExitCode.DATA);
      return;
    }
    const upFor = state.kind === 'running' ? this.now() - state.since : 0;
    const decision = this.policies.get(name)!.onFailure(this.now(), upFor);
    if (decision.action === 'escalate') {
      const why = `${name} failed ${decision.restartsInWindow} times within supervisor.restart.periodMs (${this.config.supervisor.restart.periodMs} ms), more than maxRestarts ${this.config.supervisor.restart.maxRestarts}: ${reason}`;
      child.setState({ kind: 'failed', since: this.now(), reason: why }, why);
      this.log.critical(`escalating: ${why}`, { child: name });
      this.incident(name, 'escalation', why);
      this.escalate(why);
      return;
    }
    child.restarts++;
    child.lastRestartReason = reason;
    const until = this.now() + decision.delayMs;
    child.setState({ kind: 'backoff', since: this.now(), until, reason }, `respawn in ${decision.delayMs} ms`);
    this.log.warn(`${name} will be respawned in ${decision.delayMs} ms: ${reason}`, { child: name, delayMs: decision.delayMs, restartsInWindow: decision.restartsInWindow });
    this.emit('respawn-scheduled', { name, delayMs: decision.delayMs, reason });
    this.later(decision.delayMs, () => {
      if (this.stopping || child.state.kind !== 'backoff') return;
      this.incident(name, 'respawn', `generation ${child.generation + 1} after: ${reason}`);
      this.spawn(name);
    });
  }

  private escalate(reason: string, code: number = ExitCode.ESCALATED): void {
    if (this.stopping) return;
    this.emit('escalate', { reason, code });
    void this.shutdown(`escalation: ${reason}`, code);
  }

  private async stopAll(reason: string, code: number): Promise<number> {
    this.log.info(`shutting down: ${reason}`);
    void this.notify?.stopping(`shutting down: ${reason}`);
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const [name, waiters] of this.readyWaiters) {
      for (const w of waiters) w.reject(new TraderError(ErrorCode.CLOSED, `shutdown before ${name} was ready: ${reason}`));
    }
    this.readyWaiters.clear();
    const deadline = this.now() + this.config.supervisor.shutdownTimeoutMs;
    for (const name of STOP_ORDER) {
      const child = this.child(name);
      if (child.state.kind === 'backoff' || child.state.kind === 'idle') {
        child.setState({ kind: 'stopped', since: this.now() }, 'shutdown while not running');
        continue;
      }
      if (!hasThread(child.state)) continue;
      const exited = this.waitExit(name);
      if (child.state.kind === 'starting' || child.state.kind === 'running') child.requestStop(reason, this.now());
      const inTime = await this.within(exited, deadline - this.now());
      if (!inTime) {
        this.log.error(`${name} did not stop within supervisor.shutdownTimeoutMs; terminating it`, { child: name });
        child.terminate('out of shutdown time', this.now());
        await this.within(exited, this.config.supervisor.terminateTimeoutMs);
      }
    }
    if (this.monitor) clearInterval(this.monitor);
    if (this.healthTimer) clearInterval(this.healthTimer);
    await this.writeHealth();
    this.log.info(`stopped (exit code ${code})`);
    this.emit('stopped', { code });
    this.resolveDone(code);
    return code;
  }

  private waitExit(name: WorkerName): Promise<void> {
    return new Promise((resolve) => {
      const list = this.exitWaiters.get(name) ?? [];
      list.push(resolve);
      this.exitWaiters.set(name, list);
    });
  }

  /** True if `promise` settled within `ms`. */
  private async within(promise: Promise<void>, ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
    const result = await Promise.race([promise.then(() => true as const), timeout]);
    clearTimeout(timer);
    return result;
  }

  private incident(worker: string, kind: Incident['kind'], message: string): void {
    const incident: Incident = { at: new Date(this.now()).toISOString(), worker, kind, message };
    this.incidents.add(incident);
    this.emit('incident', incident);
    void this.writeHealth();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }
}
