/**
 * Where each CSV row of a file starts and ends, by the 1-based line it starts on: the line
 * numbers scanCsv reports (a quoted cell may hold line breaks, so a row can span lines).
 * Parsed by papaparse, as the journal writes and reads it, never split by hand.
 */
import Papa from 'papaparse';

export interface RowRange {
  line: number;
  /** Physical lines the row spans (1 unless a quoted cell holds a line break). */
  lines: number;
  /** Byte offsets in the file: [start, end), end past its `\n`. */
  start: number;
  end: number;
}

export function rowRanges(bytes: Uint8Array): Map<number, RowRange> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const text = buf.subarray(0, buf.lastIndexOf(0x0a) + 1).toString('utf8');
  const ranges = new Map<number, RowRange>();
  let charStart = 0;
  let byteStart = 0;
  let line = 1;
  Papa.parse<string[]>(text, {
    delimiter: ',',
    newline: '\n',
    step(step) {
      const chunk = text.slice(charStart, step.meta.cursor);
      const byteEnd = byteStart + Buffer.byteLength(chunk);
      const breaks = chunk.split('\n').length - 1;
      if (chunk.length > 0) ranges.set(line, { line, lines: Math.max(breaks, 1), start: byteStart, end: byteEnd });
      line += breaks;
      charStart = step.meta.cursor;
      byteStart = byteEnd;
    },
  });
  return ranges;
}
