import { BEAT_STATE, FIELD, FIELDS_PER_SLOT, HEARTBEAT_BYTES, type BeatState } from './heartbeat-layout.js';

/**
 * The writer side of a heartbeat slot. A worker calls `beat()` when its loop makes
 * progress (a tick handled, a write flushed), never from a timer: a loop stuck in a
 * busy loop or awaiting a promise that never settles must go quiet.
 */
export class HeartbeatWriter {
  private readonly table: BigInt64Array;
  private readonly base: number;

  constructor(buffer: SharedArrayBuffer, slot: number, private readonly now: () => number = Date.now) {
    this.table = new BigInt64Array(buffer);
    this.base = slot * FIELDS_PER_SLOT;
  }

  beat(): void {
    Atomics.store(this.table, this.base + FIELD.LAST_BEAT_AT, BigInt(this.now()));
    Atomics.add(this.table, this.base + FIELD.BEATS, 1n);
  }

  setState(state: BeatState): void {
    Atomics.store(this.table, this.base + FIELD.STATE, BigInt(state));
  }
}

/** One slot as the root reads it. */
export interface HeartbeatSample {
  lastBeatAt: number;
  beats: number;
  state: BeatState;
  generation: number;
}

/** The root's side of the table: it creates the buffer, resets slots on spawn and samples them. */
export class HeartbeatTable {
  readonly buffer: SharedArrayBuffer;
  private readonly table: BigInt64Array;

  constructor() {
    this.buffer = new SharedArrayBuffer(HEARTBEAT_BYTES);
    this.table = new BigInt64Array(this.buffer);
  }

  /** Called by the root just before it spawns a worker into `slot`: the new worker's lag starts now. */
  reset(slot: number, generation: number, now: number): void {
    const base = slot * FIELDS_PER_SLOT;
    Atomics.store(this.table, base + FIELD.LAST_BEAT_AT, BigInt(now));
    Atomics.store(this.table, base + FIELD.BEATS, 0n);
    Atomics.store(this.table, base + FIELD.STATE, BigInt(BEAT_STATE.STARTING));
    Atomics.store(this.table, base + FIELD.GENERATION, BigInt(generation));
  }

  read(slot: number): HeartbeatSample {
    const base = slot * FIELDS_PER_SLOT;
    return {
      lastBeatAt: Number(Atomics.load(this.table, base + FIELD.LAST_BEAT_AT)),
      beats: Number(Atomics.load(this.table, base + FIELD.BEATS)),
      state: Number(Atomics.load(this.table, base + FIELD.STATE)) as BeatState,
      generation: Number(Atomics.load(this.table, base + FIELD.GENERATION)),
    };
  }
}
