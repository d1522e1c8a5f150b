/**
 * status.csv: one row per status snapshot (equity, balances, open positions, kill switch,
 * breaker). Structured cells are JSON, so papaparse round-trips them and pandas reads them
 * as strings. The last valid row seeds a restart; an operator rolls state back by deleting
 * the last rows. Same journal code path as trades.csv, in lenient mode: an invalid complete
 * row is skipped with a warning instead of stopping the bot.
 */
import { readFile } from 'node:fs/promises';
import { scanCsv, type CsvFormat } from './csv-format.js';
import { CsvJournal } from './csv-journal.js';
import { isoTime, parseNumber, parseTime } from './formats.js';
import type { Log } from './log.js';
import type { Balance, BreakerStatus, KillSwitchStatus, StatusSnapshot } from '../../shared/status.js';

export type { Balance, BreakerStatus, KillSwitchStatus, StatusSnapshot } from '../../shared/status.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function json(text: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`${column} is not JSON`);
  }
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}

export const statusFormat: CsvFormat<StatusSnapshot> = {
  name: 'status file',
  columns: ['time', 'equity', 'balances', 'positions', 'kill_switch', 'breaker', 'last_fill_seq'],
  encode: (s) => [
    isoTime(s.time),
    String(s.equity),
    JSON.stringify(s.balances),
    JSON.stringify(s.positions),
    JSON.stringify(s.killSwitch),
    JSON.stringify(s.breaker),
    String(s.lastFillSeq),
  ],
  decode: (cells) => {
    check(cells.length === 7, `${cells.length} cells, expected 7`);
    const [time, equity, balances, positions, killSwitch, breaker, lastFillSeq] = cells as [string, string, string, string, string, string, string];
    const b = json(balances, 'balances');
    check(isObject(b) && Object.values(b).every((x) => isObject(x) && isNumber(x.free) && isNumber(x.locked)), 'balances: want {asset: {free, locked}}');
    const p = json(positions, 'positions');
    check(Array.isArray(p) && p.every(isObject), 'positions: want an array of objects');
    const k = json(killSwitch, 'kill_switch');
    check(
      isObject(k) &&
        typeof k.tripped === 'boolean' &&
        (k.reason === null || typeof k.reason === 'string') &&
        (k.trippedAt === null || isNumber(k.trippedAt)) &&
        typeof k.day === 'string' &&
        isObject(k.realisedLoss) &&
        Object.values(k.realisedLoss).every(isNumber),
      'kill_switch: want {tripped, reason, trippedAt, day, realisedLoss}',
    );
    const br = json(breaker, 'breaker');
    check(isObject(br) && ['closed', 'open', 'half-open'].includes(br.state as string), 'breaker: want {state: closed|open|half-open}');
    return {
      time: parseTime(time, 'time'),
      equity: parseNumber(equity, 'equity'),
      balances: b as Record<string, Balance>,
      positions: p as Array<Record<string, unknown>>,
      killSwitch: k as unknown as KillSwitchStatus,
      breaker: br as BreakerStatus,
      lastFillSeq: parseNumber(lastFillSeq, 'last_fill_seq', 0),
    };
  },
};

/** Appends snapshots to status.csv (fsync'd before `appendStatus` resolves). */
export class StatusFile {
  private constructor(
    private readonly journal: CsvJournal<StatusSnapshot>,
    private readonly log: Log,
  ) {}

  static async open(path: string, log: Log): Promise<StatusFile> {
    return new StatusFile(await CsvJournal.open(path, statusFormat, log, { mode: 'lenient' }), log);
  }

  /** Resolves with the row's seq once it is on disk. */
  async appendStatus(snapshot: StatusSnapshot): Promise<number> {
    const [seq] = await this.journal.append([snapshot]);
    return seq as number;
  }

  loadLastValidStatus(): Promise<StatusSnapshot | null> {
    return loadLastValidStatus(this.journal.path, this.log);
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}

/**
 * The last valid row of status.csv, or null when there is none (or no file). Invalid rows
 * after it are named, by line number, in one warning. Read-only: the recovery CLI uses it too.
 */
export async function loadLastValidStatus(path: string, log: Log): Promise<StatusSnapshot | null> {
  const bytes = await readFile(path).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (bytes === null) return null;
  let last: StatusSnapshot | null = null;
  const scan = scanCsv(bytes, statusFormat, 'lenient', (_seq, snapshot) => {
    last = snapshot;
  });
  const trailing: Array<{ line: number; reason: string }> = scan.skipped.filter((s) => s.afterRows === scan.rows);
  if (scan.torn) trailing.push(scan.torn);
  if (trailing.length > 0) {
    log.warn(`${path}: skipped invalid rows after the last valid one, lines ${trailing.map((s) => s.line).join(', ')}`, {
      path,
      skipped: trailing,
    });
  }
  return last;
}
