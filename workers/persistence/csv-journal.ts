/**
 * An append-only CSV journal: the one code path behind trades.csv, intents.csv and
 * status.csv. `append` resolves only after the rows are fsync'd; appends that arrive while
 * a flush is in flight queue up and share the next fsync (group commit), and none is
 * acknowledged before the fsync that covers it. Opening sets a torn tail aside beside the
 * file (`<file>.torn-<UTC time>`) and truncates back to the last good line.
 */
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import { utcStamp, writeFileAtomic } from '../../shared/atomic-file.js';
import { encodeHeader, encodeRows, scanCsv, type CsvFormat, type JournalEntry, type ScanMode, type ScanResult } from './csv-format.js';
import type { Log } from './log.js';

export interface CsvJournalOptions {
  /** @default 'strict' */
  mode?: ScanMode;
  /** A scan of the file made elsewhere (the pool), trusted when the file size still matches. */
  scanned?: ScanResult;
}

interface Pending {
  data: string;
  seqs: number[];
  resolve: (seqs: number[]) => void;
  reject: (err: Error) => void;
}

export class CsvJournal<T> {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private failure: Error | null = null;
  private closed = false;
  private flushes = 0;

  private constructor(
    readonly path: string,
    private readonly format: CsvFormat<T>,
    private readonly handle: FileHandle,
    private seq: number,
    /** What the open found: rows, torn tail, skipped lines. */
    readonly scan: ScanResult,
  ) {}

  /** Opens (creating it with its header when missing) and repairs a torn tail. */
  static async open<T>(path: string, format: CsvFormat<T>, log: Log, options: CsvJournalOptions = {}): Promise<CsvJournal<T>> {
    const mode = options.mode ?? 'strict';
    let scan = await scanFile(path, format, mode, options.scanned);
    if (scan === null) {
      await writeFileAtomic(path, encodeHeader(format));
      log.info(`${format.name}: created ${path}`);
      scan = scanCsv(Buffer.from(encodeHeader(format)), format, mode);
    }
    if (scan.torn) await setTornTailAside(path, format, scan, log);
    if (!scan.hasHeader) await appendDurably(path, encodeHeader(format));
    const handle = await open(path, 'a');
    return new CsvJournal(path, format, handle, scan.lastSeq, scan);
  }

  /** Seq of the last row appended (acknowledged or still queued); 0 for an empty journal. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Appends `records` and resolves with their seqs once they are on disk (fsync'd). A record
   * that would not read back (NaN, empty symbol, ...) is refused before it takes a seq,
   * because a bad row in the middle would stop the next start.
   */
  append(records: readonly T[]): Promise<number[]> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new TraderError(ErrorCode.CLOSED, `${this.format.name} is closed`));
    if (records.length === 0) return Promise.resolve([]);
    let entries: Array<JournalEntry<T>>;
    try {
      for (const record of records) this.format.decode(this.format.encode(record));
      entries = records.map((record, i) => ({ seq: this.seq + 1 + i, record }));
    } catch (err) {
      return Promise.reject(
        new TraderError(ErrorCode.CORRUPT, `${this.format.name}: refused a record that would not read back: ${(err as Error).message}`, { cause: err }),
      );
    }
    this.seq += records.length;
    const data = encodeRows(this.format, entries);
    return new Promise((resolve, reject) => {
      this.queue.push({ data, seqs: entries.map((e) => e.seq), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** fsyncs done by appends so far: fewer than appends when group commit shared them. */
  get flushCount(): number {
    return this.flushes;
  }

  /** Every row on disk (acknowledged ones; queued ones are not there yet). */
  async readAll(): Promise<Array<JournalEntry<T>>> {
    const entries: Array<JournalEntry<T>> = [];
    scanCsv(await readFile(this.path), this.format, 'strict', (seq, record) => entries.push({ seq, record }));
    return entries;
  }

  /** Waits for queued appends, then closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.flushing;
    await this.handle.close();
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0);
      try {
        await writeAll(this.handle, Buffer.from(batch.map((p) => p.data).join('')));
        await this.handle.sync();
        this.flushes += 1;
      } catch (err) {
        // The tail may now be half written: refuse everything until a reopen repairs it.
        this.failure = new TraderError(ErrorCode.CLOSED, `${this.format.name}: write failed, reopen to recover: ${(err as Error).message}`, {
          cause: err,
        });
        for (const p of [...batch, ...this.queue.splice(0)]) p.reject(this.failure);
        break;
      }
      for (const p of batch) p.resolve(p.seqs);
    }
    this.flushing = null;
  }
}

async function scanFile<T>(path: string, format: CsvFormat<T>, mode: ScanMode, scanned?: ScanResult): Promise<ScanResult | null> {
  const size = await stat(path).then(
    (s) => s.size,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    },
  );
  if (size === null) return null;
  if (scanned && scanned.totalBytes === size) return scanned;
  return scanCsv(await readFile(path), format, mode, undefined, `${format.name} ${path}`);
}

async function setTornTailAside<T>(path: string, format: CsvFormat<T>, scan: ScanResult, log: Log): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const tail = Buffer.alloc(scan.totalBytes - scan.goodBytes);
    await handle.read(tail, 0, tail.length, scan.goodBytes);
    const aside = `${path}.torn-${utcStamp()}`;
    await writeFileAtomic(aside, tail);
    await handle.truncate(scan.goodBytes);
    await handle.sync();
    log.warn(`${format.name}: torn tail from line ${scan.torn?.line} (${scan.torn?.reason}) moved to ${aside}; journal truncated to its last good line`, {
      path,
      aside,
      bytes: tail.length,
      line: scan.torn?.line,
    });
  } finally {
    await handle.close();
  }
}

async function appendDurably(path: string, data: string): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await writeAll(handle, Buffer.from(data));
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  for (let off = 0; off < data.length; ) {
    const { bytesWritten } = await handle.write(data, off, data.length - off);
    off += bytesWritten;
  }
}
