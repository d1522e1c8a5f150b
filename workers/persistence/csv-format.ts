/**
 * One CSV file format, parametrised by columns, and the scan that reads it back. The
 * trades journal, the intents journal and status.csv are all this format: a header row
 * `seq,<columns>` that doubles as the format version marker, then one row per record,
 * written and read by papaparse only (no hand quoting), `\n` line ends, UTF-8.
 */
import Papa from 'papaparse';
import { ErrorCode, TraderError } from '../../shared/errors.js';

export interface CsvFormat<T> {
  /** Names the file in messages and alerts, e.g. `trades journal`. */
  readonly name: string;
  /** Columns after `seq`. The whole header row is the version marker of the format. */
  readonly columns: readonly string[];
  /** The cells of `record`, in `columns` order. */
  encode(record: T): string[];
  /** The record in `cells` (in `columns` order); throws an Error saying what is wrong. */
  decode(cells: readonly string[]): T;
}

export interface JournalEntry<T> {
  seq: number;
  record: T;
}

/** strict: a bad row before the last one is corruption (journals). lenient: it is skipped with a warning (status). */
export type ScanMode = 'strict' | 'lenient';

export interface ScanResult {
  /** Length in bytes of the good prefix: the header and every accepted row up to the torn tail. */
  goodBytes: number;
  totalBytes: number;
  /** Seq of the last accepted row; 0 when there is none. */
  lastSeq: number;
  rows: number;
  /** False when the file holds no complete header line (empty, or torn while it was being created). */
  hasHeader: boolean;
  /** What lies after `goodBytes`, when anything does: the line it starts on and why it is set aside. */
  torn: { line: number; reason: string } | null;
  /** Lenient mode only: complete rows that did not validate, by 1-based line number, with the count of good rows before each. */
  skipped: Array<{ line: number; reason: string; afterRows: number }>;
}

export function headerOf(format: CsvFormat<unknown>): string[] {
  return ['seq', ...format.columns];
}

const UNPARSE = { newline: '\n', delimiter: ',', header: false } as const;

/** The CSV text of `entries`, each row ending in `\n`. */
export function encodeRows<T>(format: CsvFormat<T>, entries: ReadonlyArray<JournalEntry<T>>): string {
  if (entries.length === 0) return '';
  const rows = entries.map((e) => [String(e.seq), ...format.encode(e.record)]);
  return `${Papa.unparse(rows, UNPARSE)}\n`;
}

export function encodeHeader(format: CsvFormat<unknown>): string {
  return `${Papa.unparse([headerOf(format)], UNPARSE)}\n`;
}

const NEWLINE = 0x0a;

/**
 * Reads a whole file image: checks the header, validates each row, calls `onEntry` for each
 * accepted one, and locates a torn tail (a last line without `\n`, or a last row that does
 * not validate). Throws TG_ERR_FORMAT_VERSION for an unknown header and, in strict mode,
 * TG_ERR_CORRUPT for a bad row that has good rows after it. Pure: it never writes.
 */
export function scanCsv<T>(
  buf: Uint8Array,
  format: CsvFormat<T>,
  mode: ScanMode,
  onEntry?: (seq: number, record: T, cells: readonly string[]) => void,
  fileLabel: string = format.name,
): ScanResult {
  const result: ScanResult = { goodBytes: 0, totalBytes: buf.length, lastSeq: 0, rows: 0, hasHeader: false, torn: null, skipped: [] };
  const lastNewline = Buffer.from(buf.buffer, buf.byteOffset, buf.length).lastIndexOf(NEWLINE);
  if (lastNewline < 0) {
    if (buf.length > 0) result.torn = { line: 1, reason: 'the header line has no line end' };
    return result;
  }
  const text = Buffer.from(buf.buffer, buf.byteOffset, lastNewline + 1).toString('utf8');
  const expected = headerOf(format).join(',');
  const lineOf = (charIndex: number): number => countNewlines(text, charIndex) + 1;
  let rowStart = 0;
  let goodChars = 0;
  let pendingBad: { start: number; reason: string } | null = null;

  Papa.parse<string[]>(text, {
    delimiter: ',',
    newline: '\n',
    step(step) {
      const start = rowStart;
      rowStart = step.meta.cursor;
      const cells = step.data;
      if (!result.hasHeader) {
        if (cells.join(',') !== expected) {
          throw new TraderError(
            ErrorCode.FORMAT_VERSION,
            `${fileLabel}: unknown header "${cells.join(',').slice(0, 200)}"; this release reads the format whose header is "${expected}"`,
          );
        }
        result.hasHeader = true;
        goodChars = rowStart;
        return;
      }
      if (cells.length === 1 && cells[0] === '' && rowStart === text.length && step.errors.length === 0) return;
      if (pendingBad) {
        throw new TraderError(
          ErrorCode.CORRUPT,
          `${fileLabel}: line ${lineOf(pendingBad.start)} is not a valid row (${pendingBad.reason}) and good rows follow it; ` +
            'repair the journal with `node recovery/cli.js repair-journal`',
        );
      }
      const reason = validate(cells, step.errors, format, mode, result.lastSeq);
      if (typeof reason === 'string') {
        if (mode === 'strict') pendingBad = { start, reason };
        else result.skipped.push({ line: lineOf(start), reason, afterRows: result.rows });
        return;
      }
      result.lastSeq = reason.seq;
      result.rows += 1;
      goodChars = rowStart;
      onEntry?.(reason.seq, reason.record, cells);
    },
  });

  if (!result.hasHeader) {
    result.torn = { line: 1, reason: 'no header row' };
    return result;
  }
  const bad = pendingBad as { start: number; reason: string } | null;
  if (bad) {
    result.torn = { line: lineOf(bad.start), reason: bad.reason };
  } else if (lastNewline + 1 < buf.length) {
    result.torn = { line: lineOf(text.length), reason: 'the last line has no line end' };
  }
  // Lenient files keep every complete line: a skipped row is evidence, only a partial line goes.
  if (mode === 'lenient') goodChars = text.length;
  result.goodBytes = goodChars === text.length ? lastNewline + 1 : Buffer.byteLength(text.slice(0, goodChars));
  return result;
}

function validate<T>(
  cells: string[],
  errors: ReadonlyArray<{ message: string }>,
  format: CsvFormat<T>,
  mode: ScanMode,
  lastSeq: number,
): string | JournalEntry<T> {
  if (errors.length > 0) return errors.map((e) => e.message).join('; ');
  if (cells.length !== format.columns.length + 1) return `${cells.length} cells, expected ${format.columns.length + 1}`;
  const seqText = cells[0] ?? '';
  const seq = /^[1-9][0-9]{0,15}$/.test(seqText) ? Number(seqText) : NaN;
  if (!Number.isSafeInteger(seq)) return `seq "${seqText.slice(0, 40)}" is not a positive integer`;
  if (mode === 'strict' && lastSeq > 0 && seq !== lastSeq + 1) return `seq ${seq} does not follow ${lastSeq}`;
  if (seq <= lastSeq) return `seq ${seq} does not follow ${lastSeq}`;
  try {
    return { seq, record: format.decode(cells.slice(1)) };
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

function countNewlines(text: string, end: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) n += 1;
  return n;
}
