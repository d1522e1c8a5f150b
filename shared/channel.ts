import type { Transferable } from 'node:worker_threads';
import { isEnvelope, type Envelope, type ReplyResult } from './envelope.js';
import { ErrorCode, TraderError, fromErrorRecord, toErrorRecord, type ErrorCode as Code } from './errors.js';
import type { Protocol } from './protocol.js';

/** What a channel needs of a port: a MessagePort, a worker's parentPort, or a Worker. */
export interface PortLike {
  postMessage(value: unknown, transferList?: readonly Transferable[]): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

type Requests<P extends Protocol> = P['requests'];
type Events<P extends Protocol> = P['events'];

export type RequestHandlers<P extends Protocol> = {
  [K in keyof Requests<P>]: (input: Requests<P>[K]['input']) => Requests<P>[K]['output'] | Promise<Requests<P>[K]['output']>;
};
export type EventHandlers<P extends Protocol> = {
  [K in keyof Events<P>]: (payload: Events<P>[K]) => void;
};

export interface ChannelOptions<Local extends Protocol> {
  /** Shown in every error, e.g. `engine->market-data`. */
  name: string;
  requests: RequestHandlers<Local>;
  events: EventHandlers<Local>;
  /** Told about messages that break the protocol (unknown type, stray reply, handler error on an event). */
  onProblem: (error: TraderError) => void;
}

interface Pending {
  type: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * One end of a typed, request/reply channel over a port. `Local` is what this end
 * serves; `Remote` is what the other end serves. A port can be swapped (the peer was
 * respawned): every request pending on the old one is rejected with PEER_EXITED, so
 * nothing waits forever on a dead thread. `close()` is idempotent.
 */
export class Channel<Local extends Protocol, Remote extends Protocol> {
  private port: PortLike | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  private readonly onMessage = (value: unknown): void => this.receive(value);
  private readonly onPortClosed = (): void => this.detach('the peer closed the channel (thread exited)');

  constructor(private readonly options: ChannelOptions<Local>) {}

  get name(): string {
    return this.options.name;
  }

  get connected(): boolean {
    return this.port !== null;
  }

  /** Starts using `port`; a port already attached is dropped first (its pending requests fail). */
  attach(port: PortLike, closeEvent: 'close' | 'exit' | null = 'close'): void {
    if (this.closed) throw new TraderError(ErrorCode.CLOSED, `${this.name}: channel is closed`);
    this.detach('the peer was replaced');
    this.port = port;
    port.on('message', this.onMessage);
    if (closeEvent) port.on(closeEvent, this.onPortClosed);
  }

  /** Stops using the current port and rejects everything still pending on it. */
  detach(reason: string, code: Code = ErrorCode.PEER_EXITED): void {
    const port = this.port;
    if (port) {
      port.off('message', this.onMessage);
      port.off('close', this.onPortClosed);
      port.off('exit', this.onPortClosed);
      // Closing our end tells a live peer at once (its port emits 'close'); a Worker has no close().
      (port as { close?: () => void }).close?.();
      this.port = null;
    }
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new TraderError(code, `${this.name}: request "${p.type}" #${id} was not answered: ${reason}`));
    }
  }

  /** Sends a request; resolves with the reply's value or rejects with the reply's error. */
  request<K extends keyof Requests<Remote> & string>(
    type: K,
    input: Requests<Remote>[K]['input'],
    options: { timeoutMs?: number; transfer?: readonly Transferable[] } = {},
  ): Promise<Requests<Remote>[K]['output']> {
    const port = this.port;
    if (!port) {
      return Promise.reject(new TraderError(ErrorCode.PEER_UNAVAILABLE, `${this.name}: no peer connected for request "${type}"`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const pending: Pending = { type, resolve, reject };
      if (options.timeoutMs !== undefined) {
        pending.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new TraderError(ErrorCode.TIMEOUT, `${this.name}: request "${type}" #${id} got no answer within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(id, pending);
      const envelope: Envelope = { kind: 'request', id, type, input };
      port.postMessage(envelope, options.transfer);
    });
  }

  /** Sends an event; false when no peer is connected (the caller decides whether that matters). */
  emit<K extends keyof Events<Remote> & string>(type: K, payload: Events<Remote>[K], transfer?: readonly Transferable[]): boolean {
    if (!this.port) return false;
    const envelope: Envelope = { kind: 'event', type, payload };
    this.port.postMessage(envelope, transfer);
    return true;
  }

  /** How many requests wait for an answer. */
  get pendingCount(): number {
    return this.pending.size;
  }

  close(reason = 'the channel was closed'): void {
    if (this.closed) return;
    this.detach(reason, ErrorCode.CLOSED);
    this.closed = true;
  }

  private receive(value: unknown): void {
    if (!isEnvelope(value)) {
      this.problem(`received a message that is not an envelope: ${describe(value)}`);
      return;
    }
    switch (value.kind) {
      case 'request':
        this.serve(value.id, value.type, value.input);
        return;
      case 'reply':
        this.settle(value.id, value.result);
        return;
      case 'event':
        this.deliver(value.type, value.payload);
        return;
      default:
        assertNever(value);
    }
  }

  private serve(id: number, type: string, input: unknown): void {
    const handler = (this.options.requests as Record<string, ((input: unknown) => unknown) | undefined>)[type];
    const reply = (result: ReplyResult): void => {
      const envelope: Envelope = { kind: 'reply', id, result };
      this.port?.postMessage(envelope);
    };
    if (!handler) {
      const error = new TraderError(ErrorCode.PROTOCOL, `${this.name}: unknown request type "${type}"`);
      this.options.onProblem(error);
      reply({ ok: false, error: toErrorRecord(error) });
      return;
    }
    let outcome: unknown;
    try {
      outcome = handler(input);
    } catch (err) {
      reply({ ok: false, error: toErrorRecord(err) });
      return;
    }
    Promise.resolve(outcome).then(
      (value) => reply({ ok: true, value }),
      (err: unknown) => reply({ ok: false, error: toErrorRecord(err) }),
    );
  }

  private settle(id: number, result: ReplyResult): void {
    const pending = this.pending.get(id);
    if (!pending) {
      this.problem(`received a reply to request #${id}, which is not pending`);
      return;
    }
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    if (result.ok) pending.resolve(result.value);
    else pending.reject(fromErrorRecord(result.error));
  }

  private deliver(type: string, payload: unknown): void {
    const handler = (this.options.events as Record<string, ((payload: unknown) => void) | undefined>)[type];
    if (!handler) {
      this.problem(`unknown event type "${type}"`);
      return;
    }
    try {
      handler(payload);
    } catch (err) {
      this.options.onProblem(new TraderError(ErrorCode.HANDLER, `${this.name}: handler of event "${type}" threw: ${(err as Error).message}`, { cause: err }));
    }
  }

  private problem(message: string): void {
    this.options.onProblem(new TraderError(ErrorCode.PROTOCOL, `${this.name}: ${message}`));
  }
}

export function assertNever(value: never): never {
  throw new TraderError(ErrorCode.PROTOCOL, `unexpected message: ${describe(value)}`);
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 200);
  } catch {
    return String(value);
  }
}
