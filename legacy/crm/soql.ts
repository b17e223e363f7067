import {
  type FieldType,
  type OrderByClause,
  parseQuery,
  type Query,
  type Subquery,
  type WhereClause,
} from '@jetstreamapp/soql-parser-js';
import type { ColumnKind } from '../generator/model.js';
import {
  AGGREGATE_FUNCTIONS,
  compileAggregate,
  dateFunctionSql,
  functionCall,
  isAggregateQuery,
} from './aggregates.js';
import { CrmError, filterOperatorError, invalidType, malformedQuery, noSuchColumn } from './errors.js';
import { FOLD_FUNCTION } from './fold.js';
import { to18 } from './ids.js';
import {
  dateLiteralRange,
  isoDate,
  isValidDate,
  parseDateTime,
  sqliteLikePattern,
  unquote,
  unquoteLike,
} from './literals.js';
import { type ChildRelationship, canonicalField, type SObjectDef, sobject } from './objects.js';

/**
 * SOQL → parameterised SQLite. The text is parsed by `@jetstreamapp/soql-parser-js`; this module
 * resolves every name against the object model (so only known identifiers, double-quoted,
 * reach the SQL) and binds every value as a parameter. Parent paths (`Account.Owner.Email`)
 * become LEFT JOINs; child subqueries (`(SELECT … FROM Tasks …)`) become one windowed query per
 * subquery for all parents of a page.
 */

export type SqlValue = string | number | null;

export { FOLD_FUNCTION } from './fold.js';

/** One join to a parent object, shared by every reference to the same path. */
export interface Join {
  alias: string;
  def: SObjectDef;
  /** Relationship names from the root (`['Account', 'Owner']`). */
  path: string[];
  /** The `LEFT JOIN … ON …` clause. */
  on: string;
}

/** A selected field: where it sits in the record JSON and which SQL column carries it. */
export interface SelectedField {
  /** Joins from the root to the object holding the field (empty for the root's own field). */
  joins: Join[];
  field: string;
  kind: ColumnKind;
  column: string;
}

export interface SubqueryPlan {
  relationship: ChildRelationship;
  child: SObjectDef;
  sql: string;
  /** Parameters bound after the parent ids (the subquery's WHERE). */
  whereParams: SqlValue[];
  limit: number | undefined;
  selected: SelectedField[];
  /** Join alias → column carrying that parent's Id (null when the lookup is empty). */
  joinIdColumns: Map<string, string>;
  /** Reads child records by id, for the rest of a child list cut short (its own cursor). */
  childPlan: QueryPlan;
}

export interface QueryPlan {
  def: SObjectDef;
  count: boolean;
  /** An aggregate query (aggregates.ts): one grouped statement instead of ids and rows. */
  aggregate?: AggregatePlan;
  /** Ordered ids of every matching record (LIMIT/OFFSET applied). */
  idsSql: string;
  idsParams: SqlValue[];
  countSql: string;
  /** Rows for a page of ids, given as one JSON array parameter. */
  rowsSql: string;
  selected: SelectedField[];
  joinIdColumns: Map<string, string>;
  /** Output order of top-level items: field keys and subquery relationship names. */
  subqueries: SubqueryPlan[];
  /** Item order: 'f:<index>' for a field, 's:<index>' for a subquery. */
  order: string[];
}

/** An aggregate query compiled to one statement; its rows become AggregateResult records. */
export interface AggregatePlan {
  sql: string;
  params: SqlValue[];
  /** Each output key of a record, in SELECT order, with the column and type of its value. */
  columns: { key: string; column: string; kind: ColumnKind }[];
  /** Whether the query has a GROUP BY (the 2,000-row rule applies). */
  grouped: boolean;
}

export const MAX_OFFSET = 2000;

export const quote = (name: string) => `"${name}"`;

/** A field path resolved against the model: where the value sits and its SQL expression. */
interface ResolvedField {
  joins: Join[];
  field: string;
  kind: ColumnKind;
  sql: string;
}

/** Collects the joins one SQL statement needs. */
export class Scope {
  readonly joins = new Map<string, Join>();
  private counter = 0;
  constructor(
    readonly root: SObjectDef,
    readonly rootAlias: string,
    private readonly aliasPrefix: string,
  ) {}

  /** Resolves `Account.Owner.Email` (relationship names, then a field) from the root. */
  resolve(raw: string): ResolvedField {
    const parts = raw.split('.');
    let def = this.root;
    let alias = this.rootAlias;
    const joins: Join[] = [];
    // `Account.Name` in a query FROM Account may name the root itself, as Salesforce allows.
    if (
      parts.length > 1 &&
      parts[0]!.toLowerCase() === def.name.toLowerCase() &&
      !def.parents.has(parts[0]!.toLowerCase())
    ) {
      parts.shift();
    }
    for (const relName of parts.slice(0, -1)) {
      const rel = def.parents.get(relName.toLowerCase());
      if (!rel) {
        throw new CrmError(
          400,
          'INVALID_FIELD',
          `Didn't understand relationship '${relName}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      const target = sobject(rel.target)!;
      const path = [...(joins.at(-1)?.path ?? []), rel.name];
      const key = path.join('.').toLowerCase();
      let join = this.joins.get(key);
      if (!join) {
        const joinAlias = `${this.aliasPrefix}${this.counter++}`;
        join = {
          alias: joinAlias,
          def: target,
          path,
          on: `LEFT JOIN ${quote(target.name)} AS ${joinAlias} ON ${joinAlias}."Id" = ${alias}.${quote(rel.field)}`,
        };
        this.joins.set(key, join);
      }
      joins.push(join);
      def = target;
      alias = join.alias;
    }
    const last = parts.at(-1)!;
    const field = canonicalField(def, last);
    if (!field) throw noSuchColumn(last, def.name);
    return { joins, field, kind: def.columns[field]!, sql: `${alias}.${quote(field)}` };
  }

  joinSql(): string {
    return [...this.joins.values()].map((j) => j.on).join(' ');
  }
}

export function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Parses SOQL, mapping the parser's errors to Salesforce's MALFORMED_QUERY. */
export function parseSoql(soql: string): Query {
  if (soql.trim() === '') throw malformedQuery('SOQL statements cannot be empty or null');
  try {
    return parseQuery(soql);
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]!.slice(0, 300) : 'syntax error';
    throw malformedQuery(`unexpected token in query: ${detail}`);
  }
}

function rejectUnsupported(query: Query | Subquery, where: string, grouping = false): void {
  if (!grouping && (query.groupBy || query.having))
    throw malformedQuery(`GROUP BY and HAVING are not supported ${where}`);
  if (query.for || query.update || query.withDataCategory || query.usingScope) {
    throw malformedQuery(`FOR, UPDATE, WITH DATA CATEGORY and USING SCOPE are not supported ${where}`);
  }
}

export interface CompileOptions {
  /** The instant date literals (TODAY, …) are resolved against. */
  now?: Date;
  /** queryAll: deleted records match too. */
  includeDeleted?: boolean;
  /**
   * The user whose sharing applies (a session of one Salesforce user): only the accounts they
   * own, and the records of those accounts, match — before LIMIT, as Salesforce applies sharing.
   */
  sharedWith?: string;
}

export function compileSoql(soql: string, options: CompileOptions = {}): QueryPlan {
  const query = parseSoql(soql);
  return compileQuery(query, options.now ?? new Date(), options.includeDeleted ?? false, options.sharedWith);
}

/**
 * Owner-based sharing, the org's default the stand-in emulates: an account is visible to its
 * owner, a record of an account (contact, opportunity, case, activity…) to the account's owner;
 * objects of no account (users, products) to everyone.
 */
function sharingCondition(def: SObjectDef, userId: string, params: SqlValue[]): string | undefined {
  if (def.name === 'Account') {
    params.push(userId);
    return `t0."OwnerId" = ?`;
  }
  if ('AccountId' in def.columns) {
    params.push(userId);
    return `t0."AccountId" IN (SELECT "Id" FROM "Account" WHERE "OwnerId" = ?)`;
  }
  return undefined;
}

/**
 * The root's WHERE clause as every top-level statement applies it: the query's filter, live
 * records only (unless queryAll), and the session user's sharing.
 */
export function rootFilter(
  def: SObjectDef,
  where: WhereClause | undefined,
  scope: Scope,
  params: SqlValue[],
  now: Date,
  includeDeleted: boolean,
  sharedWith: string | undefined,
): { sql: string; bounds: Bounds } {
  const { sql, bounds } = compileWhereWithBounds(where, scope, params, now);
  const notDeleted = includeDeleted ? '1' : `${scope.rootAlias}."IsDeleted" IS NOT 1`;
  let whereSql = sql ? `${notDeleted} AND (${sql})` : notDeleted;
  const shared = sharedWith === undefined ? undefined : sharingCondition(def, sharedWith, params);
  if (shared) whereSql += ` AND ${shared}`;
  return { sql: whereSql, bounds };
}

function compileQuery(query: Query, now: Date, includeDeleted: boolean, sharedWith?: string): QueryPlan {
  const aggregate = isAggregateQuery(query);
  rejectUnsupported(query, 'by the stand-in', aggregate);
  const def = query.sObject ? sobject(query.sObject) : undefined;
  if (!def) {
    throw invalidType(
      `sObject type '${query.sObject ?? ''}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  if (aggregate) {
    return {
      def,
      count: false,
      aggregate: compileAggregate(query, def, now, includeDeleted, sharedWith),
      idsSql: '',
      idsParams: [],
      countSql: '',
      rowsSql: '',
      selected: [],
      joinIdColumns: new Map(),
      subqueries: [],
      order: [],
    };
  }
  const fields = query.fields ?? [];
  // A lone COUNT() (isAggregateQuery sends every other function to aggregates.ts).
  const isCount = fields.length === 1 && fields[0]!.type === 'FieldFunctionExpression';

  // Filters and order: their own joins; the page of rows: the select's joins.
  const filterScope = new Scope(def, 't0', 'w');
  const params: SqlValue[] = [];
  const filtered = rootFilter(def, query.where, filterScope, params, now, includeDeleted, sharedWith);
  const bounds = filtered.bounds;
  let whereSql = filtered.sql;

  if (isCount) {
    if (query.orderBy) throw malformedQuery('ORDER BY cannot be used with COUNT()');
    const limit = query.limit === undefined ? '' : ` LIMIT ${Number(query.limit)}`;
    const countSql = `SELECT COUNT(*) AS n FROM (SELECT 1 FROM ${quote(def.name)} AS t0 ${filterScope.joinSql()} WHERE ${whereSql}${limit})`;
    return {
      def,
      count: true,
      idsSql: '',
      idsParams: params,
      countSql,
      rowsSql: '',
      selected: [],
      joinIdColumns: new Map(),
      subqueries: [],
      order: [],
    };
  }

  const ordering = compileOrderBy(query.orderBy, filterScope);
  // A range on the first order key that the WHERE implies but hides in an OR (a keyset
  // continuation: `Name > 'x' OR (Name = 'x' AND Id > 'y')`), said once more as a plain
  // conjunct, so the page seeks into the index that gives the order instead of walking it
  // from the start. Redundant for the result: it only restates what the WHERE already implies.
  const firstKey = ordering.keys[0];
  const bound = firstKey && bounds !== 'never' ? bounds.get(firstKey) : undefined;
  if (firstKey && bound?.lo !== undefined) {
    whereSql += ` AND ${firstKey} >= ?`;
    params.push(bound.lo);
  }
  if (firstKey && bound?.hi !== undefined) {
    whereSql += ` AND ${firstKey} <= ?`;
    params.push(bound.hi);
  }
  if (query.offset !== undefined && query.offset > MAX_OFFSET) {
    throw new CrmError(400, 'NUMBER_OUTSIDE_VALID_RANGE', `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  }
  const limitSql =
    query.limit !== undefined || query.offset !== undefined
      ? ` LIMIT ${query.limit === undefined ? -1 : Number(query.limit)} OFFSET ${Number(query.offset ?? 0)}`
      : '';
  const idsSql = `SELECT t0."Id" AS id FROM ${quote(def.name)} AS t0 ${filterScope.joinSql()} WHERE ${whereSql} ORDER BY ${withIdLast(ordering, 't0')}${limitSql}`;
  const countSql = `SELECT COUNT(*) AS n FROM ${quote(def.name)} AS t0 ${filterScope.joinSql()} WHERE ${whereSql}`;

  const selectScope = new Scope(def, 't0', 'p');
  const selected: SelectedField[] = [];
  const subqueries: SubqueryPlan[] = [];
  const order: string[] = [];
  const seen = new Set<string>();
  for (const item of fields) {
    if (item.type === 'FieldSubquery') {
      const sub = compileSubquery(def, item.subquery, now, includeDeleted);
      const key = `rel:${sub.relationship.name.toLowerCase()}`;
      if (seen.has(key)) throw malformedQuery(`duplicate relationship selected: ${sub.relationship.name}`);
      seen.add(key);
      order.push(`s:${subqueries.length}`);
      subqueries.push(sub);
      continue;
    }
    const raw = fieldText(item);
    const resolved = selectScope.resolve(raw);
    const key = [...resolved.joins.map((j) => j.path.join('.')), resolved.field].join('.').toLowerCase();
    if (seen.has(key)) throw malformedQuery(`duplicate field selected: ${raw}`);
    seen.add(key);
    order.push(`f:${selected.length}`);
    selected.push({ ...resolved, column: `f${selected.length}` });
  }
  if (selected.length === 0 && subqueries.length === 0)
    throw malformedQuery('SELECT needs at least one field');
  const joinIdColumns = new Map<string, string>();
  const columns = ['t0."Id" AS __id'];
  for (const s of selected) columns.push(`${sqlOf(s, 't0')} AS ${s.column}`);
  let j = 0;
  for (const join of selectScope.joins.values()) {
    const column = `j${j++}`;
    joinIdColumns.set(join.alias, column);
    columns.push(`${join.alias}."Id" AS ${column}`);
  }
  const rowsSql = `SELECT ${columns.join(', ')} FROM ${quote(def.name)} AS t0 ${selectScope.joinSql()} WHERE t0."Id" IN (SELECT value FROM json_each(?))`;
  return {
    def,
    count: false,
    idsSql,
    idsParams: params,
    countSql,
    rowsSql,
    selected,
    joinIdColumns,
    subqueries,
    order,
  };
}

function sqlOf(s: SelectedField, rootAlias: string): string {
  const alias = s.joins.at(-1)?.alias ?? rootAlias;
  return `${alias}.${quote(s.field)}`;
}

function fieldText(item: FieldType): string {
  switch (item.type) {
    case 'Field':
      if ('alias' in item && item.alias)
        throw malformedQuery('Field aliases are only allowed in aggregate queries');
      return item.field;
    case 'FieldRelationship':
      return [...item.relationships, item.field].join('.');
    case 'FieldFunctionExpression':
      throw malformedQuery(
        `Functions are not supported in a subquery by the stand-in: ${item.rawValue ?? item.functionName}`,
      );
    default:
      throw malformedQuery('TYPEOF is not supported by the stand-in');
  }
}

function compileSubquery(
  parent: SObjectDef,
  sub: Subquery,
  now: Date,
  includeDeleted: boolean,
): SubqueryPlan {
  rejectUnsupported(sub, 'in a subquery');
  const relationship = parent.children.get(sub.relationshipName.toLowerCase());
  if (!relationship) {
    throw invalidType(
      `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  if (sub.offset !== undefined) throw malformedQuery('OFFSET is not supported in a subquery by the stand-in');
  const child = sobject(relationship.child)!;
  const scope = new Scope(child, 'c0', 'q');
  const selected: SelectedField[] = [];
  const seen = new Set<string>();
  for (const item of sub.fields ?? []) {
    if (item.type === 'FieldSubquery') throw malformedQuery('Nested subqueries are not supported');
    const raw = fieldText(item);
    const resolved = scope.resolve(raw);
    const key = [...resolved.joins.map((j) => j.path.join('.')), resolved.field].join('.').toLowerCase();
    if (seen.has(key)) throw malformedQuery(`duplicate field selected: ${raw}`);
    seen.add(key);
    selected.push({ ...resolved, column: `f${selected.length}` });
  }
  if (selected.length === 0) throw malformedQuery('A subquery needs at least one field');
  const whereParams: SqlValue[] = [];
  const where = compileWhere(sub.where, scope, whereParams, now);
  const order = compileOrderBy(sub.orderBy, scope);
  const joinIdColumns = new Map<string, string>();
  const columns = [`c0.${quote(relationship.field)} AS __parent`, 'c0."Id" AS __id'];
  for (const s of selected) columns.push(`${sqlOf(s, 'c0')} AS ${s.column}`);
  let j = 0;
  for (const join of scope.joins.values()) {
    const column = `j${j++}`;
    joinIdColumns.set(join.alias, column);
    columns.push(`${join.alias}."Id" AS ${column}`);
  }
  columns.push(
    `ROW_NUMBER() OVER (PARTITION BY c0.${quote(relationship.field)} ORDER BY ${withIdLast(order, 'c0')}) AS __rn`,
  );
  const filter = `${includeDeleted ? '1' : 'c0."IsDeleted" IS NOT 1'}${where ? ` AND (${where})` : ''}`;
  // The page's parent ids arrive as one JSON array parameter, so the statement text (and its
  // prepared statement) is the same for every page.
  const inner = `SELECT ${columns.join(', ')} FROM ${quote(child.name)} AS c0 ${scope.joinSql()} WHERE c0.${quote(relationship.field)} IN (SELECT value FROM json_each(?)) AND ${filter}`;
  const sql = `SELECT * FROM (${inner})${sub.limit === undefined ? '' : ' WHERE __rn <= ?'} ORDER BY __rn`;
  const childPlan: QueryPlan = {
    def: child,
    count: false,
    idsSql: '',
    idsParams: [],
    countSql: '',
    rowsSql: `SELECT c0."Id" AS __id, ${columns.slice(2, -1).join(', ')} FROM ${quote(child.name)} AS c0 ${scope.joinSql()} WHERE c0."Id" IN (SELECT value FROM json_each(?))`,
    selected,
    joinIdColumns,
    subqueries: [],
    order: selected.map((_, i) => `f:${i}`),
  };
  return { relationship, child, sql, whereParams, limit: sub.limit, selected, joinIdColumns, childPlan };
}

interface CompiledOrder {
  sql: string;
  /** The SQL expression of each key, in order (what a bound on the first key must name). */
  keys: string[];
  /** Whether a key is the root's Id, so the order is already total. */
  total: boolean;
}

/** Never null in a stored live record: the key, and fields every create and update must set. */
function neverNull(def: SObjectDef, field: string): boolean {
  return field === 'Id' || def.required.includes(field);
}

function compileOrderBy(orderBy: OrderByClause | OrderByClause[] | undefined, scope: Scope): CompiledOrder {
  const parts: string[] = [];
  const keys: string[] = [];
  let total = false;
  for (const clause of asArray(orderBy)) {
    if (!('field' in clause)) throw malformedQuery('ORDER BY a function is not supported by the stand-in');
    const resolved = scope.resolve(clause.field);
    // Text sorts by the same folding its comparisons use, so keyset paging (`Name > 'x'` after
    // `ORDER BY Name`) neither skips nor repeats rows that differ only in case.
    const key = orderKey(resolved);
    const direction = clause.order === 'DESC' ? 'DESC' : 'ASC';
    // SQLite can read an order from an index only with its own null placement (first when
    // ascending); for a field that is never null the placement asked for changes nothing.
    const nulls = clause.nulls ?? (direction === 'ASC' ? 'FIRST' : 'LAST');
    const isNeverNull = resolved.joins.length === 0 && neverNull(scope.root, resolved.field);
    parts.push(isNeverNull ? `${key} ${direction}` : `${key} ${direction} NULLS ${nulls}`);
    keys.push(key);
    if (resolved.joins.length === 0 && resolved.field === 'Id') total = true;
  }
  return { sql: parts.join(', '), keys, total };
}

/** The order made total by the record Id (unless one of its keys already is the Id). */
function withIdLast(order: CompiledOrder, alias: string): string {
  if (order.total) return order.sql;
  return order.sql ? `${order.sql}, ${alias}."Id"` : `${alias}."Id"`;
}

/** The SQL expression a field orders (and range-compares) by. */
export function orderKey(resolved: { kind: ColumnKind; sql: string }): string {
  return resolved.kind === 'text' ? `${FOLD_FUNCTION}(${resolved.sql})` : resolved.sql;
}

// ------------------------------------------------------------------ WHERE

type Token =
  | { t: '(' }
  | { t: ')' }
  | { t: 'NOT' }
  | { t: 'AND' }
  | { t: 'OR' }
  | { t: 'cond'; cond: Record<string, unknown> };

/** The parser gives a right-leaning chain with paren counts; flatten it back to tokens. */
function tokens(where: WhereClause): Token[] {
  const out: Token[] = [];
  let node: WhereClause | undefined = where;
  while (node) {
    const left = node.left as Record<string, unknown> | null;
    const operator = (node as { operator?: string }).operator;
    const isNegation =
      operator === 'NOT' && (left === null || (left.field === undefined && left.fn === undefined));
    if (isNegation) {
      for (let i = 0; i < Number(left?.openParen ?? 0); i++) out.push({ t: '(' });
      out.push({ t: 'NOT' });
      node = (node as { right?: WhereClause }).right;
      continue;
    }
    if (left === null || left === undefined) throw malformedQuery('unexpected token in WHERE clause');
    for (let i = 0; i < Number(left.openParen ?? 0); i++) out.push({ t: '(' });
    out.push({ t: 'cond', cond: left });
    for (let i = 0; i < Number(left.closeParen ?? 0); i++) out.push({ t: ')' });
    if (operator === 'AND' || operator === 'OR') out.push({ t: operator });
    else if (operator !== undefined) throw malformedQuery(`unexpected token: ${operator}`);
    node = (node as { right?: WhereClause }).right;
  }
  return out;
}

/**
 * What a condition implies about the order keys it compares: per order-key expression, an
 * inclusive lower and upper bound; `never` when no live record can match (`Name = null` on a
 * required field). Only exact facts: a value that cannot be stated simply gives no bound.
 */
export type Bounds = 'never' | Map<string, { lo?: SqlValue; hi?: SqlValue }>;

export const NO_BOUNDS: Bounds = new Map();

function bothBounds(a: Bounds, b: Bounds): Bounds {
  if (a === 'never' || b === 'never') return 'never';
  const out = new Map(a);
  for (const [key, range] of b) {
    const mine = out.get(key);
    // Either bound holds; the first one is kept (text order in SQLite is byte order, not JS's).
    out.set(key, { lo: mine?.lo ?? range.lo, hi: mine?.hi ?? range.hi });
  }
  return out;
}

/** What every alternative implies: a bound survives only where all alternatives have the same one. */
function eitherBounds(alternatives: Bounds[]): Bounds {
  const possible = alternatives.filter((b): b is Exclude<Bounds, 'never'> => b !== 'never');
  if (possible.length === 0) return 'never';
  const [first, ...rest] = possible;
  const out = new Map<string, { lo?: SqlValue; hi?: SqlValue }>();
  for (const [key, range] of first!) {
    const same = (pick: 'lo' | 'hi') =>
      range[pick] !== undefined && rest.every((b) => b.get(key)?.[pick] === range[pick])
        ? range[pick]
        : undefined;
    const lo = same('lo');
    const hi = same('hi');
    if (lo !== undefined || hi !== undefined) out.set(key, { lo, hi });
  }
  return out;
}

function compileWhere(where: WhereClause | undefined, scope: Scope, params: SqlValue[], now: Date): string {
  return compileWhereWithBounds(where, scope, params, now).sql;
}

function compileWhereWithBounds(
  where: WhereClause | undefined,
  scope: Scope,
  params: SqlValue[],
  now: Date,
): { sql: string; bounds: Bounds } {
  return compileConditions(where, (cond) => condition(cond, scope, params, now));
}

export interface Compiled {
  sql: string;
  bounds: Bounds;
}

/**
 * A WHERE or HAVING tree (AND, OR, NOT, parentheses) around conditions the caller compiles, in
 * text order so parameters bind in the order their `?` appear.
 */
export function compileConditions(
  where: WhereClause | undefined,
  compileCondition: (cond: Record<string, unknown>) => Compiled,
): Compiled {
  if (!where) return { sql: '', bounds: NO_BOUNDS };
  const list = tokens(where);
  let pos = 0;
  const peek = () => list[pos];

  // SOQL refuses AND and OR at one level without parentheses, so each level is one or the other.
  const expression = (): Compiled => {
    const operands = [unary()];
    let op: 'AND' | 'OR' | undefined;
    for (let next = peek(); next && (next.t === 'AND' || next.t === 'OR'); next = peek()) {
      if (op && op !== next.t) {
        throw malformedQuery(`unexpected token: '${next.t}' (use parentheses to combine AND and OR)`);
      }
      op = next.t;
      pos++;
      operands.push(unary());
    }
    if (operands.length === 1) return operands[0]!;
    return {
      sql: operands.map((o) => `(${o.sql})`).join(` ${op} `),
      bounds:
        op === 'AND'
          ? operands.map((o) => o.bounds).reduce(bothBounds)
          : eitherBounds(operands.map((o) => o.bounds)),
    };
  };
  const unary = (): Compiled => {
    const token = list[pos++];
    if (!token) throw malformedQuery('unexpected end of WHERE clause');
    if (token.t === 'NOT') return { sql: `NOT (${unary().sql})`, bounds: NO_BOUNDS };
    if (token.t === '(') {
      const inner = expression();
      if (list[pos++]?.t !== ')') throw malformedQuery("expecting ')' in WHERE clause");
      return inner;
    }
    if (token.t === 'cond') return compileCondition(token.cond);
    throw malformedQuery(`unexpected token: '${token.t}'`);
  };
  const compiled = expression();
  if (pos !== list.length) throw malformedQuery(`unexpected token: '${list[pos]!.t}'`);
  return compiled;
}

const TEXT_KINDS: ReadonlySet<ColumnKind> = new Set(['text', 'id18', 'guid']);

// biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range check
const ASCII_RE = /^[\x00-\x7f]*$/;

interface Value {
  sql: SqlValue;
  isNull: boolean;
  range?: { start: SqlValue; end: SqlValue };
}

function literal(
  raw: string,
  literalType: string,
  n: number | undefined,
  kind: ColumnKind,
  field: string,
  now: Date,
): Value {
  const wrongType = (expected: string) =>
    filterOperatorError(
      `value of filter criterion for field '${field}' must be of type ${expected}${
        expected === 'string' || expected === 'id'
          ? ' and should be enclosed in quotes'
          : ' and should not be enclosed in quotes'
      }`,
    );
  if (literalType === 'NULL') return { sql: null, isNull: true };
  switch (kind) {
    case 'text':
    case 'guid':
    case 'id18': {
      if (literalType !== 'STRING') throw wrongType(kind === 'id18' ? 'id' : 'string');
      const value = unquote(raw);
      if (kind === 'id18') {
        const id = to18(value);
        if (!id) throw filterOperatorError(`invalid ID field: ${value}`);
        return { sql: id, isNull: false };
      }
      return { sql: value, isNull: false };
    }
    case 'integer':
    case 'decimal': {
      if (literalType !== 'INTEGER' && literalType !== 'DECIMAL') throw wrongType('double');
      const value = Number(raw);
      if (!Number.isFinite(value)) throw wrongType('double');
      return { sql: value, isNull: false };
    }
    case 'boolean':
      if (literalType !== 'BOOLEAN') throw wrongType('boolean');
      return { sql: raw.toUpperCase() === 'TRUE' ? 1 : 0, isNull: false };
    case 'date':
    case 'datetime': {
      if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
        const range = dateLiteralRange(raw, n, now);
        const format = (ms: number) => (kind === 'date' ? isoDate(ms) : new Date(ms).toISOString());
        return { sql: null, isNull: false, range: { start: format(range.start), end: format(range.end) } };
      }
      if (kind === 'date') {
        if (literalType !== 'DATE' || !isValidDate(raw)) throw wrongType('date');
        return { sql: raw, isNull: false };
      }
      const value = literalType === 'DATETIME' ? parseDateTime(raw) : undefined;
      if (!value) throw wrongType('dateTime');
      return { sql: value, isNull: false };
    }
  }
}

/**
 * `Id IN (SELECT AccountId FROM Contact WHERE …)`: an id or lookup field against one id or lookup
 * field of another object, one level deep, as SOQL allows. Its filter's values are bound in
 * text order, like the rest of the WHERE clause.
 */
function semiJoin(cond: Record<string, unknown>, scope: Scope, params: SqlValue[], now: Date): string {
  const operator = String(cond.operator).toUpperCase();
  if (operator !== 'IN' && operator !== 'NOT IN') {
    throw malformedQuery(`A semi-join subquery needs IN or NOT IN, not ${operator}`);
  }
  if (scope.rootAlias === 'sj') throw malformedQuery('Nested semi-join subqueries are not supported');
  const outer = scope.resolve(String(cond.field));
  const query = cond.valueQuery as Query;
  rejectUnsupported(query, 'in a semi-join');
  const def = query.sObject ? sobject(query.sObject) : undefined;
  if (!def) throw invalidType(`sObject type '${query.sObject ?? ''}' is not supported.`);
  const fields = query.fields ?? [];
  if (fields.length !== 1 || fields[0]!.type !== 'Field') {
    throw malformedQuery('A semi-join subquery selects exactly one id or lookup field');
  }
  const inner = new Scope(def, 'sj', 'sjp');
  const selected = inner.resolve(fields[0]!.field);
  if (outer.kind !== 'id18' || selected.kind !== 'id18') {
    throw filterOperatorError('Semi-join subqueries compare only id and lookup fields');
  }
  const where = compileWhere(query.where, inner, params, now);
  // Null lookups are left out: SQL's NOT IN over a list holding NULL would match nothing.
  const filter = `sj."IsDeleted" IS NOT 1 AND ${selected.sql} IS NOT NULL${where ? ` AND (${where})` : ''}`;
  const limit = query.limit === undefined ? '' : ` LIMIT ${Number(query.limit)}`;
  const sub = `SELECT ${selected.sql} FROM ${quote(def.name)} AS sj ${inner.joinSql()} WHERE ${filter}${limit}`;
  return operator === 'IN'
    ? `${outer.sql} IN (${sub})`
    : `(${outer.sql} IS NULL OR ${outer.sql} NOT IN (${sub}))`;
}

function condition(
  cond: Record<string, unknown>,
  scope: Scope,
  params: SqlValue[],
  now: Date,
): { sql: string; bounds: Bounds } {
  const sql = conditionSql(cond, scope, params, now);
  return { sql, bounds: conditionBounds(cond, scope, now) };
}

/** The bound a valid single comparison puts on its field's order key (see Bounds). */
function conditionBounds(cond: Record<string, unknown>, scope: Scope, now: Date): Bounds {
  const operator = String(cond.operator).toUpperCase();
  if (cond.fn !== undefined || cond.valueQuery !== undefined || Array.isArray(cond.value)) return NO_BOUNDS;
  if (!['=', '<', '>', '<=', '>='].includes(operator)) return NO_BOUNDS;
  const resolved = scope.resolve(String(cond.field));
  const type = Array.isArray(cond.literalType) ? cond.literalType[0] : cond.literalType;
  const n = cond.dateLiteralVariable;
  const value = literal(
    String(cond.value),
    String(type),
    n === null || n === undefined || Array.isArray(n) ? undefined : Number(n),
    resolved.kind,
    resolved.field,
    now,
  );
  if (value.isNull) {
    const impossible =
      operator === '=' && resolved.joins.length === 0 && neverNull(scope.root, resolved.field);
    return impossible ? 'never' : NO_BOUNDS;
  }
  if (value.range || value.sql === null || resolved.kind === 'boolean' || resolved.kind === 'guid')
    return NO_BOUNDS;
  // Text compares by its folding (an ASCII `=` by NOCASE, which implies the same folded value).
  const bound = resolved.kind === 'text' ? String(value.sql).toLowerCase() : value.sql;
  const range = {
    lo: operator === '=' || operator === '>' || operator === '>=' ? bound : undefined,
    hi: operator === '=' || operator === '<' || operator === '<=' ? bound : undefined,
  };
  return new Map([[orderKey(resolved), range]]);
}

function conditionSql(cond: Record<string, unknown>, scope: Scope, params: SqlValue[], now: Date): string {
  if (cond.fn !== undefined) return functionConditionSql(cond, scope, params, now);
  if (cond.valueQuery !== undefined) return semiJoin(cond, scope, params, now);
  const resolved = scope.resolve(String(cond.field));
  return comparisonSql(cond, resolved, params, now);
}

/**
 * `CALENDAR_YEAR(CloseDate) = 2026`: a date function compared with an integer, as SOQL's WHERE
 * allows; aggregate functions belong in HAVING, as Salesforce answers.
 */
function functionConditionSql(
  cond: Record<string, unknown>,
  scope: Scope,
  params: SqlValue[],
  now: Date,
): string {
  const { name, args, raw } = functionCall(cond.fn);
  if (args.length === 1 && typeof args[0] === 'string') {
    const resolved = scope.resolve(args[0]);
    const sql = dateFunctionSql(name, resolved);
    if (sql !== undefined) return comparisonSql(cond, { sql, kind: 'integer', field: name }, params, now);
  }
  if (AGGREGATE_FUNCTIONS.has(name)) {
    throw malformedQuery(`Aggregate functions are not allowed in WHERE; use HAVING: ${raw}`);
  }
  throw malformedQuery(`The function ${raw} is not supported in WHERE by the stand-in`);
}

/**
 * One comparison of an expression (a field, or in HAVING an aggregate or a grouped value) with
 * the condition's literal(s), typed by the expression's kind; values bound as parameters.
 */
export function comparisonSql(
  cond: Record<string, unknown>,
  target: { sql: string; kind: ColumnKind; field: string },
  params: SqlValue[],
  now: Date,
): string {
  const { kind, field } = target;
  // A checkbox is never null in Salesforce: a missing stored value reads (and filters) as false.
  const column = kind === 'boolean' ? `COALESCE(${target.sql}, 0)` : target.sql;
  const operator = String(cond.operator).toUpperCase();
  const literalTypes = cond.literalType;
  const ns = cond.dateLiteralVariable;
  const isText = TEXT_KINDS.has(kind) && kind !== 'id18';

  const one = (raw: unknown, i?: number): Value => {
    const type = Array.isArray(literalTypes) ? literalTypes[i ?? 0] : literalTypes;
    const n = Array.isArray(ns) ? ns[i ?? 0] : ns;
    return literal(
      String(raw),
      String(type),
      n === null || n === undefined ? undefined : Number(n),
      kind,
      field,
      now,
    );
  };

  // Text equality ignores case, as Salesforce's does: SQLite's native NOCASE for an ASCII value
  // (the same answer as folding, faster), Unicode folding otherwise.
  const textEquals = (value: string): string => {
    if (ASCII_RE.test(value)) {
      params.push(value);
      return `${column} = ? COLLATE NOCASE`;
    }
    params.push(value.toLowerCase());
    return `${FOLD_FUNCTION}(${column}) = ?`;
  };

  switch (operator) {
    case '=':
    case '!=':
    case '<>': {
      if (Array.isArray(cond.value)) throw malformedQuery(`unexpected list for operator ${operator}`);
      const value = one(cond.value);
      const negate = operator !== '=';
      if (value.isNull) return `${column} IS ${negate ? 'NOT ' : ''}NULL`;
      let positive: string;
      if (value.range) {
        params.push(value.range.start, value.range.end);
        positive = `(${column} >= ? AND ${column} < ?)`;
      } else if (isText) {
        positive = textEquals(String(value.sql));
      } else {
        params.push(value.sql);
        positive = `${column} = ?`;
      }
      // In SOQL a null field is "not equal" to any value.
      return negate ? `(${column} IS NULL OR NOT ${positive})` : positive;
    }
    case '<':
    case '>':
    case '<=':
    case '>=': {
      if (Array.isArray(cond.value)) throw malformedQuery(`unexpected list for operator ${operator}`);
      const value = one(cond.value);
      if (value.isNull) throw filterOperatorError(`invalid operator on null: ${operator}`);
      if (kind === 'boolean')
        throw filterOperatorError(`invalid operator on boolean field '${field}': ${operator}`);
      if (value.range) {
        const bound = operator === '<' || operator === '>=' ? value.range.start : value.range.end;
        const op = operator === '<' || operator === '<=' ? '<' : '>=';
        params.push(bound);
        return `${column} ${op} ?`;
      }
      if (isText) {
        // Ordering comparisons fold like ORDER BY does (see compileOrderBy).
        params.push(String(value.sql).toLowerCase());
        return `${FOLD_FUNCTION}(${column}) ${operator} ?`;
      }
      params.push(value.sql);
      return `${column} ${operator} ?`;
    }
    case 'LIKE': {
      if (!TEXT_KINDS.has(kind)) throw filterOperatorError(`invalid operator on field '${field}': LIKE`);
      if (Array.isArray(cond.value) || cond.literalType !== 'STRING') {
        throw filterOperatorError(`LIKE on field '${field}' needs a quoted string`);
      }
      const pattern = sqliteLikePattern(unquoteLike(String(cond.value)));
      if (ASCII_RE.test(pattern)) {
        params.push(pattern);
        return `${column} LIKE ? ESCAPE '\\'`;
      }
      params.push(pattern.toLowerCase());
      return `${FOLD_FUNCTION}(${column}) LIKE ? ESCAPE '\\'`;
    }
    case 'IN':
    case 'NOT IN': {
      const raws = Array.isArray(cond.value) ? cond.value : [cond.value];
      const values = raws.map((raw, i) => one(raw, i));
      if (values.some((v) => v.range))
        throw filterOperatorError('date literals are not supported in IN lists');
      const nonNull = values.filter((v) => !v.isNull);
      const hasNull = nonNull.length < values.length;
      const alternatives: string[] = [];
      if (nonNull.length > 0) {
        if (isText) {
          const ascii = nonNull.every((v) => ASCII_RE.test(String(v.sql)));
          for (const v of nonNull) params.push(ascii ? v.sql : String(v.sql).toLowerCase());
          const marks = nonNull.map(() => '?').join(', ');
          alternatives.push(
            ascii ? `${column} COLLATE NOCASE IN (${marks})` : `${FOLD_FUNCTION}(${column}) IN (${marks})`,
          );
        } else {
          for (const v of nonNull) params.push(v.sql);
          alternatives.push(`${column} IN (${nonNull.map(() => '?').join(', ')})`);
        }
      }
      if (hasNull) alternatives.push(`${column} IS NULL`);
      const positive = alternatives.map((a) => `(${a})`).join(' OR ');
      if (operator === 'IN') return positive;
      return hasNull ? `NOT (${positive})` : `(${column} IS NULL OR NOT (${positive}))`;
    }
    default:
      throw filterOperatorError(`The operator ${operator} is not supported by the stand-in`);
  }
}
