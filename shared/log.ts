/**
 * The logging vocabulary every thread shares. A CRITICAL alert is its own level,
 * above error, and every critical record also carries `alert: "CRITICAL"` so an operator
 * can grep for either.
 */

export const LEVELS = { critical: 0, error: 1, warn: 2, info: 3, debug: 4 } as const;
export type Level = keyof typeof LEVELS;

export type LogMeta = Record<string, unknown>;

/** What plain modules take: they never know whether they log from the root or a worker. */
export interface Log {
  debug(message: string, meta?: LogMeta): void;
  info(message: string, meta?: LogMeta): void;
  warn(message: string, meta?: LogMeta): void;
  error(message: string, meta?: LogMeta): void;
  critical(message: string, meta?: LogMeta): void;
}

/** One log record as it crosses from a worker to the root's single writer. */
export interface LogRecord {
  level: Level;
  message: string;
  /** Epoch ms when the record was made (in the worker), so ordering survives the hop. */
  time: number;
  meta?: LogMeta;
}

export function isLevel(value: unknown): value is Level {
  return typeof value === 'string' && value in LEVELS;
}

/** True when a record at `level` passes a logger set to `threshold`. */
export function passes(level: Level, threshold: Level): boolean {
  return LEVELS[level] <= LEVELS[threshold];
}

/** A `Log` whose every level goes through one `write`: the root's and the workers' loggers share it. */
export function logThrough(write: (level: Level, message: string, meta?: LogMeta) => void): Log {
  return {
    debug: (m, meta) => write('debug', m, meta),
    info: (m, meta) => write('info', m, meta),
    warn: (m, meta) => write('warn', m, meta),
    error: (m, meta) => write('error', m, meta),
    critical: (m, meta) => write('critical', m, meta),
  };
}
