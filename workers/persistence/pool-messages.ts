/** The tasks the persistence pool runs, and their answers. */
import type { ErrorRecord } from '../../shared/errors.js';
import type { ReplayInput, ReplayOutput } from './replay.js';

export type PoolTask =
  /** Build a trades.db image from a base file and the journal. */
  | { type: 'replay'; input: ReplayInput }
  /** Check a trades.db file on disk: header, schema version, integrity_check. */
  | { type: 'inspect'; path: string };

export type PoolResult = { ok: true; value: ReplayOutput | InspectOutput } | { ok: false; error: ErrorRecord };

/** `problem` is null when the file can serve as trades.db. */
export interface InspectOutput {
  problem: string | null;
}
