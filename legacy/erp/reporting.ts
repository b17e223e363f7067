import { type ColumnKind, ERP_TABLES, type TableDef } from '../generator/model.js';
import { type ApiRoute, ENTITY_SETS, type EntitySetDef } from './entities.js';
import { badRequest } from './errors.js';
import { compileFilter, type FilterExpr, fieldsOf, type QueryTarget, quoteIdent } from './odata.js';
import {
  type CollectionResult,
  decodeToken,
  pageOf,
  pageWindow,
  type QueryEngine,
  type ReadOptions,
} from './query.js';
import { jsonValue, type Row, type Store } from './store.js';

/**
 * The reporting entity sets: figures Business Central computes when they are read, never
 * stored, so a posting shows in the next read and a test can recompute every figure from the
 * document tables.
 *
 * - Standard API v2.0 pages `agedAccountsReceivables` and `customerSales`, with BC's
 *   filter-only fields (`agedAsOfDate`/`periodLengthFilter`, `dateFilter_FilterOnly`) read as
 *   parameters of the computation rather than as filters on its rows.
 * - The custom API's read-only AL queries (QueryType = API): BC groups by every column that is
 *   not an aggregate (Method = Sum/Count) and lets SQL do the grouping, so each answer here is
 *   one GROUP BY over a UNION ALL of the source documents. A filter on a grouping column is
 *   compiled into every source's WHERE (before grouping, where the date indexes apply); a
 *   filter on an aggregate column applies to the grouped rows, as an AL query's filter on a
 *   totals column does (SQL HAVING).
 */

const today = () => new Date().toISOString().slice(0, 10);

const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';

/** A document counts once posted; the API lists unposted invoices too, with status Draft. */
const posted = (alias: string) => `COALESCE(${alias}."status", '') <> 'Draft'`;
/** The customer's state, else its country (the contract's "region"). */
const REGION = `CASE WHEN COALESCE(c."state", '') <> '' THEN c."state" ELSE COALESCE(c."country", '') END`;
const text = (sql: string) => `COALESCE(${sql}, '')`;
/**
 * An order's requested delivery date, its order date when blank (BC's 0D is blank); `d` is the
 * order's alias and the prefix of its columns (empty in the index, which names bare columns).
 */
const backlogDate = (d: string) =>
  `CASE WHEN ${d}"requestedDeliveryDate" IS NULL OR ${d}"requestedDeliveryDate" IN ('', '0001-01-01') THEN ${d}"orderDate" ELSE ${d}"requestedDeliveryDate" END`;

/**
 * Indexes the reporting reads need beyond the model's, created when the stand-in opens a
 * writable file (never by the generator, so generated files stay as they are). Each matches an
 * expression or a WHERE of the SQL below exactly, which is what lets SQLite use it.
 */
export const REPORTING_INDEXES_SQL = [
  // salesBacklogTotals filtered on requestedDeliveryDate: a range on the expression itself.
  `CREATE INDEX IF NOT EXISTS "ix_salesOrders_backlogDate" ON "salesOrders" (${backlogDate('')})`,
  // openInvoiceTotals: only open invoices, by due date (a partial index holds only those).
  `CREATE INDEX IF NOT EXISTS "ix_salesInvoices_open_dueDate" ON "salesInvoices" ("dueDate") WHERE "remainingAmount" <> 0`,
  // customerSales sums one customer's posted documents by posting date.
  `CREATE INDEX IF NOT EXISTS "ix_salesInvoices_customerId_postingDate" ON "salesInvoices" ("customerId", "postingDate")`,
  `CREATE INDEX IF NOT EXISTS "ix_salesCreditMemos_customerId_postingDate" ON "salesCreditMemos" ("customerId", "postingDate")`,
  // agedAccountsReceivables: an invoice's payments up to the as-of date.
  `CREATE INDEX IF NOT EXISTS "ix_customerPayments_appliesToInvoiceId_postingDate" ON "customerPayments" ("appliesToInvoiceId", "postingDate")`,
].join(';\n');

/** Where a filter conjunct goes: into the computation (grouping and parameter fields) or after it. */
interface Conjuncts {
  /** Conjuncts on fields the computation takes before grouping, by field. */
  before: Map<string, FilterExpr[]>;
  /** Conjuncts on aggregate fields: applied to the computed rows. */
  after: FilterExpr[];
}

export interface ReportSetDef extends QueryTarget {
  readonly name: string;
  readonly api: ApiRoute;
  readonly table: TableDef;
  /** API pages have a key (and ETags); API queries have neither. */
  readonly key?: string;
  /** An API page's navigation properties (`$expand=customer`); API queries have none. */
  readonly navigation?: EntitySetDef['navigation'];
  /** Fields computed by aggregation; filters on them apply after grouping. */
  readonly aggregates: ReadonlySet<string>;
  /** Fields `$orderby` may name (an API query orders by its grouping columns). */
  readonly orderable: ReadonlySet<string>;
  /** The default order, made total: every row is one distinct value of these. */
  readonly order: readonly string[];
  /** The SELECT computing every row (before aggregate filters, order and paging). */
  build(conjuncts: Map<string, FilterExpr[]>, params: unknown[]): string;
}

function splitConjuncts(filter: FilterExpr | undefined, def: ReportSetDef): Conjuncts {
  const result: Conjuncts = { before: new Map(), after: [] };
  const walk = (e: FilterExpr) => {
    if (e.kind === 'and') {
      walk(e.left);
      walk(e.right);
      return;
    }
    if (e.kind === 'ignored') return;
    // compileFilter refused an `or` across fields already, so a conjunct names one field.
    const [field] = fieldsOf(e);
    if (def.aggregates.has(field!)) result.after.push(e);
    else result.before.set(field!, [...(result.before.get(field!) ?? []), e]);
  };
  if (filter) walk(filter);
  return result;
}

/** `a AND b AND …` of conjuncts compiled with `ref` mapping a field to its SQL. */
function compileAll(
  conjuncts: readonly FilterExpr[],
  def: QueryTarget,
  params: unknown[],
  ref: (field: string) => string,
): string[] {
  return conjuncts.map((c) => compileFilter(c, def, params, ref));
}

// ---------------------------------------------------------------- API queries (custom API)

interface Source {
  /** FROM … JOIN … of one kind of document (alias `d` the document, `c` its customer). */
  from: string;
  /** What makes a row part of the query: posted, open, not fully invoiced … */
  where: string[];
  /** Each grouping column's SQL over this source. */
  columns: Record<string, string>;
  /** Each measure's SQL per source row, summed (or counted) by the query's aggregates. */
  measures: Record<string, string>;
}

interface ApiQuerySpec {
  name: string;
  typeName: string;
  groups: Record<string, ColumnKind>;
  /** Aggregate column → kind and SQL over the measures (`"m_<name>"`) of the sources. */
  aggregates: Record<string, { kind: ColumnKind; sql: string }>;
  sources: Source[];
}

const m = (name: string) => quoteIdent(`m_${name}`);

function apiQuery(spec: ApiQuerySpec): ReportSetDef {
  const groups = Object.keys(spec.groups);
  const table: TableDef = {
    name: spec.name,
    key: '',
    columns: {
      ...spec.groups,
      ...Object.fromEntries(Object.entries(spec.aggregates).map(([k, v]) => [k, v.kind])),
    },
    indexes: [],
    compositeIndexes: [],
  };
  const measures = Object.keys(spec.sources[0]!.measures);
  const def: ReportSetDef = {
    name: spec.name,
    api: 'custom',
    typeName: spec.typeName,
    table,
    aggregates: new Set(Object.keys(spec.aggregates)),
    orderable: new Set(groups),
    order: groups,
    build(conjuncts, params) {
      const branches = spec.sources.map((source) => {
        const ref = (field: string) => source.columns[field]!;
        const where = [...source.where];
        for (const list of conjuncts.values()) where.push(...compileAll(list, def, params, ref));
        const columns = [
          ...groups.map((g) => `${source.columns[g]} AS ${quoteIdent(g)}`),
          ...measures.map((name) => `${source.measures[name]} AS ${m(name)}`),
        ];
        return `SELECT ${columns.join(', ')} FROM ${source.from}${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
      });
      const aggregates = Object.entries(spec.aggregates).map(([k, v]) => `${v.sql} AS ${quoteIdent(k)}`);
      const groupList = groups.map(quoteIdent).join(', ');
      return `SELECT ${groupList}, ${aggregates.join(', ')} FROM (${branches.join(' UNION ALL ')}) GROUP BY ${groupList}`;
    },
  };
  return def;
}

const withCustomer = (table: string) =>
  `${quoteIdent(table)} AS d LEFT JOIN "customers" AS c ON c."id" = d."customerId"`;
const linesOf = (lines: string, header: string) =>
  `${quoteIdent(lines)} AS l JOIN ${quoteIdent(header)} AS d ON d."id" = l."documentId"`;
const hasItem = `l."itemId" IS NOT NULL AND l."itemId" NOT IN ('', '${EMPTY_GUID}')`;

/** A sales document header as one row of salesDocumentTotals. */
function documentSource(table: string, documentType: string, dateColumn: string, where: string[]): Source {
  return {
    from: withCustomer(table),
    where,
    columns: {
      documentType: `'${documentType}'`,
      documentDate: `d.${quoteIdent(dateColumn)}`,
      salespersonCode: text('d."salesperson"'),
      customerRegion: REGION,
      currencyCode: text('d."currencyCode"'),
    },
    measures: { ex: 'd."totalAmountExcludingTax"', inc: 'd."totalAmountIncludingTax"' },
  };
}

function lineSource(
  lines: string,
  header: string,
  documentType: string,
  dateColumn: string,
  where: string[],
) {
  return {
    from: linesOf(lines, header),
    where: [hasItem, ...where],
    columns: {
      documentType: `'${documentType}'`,
      documentDate: `d.${quoteIdent(dateColumn)}`,
      itemNumber: text('l."lineObjectNumber"'),
      currencyCode: text('d."currencyCode"'),
    },
    measures: { quantity: 'l."quantity"', ex: 'l."amountExcludingTax"' },
  };
}

const sum = (name: string) => ({ kind: 'decimal' as const, sql: `TOTAL(${m(name)})` });
const count = { kind: 'integer' as const, sql: 'COUNT(*)' };

const salesDocumentTotals = apiQuery({
  name: 'salesDocumentTotals',
  typeName: 'salesDocumentTotal',
  groups: {
    documentType: 'text',
    documentDate: 'date',
    salespersonCode: 'text',
    customerRegion: 'text',
    currencyCode: 'text',
  },
  aggregates: { documentCount: count, amountExcludingTax: sum('ex'), amountIncludingTax: sum('inc') },
  sources: [
    documentSource('salesOrders', 'Order', 'orderDate', []),
    documentSource('salesInvoices', 'Invoice', 'invoiceDate', [posted('d')]),
    documentSource('salesCreditMemos', 'CreditMemo', 'creditMemoDate', [posted('d')]),
    {
      from: withCustomer('customerPayments'),
      where: [],
      columns: {
        documentType: `'Payment'`,
        documentDate: 'd."postingDate"',
        // A payment has no salesperson or currency of its own: the customer's.
        salespersonCode: text('c."salespersonCode"'),
        customerRegion: REGION,
        currencyCode: text('c."currencyCode"'),
      },
      // The amount paid, positive whichever sign the journal line carries.
      measures: { ex: 'ABS(d."amount")', inc: 'ABS(d."amount")' },
    },
  ],
});

const salesLineTotals = apiQuery({
  name: 'salesLineTotals',
  typeName: 'salesLineTotal',
  groups: { documentType: 'text', documentDate: 'date', itemNumber: 'text', currencyCode: 'text' },
  aggregates: { lineCount: count, quantity: sum('quantity'), amountExcludingTax: sum('ex') },
  sources: [
    lineSource('salesOrderLines', 'salesOrders', 'Order', 'orderDate', []),
    lineSource('salesInvoiceLines', 'salesInvoices', 'Invoice', 'invoiceDate', [posted('d')]),
  ],
});

const openInvoiceTotals = apiQuery({
  name: 'openInvoiceTotals',
  typeName: 'openInvoiceTotal',
  groups: { dueDate: 'date', salespersonCode: 'text', customerRegion: 'text', currencyCode: 'text' },
  aggregates: { invoiceCount: count, remainingAmount: sum('remaining') },
  sources: [
    {
      from: withCustomer('salesInvoices'),
      // Spelled as the partial index's WHERE so SQLite can use it.
      where: [posted('d'), 'd."remainingAmount" <> 0'],
      columns: {
        dueDate: 'd."dueDate"',
        salespersonCode: text('d."salesperson"'),
        customerRegion: REGION,
        currencyCode: text('d."currencyCode"'),
      },
      measures: { remaining: 'd."remainingAmount"' },
    },
  ],
});

const salesBacklogTotals = apiQuery({
  name: 'salesBacklogTotals',
  typeName: 'salesBacklogTotal',
  groups: { requestedDeliveryDate: 'date', salespersonCode: 'text', currencyCode: 'text' },
  aggregates: {
    orderCount: { kind: 'integer', sql: `COUNT(DISTINCT ${m('order')})` },
    notInvoicedAmount: sum('notInvoiced'),
  },
  sources: [
    {
      from: linesOf('salesOrderLines', 'salesOrders'),
      where: ['l."quantity" > COALESCE(l."invoicedQuantity", 0)'],
      columns: {
        requestedDeliveryDate: backlogDate('d.'),
        salespersonCode: text('d."salesperson"'),
        currencyCode: text('d."currencyCode"'),
      },
      measures: {
        order: 'd."id"',
        notInvoiced:
          'l."amountExcludingTax" * (l."quantity" - COALESCE(l."invoicedQuantity", 0)) / l."quantity"',
      },
    },
  ],
});

// ---------------------------------------------------------------- API pages (standard API)

/** The value of one of BC's filter-only fields, which take a single `eq` comparison. */
function parameter(conjuncts: Map<string, FilterExpr[]>, field: string): string | undefined {
  const list = conjuncts.get(field);
  conjuncts.delete(field);
  if (!list) return undefined;
  const [only] = list;
  if (list.length > 1 || only?.kind !== 'cmp' || only.op !== 'eq') {
    throw badRequest(`The filter on '${field}' must be a single 'eq' comparison with one value.`);
  }
  return only.value.type === 'date' || only.value.type === 'string' ? only.value.value : undefined;
}

/** A period length as BC's date formulas write one (`30D`, `2W`, `1M`, `1Q`, `1Y`). */
export function parsePeriodLength(formula: string): { n: number; unit: 'D' | 'W' | 'M' | 'Q' | 'Y' } {
  const match = /^(\d{1,3})([DWMQY])$/i.exec(formula.trim());
  if (!match || Number(match[1]) === 0) {
    throw badRequest(
      `The value '${formula}' of periodLengthFilter is not a valid period length; use a date formula such as 30D, 2W or 1M.`,
    );
  }
  return { n: Number(match[1]), unit: match[2]!.toUpperCase() as 'D' | 'W' | 'M' | 'Q' | 'Y' };
}

/**
 * `date` moved back by one period, as BC's CalcDate('-<formula>', date): days and weeks count
 * days; months (quarters, years) keep the day of month, clamped to the month's last day.
 */
export function periodBefore(date: string, formula: string): string {
  const { n, unit } = parsePeriodLength(formula);
  const d = new Date(`${date}T00:00:00Z`);
  if (unit === 'D' || unit === 'W') {
    return new Date(d.getTime() - n * (unit === 'W' ? 7 : 1) * 86_400_000).toISOString().slice(0, 10);
  }
  const months = n * (unit === 'M' ? 1 : unit === 'Q' ? 3 : 12);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() - months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return new Date(Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay))).toISOString().slice(0, 10);
}

const CUSTOMER_FIELDS: Record<string, string> = {
  customerId: 'c."id"',
  customerNumber: 'c."number"',
  name: text('c."displayName"'),
  currencyCode: text('c."currencyCode"'),
};

function customerWhere(conjuncts: Map<string, FilterExpr[]>, def: QueryTarget, params: unknown[]): string[] {
  const where: string[] = [];
  for (const [field, list] of conjuncts) {
    if (!(field in CUSTOMER_FIELDS)) {
      throw badRequest(`The field '${field}' of '${def.typeName}' cannot be filtered on.`);
    }
    where.push(...compileAll(list, def, params, (f) => CUSTOMER_FIELDS[f]!));
  }
  return where;
}

/**
 * BC's aged receivables (page "APIV2 - Aged AR" over the Aged Accounts Receivable computation),
 * aged by due date on `agedAsOfDate` (default: today, UTC, by the stand-in's clock — BC ages on
 * the work date) in periods of `periodLengthFilter` (default 30D): current = not yet due on the
 * as-of date, period 1 = due in the period before it, period 2 the one before that, period 3
 * earlier. An invoice counts as it stood on the as-of date: posted by then, its amount less
 * the payments applied to it and posted by then (BC's remaining amount as of a date).
 *
 * One row per customer, zero balances included: BC's own example answers a customer with
 * balanceDue 0, and a client wanting only open balances filters `balanceDue ne 0`.
 */
const agedAccountsReceivables: ReportSetDef = {
  name: 'agedAccountsReceivables',
  api: 'v2.0',
  typeName: 'agedAccountsReceivable',
  table: ERP_TABLES.agedAccountsReceivables,
  key: 'customerId',
  navigation: ENTITY_SETS.agedAccountsReceivables.navigation,
  aggregates: new Set(['balanceDue', 'currentAmount', 'period1Amount', 'period2Amount', 'period3Amount']),
  orderable: new Set(['customerId', 'customerNumber', 'name', 'currencyCode']),
  // A customer's number is its primary key in BC (the stand-in refuses a duplicate), so it
  // alone orders totally; grouped by it, the rows stream from its index page by page.
  order: ['customerNumber'],
  build(conjuncts, params) {
    const asOf = parameter(conjuncts, 'agedAsOfDate') ?? today();
    const period = (parameter(conjuncts, 'periodLengthFilter') ?? '30D').toUpperCase();
    // BC computes each period start from the previous one (CalcDate in a loop).
    const start1 = periodBefore(asOf, period);
    const start2 = periodBefore(start1, period);
    const bucket = (condition: string) => `TOTAL(CASE WHEN ${condition} THEN x."amount" END)`;
    params.push(asOf, asOf, start1, start1, start2, start2, asOf, period, asOf, asOf);
    const select = [
      'c."id" AS "customerId"',
      'c."number" AS "customerNumber"',
      `${CUSTOMER_FIELDS.name} AS "name"`,
      `${CUSTOMER_FIELDS.currencyCode} AS "currencyCode"`,
      'TOTAL(x."amount") AS "balanceDue"',
      `${bucket('x."dueDate" >= ?')} AS "currentAmount"`,
      `${bucket('x."dueDate" < ? AND x."dueDate" >= ?')} AS "period1Amount"`,
      `${bucket('x."dueDate" < ? AND x."dueDate" >= ?')} AS "period2Amount"`,
      `${bucket('x."dueDate" < ?')} AS "period3Amount"`,
      '? AS "agedAsOfDate"',
      '? AS "periodLengthFilter"',
    ];
    const invoices = `SELECT i."customerId" AS "customerId", i."dueDate" AS "dueDate", i."totalAmountIncludingTax" - COALESCE((SELECT TOTAL(p."amount") FROM "customerPayments" AS p WHERE p."appliesToInvoiceId" = i."id" AND p."postingDate" <= ?), 0) AS "amount" FROM "salesInvoices" AS i WHERE ${posted('i')} AND i."postingDate" <= ?`;
    const where = customerWhere(conjuncts, this, params);
    return `SELECT ${select.join(', ')} FROM "customers" AS c LEFT JOIN (${invoices}) AS x ON x."customerId" = c."id"${where.length ? ` WHERE ${where.join(' AND ')}` : ''} GROUP BY c."number"`;
  },
};

/**
 * BC's customer sales (query "APIV2 - Customer Sales"): per customer, its posted invoices'
 * amounts excluding tax less its posted credit memos', by posting date within
 * `dateFilter_FilterOnly` (any comparisons, `and`ed; none = all dates). BC sums Sales (LCY) of
 * the customer ledger entries; the stand-in sums the document currency, as the contract says
 * (one customer has one currency). Every customer is a row, as the query's left outer join to
 * the ledger gives (0 when nothing was sold in the period).
 */
const customerSales: ReportSetDef = {
  name: 'customerSales',
  api: 'v2.0',
  typeName: 'customerSale',
  table: {
    name: 'customerSales',
    key: '',
    columns: {
      customerId: 'guid',
      customerNumber: 'text',
      name: 'text',
      totalSalesAmount: 'decimal',
      dateFilter_FilterOnly: 'date',
    },
    indexes: [],
    compositeIndexes: [],
  },
  aggregates: new Set(['totalSalesAmount']),
  orderable: new Set(['customerId', 'customerNumber', 'name']),
  order: ['customerNumber'],
  build(conjuncts, params) {
    const dates = conjuncts.get('dateFilter_FilterOnly') ?? [];
    conjuncts.delete('dateFilter_FilterOnly');
    const sales = (table: string) => {
      const where = [
        'x."customerId" = c."id"',
        posted('x'),
        ...compileAll(dates, this, params, () => 'x."postingDate"'),
      ];
      return `(SELECT TOTAL(x."totalAmountExcludingTax") FROM ${quoteIdent(table)} AS x WHERE ${where.join(' AND ')})`;
    };
    const invoiced = sales('salesInvoices');
    const credited = sales('salesCreditMemos');
    const where = customerWhere(conjuncts, this, params);
    return `SELECT c."id" AS "customerId", c."number" AS "customerNumber", ${CUSTOMER_FIELDS.name} AS "name", ${invoiced} - ${credited} AS "totalSalesAmount", NULL AS "dateFilter_FilterOnly" FROM "customers" AS c${where.length ? ` WHERE ${where.join(' AND ')}` : ''}`;
  },
};

export const REPORT_SETS: readonly ReportSetDef[] = [
  agedAccountsReceivables,
  customerSales,
  salesDocumentTotals,
  salesLineTotals,
  openInvoiceTotals,
  salesBacklogTotals,
];

export function reportSet(api: ApiRoute, name: string): ReportSetDef | undefined {
  return REPORT_SETS.find((s) => s.api === api && s.name === name);
}

// ---------------------------------------------------------------- reading

/** Reads pages of the reporting sets with the options of `parseReadOptions`. */
export class Reporting {
  private readonly store: Store;
  constructor(private readonly engine: QueryEngine) {
    this.store = engine.store;
  }

  /**
   * One page, ordered (made total by the set's own order). Ordered by a set's one-column order
   * alone (the customer number of the API pages), a page continues after the previous page's
   * last value, a seek into the computation as readCollection's keyset; any other order is an
   * offset, which computes the skipped rows again.
   */
  read(def: ReportSetDef, options: ReadOptions, pageSize: number): CollectionResult {
    const orderby = options.orderby ?? [];
    for (const o of orderby) {
      if (!def.orderable.has(o.field)) {
        throw badRequest(`The result of '${def.name}' cannot be ordered by '${o.field}'.`);
      }
    }
    const [keyField] = def.order;
    const keyset =
      def.order.length === 1 &&
      (orderby.length === 0 || (orderby.length === 1 && orderby[0]!.field === keyField && !orderby[0]!.desc));
    const token = options.skiptoken === undefined ? undefined : decodeToken(options.skiptoken);
    const window = pageWindow(options, token, pageSize, keyset);
    let filter = options.filter;
    if (window.after !== undefined) {
      const after: FilterExpr = {
        kind: 'cmp',
        op: 'gt',
        field: keyField!,
        value: { type: 'string', value: window.after },
      };
      filter = filter ? { kind: 'and', left: filter, right: after } : after;
    }

    const params: unknown[] = [];
    const sql = this.select(def, filter, params);
    const order = [
      ...orderby.map((o) => `${quoteIdent(o.field)}${o.desc ? ' DESC' : ''}`),
      ...def.order.filter((f) => !orderby.some((o) => o.field === f)).map(quoteIdent),
    ];
    const rows =
      window.size === 0
        ? []
        : this.store.all(`${sql} ORDER BY ${order.join(', ')} LIMIT ? OFFSET ?`, [
            ...params,
            window.size + 1,
            window.offset,
          ]);
    // $top reached ends the collection even when more rows follow.
    const { page, nextSkipToken } = pageOf(window, rows, options.top, keyField!);
    const result: CollectionResult = { entities: this.entities(def, page, options) };
    if (nextSkipToken !== undefined) result.nextSkipToken = nextSkipToken;
    if (options.count) {
      const countParams: unknown[] = [];
      const countSql = `SELECT COUNT(*) AS n FROM (${this.select(def, options.filter, countParams)})`;
      result.count = Number(this.store.get(countSql, countParams)!.n);
    }
    return result;
  }

  /**
   * Rows of an API page by its key (a navigation or `$expand` from customers), defaults applied.
   * The keys go into the computation as a filter, so only their customers are aged (outside the
   * GROUP BY, SQLite would age every customer and then pick these).
   */
  rowsByKey(def: ReportSetDef, keys: readonly unknown[]): Row[] {
    const key = def.key;
    if (!key || keys.length === 0) return [];
    const byKey = keys
      .map(
        (k): FilterExpr => ({ kind: 'cmp', op: 'eq', field: key, value: { type: 'guid', value: String(k) } }),
      )
      .reduce((left, right) => ({ kind: 'or', left, right }));
    const params: unknown[] = [];
    return this.store.all(def.build(new Map([[key, [byKey]]]), params), params);
  }

  /** The SELECT of all rows the filter keeps. */
  private select(def: ReportSetDef, filter: FilterExpr | undefined, params: unknown[]): string {
    const { before, after } = splitConjuncts(filter, def);
    const inner = def.build(before, params);
    // Unwrapped, an ORDER BY that follows the GROUP BY's order (customers by number) streams
    // from the index and stops at the page's LIMIT.
    if (after.length === 0) return inner;
    const having = compileAll(after, def, params, quoteIdent);
    return `SELECT * FROM (${inner}) WHERE ${having.join(' AND ')}`;
  }

  /**
   * An API page's rows are entities (ETags, $select, $expand as any entity set's); an API
   * query's rows have no key, ETag nor navigation.
   */
  entities(def: ReportSetDef, rows: Row[], options: ReadOptions): Record<string, unknown>[] {
    if (def.key) return this.engine.materialise(def, rows, options);
    return rows.map((row) => {
      const entity: Record<string, unknown> = {};
      for (const field of options.select ?? Object.keys(def.table.columns)) {
        entity[field] = jsonValue(def.table.columns[field]!, row[field]);
      }
      return entity;
    });
  }
}
