import type { Log as SharedLog } from '../../shared/log.js';

/**
 * The logger the persistence modules take: the part of the shared `Log` they use, so any
 * shared logger fits and tests can pass a recording one. `critical` is the runbook's
 * CRITICAL alert (database switched, journal recreated).
 */
export type Log = Pick<SharedLog, 'info' | 'warn' | 'error' | 'critical'>;
export type { LogMeta } from '../../shared/log.js';
