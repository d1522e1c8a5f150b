import { isMainThread, parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Channel, type EventHandlers, type RequestHandlers } from '../../shared/channel.js';
import type { Config } from '../../shared/config-schema.js';
import { ErrorCode, TraderError, toErrorRecord } from '../../shared/errors.js';
import { BEAT_STATE, SLOT, type WorkerName } from '../../shared/heartbeat-layout.js';
import { HeartbeatWriter } from '../../shared/heartbeat.js';
import type { Log } from '../../shared/log.js';
import { peersOf, type Protocol, type RootServes, type ServesByWorker, type WorkerCommand, type WorkerControlServes, type WorkerStatus } from '../../shared/protocol.js';
import type { WorkerBootData } from '../../shared/worker-data.js';
import { createWorkerLogger } from './worker-logger.js';

/** What a worker's own code gets from the runtime. */
export interface WorkerContext<Name extends WorkerName> {
  name: Name;
  generation: number;
  config: Config;
  log: Log;
  /** Aborted when the root asks the worker to stop: the loop finishes what it holds and returns. */
  stopping: AbortSignal;
  /** The loop made progress: beat the heartbeat. Call it from the loop only, never from a timer. */
  progress(): void;
  /** The channel to a peer; requests on it reject while the peer is down. */
  peer<P extends WorkerName>(peer: P): Channel<ServesByWorker[Name], ServesByWorker[P]>;
  /** Publishes a named piece of state to the root's health log. */
  health(component: string, state: Record<string, unknown>): void;
}

/** What a worker's own code gives the runtime. */
export interface WorkerBody<S extends Protocol> {
  /** Every request the worker serves except `ping`, which the runtime answers on every channel. */
  requests: Omit<RequestHandlers<S>, 'ping'>;
  events: EventHandlers<S>;
  /** The worker's one loop; resolves when `stopping` is aborted and the work in hand is flushed. */
  run(): Promise<void>;
  /** The worker's view for `status` requests. */
  details(): Record<string, unknown>;
  /** Operators' commands this worker owns; any other is refused with a PROTOCOL error. */
  command?(command: WorkerCommand): Promise<unknown>;
}

/**
 * Boots a worker thread: guards against being run on the main thread, wires the control
 * channel to the root and the peer channels, turns uncaught errors into a `fatal`
 * message plus a non-zero exit, says READY, runs the loop, and says `stopped`.
 */
export async function bootWorker<Name extends WorkerName>(
  expected: Name,
  build: (ctx: WorkerContext<Name>) => Promise<WorkerBody<ServesByWorker[Name]>>,
): Promise<void> {
  if (isMainThread || !parentPort) {
    throw new TraderError(ErrorCode.PROTOCOL, `workers/${expected} is a worker thread; start the bot with node supervisor/main.js`);
  }
  const port = parentPort;
  const boot = workerData as WorkerBootData;
  if (boot.name !== expected) throw new TraderError(ErrorCode.PROTOCOL, `spawned as "${boot.name}" but this is the ${expected} worker`);

  const control = new Channel<WorkerControlServes, RootServes>({
    name: `${expected}->root`,
    requests: {
      status: () => status(),
      command: (cmd) => {
        if (!body?.command) throw new TraderError(ErrorCode.PROTOCOL, `${expected} takes no operator commands (got "${cmd.name}")`);
        return body.command(cmd);
      },
      'probe-peer': async ({ peer }) => {
        const sentAt = performance.now();
        const pong = await peerChannel(peer).request('ping', { from: expected, sentAt: Date.now() });
        return { ...pong, roundTripMs: performance.now() - sentAt };
      },
    },
    events: {
      stop: ({ reason }) => {
        log.info(`stop requested: ${reason}`);
        heartbeat.setState(BEAT_STATE.STOPPING);
        stopper.abort(reason);
      },
      'peer-port': ({ peer, port: p }) => attachPeer(peer, p),
      'peer-down': ({ peer, reason }) => peers.get(peer)?.detach(`peer ${peer} is down: ${reason}`),
    },
    onProblem: (err) => log.error(err.message, { code: err.code }),
  });
  control.attach(port, null);

  const log = createWorkerLogger((record) => control.emit('log', record), boot.config.logLevel);
  installFatalHandlers(expected, control);

  const heartbeat = new HeartbeatWriter(boot.heartbeat, SLOT[expected]);
  const stopper = new AbortController();
  let iterations = 0;
  const peers = new Map<WorkerName, Channel<Protocol, Protocol>>();
  let body: WorkerBody<ServesByWorker[Name]> | null = null;

  const peerChannel = <P extends WorkerName>(peer: P): Channel<ServesByWorker[Name], ServesByWorker[P]> => {
    const ch = peers.get(peer);
    if (!ch) throw new TraderError(ErrorCode.PEER_UNAVAILABLE, `${expected} has no channel to ${peer}`);
    return ch as unknown as Channel<ServesByWorker[Name], ServesByWorker[P]>;
  };
  // A `peer-port` can arrive while the body is still being built; it waits here.
  const earlyPorts = new Map<WorkerName, MessagePort>(Object.entries(boot.ports) as Array<[WorkerName, MessagePort]>);
  const attachPeer = (peer: WorkerName, p: MessagePort): void => {
    if (!body) {
      earlyPorts.get(peer)?.close();
      earlyPorts.set(peer, p);
      return;
    }
    const ch = peers.get(peer);
    if (!ch) {
      log.error(`got a port for ${peer}, which this worker does not talk to`);
      p.close();
      return;
    }
    ch.attach(p);
  };
  const status = (): WorkerStatus => ({ name: expected, generation: boot.generation, iterations, details: body?.details() ?? {} });

  const ctx: WorkerContext<Name> = {
    name: expected,
    generation: boot.generation,
    config: boot.config,
    log,
    stopping: stopper.signal,
    progress: () => {
      iterations++;
      heartbeat.beat();
    },
    peer: peerChannel,
    health: (component, state) => control.emit('health', { component, state }),
  };

  body = await build(ctx);
  // Every peer this worker talks to gets a channel now; its port arrives in workerData
  // (peer alive at spawn) or later in a `peer-port` event (peer spawned after us).
  const pong = () => ({ from: expected, generation: boot.generation });
  const requests = { ...body.requests, ping: pong } as RequestHandlers<ServesByWorker[Name]>;
  for (const peer of peersOf(expected)) {
    const ch = new Channel<ServesByWorker[Name], Protocol>({
      name: `${expected}->${peer}`,
      requests,
      events: body.events,
      onProblem: (err) => log.error(err.message, { code: err.code }),
    });
    peers.set(peer, ch as unknown as Channel<Protocol, Protocol>);
  }
  for (const [peer, ch] of peers) {
    const initial = earlyPorts.get(peer);
    if (initial) ch.attach(initial);
  }

  heartbeat.setState(BEAT_STATE.READY);
  ctx.progress();
  control.emit('ready', { name: expected, generation: boot.generation });
  await body.run();
  for (const ch of peers.values()) ch.close('worker stopped');
  control.emit('stopped', { name: expected });
  control.close();
  // Connections that ccxt or a timer keep open must not hold a stopped worker alive.
  process.exit(0);
}

/** An uncaught error must not vanish: tell the root why, then exit non-zero. */
function installFatalHandlers(name: WorkerName, control: Channel<WorkerControlServes, RootServes>): void {
  const die = (err: unknown): void => {
    const record = toErrorRecord(err);
    control.emit('fatal', { ...record, message: `${name}: ${record.message}${err instanceof Error && err.stack ? `\n${err.stack}` : ''}` });
    process.exit(1);
  };
  process.on('uncaughtException', die);
  process.on('unhandledRejection', die);
}
