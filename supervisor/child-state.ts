/** The lifecycle of one supervised worker slot, as the root sees it. Logged on every transition. */
export type ChildState =
  /** Not spawned yet. */
  | { kind: 'idle' }
  /** Spawned; waiting for READY within `readyTimeoutMs`. */
  | { kind: 'starting'; since: number }
  /** READY and beating; the heartbeat monitor watches it. */
  | { kind: 'running'; since: number }
  /** Asked to stop (shutdown); waiting for it to flush and exit. */
  | { kind: 'stopping'; since: number; reason: string }
  /** Terminated by the root (hung, or out of shutdown time); waiting `terminateTimeoutMs` for the thread to exit. */
  | { kind: 'terminating'; since: number; reason: string }
  /** Exited unexpectedly; respawns at `until`. */
  | { kind: 'backoff'; since: number; until: number; reason: string }
  /** Exited after a requested stop. */
  | { kind: 'stopped'; since: number }
  /** Given up on: the root is escalating. */
  | { kind: 'failed'; since: number; reason: string };

export type ChildStateKind = ChildState['kind'];

/** States in which a thread exists. */
export function hasThread(state: ChildState): boolean {
  return state.kind === 'starting' || state.kind === 'running' || state.kind === 'stopping' || state.kind === 'terminating';
}
