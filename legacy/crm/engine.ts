import type { Database } from 'better-sqlite3';
import { LRUCache } from 'lru-cache';
import { type Row, Store } from '../erp/store.js';
import { type ColumnKind, CRM_TABLES, createIndexesSql } from '../generator/model.js';
import { aggregateTooLarge, MAX_AGGREGATE_ROWS } from './aggregates.js';
import { CrmError } from './errors.js';
import { FOLD_FUNCTION, registerFold } from './fold.js';
import { salesforceId } from './ids.js';
import { salesforceDateTime } from './literals.js';
import { SOBJECTS, type SObjectDef } from './objects.js';
import {
  type AggregatePlan,
  compileSoql,
  type Join,
  type QueryPlan,
  type SelectedField,
  type SubqueryPlan,
} from './soql.js';

export type SObjectRecord = Record<string, unknown>;

export interface QueryResult {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: SObjectRecord[];
}

/** Salesforce's batch size bounds (`Sforce-Query-Options: batchSize=`). */
export const MIN_BATCH_SIZE = 200;
export const MAX_BATCH_SIZE = 2000;

/** Child records per parent in one answer, as Salesforce batches relationship subqueries. */
export const CHILD_BATCH_SIZE = 200;

/** Ids held by all open cursors together (about 60 bytes each). */
export const MAX_CURSOR_IDS = 2_000_000;

interface Cursor {
  plan: QueryPlan;
  ids: string[];
  batchSize: number;
}

/** The JSON value of a stored column, as Salesforce writes that field type. */
export function jsonValue(kind: ColumnKind, value: unknown): unknown {
  if (value === null || value === undefined) return kind === 'boolean' ? false : null;
  switch (kind) {
    case 'boolean':
      return value === 1 || value === true || value === 1n;
    case 'decimal':
    case 'integer':
      return Number(value);
    case 'datetime':
      return salesforceDateTime(String(value));
    default:
      return value;
  }
}

export function recordUrl(apiPrefix: string, type: string, id: string): string {
  return `${apiPrefix}/sobjects/${type}/${id}`;
}

/**
 * Runs compiled SOQL: the ordered ids of all matches first (a snapshot the cursor pages over,
 * so every record comes exactly once even if data changes between pages), then the rows and
 * child subqueries of one page at a time. Cursors live in a bounded LRU, as Salesforce expires
 * query locators.
 */
export class QueryEngine {
  readonly store: Store;
  private readonly cursors: LRUCache<string, Cursor>;
  /** The id of each child record built, whether or not the subquery selected Id. */
  private readonly childIds = new WeakMap<SObjectRecord, string>();
  /** Compiled plans by statement text: parsing costs more than running a keyed query. */
  private readonly plans = new LRUCache<string, QueryPlan>({ max: 1000 });
  private locatorCounter = Math.floor(Math.random() * 1_000_000_000);

  constructor(
    db: Database,
    private readonly apiPrefix: string,
    maxCursors = 500,
    /** Child records per parent answered inline; longer lists continue behind a nextRecordsUrl. */
    private readonly childBatchSize = CHILD_BATCH_SIZE,
  ) {
    registerFold(db);
    this.store = new Store(db);
    ensureCrmIndexes(db);
    // Bounded by the ids they hold too, so a few cursors over huge tables cannot exhaust memory.
    this.cursors = new LRUCache({
      max: maxCursors,
      maxSize: MAX_CURSOR_IDS,
      sizeCalculation: (cursor) => Math.max(1, cursor.ids.length),
    });
  }

  /** `sharedWith`: the user a per-user session acts as (their sharing applies); undefined: the integration's view of everything. */
  query(soql: string, batchSize: number, includeDeleted = false, sharedWith?: string): QueryResult {
    // Date literals resolve against today, so a plan is reused on the day it was made only.
    const key = `${includeDeleted ? 'all' : 'live'}|${sharedWith ?? '*'}|${new Date().toISOString().slice(0, 10)}|${soql}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = compileSoql(soql, { includeDeleted, ...(sharedWith ? { sharedWith } : {}) });
      this.plans.set(key, plan);
    }
    if (plan.count) {
      const row = this.store.get(plan.countSql, plan.idsParams);
      return { totalSize: Number(row?.n ?? 0), done: true, records: [] };
    }
    if (plan.aggregate) return this.aggregate(plan.aggregate);
    const ids = this.store.all(plan.idsSql, plan.idsParams).map((r) => String(r.id));
    return this.page({ plan, ids, batchSize }, 0, undefined);
  }

  /**
   * An aggregate query's AggregateResult records, all in one answer: Salesforce gives aggregate
   * results no query locator, and refuses a GROUP BY result larger than one batch (aggregates.ts).
   * The batch size header does not shorten it; totalSize is the number of records.
   */
  private aggregate(plan: AggregatePlan): QueryResult {
    const rows = this.store.all(plan.sql, plan.params);
    if (plan.grouped && rows.length > MAX_AGGREGATE_ROWS) throw aggregateTooLarge();
    const records = rows.map((row) => {
      const record: SObjectRecord = { attributes: { type: 'AggregateResult' } };
      for (const c of plan.columns) record[c.key] = jsonValue(c.kind, row[c.column]);
      return record;
    });
    return { totalSize: records.length, done: true, records };
  }

  /** `query/{locator}-{position}`. */
  queryMore(locatorAndPosition: string): QueryResult {
    const match = /^(01g[0-9A-Za-z]{15})-(\d{1,9})$/.exec(locatorAndPosition);
    const cursor = match ? this.cursors.get(match[1]!) : undefined;
    const position = match ? Number(match[2]) : -1;
    if (!match || !cursor || position <= 0 || position >= cursor.ids.length) {
      throw new CrmError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    return this.page(cursor, position, match[1]);
  }

  private page(cursor: Cursor, position: number, locator: string | undefined): QueryResult {
    const pageIds = cursor.ids.slice(position, position + cursor.batchSize);
    const records = this.records(cursor.plan, pageIds);
    const next = position + pageIds.length;
    const result: QueryResult = { totalSize: cursor.ids.length, done: next >= cursor.ids.length, records };
    if (!result.done) {
      let id = locator;
      if (!id) {
        id = salesforceId('01g', this.locatorCounter++);
        this.cursors.set(id, cursor);
      }
      result.nextRecordsUrl = `${this.apiPrefix}/query/${id}-${next}`;
    }
    return {
      totalSize: result.totalSize,
      done: result.done,
      ...(result.nextRecordsUrl ? { nextRecordsUrl: result.nextRecordsUrl } : {}),
      records,
    };
  }

  /** The records of a page of ids, in the ids' order, with parents and child subqueries. */
  records(plan: QueryPlan, ids: string[]): SObjectRecord[] {
    if (ids.length === 0) return [];
    const rows = this.store.all(plan.rowsSql, [JSON.stringify(ids)]);
    const byId = new Map(rows.map((r) => [String(r.__id), r]));
    const children = plan.subqueries.map((sub) => this.childRecords(sub, ids));
    const out: SObjectRecord[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (!row) continue; // deleted between the id snapshot and this page
      const record = this.base(plan.def.name, id);
      for (const item of plan.order) {
        const index = Number(item.slice(2));
        if (item.startsWith('f:')) {
          this.put(record, row, plan.selected[index]!, plan.joinIdColumns);
        } else {
          const sub = plan.subqueries[index]!;
          const list = children[index]!.get(id);
          record[sub.relationship.name] = list ? this.childList(sub, list) : null;
        }
      }
      out.push(record);
    }
    return out;
  }

  /**
   * A parent's child list as Salesforce answers it: whole when short, else the first batch with
   * `done: false` and a nextRecordsUrl of its own (a cursor over the rest, read by `query/…`).
   */
  private childList(sub: SubqueryPlan, list: SObjectRecord[]): QueryResult {
    if (list.length <= this.childBatchSize) return { totalSize: list.length, done: true, records: list };
    const ids = list.map((r) => this.childIds.get(r)!);
    const locator = salesforceId('01g', this.locatorCounter++);
    this.cursors.set(locator, { plan: sub.childPlan, ids, batchSize: this.childBatchSize });
    return {
      totalSize: list.length,
      done: false,
      nextRecordsUrl: `${this.apiPrefix}/query/${locator}-${this.childBatchSize}`,
      records: list.slice(0, this.childBatchSize),
    };
  }

  /** One SQL statement for the children of every parent in the page. */
  private childRecords(sub: SubqueryPlan, parentIds: string[]): Map<string, SObjectRecord[]> {
    const params = [JSON.stringify(parentIds), ...sub.whereParams];
    if (sub.limit !== undefined) params.push(sub.limit);
    const rows = this.store.all(sub.sql, params);
    const byParent = new Map<string, SObjectRecord[]>();
    for (const row of rows) {
      const parent = String(row.__parent);
      const record = this.base(sub.child.name, String(row.__id));
      this.childIds.set(record, String(row.__id));
      for (const s of sub.selected) this.put(record, row, s, sub.joinIdColumns);
      let list = byParent.get(parent);
      if (!list) {
        list = [];
        byParent.set(parent, list);
      }
      list.push(record);
    }
    return byParent;
  }

  private base(type: string, id: string): SObjectRecord {
    return { attributes: { type, url: recordUrl(this.apiPrefix, type, id) } };
  }

  private put(record: SObjectRecord, row: Row, s: SelectedField, joinIdColumns: Map<string, string>): void {
    let target: SObjectRecord = record;
    for (const join of s.joins) {
      const key = join.path.at(-1)!;
      if (!(key in target)) target[key] = this.parentObject(join, row, joinIdColumns);
      const next = target[key] as SObjectRecord | null;
      if (next === null) return;
      target = next;
    }
    target[s.field] = jsonValue(s.kind, row[s.column]);
  }

  private parentObject(join: Join, row: Row, joinIdColumns: Map<string, string>): SObjectRecord | null {
    const id = row[joinIdColumns.get(join.alias)!];
    return id === null || id === undefined ? null : this.base(join.def.name, String(id));
  }

  /** A whole record (all fields, or the given ones) as `sobjects/{Type}/{Id}` answers it. */
  recordOf(def: SObjectDef, row: Row, fields?: readonly string[]): SObjectRecord {
    const record = this.base(def.name, String(row.Id));
    for (const field of fields ?? Object.keys(def.columns))
      record[field] = jsonValue(def.columns[field]!, row[field]);
    return record;
  }
}

/**
 * The indexes the stand-in's SQL needs, created when missing (so a data file generated before
 * an index was added is upgraded on open; idempotent, and skipped on a read-only database):
 * - the model's own indexes (legacy/generator/model.ts);
 * - a NOCASE twin of every indexed text column: SOQL compares text case-insensitively, which
 *   the (binary) model indexes cannot serve, so `Email = 'x'` or `ERP_Customer_Id__c IN (…)`
 *   is an index search, not a scan;
 * - a fold index of every indexed text column, `(sf_fold(col), Id, col, IsDeleted)`: text
 *   orders by the Unicode folding (soql.ts), so `ORDER BY Name, Id LIMIT n` walks this index
 *   and stops after n rows, a keyset continuation seeks into it, and a `Name LIKE '%x%'`
 *   search reads the index alone (a contains-search has to look at every name; the covering
 *   index makes that a third of the cost of reading the table).
 */
export function ensureCrmIndexes(db: Database): void {
  if (db.readonly) return;
  const statements = [createIndexesSql(CRM_TABLES)];
  for (const def of Object.values(SOBJECTS)) {
    for (const column of def.table.indexes) {
      if (def.columns[column] !== 'text') continue;
      const table = `"${def.name}"`;
      const quoted = `"${column}"`;
      statements.push(
        `CREATE INDEX IF NOT EXISTS "ix_ci_${def.name}_${column}" ON ${table} (${quoted} COLLATE NOCASE)`,
        `CREATE INDEX IF NOT EXISTS "ix_fold_${def.name}_${column}" ON ${table} (${FOLD_FUNCTION}(${quoted}), "Id", ${quoted}, "IsDeleted")`,
      );
    }
  }
  db.exec(statements.join(';\n'));
}

export function clampBatchSize(header: string | undefined): number {
  if (!header) return MAX_BATCH_SIZE;
  const match = /batchSize\s*=\s*(\d+)/i.exec(header);
  if (!match) return MAX_BATCH_SIZE;
  // A hint: Salesforce clamps it into its range rather than refusing it.
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(match[1])));
}
