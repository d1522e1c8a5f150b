import type { ErrorRecord } from './errors.js';

/**
 * The three shapes every message between threads takes. Requests carry an id and get
 * exactly one reply, ok or error; events get none. The `type` of a request or event
 * is a member of the tagged union of the channel it travels on (see `protocol.ts`).
 */

export interface RequestEnvelope {
  kind: 'request';
  id: number;
  type: string;
  input: unknown;
}

export type ReplyResult = { ok: true; value: unknown } | { ok: false; error: ErrorRecord };

export interface ReplyEnvelope {
  kind: 'reply';
  id: number;
  result: ReplyResult;
}

export interface EventEnvelope {
  kind: 'event';
  type: string;
  payload: unknown;
}

export type Envelope = RequestEnvelope | ReplyEnvelope | EventEnvelope;

export function isEnvelope(value: unknown): value is Envelope {
  if (typeof value !== 'object' || value === null) return false;
  const kind = (value as { kind?: unknown }).kind;
  return kind === 'request' || kind === 'reply' || kind === 'event';
}
