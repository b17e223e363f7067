import { ENTITY_SETS, type EntitySetDef, type NavigationDef } from './entities.js';
import { badRequest, invalidToken } from './errors.js';
import {
  compileFilter,
  type FilterExpr,
  type OrderItem,
  parseCount,
  parseFilter,
  parseNonNegativeInt,
  parseOrderBy,
  parseSelect,
  type QueryTarget,
  quoteIdent,
  refuseUnknownOptions,
  splitTopLevel,
} from './odata.js';
import { type Row, type Store, toEntity } from './store.js';

/** Query options of one request (or one `$expand` level), validated against the entity type. */
export interface ReadOptions {
  filter?: FilterExpr;
  select?: string[];
  expand?: ExpandItem[];
  orderby?: OrderItem[];
  top?: number;
  skip?: number;
  count?: boolean;
  skiptoken?: string;
}

export interface ExpandItem {
  nav: NavigationDef;
  target: EntitySetDef;
  options: ReadOptions;
}

/** A target that may have navigation properties (entity sets do; `companies` does not). */
export type ReadTarget = QueryTarget & { readonly navigation?: EntitySetDef['navigation'] };

const NESTED_OPTIONS = new Set(['$filter', '$select', '$expand', '$orderby', '$top', '$skip']);

export function parseReadOptions(options: ReadonlyMap<string, string>, target: ReadTarget): ReadOptions {
  refuseUnknownOptions(options.keys());
  const result: ReadOptions = {};
  const format = options.get('$format');
  if (format !== undefined && format !== 'json' && format !== 'application/json') {
    throw badRequest(`The format '${format}' is not supported; only JSON is.`);
  }
  const filter = options.get('$filter');
  if (filter !== undefined) {
    result.filter = parseFilter(filter);
    // Compile once here so unknown fields and type errors surface before any page is read.
    compileFilter(result.filter, target, []);
  }
  const select = options.get('$select');
  if (select !== undefined) result.select = parseSelect(select, target);
  const orderby = options.get('$orderby');
  if (orderby !== undefined) result.orderby = parseOrderBy(orderby, target);
  const top = options.get('$top');
  if (top !== undefined) result.top = parseNonNegativeInt('$top', top);
  const skip = options.get('$skip');
  if (skip !== undefined) result.skip = parseNonNegativeInt('$skip', skip);
  const count = options.get('$count');
  if (count !== undefined) result.count = parseCount(count);
  const skiptoken = options.get('$skiptoken');
  if (skiptoken !== undefined) result.skiptoken = skiptoken;
  const expand = options.get('$expand');
  if (expand !== undefined) result.expand = parseExpand(expand, target);
  return result;
}

function parseExpand(text: string, target: ReadTarget): ExpandItem[] {
  return splitTopLevel(text, ',').map((raw) => {
    const part = raw.trim();
    const open = part.indexOf('(');
    const name = (open === -1 ? part : part.slice(0, open)).trim();
    const navigation = target.navigation ?? {};
    if (!name || !Object.hasOwn(navigation, name)) {
      throw invalidToken(
        `Could not find a navigation property named '${name}' on type 'Microsoft.NAV.${target.typeName}'.`,
      );
    }
    const nav = navigation[name]!;
    const targetSet = ENTITY_SETS[nav.target];
    const nested = new Map<string, string>();
    if (open !== -1) {
      if (!part.endsWith(')')) throw invalidToken(`Syntax error in $expand '${text}'.`);
      const inner = part.slice(open + 1, -1);
      for (const option of splitTopLevel(inner, ';')) {
        if (option.trim() === '') continue;
        const eq = option.indexOf('=');
        const key = eq === -1 ? option.trim() : option.slice(0, eq).trim();
        if (eq === -1 || !NESTED_OPTIONS.has(key)) {
          throw badRequest(`The query option '${key}' is not supported inside $expand.`);
        }
        nested.set(key, option.slice(eq + 1));
      }
    }
    const options = parseReadOptions(nested, targetSet);
    if (
      !nav.many &&
      (options.filter || options.orderby || options.top !== undefined || options.skip !== undefined)
    ) {
      throw badRequest(
        `Only $select and $expand can be applied to the single-valued navigation property '${name}'.`,
      );
    }
    return { nav, target: targetSet, options };
  });
}

/** A fixed restriction on a collection, e.g. the parent's id for `salesOrders({id})/salesOrderLines`. */
export interface Scope {
  column: string;
  value: unknown;
}

export interface SkipToken {
  /** Entities delivered by earlier pages (counts against $top). */
  n: number;
  /** Last key of the previous page (keyset paging, when ordered by key). */
  k?: string;
  /** Absolute offset of the next page (when ordered by other fields). */
  o?: number;
}

function encodeToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

export function decodeToken(text: string): SkipToken {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null) {
      const t = value as Record<string, unknown>;
      const okN = Number.isInteger(t.n) && (t.n as number) >= 0;
      const okK = t.k === undefined || typeof t.k === 'string';
      const okO = t.o === undefined || (Number.isInteger(t.o) && (t.o as number) >= 0);
      if (okN && okK && okO && (t.k === undefined) !== (t.o === undefined)) return t as unknown as SkipToken;
    }
  } catch {
    // fall through to the BC error below
  }
  throw invalidToken(`The skip token value '${text}' is not valid.`);
}

/**
 * Where one page of a collection starts and how long it is, from `$top`, `$skip` and the
 * previous page's `$skiptoken` (`token`, decoded): after the key `after` (keyset paging, when
 * ordered by key alone) or at `offset` (any other order).
 */
export interface PageWindow {
  keyset: boolean;
  /** Entities delivered by earlier pages (counts against $top). */
  delivered: number;
  /** Rows the page shows at most (one more is read to know whether more follow). */
  size: number;
  offset: number;
  /** Keyset paging after a page: the last key it showed. */
  after?: string;
}

export function pageWindow(
  options: ReadOptions,
  token: SkipToken | undefined,
  maxPageSize: number,
  keyset: boolean,
): PageWindow {
  if (token && (keyset ? token.k : token.o) === undefined)
    throw invalidToken(`The skip token value '${options.skiptoken}' is not valid.`);
  const delivered = token?.n ?? 0;
  const remaining = options.top === undefined ? Number.POSITIVE_INFINITY : options.top - delivered;
  return {
    keyset,
    delivered,
    size: Math.max(0, Math.min(maxPageSize, remaining)),
    offset: token ? (token.o ?? 0) : (options.skip ?? 0),
    ...(token?.k === undefined ? {} : { after: token.k }),
  };
}

/**
 * The page out of the rows read for `window` (one more than its size when there are), and the
 * next page's skip token when more follow within `$top`.
 */
export function pageOf(
  window: PageWindow,
  rows: Row[],
  top: number | undefined,
  key: string,
): { page: Row[]; nextSkipToken?: string } {
  const page = rows.slice(0, window.size);
  const more =
    rows.length > window.size && window.delivered + page.length < (top ?? Number.POSITIVE_INFINITY);
  if (!more || page.length === 0) return { page };
  const n = window.delivered + page.length;
  const next: SkipToken = window.keyset
    ? { n, k: String(page.at(-1)![key]) }
    : { n, o: window.offset + page.length };
  return { page, nextSkipToken: encodeToken(next) };
}

export interface CollectionResult {
  entities: Record<string, unknown>[];
  /** Present when more entities follow: the `$skiptoken` of the next page. */
  nextSkipToken?: string;
  count?: number;
}

export class QueryEngine {
  /**
   * Sets computed when read (the reporting pages reached through a navigation property), by
   * table name: the rows whose `column` is one of `values`.
   */
  readonly computed = new Map<string, (column: string, values: readonly unknown[]) => Row[]>();

  /** Per table, the columns that lead a full index (a NULL probe on them is one seek). */
  private readonly indexLeads = new Map<string, ReadonlySet<string>>();

  constructor(readonly store: Store) {}

  /**
   * Whether a column holds a NULL now, asked at each read because a write may store one. Only
   * asked of a column an index leads (elsewhere the probe would scan the table, and the answer is
   * "maybe").
   */
  holdsNull(table: string, column: string): boolean {
    let leads = this.indexLeads.get(table);
    if (leads === undefined) {
      leads = this.leadingColumns(table);
      this.indexLeads.set(table, leads);
    }
    if (!leads.has(column)) return true;
    const probe = `SELECT 1 AS found FROM ${quoteIdent(table)} WHERE ${quoteIdent(column)} IS NULL LIMIT 1`;
    return this.store.get(probe) !== undefined;
  }

  private leadingColumns(table: string): ReadonlySet<string> {
    const leads = new Set<string>();
    const indexes = this.store.all(`PRAGMA index_list(${quoteIdent(table)})`) as {
      name: string;
      partial: number;
    }[];
    for (const index of indexes) {
      // A partial index holds only some rows, so it cannot say there is no NULL.
      if (index.partial) continue;
      const first = this.store.all(`PRAGMA index_info(${quoteIdent(index.name)})`)[0] as
        | { name: string | null }
        | undefined;
      if (first?.name) leads.add(first.name);
    }
    return leads;
  }

  private whereClause(
    target: QueryTarget,
    scope: Scope[],
    filter: FilterExpr | undefined,
    params: unknown[],
  ): string[] {
    const where: string[] = [];
    for (const s of scope) {
      where.push(`${quoteIdent(s.column)} = ?`);
      params.push(s.value);
    }
    if (filter) where.push(this.compileFilter(filter, target, params));
    return where;
  }

  private compileFilter(filter: FilterExpr, target: QueryTarget, params: unknown[]): string {
    return compileFilter(filter, target, params, '', (field) => this.holdsNull(target.table.name, field));
  }

  readCollection(
    target: ReadTarget,
    options: ReadOptions,
    scope: Scope[],
    maxPageSize: number,
  ): CollectionResult {
    const table = target.table;
    const key = table.key;
    const token = options.skiptoken === undefined ? undefined : decodeToken(options.skiptoken);

    const params: unknown[] = [];
    const where = this.whereClause(target, scope, options.filter, params);
    // Lines of one document come in line order, as BC's (document, line no.) key gives them.
    const orderby =
      options.orderby ??
      (scope.length > 0 && table.columns.sequence ? [{ field: 'sequence', desc: false }] : []);
    // Ordered by key alone, paging is keyset (an indexed seek per page); otherwise it is an
    // offset over a total order made unique by the key.
    const keyset =
      orderby.length === 0 || (orderby.length === 1 && orderby[0]!.field === key && !orderby[0]!.desc);
    const window = pageWindow(options, token, maxPageSize, keyset);
    if (window.after !== undefined) {
      where.push(`${quoteIdent(key)} > ?`);
      params.push(window.after);
    }
    const order = [
      ...orderby.filter((o) => o.field !== key),
      { field: key, desc: orderby.find((o) => o.field === key)?.desc ?? false },
    ];
    const orderSql = [
      ...orderby.filter((o) => o.field !== key).map((o) => `${quoteIdent(o.field)}${o.desc ? ' DESC' : ''}`),
      `${quoteIdent(key)}${order.at(-1)!.desc ? ' DESC' : ''}`,
    ].join(', ');
    const sql = `SELECT * FROM ${quoteIdent(table.name)}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY ${orderSql} LIMIT ? OFFSET ?`;
    const rows = window.size === 0 ? [] : this.store.all(sql, [...params, window.size + 1, window.offset]);
    const { page, nextSkipToken } = pageOf(window, rows, options.top, key);
    const result: CollectionResult = { entities: this.materialise(target, page, options) };
    if (nextSkipToken !== undefined) result.nextSkipToken = nextSkipToken;
    if (options.count) {
      const countParams: unknown[] = [];
      const countWhere = this.whereClause(target, scope, options.filter, countParams);
      const countSql = `SELECT COUNT(*) AS n FROM ${quoteIdent(table.name)}${countWhere.length ? ` WHERE ${countWhere.join(' AND ')}` : ''}`;
      result.count = Number(this.store.get(countSql, countParams)!.n);
    }
    return result;
  }

  /** One entity by key (and scope), or undefined. */
  readRow(target: QueryTarget, keyValue: string, scope: Scope[] = []): Row | undefined {
    const params: unknown[] = [keyValue];
    let sql = `SELECT * FROM ${quoteIdent(target.table.name)} WHERE ${quoteIdent(target.table.key)} = ?`;
    for (const s of scope) {
      sql += ` AND ${quoteIdent(s.column)} = ?`;
      params.push(s.value);
    }
    return this.store.get(sql, params);
  }

  readRowsBy(target: QueryTarget, column: string, value: unknown): Row[] {
    const computed = this.computed.get(target.table.name);
    if (computed) return computed(column, [value]);
    return this.store.all(
      `SELECT * FROM ${quoteIdent(target.table.name)} WHERE ${quoteIdent(column)} = ? ORDER BY ${quoteIdent(target.table.key)}`,
      [value],
    );
  }

  /** Rows → entities with $select applied and $expand resolved, a query per navigation level. */
  materialise(target: ReadTarget, rows: Row[], options: ReadOptions): Record<string, unknown>[] {
    const entities = rows.map((row) => toEntity(target.table, row, options.select));
    for (const item of options.expand ?? []) {
      const children = this.expandRows(item, rows);
      rows.forEach((row, i) => {
        const related = children.get(row[item.nav.from]) ?? [];
        const entity = entities[i]!;
        if (item.nav.many) {
          const start = item.options.skip ?? 0;
          const end = item.options.top === undefined ? undefined : start + item.options.top;
          entity[item.nav.name] = this.materialise(item.target, related.slice(start, end), item.options);
        } else {
          const first = related[0];
          entity[item.nav.name] = first ? this.materialise(item.target, [first], item.options)[0]! : null;
        }
      });
    }
    return entities;
  }

  private expandRows(item: ExpandItem, parents: Row[]): Map<unknown, Row[]> {
    const grouped = new Map<unknown, Row[]>();
    const values = [
      ...new Set(parents.map((p) => p[item.nav.from]).filter((v) => v !== null && v !== undefined)),
    ];
    const table = item.target.table;
    const orderby =
      item.options.orderby ?? (table.columns.sequence ? [{ field: 'sequence', desc: false }] : []);
    const orderSql = [
      ...orderby.map((o) => `${quoteIdent(o.field)}${o.desc ? ' DESC' : ''}`),
      quoteIdent(table.key),
    ].join(', ');
    // Chunked so an IN list stays far below SQLite's bound-parameter limit.
    const CHUNK = 500;
    const computed = this.computed.get(table.name);
    for (let i = 0; i < values.length; i += CHUNK) {
      const chunk = values.slice(i, i + CHUNK);
      // A computed set is reached by single-valued navigation only, which takes no $filter.
      const rows = computed ? computed(item.nav.to, chunk) : this.storedRows(item, chunk, orderSql);
      for (const row of rows) {
        const k = row[item.nav.to];
        let list = grouped.get(k);
        if (!list) {
          list = [];
          grouped.set(k, list);
        }
        list.push(row);
      }
    }
    return grouped;
  }

  /** The stored rows of an expanded set whose navigation column holds one of `values`. */
  private storedRows(item: ExpandItem, values: unknown[], orderSql: string): Row[] {
    const params: unknown[] = [...values];
    let sql = `SELECT * FROM ${quoteIdent(item.target.table.name)} WHERE ${quoteIdent(item.nav.to)} IN (${values.map(() => '?').join(', ')})`;
    if (item.options.filter) sql += ` AND ${this.compileFilter(item.options.filter, item.target, params)}`;
    return this.store.all(`${sql} ORDER BY ${orderSql}`, params);
  }
}

/**
 * BC's line pages need a document (or line) id in the filter; a conjunct `documentId eq X`
 * (or an `or` of those) satisfies it.
 */
export function filterNamesDocument(filter: FilterExpr | undefined): boolean {
  if (!filter) return false;
  const isIdEquality = (e: FilterExpr): boolean => {
    if (e.kind === 'cmp') return e.op === 'eq' && (e.field === 'documentId' || e.field === 'id');
    if (e.kind === 'or') return isIdEquality(e.left) && isIdEquality(e.right);
    return false;
  };
  if (filter.kind === 'and') return filterNamesDocument(filter.left) || filterNamesDocument(filter.right);
  return isIdEquality(filter);
}
