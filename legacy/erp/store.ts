import { hash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { ColumnKind, TableDef } from '../generator/model.js';
import { EMPTY_VALUE } from './odata.js';

export type Row = Record<string, unknown>;
export type SqlValue = string | number | bigint | null | Buffer;

/**
 * The database behind one stand-in with a statement cache keyed by SQL text: query shapes
 * repeat (same filter shape, different bound values), so each is prepared once.
 */
export class Store {
  private readonly statements = new Map<string, Statement>();
  private static readonly MAX_CACHED = 2000;

  constructor(readonly db: Database) {}

  private prepare(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      // Filters with many `or` values produce many shapes; bound the cache rather than grow forever.
      if (this.statements.size >= Store.MAX_CACHED) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  all(sql: string, params: readonly unknown[] = []): Row[] {
    return this.prepare(sql).all(...(params as SqlValue[])) as Row[];
  }

  get(sql: string, params: readonly unknown[] = []): Row | undefined {
    return this.prepare(sql).get(...(params as SqlValue[])) as Row | undefined;
  }

  run(sql: string, params: readonly unknown[] = []): number {
    return this.prepare(sql).run(...(params as SqlValue[])).changes;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  get cachedStatements(): number {
    return this.statements.size;
  }
}

export function round2(value: number): number {
  return Math.round((value + Number.EPSILON) * 100) / 100;
}

export function jsonValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return EMPTY_VALUE[kind];
  switch (kind) {
    case 'boolean':
      return value === 1 || value === true || value === 1n;
    case 'decimal':
      return round2(Number(value));
    case 'integer':
      return Number(value);
    default:
      return value;
  }
}

/**
 * A weak ETag in BC's shape (`W/"JzQ0O…"`: base64 of `'<len>;<hash>;'`) over the whole row, so
 * any change to any column, by any route, changes it.
 */
export function etagOf(row: Row): string {
  // JSON.stringify is V8's fastest walk over a row object and keeps null distinct from "".
  const text = JSON.stringify(row);
  const digest = hash('sha1', text, 'base64');
  const inner = `'${digest.length};${digest}1;00;'`;
  return `W/"${Buffer.from(inner).toString('base64')}"`;
}

/** A stored row as BC writes the entity: every field present, never null. */
export function toEntity(table: TableDef, row: Row, select?: readonly string[]): Record<string, unknown> {
  const entity: Record<string, unknown> = { '@odata.etag': etagOf(row) };
  const fields = select ?? Object.keys(table.columns);
  for (const field of fields) {
    entity[field] = jsonValue(table.columns[field]!, row[field]);
  }
  return entity;
}
