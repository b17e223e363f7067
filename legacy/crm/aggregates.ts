import type { FieldType, OrderByClause, Query } from '@jetstreamapp/soql-parser-js';
import type { ColumnKind } from '../generator/model.js';
import { CrmError, malformedQuery } from './errors.js';
import type { SObjectDef } from './objects.js';
import {
  type AggregatePlan,
  asArray,
  comparisonSql,
  compileConditions,
  NO_BOUNDS,
  orderKey,
  quote,
  rootFilter,
  Scope,
  type SqlValue,
} from './soql.js';

/**
 * SOQL aggregate queries (`SELECT Owner.Email, SUM(Amount) total FROM Opportunity GROUP BY
 * Owner.Email HAVING COUNT(Id) > 1 ORDER BY SUM(Amount) DESC LIMIT 10`) compiled to one
 * parameterised SQLite statement that groups and aggregates in SQL. The rules are Salesforce's,
 * from the SOQL and SOSL Reference ("Aggregate Functions", "COUNT() and COUNT(fieldName)",
 * "Use Aliases with GROUP BY", "HAVING", "Date Functions", "Considerations for GROUP BY"); each
 * is named where it is applied. A lone `COUNT()` is not one of these: soql.ts answers it with
 * `totalSize` and no records, as Salesforce does.
 */

/**
 * Salesforce refuses a GROUP BY result larger than one batch (2,000 rows) instead of paging it:
 * "In REST API, queries that include a GROUP BY clause can't use the query locator to get more
 * results" (Considerations for GROUP BY).
 */
export const MAX_AGGREGATE_ROWS = 2000;

/** The error Salesforce answers when a GROUP BY result exceeds one batch. */
export const aggregateTooLarge = () =>
  new CrmError(
    400,
    'EXCEEDED_ID_LIMIT',
    'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
  );

export const AGGREGATE_FUNCTIONS: ReadonlySet<string> = new Set([
  'COUNT',
  'COUNT_DISTINCT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
]);

/**
 * The date functions the stand-in knows (Salesforce has more: FISCAL_*, DAY_IN_*, WEEK_IN_*…).
 * Dates are stored as `YYYY-MM-DD` and date-times as ISO instants in UTC, so the stand-in's
 * values are those of a user in the UTC time zone (Salesforce converts a dateTime to the user's
 * zone first).
 */
const DATE_FUNCTIONS: Record<string, (sql: string) => string> = {
  CALENDAR_YEAR: (sql) => `CAST(strftime('%Y', ${sql}) AS INTEGER)`,
  CALENDAR_QUARTER: (sql) => `((CAST(strftime('%m', ${sql}) AS INTEGER) + 2) / 3)`,
  CALENDAR_MONTH: (sql) => `CAST(strftime('%m', ${sql}) AS INTEGER)`,
};

/**
 * A date function over a resolved field as SQL (an integer), or undefined for another function.
 * Also what WHERE compares (`WHERE CALENDAR_YEAR(CloseDate) = 2026`), as SOQL allows.
 */
export function dateFunctionSql(
  name: string,
  field: { sql: string; kind: ColumnKind; field: string },
): string | undefined {
  const dateFunction = DATE_FUNCTIONS[name.toUpperCase()];
  if (!dateFunction) return undefined;
  if (field.kind !== 'date' && field.kind !== 'datetime') {
    throw malformedQuery(`${name.toUpperCase()} needs a date or dateTime field, not '${field.field}'`);
  }
  return dateFunction(field.sql);
}

const NUMERIC_KINDS: ReadonlySet<ColumnKind> = new Set(['integer', 'decimal']);

/** Not a lone `COUNT()`: a GROUP BY, a HAVING or a function among the selected items. */
export function isAggregateQuery(query: Query): boolean {
  if (query.groupBy !== undefined || query.having !== undefined) return true;
  const fields = query.fields ?? [];
  const functions = fields.filter((f) => f.type === 'FieldFunctionExpression');
  if (functions.length === 0) return false;
  const loneCount =
    fields.length === 1 &&
    functions[0]!.functionName.toUpperCase() === 'COUNT' &&
    (functions[0]!.parameters ?? []).length === 0;
  return !loneCount;
}

/** A value the statement computes: a grouped expression, an aggregate or a date function. */
interface Expr {
  /** SQL of the value. */
  sql: string;
  kind: ColumnKind;
  /** For messages and literal errors (`Amount`, `SUM(Amount)`). */
  field: string;
}

interface GroupKey extends Expr {
  /** What names the same grouping elsewhere in the query: the resolved SQL of the field or function. */
  identity: string;
}

const fieldMustBeGrouped = (what: string, ordered = false) =>
  malformedQuery(`${ordered ? 'Ordered field' : 'Field'} must be grouped or aggregated: ${what}`);

/** A parsed function call: its name upper-cased, its arguments and its text for messages. */
export function functionCall(fn: unknown): { name: string; args: unknown[]; raw: string } {
  const f = fn as { functionName?: string; parameters?: unknown[]; rawValue?: string };
  const name = String(f.functionName ?? '').toUpperCase();
  const args = f.parameters ?? [];
  return { name, args, raw: f.rawValue ?? `${name}(${args.join(', ')})` };
}

class AggregateCompiler {
  readonly scope: Scope;
  private readonly groups: GroupKey[] = [];

  constructor(
    def: SObjectDef,
    private readonly grouped: boolean,
  ) {
    this.scope = new Scope(def, 't0', 'g');
  }

  /**
   * A field path or a date function over one, as GROUP BY takes it; `grouping` false: only to
   * find the group an item names (its own refusal then says it is not grouped).
   */
  groupKey(item: { field?: string; fn?: unknown }, grouping = true): GroupKey {
    if (item.fn !== undefined) {
      const { name, args, raw } = functionCall(item.fn);
      if (name === 'ROLLUP' || name === 'CUBE') {
        throw malformedQuery(`GROUP BY ${name} is not supported by the stand-in`);
      }
      const dateFunction = DATE_FUNCTIONS[name];
      if (!dateFunction) throw malformedQuery(`${raw} cannot be grouped by the stand-in`);
      return this.dateFunction(name, args, raw);
    }
    const resolved = this.scope.resolve(String(item.field));
    // Salesforce's describe marks dateTime fields not groupable; their date functions are.
    if (grouping && resolved.kind === 'datetime') {
      throw malformedQuery(
        `field '${resolved.field}' can not be grouped in a query call (group by a date function such as CALENDAR_MONTH(${item.field}))`,
      );
    }
    // A checkbox is never null in Salesforce (see comparisonSql): an empty one groups as false.
    const sql = resolved.kind === 'boolean' ? `COALESCE(${resolved.sql}, 0)` : resolved.sql;
    return { sql, kind: resolved.kind, field: resolved.field, identity: resolved.sql };
  }

  private dateFunction(name: string, args: unknown[], raw: string): GroupKey {
    if (args.length !== 1 || typeof args[0] !== 'string') {
      throw malformedQuery(`${name} takes one date or dateTime field: ${raw}`);
    }
    const resolved = this.scope.resolve(args[0]);
    return {
      sql: dateFunctionSql(name, resolved)!,
      kind: 'integer',
      field: raw,
      identity: `${name}(${resolved.sql})`,
    };
  }

  addGroup(key: GroupKey): void {
    if (!this.groups.some((g) => g.identity === key.identity)) this.groups.push(key);
  }

  /**
   * Text groups ignore case as SOQL's comparisons do, so `Email = 'a@x'` and the group of `a@x`
   * hold the same records.
   */
  groupBySql(): string {
    return this.groups.map((g) => (g.kind === 'text' ? `${g.sql} COLLATE NOCASE` : g.sql)).join(', ');
  }

  /** The grouping an item names, or the error Salesforce gives for an ungrouped one. */
  grouping(item: { field?: string; fn?: unknown }, ordered = false): GroupKey {
    const key = this.groupKey(item, false);
    const group = this.groups.find((g) => g.identity === key.identity);
    if (!group) throw fieldMustBeGrouped(item.field ?? functionCall(item.fn).raw, ordered);
    return group;
  }

  /** `SUM(Amount)`, `COUNT(Id)`, `MIN(Account.Name)`…, or a grouped date function. */
  functionValue(fn: unknown, ordered = false): Expr {
    const { name, args, raw } = functionCall(fn);
    if (DATE_FUNCTIONS[name]) return this.grouping({ fn }, ordered);
    if (!AGGREGATE_FUNCTIONS.has(name)) {
      throw malformedQuery(`The function ${name} is not supported by the stand-in: ${raw}`);
    }
    if (args.length === 0 && name === 'COUNT') {
      // "COUNT() must be the only element in the SELECT list"; with GROUP BY, "use COUNT(fieldName)".
      throw malformedQuery(
        this.grouped
          ? 'COUNT() cannot be used with GROUP BY; use COUNT(fieldName)'
          : 'COUNT() must be the only element in the SELECT list; use COUNT(fieldName)',
      );
    }
    if (args.length !== 1 || typeof args[0] !== 'string') {
      throw malformedQuery(`${name} takes one field: ${raw}`);
    }
    const resolved = this.scope.resolve(args[0]);
    const { kind } = resolved;
    const unsupported = () =>
      malformedQuery(`field ${resolved.field} does not support aggregate operator ${name}`);
    switch (name) {
      case 'COUNT':
        // COUNT(fieldName) counts non-null values; a checkbox is never null.
        return {
          sql: kind === 'boolean' ? `COUNT(COALESCE(${resolved.sql}, 0))` : `COUNT(${resolved.sql})`,
          kind: 'integer',
          field: raw,
        };
      case 'COUNT_DISTINCT':
        // Distinct non-null values, text ignoring case as SOQL compares it.
        return {
          sql: `COUNT(DISTINCT ${resolved.sql}${kind === 'text' ? ' COLLATE NOCASE' : ''})`,
          kind: 'integer',
          field: raw,
        };
      case 'SUM':
      case 'AVG':
        // "Returns the total/average of a numeric field."
        if (!NUMERIC_KINDS.has(kind)) throw unsupported();
        return { sql: `${name}(${resolved.sql})`, kind: 'decimal', field: raw };
      default:
        // MIN/MAX: numbers, dates, date-times and text (ordered as SOQL's comparisons order it).
        if (kind === 'boolean') throw unsupported();
        return {
          sql: `${name}(${resolved.sql}${kind === 'text' ? ' COLLATE NOCASE' : ''})`,
          kind,
          field: raw,
        };
    }
  }

  /** A HAVING condition: an aggregate or a grouped value compared with a literal. */
  havingCondition(cond: Record<string, unknown>, params: SqlValue[], now: Date): string {
    if (cond.valueQuery !== undefined) throw malformedQuery('A semi-join cannot be used in HAVING');
    const target = cond.fn !== undefined ? this.functionValue(cond.fn) : this.grouping(cond);
    return comparisonSql(cond, target, params, now);
  }

  orderBySql(orderBy: OrderByClause | OrderByClause[] | undefined): string {
    return asArray(orderBy)
      .map((clause) => {
        const c = clause as { field?: string; fn?: unknown; order?: string; nulls?: string };
        const target = c.fn !== undefined ? this.functionValue(c.fn, true) : this.grouping(c, true);
        const direction = c.order === 'DESC' ? 'DESC' : 'ASC';
        // SOQL's default: nulls first ascending, last descending.
        const nulls = c.nulls ?? (direction === 'ASC' ? 'FIRST' : 'LAST');
        return `${orderKey(target)} ${direction} NULLS ${nulls}`;
      })
      .join(', ');
  }
}

/** The record key of a selected item and the value behind it. */
interface Output {
  key: string;
  value: Expr;
}

function selectedItems(compiler: AggregateCompiler, fields: FieldType[]): Output[] {
  const outputs: Output[] = [];
  let implied = 0;
  for (const item of fields) {
    switch (item.type) {
      case 'FieldFunctionExpression': {
        const value = compiler.functionValue(item);
        // "Any aggregated field in a SELECT list that does not have an alias automatically gets
        // an implied alias with a format expri" (Use Aliases with GROUP BY); date functions too.
        const key = item.alias ?? `expr${implied++}`;
        outputs.push({ key, value });
        break;
      }
      case 'Field':
      case 'FieldRelationship': {
        const path = item.type === 'Field' ? item.field : [...item.relationships, item.field].join('.');
        const value = compiler.grouping({ field: path });
        // A grouped field keeps its own name, a parent's field too: `Owner.Email` → `Email`.
        const key = ('alias' in item && item.alias) || value.field;
        outputs.push({ key, value });
        break;
      }
      case 'FieldSubquery':
        // "You can't use child relationship expressions … in a query that uses a GROUP BY clause."
        throw malformedQuery('A child relationship subquery cannot be used in an aggregate query');
      default:
        throw malformedQuery('TYPEOF is not supported by the stand-in');
    }
  }
  if (outputs.length === 0) throw malformedQuery('SELECT needs at least one field');
  const seen = new Set<string>();
  for (const { key } of outputs) {
    if (seen.has(key.toLowerCase())) throw malformedQuery(`duplicate alias: ${key}`);
    seen.add(key.toLowerCase());
  }
  return outputs;
}

export function compileAggregate(
  query: Query,
  def: SObjectDef,
  now: Date,
  includeDeleted: boolean,
  sharedWith: string | undefined,
): AggregatePlan {
  const grouped = query.groupBy !== undefined;
  const compiler = new AggregateCompiler(def, grouped);
  const groupBy = asArray(query.groupBy);
  for (const item of groupBy) compiler.addGroup(compiler.groupKey(item as { field?: string; fn?: unknown }));
  const outputs = selectedItems(compiler, query.fields ?? []);

  if (query.having !== undefined && !grouped) throw malformedQuery('HAVING can only be used with GROUP BY');
  if (query.offset !== undefined) {
    throw malformedQuery('OFFSET cannot be used in an aggregate query');
  }
  // "You must use a GROUP BY clause if your query has a LIMIT clause and an aggregated
  // function" (Considerations for GROUP BY): `SELECT MAX(CreatedDate) FROM Account LIMIT 1` fails.
  if (query.limit !== undefined && !grouped) {
    throw malformedQuery('A query with an aggregate function and LIMIT needs a GROUP BY clause');
  }

  const whereParams: SqlValue[] = [];
  const where = rootFilter(def, query.where, compiler.scope, whereParams, now, includeDeleted, sharedWith);
  const havingParams: SqlValue[] = [];
  const having = compileConditions(query.having, (cond) => ({
    sql: compiler.havingCondition(cond, havingParams, now),
    bounds: NO_BOUNDS,
  })).sql;
  const orderBy = compiler.orderBySql(query.orderBy);

  const columns = outputs.map((o, i) => ({ key: o.key, column: `a${i}`, kind: o.value.kind }));
  const select = outputs.map((o, i) => `${o.value.sql} AS ${columns[i]!.column}`).join(', ');
  let sql = `SELECT ${select} FROM ${quote(def.name)} AS t0 ${compiler.scope.joinSql()} WHERE ${where.sql}`;
  if (grouped) sql += ` GROUP BY ${compiler.groupBySql()}`;
  if (having) sql += ` HAVING ${having}`;
  if (orderBy) sql += ` ORDER BY ${orderBy}`;
  const params = [...whereParams, ...havingParams];
  if (grouped) {
    // One row past the batch is enough to tell the result does not fit (see MAX_AGGREGATE_ROWS).
    sql += ' LIMIT ?';
    params.push(Math.min(query.limit ?? MAX_AGGREGATE_ROWS + 1, MAX_AGGREGATE_ROWS + 1));
  }
  return { sql, params, columns, grouped };
}
