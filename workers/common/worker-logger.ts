import { logThrough, passes, type Level, type Log, type LogMeta, type LogRecord } from '../../shared/log.js';

/**
 * A worker's logger: records go to the root, which is the single writer of the log
 * files, so lines from different threads never interleave. Filtering by level happens
 * here, so debug records do not cross the thread boundary for nothing.
 */
export function createWorkerLogger(send: (record: LogRecord) => void, threshold: Level): Log {
  const write = (level: Level, message: string, meta?: LogMeta): void => {
    if (!passes(level, threshold)) return;
    const record: LogRecord = { level, message, time: Date.now() };
    if (meta) record.meta = toCloneable(meta);
    send(record);
  };
  return logThrough(write);
}

/** Errors and other non-plain values do not survive structured clone the way a log wants them. */
function toCloneable(meta: LogMeta): LogMeta {
  const out: LogMeta = {};
  for (const [k, v] of Object.entries(meta)) {
    out[k] = v instanceof Error ? { name: v.name, message: v.message, code: (v as { code?: unknown }).code, stack: v.stack } : v;
  }
  return out;
}
