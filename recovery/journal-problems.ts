/**
 * Every unreadable row of a journal, by line number. The journal's own strict scan stops at
 * the first bad row in the middle; the lenient scan (the one status.csv uses) goes on and
 * names them all, which is what an operator needs before deciding what to quarantine.
 */
import { scanCsv, type CsvFormat } from '../workers/persistence/csv-format.js';
import { fillFormat, intentFormat } from '../workers/persistence/index.js';

export type JournalName = 'trades' | 'intents';

export function formatOf(name: JournalName): CsvFormat<unknown> {
  return (name === 'trades' ? fillFormat : intentFormat) as CsvFormat<unknown>;
}

export interface Problem {
  line: number;
  reason: string;
  /** True when no good row follows it (a torn tail, which the bot sets aside by itself at start). */
  tail: boolean;
}

export function journalProblems(bytes: Uint8Array, name: JournalName): Problem[] {
  const scan = scanCsv(bytes, formatOf(name), 'lenient');
  const problems: Problem[] = scan.skipped.map((s) => ({ line: s.line, reason: s.reason, tail: s.afterRows === scan.rows }));
  if (scan.torn) problems.push({ ...scan.torn, tail: true });
  return problems;
}
