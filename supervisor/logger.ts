import winston from 'winston';
import { LEVELS, logThrough, type Level, type Log, type LogMeta, type LogRecord } from '../shared/log.js';
import { redact } from '../shared/redact.js';
import { DailyFileTransport } from './daily-file-transport.js';

export interface RootLoggerOptions {
  logsDir: string;
  level: Level;
  /** Where "now" comes from, for the file's UTC day. @default Date.now */
  now?: () => number;
  /** Write readable lines to stdout (for journald). @default true */
  console?: boolean;
}

/** The root's logger: the one writer of the log files, for itself and for every worker. */
export interface RootLogger extends Log {
  /** Writes a record that a worker sent, tagged with the worker's name. */
  fromWorker(worker: string, record: LogRecord): void;
  /** The file that lines go to now. */
  currentFile(): string;
  close(): Promise<void>;
}

const ALERT = { alert: 'CRITICAL' } as const;

/** Keeps a record's own time (it may come from a worker) and adds the alert marker to criticals. */
const stamp = winston.format((info) => {
  const { time } = info as { time?: number };
  info.timestamp = new Date(typeof time === 'number' ? time : Date.now()).toISOString();
  delete info.time;
  if (info.level === 'critical') Object.assign(info, ALERT);
  return info;
});

/** syslog priorities, for journald (sd-daemon(3) `<N>` prefixes). */
const PRIORITY: Record<string, number> = { critical: 2, error: 3, warn: 4, info: 6, debug: 7 };

/**
 * Readable lines for stdout. Under systemd (JOURNAL_STREAM is set when stdout is the journal)
 * each line starts with its syslog priority, so `journalctl -p crit` finds the CRITICAL alerts.
 */
function readable(journald: boolean): winston.Logform.Format {
  return winston.format.printf((info) => {
    const { level, message, timestamp, worker, alert: _alert, ...rest } = info as Record<string, unknown>;
    const tag = level === 'critical' ? 'CRITICAL' : String(level).toUpperCase();
    const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
    const prefix = journald ? `<${PRIORITY[String(level)] ?? 6}>` : '';
    return `${prefix}${String(timestamp)} ${tag} [${String(worker ?? 'supervisor')}] ${String(message)}${extra}`;
  });
}

export function createRootLogger(options: RootLoggerOptions): RootLogger {
  const now = options.now ?? Date.now;
  const file = new DailyFileTransport({ dir: options.logsDir, now, format: winston.format.json() });
  const transports: winston.transport[] = [file];
  if (options.console !== false) {
    transports.push(new winston.transports.Console({ format: readable(Boolean(process.env.JOURNAL_STREAM)) }));
  }
  const logger = winston.createLogger({
    levels: LEVELS,
    level: options.level,
    format: stamp(),
    transports,
  });

  const write = (level: Level, message: string, meta: LogMeta | undefined, worker = 'supervisor', time = now()): void => {
    logger.log({ level, message, ...(redact(meta ?? {}) as LogMeta), worker, time });
  };

  return {
    ...logThrough((level, message, meta) => write(level, message, meta)),
    fromWorker: (worker, record) => write(record.level, record.message, record.meta, worker, record.time),
    currentFile: () => file.currentPath(),
    close: () =>
      new Promise<void>((resolve) => {
        logger.on('finish', () => resolve());
        logger.end();
      }),
  };
}
