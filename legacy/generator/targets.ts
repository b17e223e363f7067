import type { Database, Statement } from 'better-sqlite3';
import type { TableDef } from './model.js';

type Row = Record<string, unknown>;

/**
 * Where generated rows go: a database written here (`databaseTarget`), or a writer thread that
 * owns one (parallel.ts), so the rows of the two databases are bound into SQLite on other cores
 * while this thread goes on generating. Either way each database receives the same statements
 * in the same order, so the files are byte-identical.
 */
export interface RowTarget {
  exec(sql: string): void;
  table(def: TableDef): TableSink;
}

export interface TableSink {
  /** `shared` holds columns many rows repeat (the customer block), read when `row` lacks them. */
  insert(row: Row, shared?: Row): void;
  readonly count: number;
}

/** A row as the table's INSERT binds it: columns in model order, booleans 0/1, absent → null. */
export class RowEncoder {
  readonly columns: string[];
  private readonly isBoolean: boolean[];

  constructor(readonly def: TableDef) {
    this.columns = Object.keys(def.columns);
    this.isBoolean = this.columns.map((column) => def.columns[column] === 'boolean');
  }

  get insertSql(): string {
    return `INSERT INTO "${this.def.name}" (${this.columns.map((c) => `"${c}"`).join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})`;
  }

  encode(row: Row, shared: Row | undefined, values: unknown[]): unknown[] {
    const { columns, isBoolean } = this;
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const value = column in row || shared === undefined ? row[column] : shared[column];
      values[i] = value === undefined ? null : isBoolean[i] ? (value ? 1 : 0) : value;
    }
    return values;
  }
}

/** Inserts rows into one table with a single prepared statement; counts what it wrote. */
class TableWriter implements TableSink {
  private readonly statement: Statement;
  private readonly encoder: RowEncoder;
  private readonly values: unknown[];
  count = 0;

  constructor(db: Database, def: TableDef) {
    this.encoder = new RowEncoder(def);
    this.values = new Array(this.encoder.columns.length);
    this.statement = db.prepare(this.encoder.insertSql);
  }

  insert(row: Row, shared?: Row): void {
    this.statement.run(this.encoder.encode(row, shared, this.values));
    this.count++;
  }
}

/** Rows written straight into `db` on this thread. */
export function databaseTarget(db: Database): RowTarget {
  return { exec: (sql) => db.exec(sql), table: (def) => new TableWriter(db, def) };
}

/** A database is written here; anything else is already a target. */
export function asTarget(db: Database | RowTarget): RowTarget {
  // A better-sqlite3 Database has a `table` method of its own (virtual tables): tell by `prepare`.
  return typeof (db as Partial<Database>).prepare === 'function'
    ? databaseTarget(db as Database)
    : (db as RowTarget);
}

/** One sink per table of `tables`, keyed like them. */
export function sinksFor<T extends Record<string, TableDef>>(
  target: RowTarget,
  tables: T,
): { [K in keyof T]: TableSink } {
  const out = {} as { [K in keyof T]: TableSink };
  for (const key of Object.keys(tables) as (keyof T)[]) out[key] = target.table(tables[key]!);
  return out;
}
