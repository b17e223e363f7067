import { createHash } from 'node:crypto';
import type { CacheScope, CacheTtls } from '../../../lib/cacheConfig.js';
import { readThroughCache } from '../../../lib/cachedBatch.js';
import { type Amount, formatAmount, type Money } from '../../../lib/domain.js';
import { LegacyError } from '../../../lib/errors.js';
import { type EntitySet, type ErpClient, MAX_FILTER_CHARS } from './erpClient.js';
import { readLinkPage } from './linkPages.js';
import type { PagePosition } from './lists.js';
import { chunkByEncodedLength, dateLiteral, eqAny, stringLiteral } from './odata.js';

/**
 * The ERP's figures as Business Central computes them: its reporting entity sets
 * (agedAccountsReceivables, customerSales) and the customer's aggregating API queries
 * (salesDocumentTotals, salesLineTotals, openInvoiceTotals, salesBacklogTotals), which BC groups
 * by every column that is no aggregate and sums in SQL. Several reads go out as one `$batch`
 * ({@link ErpReporting.readAll}); each answer is kept in the shared cache under its request, so a
 * report asked again within the TTL costs nothing. Rows come out as the models below, amounts as
 * exact decimal text, BC's blank currency code as the company's local currency.
 */

/** What a document total counts: sales orders, posted invoices and credit memos, customer payments. */
export type ReportDocumentKind = 'ORDER' | 'INVOICE' | 'CREDIT_MEMO' | 'PAYMENT';

export interface DocumentTotal {
  kind: ReportDocumentKind;
  /** Order, invoice or credit memo date; a payment's posting date. */
  date: string | null;
  /** The document's salesperson code (a payment's: its customer's). */
  salesperson: string | null;
  /** The customer's state, else its country. */
  region: string | null;
  currencyCode: string;
  documents: number;
  /** Excluding tax (payments: the amount paid). */
  amount: Amount;
}

export interface LineTotal {
  kind: 'ORDER' | 'INVOICE';
  date: string | null;
  sku: string | null;
  currencyCode: string;
  lines: number;
  amount: Amount;
}

export interface OpenInvoiceTotal {
  dueDate: string | null;
  salesperson: string | null;
  region: string | null;
  currencyCode: string;
  invoices: number;
  remaining: Amount;
}

export interface BacklogTotal {
  /** The order's requested delivery date (its order date when it has none). */
  deliveryDate: string | null;
  currencyCode: string;
  orders: number;
  notInvoiced: Amount;
}

/** What BC invoiced a customer in a period, net of credit memos, excluding tax. */
export interface CustomerSalesTotal {
  customerId: string;
  customerNumber: string;
  amount: Amount;
}

/** A customer's open balance as BC ages it. */
export interface AgedReceivable {
  customerId: string;
  customerNumber: string;
  name: string | null;
  balanceDue: Money;
  current: Money;
  period1: Money;
  period2: Money;
  period3: Money;
}

export interface SalespersonRef {
  number: string;
  email: string | null;
}

export interface CustomerCurrency {
  number: string;
  currencyCode: string;
}

/** A read's figures (rows) and when they were read from BC (earlier than now when they came from the cache). */
export interface Read<T> {
  figures: T[];
  readAt: string;
}

/**
 * How long an answer may be served from the cache: a period still running changes with every
 * document (`document`), one that ended before today only by late postings (`master`).
 */
export type Freshness = Extract<keyof CacheTtls, 'document' | 'master'>;

/** One read of a reporting set, to send with others in one `$batch`. */
export interface ReportQuery<T> {
  set: EntitySet;
  filter?: string;
  select?: readonly string[];
  orderby?: string;
  freshness: Freshness;
  map: (row: Record<string, unknown>) => T;
  /**
   * Conditions that cut the read into parts, each ANDed to `filter` and sent as a request of its
   * own in the same `$batch` round trip, their rows put together in this order. They must not
   * overlap and must cover what the read asks for. A long aggregate answer would otherwise come
   * back 20,000 rows a page, nextLink after nextLink, one round trip each.
   */
  parts?: readonly string[];
}

type ReadsOf<Q extends readonly ReportQuery<unknown>[]> = {
  [K in keyof Q]: Q[K] extends ReportQuery<infer T> ? Read<T> : never;
};

/** BC's largest server page: an aggregate answer past it is followed by its nextLink. */
const REPORT_PAGE_SIZE = 20_000;
/** Room in a GET's filter for the date bounds beside a list of customer numbers. */
const DATE_BOUNDS_CHARS = 200;

/** The fields a report filters on (never from input). */
type ReportDateField = 'documentDate' | 'dueDate' | 'requestedDeliveryDate' | 'dateFilter_FilterOnly';

const between = (field: ReportDateField, from: string, to: string) =>
  `${field} ge ${dateLiteral(from)} and ${field} le ${dateLiteral(to)}`;

/**
 * Parts a ranged read is cut into at most. A day of the aggregating queries is some thousand rows
 * at 100,000 customers (day × salesperson × region × currency), well under BC's 20,000-row page,
 * so a part is a day; only a range longer than this many days takes several days a part, which
 * keeps a read within one `$batch` envelope (100 requests).
 */
const MAX_PARTS_PER_READ = 100;
const DAY_MS = 86_400_000;
const dayIndex = (value: string) => Math.floor(Date.parse(`${value}T00:00:00Z`) / DAY_MS);
const dayAt = (index: number) => new Date(index * DAY_MS).toISOString().slice(0, 10);
const addDays = (value: string, days: number) => dayAt(dayIndex(value) + days);

/** `from`..`to` as consecutive ranges of `daysPerPart` days (by default: a day, or as many as keep it within MAX_PARTS_PER_READ). */
function dayParts(field: ReportDateField, from: string, to: string, daysPerPart?: number): string[] {
  const first = dayIndex(from);
  const last = dayIndex(to);
  // A reversed range selects nothing whole as well as cut: one request, as asked.
  if (!(last >= first)) return [between(field, from, to)];
  const size = daysPerPart ?? Math.ceil((last - first + 1) / MAX_PARTS_PER_READ);
  const parts: string[] = [];
  for (let start = first; start <= last; start += size)
    parts.push(between(field, dayAt(start), dayAt(Math.min(start + size - 1, last))));
  return parts;
}

/**
 * Open invoices gather in the year before today (overdue or about to be due); older or later due
 * dates are few. The year is read two weeks a part (some thousand rows at
 * 100,000 customers), what lies outside it as one part each side.
 */
const OPEN_INVOICE_WINDOW_DAYS = 365;
const OPEN_INVOICE_AHEAD_DAYS = 120;
const OPEN_INVOICE_PART_DAYS = 14;

const DOCUMENT_KINDS: Readonly<Record<string, ReportDocumentKind>> = {
  Order: 'ORDER',
  Invoice: 'INVOICE',
  CreditMemo: 'CREDIT_MEMO',
  'Credit Memo': 'CREDIT_MEMO',
  Payment: 'PAYMENT',
};
const BC_DOCUMENT_TYPE: Readonly<Record<ReportDocumentKind, string>> = {
  ORDER: 'Order',
  INVOICE: 'Invoice',
  CREDIT_MEMO: 'CreditMemo',
  PAYMENT: 'Payment',
};

const text = (value: unknown): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
const count = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0);
/** BC's empty date is 0001-01-01. */
const day = (value: unknown): string | null => {
  const t = text(value);
  return t === null || t.startsWith('0001-01-01') ? null : t.slice(0, 10);
};

/** Distinct customer numbers, sorted (the same set is the same request), in as many filters as `bound` needs (none for none). */
const numberChunks = (field: 'customerNumber' | 'number', numbers: readonly string[], bound: number) =>
  chunkByEncodedLength(field, 'text', [...new Set(numbers)].sort(), bound);

export class ErpReporting {
  constructor(
    private readonly client: ErpClient,
    private readonly options: {
      /** ERP_LOCAL_CURRENCY: what BC's blank currency code stands for. */
      localCurrencyCode: string;
      /** The shared cache under the ERP's scope; absent: every read asks BC. */
      cache?: CacheScope;
    },
  ) {}

  private currency(value: unknown): string {
    return text(value) ?? this.options.localCurrencyCode;
  }

  private amount(value: unknown): Amount {
    return formatAmount(typeof value === 'number' ? value : 0, 'ERP');
  }

  /** Sales orders, invoices, credit memos and payments of the period, summed by BC per day, salesperson, region and currency. */
  documentTotals(
    period: { from: string; to: string; kind?: ReportDocumentKind; salespeople?: readonly string[] },
    freshness: Freshness,
  ): ReportQuery<DocumentTotal> {
    const conditions: string[] = [];
    if (period.kind) conditions.push(`documentType eq ${stringLiteral(BC_DOCUMENT_TYPE[period.kind])}`);
    if (period.salespeople && period.salespeople.length > 0)
      conditions.push(
        `(${period.salespeople.map((code) => `salespersonCode eq ${stringLiteral(code)}`).join(' or ')})`,
      );
    return {
      set: 'salesDocumentTotals',
      ...(conditions.length > 0 ? { filter: conditions.join(' and ') } : {}),
      parts: dayParts('documentDate', period.from, period.to),
      freshness,
      map: (row) => ({
        kind: DOCUMENT_KINDS[String(row.documentType)] ?? 'ORDER',
        date: day(row.documentDate),
        salesperson: text(row.salespersonCode),
        region: text(row.customerRegion),
        currencyCode: this.currency(row.currencyCode),
        documents: count(row.documentCount),
        amount: this.amount(row.amountExcludingTax),
      }),
    };
  }

  /** Order and invoice lines of the period, summed by BC per day, item and currency. */
  lineTotals(period: { from: string; to: string }, freshness: Freshness): ReportQuery<LineTotal> {
    return {
      set: 'salesLineTotals',
      parts: dayParts('documentDate', period.from, period.to),
      freshness,
      map: (row) => ({
        kind: row.documentType === 'Invoice' ? 'INVOICE' : 'ORDER',
        date: day(row.documentDate),
        sku: text(row.itemNumber),
        currencyCode: this.currency(row.currencyCode),
        lines: count(row.lineCount),
        amount: this.amount(row.amountExcludingTax),
      }),
    };
  }

  /**
   * What is still open on posted invoices, by due date (all of them, or those due in a range).
   * `today` (when no bound says where the open invoices are) places the year read two weeks a part.
   */
  openInvoiceTotals(
    due: { from?: string; to?: string },
    freshness: Freshness,
    today?: string,
  ): ReportQuery<OpenInvoiceTotal> {
    return {
      set: 'openInvoiceTotals',
      ...this.openInvoiceRange(due, today),
      freshness,
      map: (row) => ({
        dueDate: day(row.dueDate),
        salesperson: text(row.salespersonCode),
        region: text(row.customerRegion),
        currencyCode: this.currency(row.currencyCode),
        invoices: count(row.invoiceCount),
        remaining: this.amount(row.remainingAmount),
      }),
    };
  }

  private openInvoiceRange(
    due: { from?: string; to?: string },
    today: string | undefined,
  ): { filter?: string; parts?: string[] } {
    if (due.from !== undefined && due.to !== undefined)
      return { parts: dayParts('dueDate', due.from, due.to, OPEN_INVOICE_PART_DAYS) };
    const anchor = due.to ?? today;
    if (anchor === undefined)
      return due.from === undefined ? {} : { filter: `dueDate ge ${dateLiteral(due.from)}` };
    const from = due.from ?? addDays(anchor, -OPEN_INVOICE_WINDOW_DAYS);
    const to = due.to ?? addDays(anchor, OPEN_INVOICE_AHEAD_DAYS);
    // Only when `from` is given and lies past the window: everything due from it on.
    if (from > to) return { filter: `dueDate ge ${dateLiteral(from)}` };
    return {
      parts: [
        ...(due.from === undefined ? [`dueDate lt ${dateLiteral(from)}`] : []),
        ...dayParts('dueDate', from, to, OPEN_INVOICE_PART_DAYS),
        ...(due.to === undefined ? [`dueDate gt ${dateLiteral(to)}`] : []),
      ],
    };
  }

  /** Order lines not yet invoiced, by requested delivery date within the range. */
  backlogTotals(delivery: { from: string; to: string }, freshness: Freshness): ReportQuery<BacklogTotal> {
    return {
      set: 'salesBacklogTotals',
      parts: dayParts('requestedDeliveryDate', delivery.from, delivery.to),
      freshness,
      map: (row) => ({
        deliveryDate: day(row.requestedDeliveryDate),
        currencyCode: this.currency(row.currencyCode),
        orders: count(row.orderCount),
        notInvoiced: this.amount(row.notInvoicedAmount),
      }),
    };
  }

  /** Every employee's number and company e-mail: who a salesperson code is. */
  salespeople(): ReportQuery<SalespersonRef> {
    return {
      set: 'employees',
      select: ['number', 'email'],
      freshness: 'master',
      map: (row) => ({ number: String(row.number ?? ''), email: text(row.email) }),
    };
  }

  /**
   * customerSales of these customers over the period: as many GETs as the URL bound needs for
   * the numbers (usually one).
   */
  customerSales(
    customerNumbers: readonly string[],
    period: { from: string; to: string },
    freshness: Freshness,
  ): ReportQuery<CustomerSalesTotal>[] {
    return numberChunks('customerNumber', customerNumbers, MAX_FILTER_CHARS - DATE_BOUNDS_CHARS).map(
      (chunk) => ({
        set: 'customerSales' as const,
        filter: `${between('dateFilter_FilterOnly', period.from, period.to)} and (${eqAny('customerNumber', 'text', chunk)})`,
        freshness,
        map: (row: Record<string, unknown>) => ({
          customerId: String(row.customerId ?? '').toLowerCase(),
          customerNumber: String(row.customerNumber ?? ''),
          amount: this.amount(row.totalSalesAmount),
        }),
      }),
    );
  }

  /** The currency of each customer's documents (its own; blank: the local currency). */
  customerCurrencies(customerNumbers: readonly string[]): ReportQuery<CustomerCurrency>[] {
    return numberChunks('number', customerNumbers, MAX_FILTER_CHARS).map((chunk) => ({
      set: 'customers' as const,
      filter: eqAny('number', 'text', chunk),
      select: ['number', 'currencyCode'],
      freshness: 'master' as const,
      map: (row: Record<string, unknown>) => ({
        number: String(row.number ?? ''),
        currencyCode: this.currency(row.currencyCode),
      }),
    }));
  }

  /**
   * The reads, first pages all in one `$batch` (a lone one a plain GET), each followed to its
   * last page; answers the cache holds are not asked for.
   */
  async readAll<const Q extends readonly ReportQuery<unknown>[]>(
    queries: Q,
    label: string,
    requestId?: string,
  ): Promise<ReadsOf<Q>> {
    if (queries.length === 0) return [] as unknown as ReadsOf<Q>;
    // Every part of every read is one request; `owner` says whose rows it brings.
    const requests = queries.flatMap((query, owner) =>
      (query.parts ?? [undefined]).map((part) => ({
        owner,
        query,
        filter: [query.filter, part].filter((c) => c !== undefined).join(' and ') || undefined,
      })),
    );
    const links = await Promise.all(
      requests.map(({ query, filter }) =>
        this.client.collectionLink(
          query.set,
          {
            ...(filter === undefined ? {} : { filter }),
            ...(query.select === undefined ? {} : { select: query.select }),
            ...(query.orderby === undefined ? {} : { orderby: query.orderby }),
          },
          requestId,
        ),
      ),
    );
    const keys = requests.map(({ query }, index) => ({ link: links[index]!, freshness: query.freshness }));
    const load = readThroughCache<(typeof keys)[number], Read<Record<string, unknown>>>(this.options.cache, {
      type: 'erp.report',
      ttlMs: (ttl) => (key) => ttl[key.freshness],
      keyOf: (key) => createHash('sha256').update(key.link).digest('base64url'),
      load: (missing) => this.fetch(missing, label, requestId),
    });
    const answers = await load(keys);
    const reads = queries.map(() => ({ figures: [] as unknown[], readAt: '' }));
    answers.forEach((answer, index) => {
      if (answer instanceof Error) throw answer;
      const { owner, query } = requests[index]!;
      const read = reads[owner]!;
      for (const row of answer.figures) read.figures.push(query.map(row));
      // A read is as old as its oldest part (parts may come from the cache at different times).
      if (read.readAt === '' || answer.readAt < read.readAt) read.readAt = answer.readAt;
    });
    return reads as unknown as ReadsOf<Q>;
  }

  private async fetch(
    keys: readonly { link: string }[],
    label: string,
    requestId?: string,
  ): Promise<(Read<Record<string, unknown>> | Error)[]> {
    const readAt = new Date().toISOString();
    const firstPages = await this.client.getPages<Record<string, unknown>>(
      keys.map((key) => ({ link: key.link, pageSize: REPORT_PAGE_SIZE })),
      label,
      requestId,
      { mixed: true },
    );
    return Promise.all(
      firstPages.map(async (page) => {
        if (page instanceof LegacyError) return page;
        const rows =
          page.nextLink === null
            ? page.rows
            : [
                ...page.rows,
                ...(await this.client.getAll<Record<string, unknown>>(page.nextLink, label, requestId)),
              ];
        return { figures: rows, readAt };
      }),
    );
  }

  /**
   * One page of agedAccountsReceivables as of `asOf` in 30-day periods, by customer number: a
   * page after `position` (from the start without one). Undefined when the position is not
   * one of this list's.
   */
  async agedReceivablesPage(
    asOf: string,
    size: number,
    position: PagePosition | undefined,
    requestId?: string,
  ): Promise<
    | { edges: { node: AgedReceivable; position: PagePosition }[]; next: PagePosition | null; readAt: string }
    | undefined
  > {
    const first = await this.client.collectionLink(
      'agedAccountsReceivables',
      {
        filter: `agedAsOfDate eq ${dateLiteral(asOf)} and periodLengthFilter eq ${stringLiteral('30D')}`,
        orderby: 'customerNumber',
      },
      requestId,
    );
    const page = await readLinkPage<Record<string, unknown>>(
      this.client,
      first,
      size,
      position,
      'aged accounts receivable',
      requestId,
    );
    if (page === undefined) return undefined;
    return {
      edges: page.edges.map(({ node, position }) => ({ node: this.agedReceivable(node), position })),
      next: page.next,
      readAt: new Date().toISOString(),
    };
  }

  private agedReceivable(row: Record<string, unknown>): AgedReceivable {
    const currencyCode = this.currency(row.currencyCode);
    const money = (value: unknown): Money => ({ amount: this.amount(value), currencyCode });
    return {
      customerId: String(row.customerId ?? '').toLowerCase(),
      customerNumber: String(row.customerNumber ?? ''),
      name: text(row.name),
      balanceDue: money(row.balanceDue),
      current: money(row.currentAmount),
      period1: money(row.period1Amount),
      period2: money(row.period2Amount),
      period3: money(row.period3Amount),
    };
  }
}
