/**
 * The reporting scenario's alternative (issue 11): what a BI tool does without the graph's
 * aggregates. It reads the period's records from the two REST APIs — SOQL queries for the open
 * and won opportunities (paged by nextRecordsUrl), Business Central's salesOrders,
 * salesInvoices and customerPayments of the period and the open invoices past due (paged by
 * nextLink) — and sums them itself, page by page, into the same answer `salesSummary` gives;
 * and it pages BC's open invoices directly, as `invoices(filter: {onlyOpen: true})` does.
 *
 * It is a competent client: its reads go out in parallel, it asks only for the fields it needs
 * ($select, an expanded customer for a payment's salesperson and currency), takes the server's
 * page size for the sums and never holds more than a page. It knows what the figures mean as
 * the reports subgraph defines them (BC's blank currency is the local one; a draft invoice is
 * not posted; a payment counts in its customer's currency and salesperson, positive; overdue is
 * what remains on invoices due before the period's last day or today) because otherwise it
 * would not be the same answer.
 */
import { createHash } from 'node:crypto';
import { Agent, fetch } from 'undici';
import { MoneyTotals } from '../lib/money.js';
import { DirectCallError, type DirectClientConfig, formatAmount, queryString } from './direct-client.js';
import { canonicalize } from './measure.js';

export type SummaryGrouping = 'OWNER' | 'MONTH';

/** The key of figures with no value for the grouping (no owner), as the graph answers it. */
export const NONE = 'NONE';

const SALESFORCE_API = '/services/data/v62.0';
const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

export interface MoneyOut {
  amount: string;
  currencyCode: string;
}

/** SalesFigures, as the bench's salesSummary operation selects them. */
export interface FiguresOut {
  pipeline: MoneyOut[];
  weightedPipeline: MoneyOut[];
  openOpportunities: number;
  won: MoneyOut[];
  wonOpportunities: number;
  booked: MoneyOut[];
  orders: number;
  invoiced: MoneyOut[];
  invoices: number;
  paid: MoneyOut[];
  overdue: MoneyOut[];
}

export interface SalesSummaryAnswer {
  salesSummary: {
    from: string;
    to: string;
    groupBy: SummaryGrouping;
    groups: { key: string; month: string | null; figures: FiguresOut }[];
    total: FiguresOut;
  };
}

/**
 * Money per currency as the client adds the REST APIs' JSON numbers: each amount taken to its two
 * places, then summed exactly by lib/money.ts, the graph's own sum (the figures compared are the
 * systems' records, read independently; how two-place amounts add up needs no second copy).
 */
export class CurrencySums {
  private readonly totals = new MoneyTotals();

  add(amount: number | null | undefined, currencyCode: string): void {
    this.totals.add(amountText(amount), currencyCode);
  }

  /** amount × percent ÷ 100 (the percent kept to two decimals). */
  addWeighted(
    amount: number | null | undefined,
    percent: number | null | undefined,
    currencyCode: string,
  ): void {
    this.totals.addWeighted(amountText(amount), currencyCode, percent ?? 0);
  }

  merge(other: CurrencySums): void {
    this.totals.addAll(other.totals);
  }

  list(): MoneyOut[] {
    return this.totals.list();
  }
}

/** A number the API answered as decimal text with two places (missing or not finite: 0). */
function amountText(amount: number | null | undefined): string {
  return typeof amount === 'number' && Number.isFinite(amount) ? formatAmount(amount) : '0.00';
}

/** The figures of one group (or of the whole period) while the records are added. */
export class FigureTally {
  readonly pipeline = new CurrencySums();
  readonly weightedPipeline = new CurrencySums();
  openOpportunities = 0;
  readonly won = new CurrencySums();
  wonOpportunities = 0;
  readonly booked = new CurrencySums();
  orders = 0;
  readonly invoiced = new CurrencySums();
  invoices = 0;
  readonly paid = new CurrencySums();
  readonly overdue = new CurrencySums();

  merge(other: FigureTally): void {
    this.pipeline.merge(other.pipeline);
    this.weightedPipeline.merge(other.weightedPipeline);
    this.openOpportunities += other.openOpportunities;
    this.won.merge(other.won);
    this.wonOpportunities += other.wonOpportunities;
    this.booked.merge(other.booked);
    this.orders += other.orders;
    this.invoiced.merge(other.invoiced);
    this.invoices += other.invoices;
    this.paid.merge(other.paid);
    this.overdue.merge(other.overdue);
  }

  figures(): FiguresOut {
    return {
      pipeline: this.pipeline.list(),
      weightedPipeline: this.weightedPipeline.list(),
      openOpportunities: this.openOpportunities,
      won: this.won.list(),
      wonOpportunities: this.wonOpportunities,
      booked: this.booked.list(),
      orders: this.orders,
      invoiced: this.invoiced.list(),
      invoices: this.invoices,
      paid: this.paid.list(),
      overdue: this.overdue.list(),
    };
  }
}

/** Salesforce records as the client's SOQL selects them. */
export interface OpportunityRecord {
  Amount: number | null;
  Probability?: number | null;
  CurrencyIsoCode: string | null;
  CloseDate: string | null;
  Owner: { Email: string | null } | null;
}

/** BC entities as the client's $select reads them. */
export interface OrderEntity {
  orderDate: string | null;
  salesperson: string | null;
  currencyCode: string | null;
  totalAmountExcludingTax: number | null;
}

export interface InvoiceEntity {
  invoiceDate: string | null;
  salesperson: string | null;
  currencyCode: string | null;
  totalAmountExcludingTax: number | null;
  status: string | null;
}

export interface PaymentEntity {
  postingDate: string | null;
  amount: number | null;
  customer: { salespersonCode: string | null; currencyCode: string | null } | null;
}

export interface OpenInvoiceEntity {
  dueDate: string | null;
  salesperson: string | null;
  currencyCode: string | null;
  remainingAmount: number | null;
  status: string | null;
}

export interface EmployeeEntity {
  number: string | null;
  email: string | null;
}

const text = (value: string | null | undefined): string | null =>
  typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
/** BC's empty date is 0001-01-01. */
const day = (value: string | null | undefined): string | null => {
  const t = text(value);
  return t === null || t.startsWith('0001-01-01') ? null : t.slice(0, 10);
};
/** A document is posted unless BC lists it as a draft. */
const isPosted = (status: string | null | undefined) => status !== 'Draft';

/**
 * The sales summary summed from the records, one at a time. ERP figures of OWNER are kept by
 * salesperson code until the employees (who each code is) are known, then joined by e-mail
 * with the CRM's owners.
 */
export class SalesSummaryTally {
  readonly total = new FigureTally();
  /** CRM figures (and every figure of MONTH) by group key. */
  private readonly groups = new Map<string, FigureTally>();
  /** OWNER: ERP figures by salesperson code (null: none). */
  private readonly bySalesperson = new Map<string | null, FigureTally>();

  constructor(
    readonly spec: {
      from: string;
      to: string;
      groupBy: SummaryGrouping;
      /** What BC's blank currency code (and a record without one) stands for. */
      localCurrencyCode: string;
    },
  ) {}

  private currency(code: string | null | undefined): string {
    return text(code) ?? this.spec.localCurrencyCode;
  }

  private group(key: string): FigureTally {
    let tally = this.groups.get(key);
    if (!tally) {
      tally = new FigureTally();
      this.groups.set(key, tally);
    }
    return tally;
  }

  /** The group of an ERP record: its month, or (OWNER) its salesperson's, resolved at the end. */
  private erpGroup(salesperson: string | null | undefined, date: string | null): FigureTally {
    if (this.spec.groupBy === 'MONTH') return this.group(date?.slice(0, 7) ?? NONE);
    const code = text(salesperson);
    let tally = this.bySalesperson.get(code);
    if (!tally) {
      tally = new FigureTally();
      this.bySalesperson.set(code, tally);
    }
    return tally;
  }

  private crmGroup(record: OpportunityRecord): FigureTally {
    if (this.spec.groupBy === 'MONTH') return this.group(day(record.CloseDate)?.slice(0, 7) ?? NONE);
    return this.group(text(record.Owner?.Email)?.toLowerCase() ?? NONE);
  }

  addOpenOpportunity(record: OpportunityRecord): void {
    const currency = this.currency(record.CurrencyIsoCode);
    for (const tally of [this.total, this.crmGroup(record)]) {
      tally.pipeline.add(record.Amount, currency);
      tally.weightedPipeline.addWeighted(record.Amount, record.Probability, currency);
      tally.openOpportunities += 1;
    }
  }

  addWonOpportunity(record: OpportunityRecord): void {
    const currency = this.currency(record.CurrencyIsoCode);
    for (const tally of [this.total, this.crmGroup(record)]) {
      tally.won.add(record.Amount, currency);
      tally.wonOpportunities += 1;
    }
  }

  addOrder(order: OrderEntity): void {
    const currency = this.currency(order.currencyCode);
    for (const tally of [this.total, this.erpGroup(order.salesperson, day(order.orderDate))]) {
      tally.booked.add(order.totalAmountExcludingTax, currency);
      tally.orders += 1;
    }
  }

  addInvoice(invoice: InvoiceEntity): void {
    if (!isPosted(invoice.status)) return;
    const currency = this.currency(invoice.currencyCode);
    for (const tally of [this.total, this.erpGroup(invoice.salesperson, day(invoice.invoiceDate))]) {
      tally.invoiced.add(invoice.totalAmountExcludingTax, currency);
      tally.invoices += 1;
    }
  }

  /** A payment has no salesperson or currency of its own: its customer's; the amount paid, positive. */
  addPayment(payment: PaymentEntity): void {
    const currency = this.currency(payment.customer?.currencyCode);
    const amount = Math.abs(payment.amount ?? 0);
    for (const tally of [
      this.total,
      this.erpGroup(payment.customer?.salespersonCode, day(payment.postingDate)),
    ]) {
      tally.paid.add(amount, currency);
    }
  }

  /**
   * An open invoice due before the as-of day: overdue in the total and in its salesperson's
   * group; for MONTH in the month it fell due, when that is within the period.
   */
  addOverdueInvoice(invoice: OpenInvoiceEntity): void {
    if (!isPosted(invoice.status)) return;
    const currency = this.currency(invoice.currencyCode);
    this.total.overdue.add(invoice.remainingAmount, currency);
    const due = day(invoice.dueDate);
    if (this.spec.groupBy === 'MONTH') {
      if (due === null || due < this.spec.from) return;
      this.group(due.slice(0, 7)).overdue.add(invoice.remainingAmount, currency);
    } else {
      this.erpGroup(invoice.salesperson, due).overdue.add(invoice.remainingAmount, currency);
    }
  }

  /** The answer, ERP salespeople joined to their e-mails (OWNER) by the employees read. */
  answer(employees: readonly EmployeeEntity[] = []): SalesSummaryAnswer {
    const groups = new Map<string, FigureTally>();
    const into = (key: string, tally: FigureTally) => {
      const existing = groups.get(key);
      if (existing) existing.merge(tally);
      else {
        const copy = new FigureTally();
        copy.merge(tally);
        groups.set(key, copy);
      }
    };
    for (const [key, tally] of this.groups) into(key, tally);
    if (this.spec.groupBy === 'OWNER') {
      const emailOf = new Map(
        employees.map((e) => [String(e.number ?? ''), text(e.email)?.toLowerCase() ?? null]),
      );
      for (const [code, tally] of this.bySalesperson) {
        into(code === null ? NONE : (emailOf.get(code) ?? NONE), tally);
      }
    }
    const { from, to, groupBy } = this.spec;
    return {
      salesSummary: {
        from,
        to,
        groupBy,
        groups: [...groups.entries()]
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, tally]) => ({
            key,
            month: groupBy === 'MONTH' && key !== NONE ? key : null,
            figures: tally.figures(),
          })),
        total: this.total.figures(),
      },
    };
  }
}

/** Overdue as of the period's last day, or today if earlier: due before that day. */
export function overdueBefore(to: string, today: string): string {
  const asOf = to < today ? to : today;
  return new Date(Date.parse(`${asOf}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** An open invoice as the walk's operation selects it. */
export interface WalkNode {
  number: string;
  dueDate: string | null;
  remaining: MoneyOut;
}

/**
 * What a walk through a list saw, without keeping it: the records' count and a hash over their
 * canonical form in order, so two walks compare equal exactly when they gave the same records
 * in the same order.
 */
export class WalkDigest {
  private readonly hash = createHash('sha256');
  records = 0;
  pages = 0;

  addPage(nodes: readonly unknown[]): void {
    this.pages += 1;
    for (const node of nodes) {
      this.records += 1;
      this.hash.update(JSON.stringify(canonicalize(node)));
      this.hash.update('\n');
    }
  }

  digest(): string {
    return this.hash.digest('hex').slice(0, 32);
  }
}

export interface DirectReports {
  salesSummary(
    args: { from: string; to: string; groupBy: SummaryGrouping; today: string },
    signal: AbortSignal,
  ): Promise<SalesSummaryAnswer>;
  /** BC's open invoices in pages of `pageSize`, earliest due date first, at most `maxPages`. */
  walkOpenInvoices(pageSize: number, maxPages: number | null, signal: AbortSignal): Promise<WalkDigest>;
  close(): Promise<void>;
}

export function createDirectReports(config: DirectClientConfig): DirectReports {
  const agent = new Agent({ connections: config.connectionsPerHost, keepAliveTimeout: 30_000 });
  const erpBase = `${config.erpUrl.replace(/\/$/, '')}/api/v2.0/companies(${config.erpCompanyId})`;
  const crmOrigin = config.crmUrl.replace(/\/$/, '');

  async function getJson<T>(url: string, token: string, signal: AbortSignal, what: string, prefer?: string) {
    const send = () =>
      fetch(url, {
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/json',
          ...(prefer ? { prefer } : {}),
        },
        signal,
        dispatcher: agent,
      });
    // A keep-alive connection the server closed as it was reused fails before the request is
    // sent; a client sends a read again once, as browsers and HTTP libraries do.
    const response = await send().catch((error: unknown) => {
      if (signal.aborted) throw error;
      return send();
    });
    const text = await response.text();
    if (response.status !== 200) throw new DirectCallError(response.status, what);
    return JSON.parse(text) as T;
  }

  /** Every page of a BC collection, each handed to `onPage` before the next is asked for. */
  async function erpEach<T>(
    path: string,
    query: Record<string, string>,
    onPage: (rows: T[]) => void,
    signal: AbortSignal,
    options: { pageSize?: number; maxPages?: number | null } = {},
  ): Promise<void> {
    let url: string | null = `${erpBase}/${path}${queryString(query)}`;
    const prefer = options.pageSize ? `odata.maxpagesize=${options.pageSize}` : undefined;
    let pages = 0;
    while (url !== null) {
      const body: { value: T[]; '@odata.nextLink'?: string } = await getJson(
        url,
        config.erpToken,
        signal,
        `ERP ${path}`,
        prefer,
      );
      onPage(body.value);
      pages += 1;
      if (options.maxPages != null && pages >= options.maxPages) return;
      url = body['@odata.nextLink'] ?? null;
    }
  }

  /** Every batch of a SOQL query, following nextRecordsUrl. */
  async function soqlEach<T>(statement: string, onBatch: (records: T[]) => void, signal: AbortSignal) {
    let url: string | null = `${crmOrigin}${SALESFORCE_API}/query?q=${encodeURIComponent(statement)}`;
    while (url !== null) {
      const body: { records: T[]; nextRecordsUrl?: string } = await getJson(
        url,
        config.crmToken,
        signal,
        'CRM query',
      );
      onBatch(body.records);
      url = body.nextRecordsUrl ? `${crmOrigin}${body.nextRecordsUrl}` : null;
    }
  }

  /** A page handler that hands each record on. */
  const each =
    <T>(add: (record: T) => void) =>
    (records: T[]) => {
      for (const record of records) add(record);
    };

  return {
    async salesSummary(args, signal) {
      for (const value of [args.from, args.to, args.today]) {
        if (!DAY_RE.test(value)) throw new RangeError(`not a day: ${value}`);
      }
      const { from, to, groupBy } = args;
      const tally = new SalesSummaryTally({ from, to, groupBy, localCurrencyCode: config.localCurrencyCode });
      const closing = `CloseDate >= ${from} AND CloseDate <= ${to}`;
      const opportunityFields = 'Id, Amount, Probability, CurrencyIsoCode, CloseDate, Owner.Email';
      const employees: EmployeeEntity[] = [];
      const between = (field: string) => `${field} ge ${from} and ${field} le ${to}`;
      await Promise.all([
        soqlEach<OpportunityRecord>(
          `SELECT ${opportunityFields} FROM Opportunity WHERE IsClosed = false AND ${closing}`,
          each((r) => tally.addOpenOpportunity(r)),
          signal,
        ),
        soqlEach<OpportunityRecord>(
          `SELECT ${opportunityFields} FROM Opportunity WHERE IsWon = true AND ${closing}`,
          each((r) => tally.addWonOpportunity(r)),
          signal,
        ),
        erpEach<OrderEntity>(
          'salesOrders',
          {
            $filter: between('orderDate'),
            $select: 'orderDate,salesperson,currencyCode,totalAmountExcludingTax',
          },
          each((r) => tally.addOrder(r)),
          signal,
        ),
        erpEach<InvoiceEntity>(
          'salesInvoices',
          {
            $filter: between('invoiceDate'),
            $select: 'invoiceDate,salesperson,currencyCode,totalAmountExcludingTax,status',
          },
          each((r) => tally.addInvoice(r)),
          signal,
        ),
        erpEach<PaymentEntity>(
          'customerPayments',
          {
            $filter: between('postingDate'),
            $select: 'postingDate,amount',
            $expand: 'customer($select=salespersonCode,currencyCode)',
          },
          each((r) => tally.addPayment(r)),
          signal,
        ),
        erpEach<OpenInvoiceEntity>(
          'salesInvoices',
          {
            $filter: `remainingAmount ne 0 and dueDate le ${overdueBefore(to, args.today)}`,
            $select: 'dueDate,salesperson,currencyCode,remainingAmount,status',
          },
          each((r) => tally.addOverdueInvoice(r)),
          signal,
        ),
        ...(groupBy === 'OWNER'
          ? [
              erpEach<EmployeeEntity>(
                'employees',
                { $select: 'number,email' },
                (rows) => {
                  employees.push(...rows);
                },
                signal,
              ),
            ]
          : []),
      ]);
      return tally.answer(employees);
    },

    async walkOpenInvoices(pageSize, maxPages, signal) {
      const walk = new WalkDigest();
      await erpEach<{
        number: string;
        dueDate: string | null;
        remainingAmount: number | null;
        currencyCode: string | null;
      }>(
        'salesInvoices',
        {
          $filter: 'remainingAmount gt 0',
          $orderby: 'dueDate,number',
          $select: 'number,dueDate,remainingAmount,currencyCode',
        },
        (rows) =>
          walk.addPage(
            rows.map(
              (row): WalkNode => ({
                number: row.number,
                dueDate: !row.dueDate || row.dueDate.startsWith('0001-01-01') ? null : row.dueDate,
                remaining: {
                  amount: formatAmount(row.remainingAmount ?? 0),
                  currencyCode: text(row.currencyCode) ?? config.localCurrencyCode,
                },
              }),
            ),
          ),
        signal,
        { pageSize, maxPages },
      );
      return walk;
    },

    close: () => agent.close(),
  };
}
