/**
 * The logger the persistence modules take. It is the subset of `shared/log.ts`'s `Log`
 * these modules need, so any shared logger fits and tests can pass a recording one.
 * `critical` is the CRITICAL alert of the runbook (database switched, journal recreated).
 */
export type LogMeta = Record<string, unknown>;

export interface Log {
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  critical(message: string, meta?: LogMeta): void;
}
