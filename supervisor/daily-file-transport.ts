import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import TransportStream, { type TransportStreamOptions } from 'winston-transport';

/** The UTC day stamp of a log file name: `bot_20261204.json`. */
export function dayStamp(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}

export interface DailyFileOptions {
  dir: string;
  /** Injectable so a test can cross midnight without waiting for it. */
  now: () => number;
}

/**
 * A winston transport that appends JSON lines to `bot_YYYYMMDD.json`, one file per UTC
 * day. Writes are synchronous on purpose: the root is the only writer, a log line is
 * small, and a synchronous write cannot be lost by an exit that follows it (the
 * supervisor's escalation exits must leave their reason in the file).
 */
export class DailyFileTransport extends TransportStream {
  private fd: number | null = null;
  private day = '';

  constructor(private readonly options: DailyFileOptions & TransportStreamOptions) {
    super(options);
    mkdirSync(options.dir, { recursive: true });
  }

  /** The file the next line goes to. */
  currentPath(): string {
    return join(this.options.dir, `bot_${dayStamp(this.options.now())}.json`);
  }

  override log(info: Record<string | symbol, unknown>, callback: () => void): void {
    const day = dayStamp(this.options.now());
    if (day !== this.day || this.fd === null) {
      if (this.fd !== null) closeSync(this.fd);
      this.fd = openSync(join(this.options.dir, `bot_${day}.json`), 'a', 0o640);
      this.day = day;
    }
    const line = info[Symbol.for('message')];
    writeSync(this.fd, `${typeof line === 'string' ? line : JSON.stringify(info)}\n`);
    callback();
  }

  override close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
