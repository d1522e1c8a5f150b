/**
 * The trades.db schema and the few sql.js operations every other module needs. sql.js holds
 * the database in memory (wasm); these helpers never touch the disk.
 */
import initSqlJs from 'sql.js';
import type { Fill } from '../../shared/domain.js';
import { ErrorCode, TraderError } from '../../shared/errors.js';
import type { JournalEntry } from './csv-format.js';
import { fillFormat, isoTime } from './formats.js';

export type Database = initSqlJs.Database;
export type SqlJs = initSqlJs.SqlJsStatic;

/** Bumped when the schema changes; a newer file is refused with TG_ERR_FORMAT_VERSION. */
export const SCHEMA_VERSION = 1;

/** Same columns, same order as trades.csv, so `sqlite3 .import` of the journal fills it as is. */
const TABLE = `CREATE TABLE IF NOT EXISTS fills (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  exchange_order_id TEXT NOT NULL,
  client_order_id TEXT NOT NULL,
  symbol TEXT NOT NULL,
  side TEXT NOT NULL,
  type TEXT NOT NULL,
  role TEXT NOT NULL,
  amount REAL NOT NULL,
  price REAL NOT NULL,
  fee REAL NOT NULL,
  fee_currency TEXT NOT NULL,
  reason TEXT NOT NULL
);`;
const INDEXES = `CREATE INDEX IF NOT EXISTS fills_client_order_id ON fills(client_order_id);
CREATE INDEX IF NOT EXISTS fills_symbol_time ON fills(symbol, time);`;

/** The full schema as SQL, for tools that build the same database elsewhere (the bench's sqlite3 run). */
export const SCHEMA_SQL = `${TABLE}\n${INDEXES}\nPRAGMA user_version = ${SCHEMA_VERSION};`;

let sqlJs: Promise<SqlJs> | null = null;

/** Loads the sql.js wasm once per thread. */
export function loadSqlJs(): Promise<SqlJs> {
  sqlJs ??= initSqlJs();
  return sqlJs;
}

const SQLITE_MAGIC = 'SQLite format 3\0';

/** The cheap check: does the file start like an SQLite database? */
export function hasSqliteHeader(bytes: Uint8Array): boolean {
  return bytes.length >= 100 && Buffer.from(bytes.subarray(0, 16)).toString('latin1') === SQLITE_MAGIC;
}

/**
 * Why `bytes` cannot serve as trades.db, or null when it can: header, schema version, the
 * `fills` table, and `PRAGMA integrity_check`. An empty file is refused even though SQLite
 * would open it as an empty database: it is a truncated trades.db, not a new one.
 */
export function problemWith(SQL: SqlJs, bytes: Uint8Array): string | null {
  if (bytes.length === 0) return 'empty file';
  if (!hasSqliteHeader(bytes)) return 'not an SQLite database (bad header)';
  let db: Database | null = null;
  try {
    db = new SQL.Database(bytes);
    const version = scalar(db, 'PRAGMA user_version');
    if (version !== SCHEMA_VERSION) return `schema version ${String(version)}, expected ${SCHEMA_VERSION}`;
    const check = db.exec('PRAGMA integrity_check').flatMap((r) => r.values.map((v) => String(v[0])));
    if (check.length !== 1 || check[0] !== 'ok') return `integrity_check: ${check.slice(0, 5).join('; ')}`;
    if (scalar(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'fills'") !== 1) return 'no fills table';
    return null;
  } catch (err) {
    return (err as Error).message;
  } finally {
    db?.close();
  }
}

/** Opens `bytes` (already checked by `problemWith`) or a new, empty trades.db. */
export function openDatabase(SQL: SqlJs, bytes: Uint8Array | null): Database {
  const db = new SQL.Database(bytes);
  if (bytes === null) db.exec(SCHEMA_SQL);
  const version = scalar(db, 'PRAGMA user_version');
  if (version !== SCHEMA_VERSION) {
    db.close();
    throw new TraderError(ErrorCode.FORMAT_VERSION, `trades.db schema version ${String(version)}; this release reads version ${SCHEMA_VERSION}`);
  }
  return db;
}

/** A database without indexes yet, for a bulk load (indexes built once at the end are faster). */
export function openBulkDatabase(SQL: SqlJs): Database {
  const db = new SQL.Database();
  db.exec(`PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; ${TABLE}`);
  return db;
}

export function finishBulkDatabase(db: Database): void {
  db.exec(`${INDEXES}\nPRAGMA user_version = ${SCHEMA_VERSION};`);
}

export function maxSeq(db: Database): number {
  return Number(scalar(db, 'SELECT coalesce(max(seq), 0) FROM fills'));
}

function scalar(db: Database, sql: string): unknown {
  return db.exec(sql)[0]?.values[0]?.[0];
}

const ROWS_PER_STATEMENT = 100;
const ROW_PLACEHOLDERS = '(?,?,?,?,?,?,?,?,?,?,?,?,?)';

/**
 * Inserts fills through prepared multi-row statements: sql.js pays a fixed cost per
 * step/reset round trip into wasm, so 100 rows a statement roughly halves a rebuild.
 * The caller owns the transaction and calls `flush()` before committing. sql.js's
 * `export()` frees every statement, so an inserter lives no longer than one batch.
 */
export class FillInserter {
  private readonly many: initSqlJs.Statement;
  private readonly one: initSqlJs.Statement;
  private values: Array<string | number> = [];

  constructor(db: Database) {
    this.many = db.prepare(`INSERT INTO fills VALUES ${Array(ROWS_PER_STATEMENT).fill(ROW_PLACEHOLDERS).join(',')}`);
    this.one = db.prepare(`INSERT INTO fills VALUES ${ROW_PLACEHOLDERS}`);
  }

  /** `time` is the journal's text for `fill.timestamp` when the caller has it (saves re-formatting it). */
  add(seq: number, fill: Fill, time: string = isoTime(fill.timestamp)): void {
    const f = fill;
    this.values.push(seq, time, f.exchangeOrderId, f.clientOrderId, f.symbol, f.side, f.type, f.role, f.amount, f.price, f.fee, f.feeCurrency, f.reason);
    if (this.values.length === ROWS_PER_STATEMENT * 13) {
      this.many.run(this.values);
      this.values = [];
    }
  }

  flush(): void {
    for (let i = 0; i < this.values.length; i += 13) this.one.run(this.values.slice(i, i + 13));
    this.values = [];
  }

  free(): void {
    this.many.free();
    this.one.free();
  }
}

/**
 * Fills as the journal holds them, selected by `tail` (`WHERE ... ORDER BY ...`). Used to
 * answer queries, to recreate a lost journal, and to compare the database with the journal.
 */
export function selectFills(db: Database, tail: string, params: Array<string | number> = []): Array<JournalEntry<Fill>> {
  const stmt = db.prepare(`SELECT * FROM fills ${tail}`, params);
  const entries: Array<JournalEntry<Fill>> = [];
  try {
    while (stmt.step()) {
      const row = stmt.get().map((v) => (v === null ? '' : String(v)));
      entries.push({ seq: Number(row[0]), record: fillFormat.decode(row.slice(1)) });
    }
  } finally {
    stmt.free();
  }
  return entries;
}

/** True for the errors SQLite raises on a damaged image (SQLITE_CORRUPT, SQLITE_NOTADB). */
export function isCorruptionError(err: unknown): boolean {
  return err instanceof Error && /malformed|SQLITE_CORRUPT|file is not a database|SQLITE_NOTADB/i.test(err.message);
}
