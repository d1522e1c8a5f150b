/**
 * Names the slots of the heartbeat table: one SharedArrayBuffer that every worker
 * writes and the root reads. Nothing else lives here, so the layout can be read in
 * one glance (in the manner of pino's thread-stream `indexes.js`).
 *
 * Each worker owns one slot of FIELDS_PER_SLOT 64-bit integers. BigInt64Array is
 * used because Atomics works on it and epoch milliseconds do not fit in 32 bits.
 */

export const WORKER_NAMES = ['persistence', 'market-data', 'engine'] as const;
export type WorkerName = (typeof WORKER_NAMES)[number];

/** Slot index of each worker, in start order. */
export const SLOT: Readonly<Record<WorkerName, number>> = {
  persistence: 0,
  'market-data': 1,
  engine: 2,
};

/** Field offsets inside a slot. */
export const FIELD = {
  /** Epoch ms of the last time the worker's loop made progress. */
  LAST_BEAT_AT: 0,
  /** How many times the loop made progress since the worker started. */
  BEATS: 1,
  /** A WorkerBeatState code (see below). */
  STATE: 2,
  /** The worker's generation (how many times this slot's worker was spawned). */
  GENERATION: 3,
} as const;

export const FIELDS_PER_SLOT = 4;
export const SLOT_COUNT = WORKER_NAMES.length;
export const HEARTBEAT_BYTES = SLOT_COUNT * FIELDS_PER_SLOT * BigInt64Array.BYTES_PER_ELEMENT;

/** What a worker says about itself in its slot. */
export const BEAT_STATE = {
  EMPTY: 0,
  STARTING: 1,
  READY: 2,
  STOPPING: 3,
} as const;
export type BeatState = (typeof BEAT_STATE)[keyof typeof BEAT_STATE];
