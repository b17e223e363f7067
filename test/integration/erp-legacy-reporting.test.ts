import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFilter } from '../../legacy/erp/odata.js';
import { QueryEngine } from '../../legacy/erp/query.js';
import { Reporting, reportSet } from '../../legacy/erp/reporting.js';
import { Store } from '../../legacy/erp/store.js';
import { openDataset } from '../../legacy/generator/open.js';
import { type Json, type Running, start } from './erp-legacy-fixture.js';

/**
 * The ERP stand-in's reporting sets (issue 11): agedAccountsReceivables and customerSales of the
 * standard API, and the custom API's read-only queries. Every figure is recomputed here in
 * plain JavaScript from the raw tables and compared with the stand-in's answer over HTTP.
 */
const dataset = openDataset({ customers: 300 });
const companyId = dataset.summary.companyId;
let erp: Running;

beforeAll(async () => {
  erp = await start(dataset.erp, { companyId });
});
afterAll(async () => {
  await erp.close();
  dataset.close();
});

type Row = Record<string, Json>;
const raw = (table: string): Row[] => dataset.erp.prepare(`SELECT * FROM "${table}"`).all() as Row[];
const round2 = (x: number) => Math.round((x + Number.EPSILON) * 100) / 100;
const customPath = (set: string) =>
  `${erp.base}/api/contoso/customerGraph/v1.0/companies(${companyId})/${set}`;
const query = (options: Record<string, string>) => `?${new URLSearchParams(options).toString()}`;
const todayUtc = () => new Date().toISOString().slice(0, 10);
const posted = (d: Row) => d.status !== 'Draft';
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Every row of a collection, following nextLink; counts the pages read. */
async function readAll(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ rows: Row[]; pages: number }> {
  const rows: Row[] = [];
  let pages = 0;
  let next: string | undefined = url;
  while (next) {
    const res = await erp.get(next, headers);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    rows.push(...res.body.value);
    pages += 1;
    next = res.body['@odata.nextLink'];
  }
  return { rows, pages };
}

function customersById(): Map<string, Row> {
  return new Map(raw('customers').map((c) => [c.id, c]));
}
const region = (c: Row | undefined) => (c?.state ? c.state : (c?.country ?? ''));

/** Group rows by the given columns and fold the measures: the test's own GROUP BY. */
function groupBy(
  rows: Row[],
  groups: string[],
  fold: (acc: Row, row: Row) => void,
  init: () => Row,
): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify(groups.map((g) => row[g]));
    let acc = out.get(key);
    if (!acc) {
      acc = { ...Object.fromEntries(groups.map((g) => [g, row[g]])), ...init() };
      out.set(key, acc);
    }
    fold(acc, row);
  }
  return out;
}

/** The answer's rows keyed like groupBy's, amounts rounded as BC writes them. */
function keyed(rows: Row[], groups: string[]): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const row of rows) {
    const key = JSON.stringify(groups.map((g) => row[g]));
    expect(out.has(key), `group ${key} answered twice`).toBe(false);
    out.set(key, row);
  }
  return out;
}

function expectSameGroups(answer: Row[], expected: Map<string, Row>, groups: string[]): void {
  const got = keyed(answer, groups);
  expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [key, want] of expected) {
    const row = got.get(key)!;
    for (const [field, value] of Object.entries(want)) {
      expect(row[field], `${key} ${field}`).toBe(typeof value === 'number' ? round2(value) : value);
    }
  }
}

// ---------------------------------------------------------------- independent computations

/** BC's CalcDate('-<n><unit>', date) for D, W and M (months keep the day, clamped). */
function periodBefore(date: string, n: number, unit: 'D' | 'W' | 'M'): string {
  if (unit !== 'M') return addDays(date, -n * (unit === 'W' ? 7 : 1));
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const target = new Date(Date.UTC(y, mo - 1 - n, 1));
  const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  return new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth(), Math.min(d, last)))
    .toISOString()
    .slice(0, 10);
}

function expectedAging(asOf: string, n: number, unit: 'D' | 'W' | 'M'): Map<string, Row> {
  const start1 = periodBefore(asOf, n, unit);
  const start2 = periodBefore(start1, n, unit);
  const paidBy = new Map<string, number>();
  for (const p of raw('customerPayments')) {
    if (p.postingDate <= asOf && p.appliesToInvoiceId) {
      paidBy.set(p.appliesToInvoiceId, (paidBy.get(p.appliesToInvoiceId) ?? 0) + p.amount);
    }
  }
  const out = new Map<string, Row>();
  for (const c of raw('customers')) {
    out.set(c.id, {
      customerId: c.id,
      customerNumber: c.number,
      name: c.displayName ?? '',
      currencyCode: c.currencyCode ?? '',
      balanceDue: 0,
      currentAmount: 0,
      period1Amount: 0,
      period2Amount: 0,
      period3Amount: 0,
    });
  }
  for (const i of raw('salesInvoices')) {
    if (!posted(i) || i.postingDate > asOf) continue;
    const amount = i.totalAmountIncludingTax - (paidBy.get(i.id) ?? 0);
    const row = out.get(i.customerId)!;
    row.balanceDue += amount;
    const bucket =
      i.dueDate >= asOf
        ? 'currentAmount'
        : i.dueDate >= start1
          ? 'period1Amount'
          : i.dueDate >= start2
            ? 'period2Amount'
            : 'period3Amount';
    row[bucket] += amount;
  }
  return out;
}

function expectAging(answer: Row[], expected: Map<string, Row>, asOf: string, period: string): void {
  expect(answer).toHaveLength(expected.size);
  const numbers = answer.map((r) => r.customerNumber);
  expect(numbers).toEqual([...numbers].sort());
  for (const row of answer) {
    const want = expected.get(row.customerId)!;
    expect(row.agedAsOfDate).toBe(asOf);
    expect(row.periodLengthFilter).toBe(period);
    for (const [field, value] of Object.entries(want)) {
      expect(row[field], `${row.customerNumber} ${field}`).toBe(
        typeof value === 'number' ? round2(value) : value,
      );
    }
  }
}

function expectedCustomerSales(inRange: (date: string) => boolean): Map<string, number> {
  const out = new Map<string, number>(raw('customers').map((c) => [c.id, 0]));
  for (const i of raw('salesInvoices')) {
    if (posted(i) && inRange(i.postingDate))
      out.set(i.customerId, out.get(i.customerId)! + i.totalAmountExcludingTax);
  }
  for (const m of raw('salesCreditMemos')) {
    if (posted(m) && inRange(m.postingDate))
      out.set(m.customerId, out.get(m.customerId)! - m.totalAmountExcludingTax);
  }
  return out;
}

const DOCUMENT_GROUPS = ['documentType', 'documentDate', 'salespersonCode', 'customerRegion', 'currencyCode'];
function expectedDocumentTotals(from: string, to: string): Map<string, Row> {
  const customers = customersById();
  const rows: Row[] = [];
  const doc = (
    type: string,
    d: Row,
    date: string,
    ex: number,
    inc: number,
    salesperson: string,
    currency: string,
  ) => {
    if (date >= from && date <= to) {
      const c = customers.get(d.customerId);
      rows.push({
        documentType: type,
        documentDate: date,
        salespersonCode: salesperson ?? '',
        customerRegion: region(c),
        currencyCode: currency ?? '',
        ex,
        inc,
      });
    }
  };
  for (const o of raw('salesOrders'))
    doc(
      'Order',
      o,
      o.orderDate,
      o.totalAmountExcludingTax,
      o.totalAmountIncludingTax,
      o.salesperson,
      o.currencyCode,
    );
  for (const i of raw('salesInvoices').filter(posted))
    doc(
      'Invoice',
      i,
      i.invoiceDate,
      i.totalAmountExcludingTax,
      i.totalAmountIncludingTax,
      i.salesperson,
      i.currencyCode,
    );
  for (const m of raw('salesCreditMemos').filter(posted))
    doc(
      'CreditMemo',
      m,
      m.creditMemoDate,
      m.totalAmountExcludingTax,
      m.totalAmountIncludingTax,
      m.salesperson,
      m.currencyCode,
    );
  for (const p of raw('customerPayments')) {
    const c = customers.get(p.customerId);
    doc(
      'Payment',
      p,
      p.postingDate,
      Math.abs(p.amount),
      Math.abs(p.amount),
      c?.salespersonCode,
      c?.currencyCode,
    );
  }
  return groupBy(
    rows,
    DOCUMENT_GROUPS,
    (acc, r) => {
      acc.documentCount += 1;
      acc.amountExcludingTax += r.ex;
      acc.amountIncludingTax += r.inc;
    },
    () => ({ documentCount: 0, amountExcludingTax: 0, amountIncludingTax: 0 }),
  );
}

const LINE_GROUPS = ['documentType', 'documentDate', 'itemNumber', 'currencyCode'];
function expectedLineTotals(from: string, to: string): Map<string, Row> {
  const rows: Row[] = [];
  const add = (type: string, headers: Row[], lines: Row[], dateOf: (h: Row) => string) => {
    const byId = new Map(headers.map((h) => [h.id, h]));
    for (const l of lines) {
      const h = byId.get(l.documentId);
      if (!h || !l.itemId) continue;
      const date = dateOf(h);
      if (date < from || date > to) continue;
      rows.push({
        documentType: type,
        documentDate: date,
        itemNumber: l.lineObjectNumber ?? '',
        currencyCode: h.currencyCode ?? '',
        quantity: l.quantity,
        ex: l.amountExcludingTax,
      });
    }
  };
  add('Order', raw('salesOrders'), raw('salesOrderLines'), (h) => h.orderDate);
  add('Invoice', raw('salesInvoices').filter(posted), raw('salesInvoiceLines'), (h) => h.invoiceDate);
  return groupBy(
    rows,
    LINE_GROUPS,
    (acc, r) => {
      acc.lineCount += 1;
      acc.quantity += r.quantity;
      acc.amountExcludingTax += r.ex;
    },
    () => ({ lineCount: 0, quantity: 0, amountExcludingTax: 0 }),
  );
}

const OPEN_GROUPS = ['dueDate', 'salespersonCode', 'customerRegion', 'currencyCode'];
function expectedOpenInvoices(from: string, to: string): Map<string, Row> {
  const customers = customersById();
  const rows = raw('salesInvoices')
    .filter((i) => posted(i) && i.remainingAmount !== 0 && i.dueDate >= from && i.dueDate <= to)
    .map((i) => ({
      dueDate: i.dueDate,
      salespersonCode: i.salesperson ?? '',
      customerRegion: region(customers.get(i.customerId)),
      currencyCode: i.currencyCode ?? '',
      remaining: i.remainingAmount,
    }));
  return groupBy(
    rows,
    OPEN_GROUPS,
    (acc, r) => {
      acc.invoiceCount += 1;
      acc.remainingAmount += r.remaining;
    },
    () => ({ invoiceCount: 0, remainingAmount: 0 }),
  );
}

const BACKLOG_GROUPS = ['requestedDeliveryDate', 'salespersonCode', 'currencyCode'];
function expectedBacklog(from: string, to: string): Map<string, Row> {
  const orders = new Map(raw('salesOrders').map((o) => [o.id, o]));
  const rows: Row[] = [];
  for (const l of raw('salesOrderLines')) {
    const invoiced = l.invoicedQuantity ?? 0;
    if (!(l.quantity > invoiced)) continue;
    const o = orders.get(l.documentId)!;
    const date =
      o.requestedDeliveryDate && o.requestedDeliveryDate !== '0001-01-01'
        ? o.requestedDeliveryDate
        : o.orderDate;
    if (date < from || date > to) continue;
    rows.push({
      requestedDeliveryDate: date,
      salespersonCode: o.salesperson ?? '',
      currencyCode: o.currencyCode ?? '',
      order: o.id,
      amount: (l.amountExcludingTax * (l.quantity - invoiced)) / l.quantity,
    });
  }
  const grouped = groupBy(
    rows,
    BACKLOG_GROUPS,
    (acc, r) => {
      acc.orders.add(r.order);
      acc.notInvoicedAmount += r.amount;
    },
    () => ({ orders: new Set<string>(), notInvoicedAmount: 0 }),
  );
  for (const g of grouped.values()) {
    g.orderCount = g.orders.size;
    delete g.orders;
  }
  return grouped;
}

const sumOf = (rows: Iterable<Row>, field: string) => [...rows].reduce((s, r) => s + r[field], 0);

// ---------------------------------------------------------------- tests

describe('agedAccountsReceivables (standard API, computed live)', () => {
  const asOf = '2026-06-30';

  it.each([
    ['30D', 30, 'D'],
    ['1M', 1, 'M'],
    ['2W', 2, 'W'],
  ] as const)('ages every customer on %s periods as of a given date', async (period, n, unit) => {
    const filter = `agedAsOfDate eq ${asOf} and periodLengthFilter eq '${period}'`;
    const { rows } = await readAll(`/agedAccountsReceivables${query({ $filter: filter })}`);
    const expected = expectedAging(asOf, n, unit);
    expectAging(rows, expected, asOf, period);
    // The data has money in every bucket, so each boundary is exercised.
    for (const bucket of ['currentAmount', 'period1Amount', 'period2Amount', 'period3Amount']) {
      expect(sumOf(expected.values(), bucket), bucket).toBeGreaterThan(0);
    }
  });

  it('ages on today (UTC) in 30-day periods by default, and equals the invoices remaining amounts', async () => {
    const before = todayUtc();
    const { rows } = await readAll('/agedAccountsReceivables');
    const after = todayUtc();
    const asOfUsed = rows[0]!.agedAsOfDate;
    expect([before, after]).toContain(asOfUsed);
    expectAging(rows, expectedAging(asOfUsed, 30, 'D'), asOfUsed, '30D');
    const remaining = new Map<string, number>();
    for (const i of raw('salesInvoices'))
      remaining.set(i.customerId, (remaining.get(i.customerId) ?? 0) + i.remainingAmount);
    for (const row of rows) expect(row.balanceDue).toBe(round2(remaining.get(row.customerId) ?? 0));
  });

  it('pages in customer-number order and filters on balanceDue after aging', async () => {
    const all = await readAll(`/agedAccountsReceivables${query({ $filter: `agedAsOfDate eq ${asOf}` })}`);
    const paged = await readAll(`/agedAccountsReceivables${query({ $filter: `agedAsOfDate eq ${asOf}` })}`, {
      prefer: 'odata.maxpagesize=40',
    });
    expect(paged.pages).toBe(Math.ceil(all.rows.length / 40));
    expect(paged.rows.map((r) => r.customerId)).toEqual(all.rows.map((r) => r.customerId));
    const open = await readAll(
      `/agedAccountsReceivables${query({ $filter: `agedAsOfDate eq ${asOf} and balanceDue ne 0` })}`,
    );
    expect(open.rows.map((r) => r.customerId)).toEqual(
      all.rows.filter((r) => r.balanceDue !== 0).map((r) => r.customerId),
    );
    expect(open.rows.length).toBeGreaterThan(0);
    expect(open.rows.length).toBeLessThan(all.rows.length);
  });

  it('answers one customer by key and through customers({id})/agedAccountsReceivable', async () => {
    const c = raw('customers')[7]!;
    const expected = expectedAging(todayUtc(), 30, 'D').get(c.id)!;
    const byKey = await erp.get(`/agedAccountsReceivables(${c.id})`);
    const nav = await erp.get(`/customers(${c.id})/agedAccountsReceivable`);
    const expanded = await erp.get(`/customers(${c.id})?$expand=agedAccountsReceivable`);
    const withCustomer = await erp.get(
      `/agedAccountsReceivables${query({ $filter: `customerId eq ${c.id}`, $expand: 'customer', $select: 'customerId,balanceDue,period3Amount' })}`,
    );
    expect(withCustomer.body.value).toHaveLength(1);
    expect(withCustomer.body.value[0].customer).toMatchObject({ id: c.id, number: c.number });
    expect(Object.keys(withCustomer.body.value[0]).sort()).toEqual(
      ['@odata.etag', 'balanceDue', 'customer', 'customerId', 'period3Amount'].sort(),
    );
    for (const body of [
      byKey.body,
      nav.body,
      expanded.body.agedAccountsReceivable,
      withCustomer.body.value[0],
    ]) {
      expect(body.customerId).toBe(c.id);
      expect(body.balanceDue).toBe(round2(expected.balanceDue));
      expect(body.period3Amount).toBe(round2(expected.period3Amount));
    }
  });
});

describe('customerSales (standard API, computed live)', () => {
  it('sums posted invoices less credit memos by posting date within dateFilter_FilterOnly', async () => {
    const filter = 'dateFilter_FilterOnly ge 2026-01-01 and dateFilter_FilterOnly le 2026-03-31';
    const { rows } = await readAll(`/customerSales${query({ $filter: filter })}`);
    const expected = expectedCustomerSales((d) => d >= '2026-01-01' && d <= '2026-03-31');
    expect(rows).toHaveLength(expected.size);
    for (const row of rows)
      expect(row.totalSalesAmount, row.customerNumber).toBe(round2(expected.get(row.customerId)!));
    expect(sumOf(rows, 'totalSalesAmount')).toBeGreaterThan(0);
    // Credit memos fall in the range too, so the subtraction is exercised.
    expect(
      raw('salesCreditMemos').some((m) => m.postingDate >= '2026-01-01' && m.postingDate <= '2026-03-31'),
    ).toBe(true);
  });

  it('restricts customers with customerNumber eq … or …, and takes gt/lt bounds', async () => {
    const [a, b] = raw('customers').slice(3, 5) as [Row, Row];
    const filter = `dateFilter_FilterOnly gt 2025-12-31 and dateFilter_FilterOnly lt 2026-07-01 and (customerNumber eq '${a.number}' or customerNumber eq '${b.number}')`;
    const res = await erp.get(`/customerSales${query({ $filter: filter })}`);
    expect(res.status).toBe(200);
    const expected = expectedCustomerSales((d) => d > '2025-12-31' && d < '2026-07-01');
    expect(res.body.value.map((r: Row) => r.customerId).sort()).toEqual([a.id, b.id].sort());
    for (const row of res.body.value)
      expect(row.totalSalesAmount).toBe(round2(expected.get(row.customerId)!));
  });
});

describe('custom API queries (one GROUP BY each)', () => {
  const from = '2026-04-01';
  const to = '2026-06-30';
  const range = (field: string) => `${field} ge ${from} and ${field} le ${to}`;

  it('salesDocumentTotals groups orders, posted invoices, credit memos and payments', async () => {
    const { rows } = await readAll(
      customPath(`salesDocumentTotals${query({ $filter: range('documentDate') })}`),
    );
    const expected = expectedDocumentTotals(from, to);
    expectSameGroups(rows, expected, DOCUMENT_GROUPS);
    expect(new Set(rows.map((r) => r.documentType))).toEqual(
      new Set(['Order', 'Invoice', 'CreditMemo', 'Payment']),
    );
    expect(sumOf(rows, 'documentCount')).toBe(sumOf(expected.values(), 'documentCount'));
  });

  it('salesLineTotals groups order and posted invoice lines with an item', async () => {
    const { rows } = await readAll(customPath(`salesLineTotals${query({ $filter: range('documentDate') })}`));
    const expected = expectedLineTotals(from, to);
    expectSameGroups(rows, expected, LINE_GROUPS);
    expect(sumOf(rows, 'lineCount')).toBeGreaterThan(0);
  });

  it('openInvoiceTotals groups posted invoices with a remaining amount by due date', async () => {
    const { rows } = await readAll(customPath(`openInvoiceTotals${query({ $filter: range('dueDate') })}`));
    const expected = expectedOpenInvoices(from, to);
    expectSameGroups(rows, expected, OPEN_GROUPS);
    expect(round2(sumOf(rows, 'remainingAmount'))).toBe(round2(sumOf(expected.values(), 'remainingAmount')));
    expect(sumOf(rows, 'invoiceCount')).toBeGreaterThan(0);
  });

  it('salesBacklogTotals groups order lines not fully invoiced by requested delivery date', async () => {
    const { rows } = await readAll(
      customPath(`salesBacklogTotals${query({ $filter: range('requestedDeliveryDate') })}`),
    );
    const expected = expectedBacklog(from, to);
    expectSameGroups(rows, expected, BACKLOG_GROUPS);
    expect(sumOf(rows, 'orderCount')).toBeGreaterThan(0);
  });

  it('pages through a query set to its end: every group once, one round trip per page', async () => {
    const expected = expectedDocumentTotals('0001-01-01', '9999-12-31');
    erp.sim.reset();
    const { rows, pages } = await readAll(customPath('salesDocumentTotals'), {
      prefer: 'odata.maxpagesize=500',
    });
    expect(pages).toBe(Math.ceil(expected.size / 500));
    expect(pages).toBeGreaterThan(2);
    expect(erp.sim.getStats().byRoute['GET /salesDocumentTotals']).toBe(pages);
    expectSameGroups(rows, expected, DOCUMENT_GROUPS);
  });

  it('orders by grouping columns, honours $top and filters on other grouping columns and aggregates', async () => {
    const ordered = await erp.get(
      customPath(
        `openInvoiceTotals${query({ $orderby: 'dueDate desc', $top: '5', $filter: range('dueDate') })}`,
      ),
    );
    expect(ordered.body.value).toHaveLength(5);
    expect(ordered.body['@odata.nextLink']).toBeUndefined();
    const dates = ordered.body.value.map((r: Row) => r.dueDate);
    expect(dates).toEqual([...dates].sort().reverse());
    const expectedDesc = [...expectedOpenInvoices(from, to).values()]
      .map((r) => r.dueDate)
      .sort()
      .reverse();
    expect(dates[0]).toBe(expectedDesc[0]);

    const invoices = await readAll(
      customPath(
        `salesDocumentTotals${query({ $filter: `${range('documentDate')} and (documentType eq 'Invoice' or documentType eq 'CreditMemo') and documentCount ge 2` })}`,
      ),
    );
    const want = [...expectedDocumentTotals(from, to).values()].filter(
      (r) => (r.documentType === 'Invoice' || r.documentType === 'CreditMemo') && r.documentCount >= 2,
    );
    expect(invoices.rows).toHaveLength(want.length);
    expect(round2(sumOf(invoices.rows, 'amountExcludingTax'))).toBe(
      round2(sumOf(want, 'amountExcludingTax')),
    );
  });
});

describe('writes show at once', () => {
  it('shipAndInvoice moves an order from the backlog to invoices, sales and the aging', async () => {
    const lines = raw('salesOrderLines');
    const unblocked = new Set(
      raw('customers')
        .filter((c) => c.blocked === null || c.blocked === ' ' || c.blocked === '')
        .map((c) => c.id),
    );
    const order = raw('salesOrders').find(
      (o) =>
        unblocked.has(o.customerId) &&
        lines.some(
          (l) => l.documentId === o.id && l.lineType !== 'Comment' && l.quantity > (l.invoicedQuantity ?? 0),
        ),
    )!;
    const today = todayUtc();
    const agingOf = async () => (await erp.get(`/agedAccountsReceivables(${order.customerId})`)).body as Row;
    const salesOf = async () =>
      (
        await erp.get(
          `/customerSales${query({ $filter: `dateFilter_FilterOnly eq ${today} and customerId eq ${order.customerId}` })}`,
        )
      ).body.value[0] as Row;
    const agingBefore = await agingOf();
    const salesBefore = await salesOf();

    const res = await erp.send('POST', `/salesOrders(${order.id})/Microsoft.NAV.shipAndInvoice`);
    expect(res.status).toBe(204);
    const invoice = raw('salesInvoices').find((i) => i.orderId === order.id && i.invoiceDate === today)!;
    expect(invoice).toBeDefined();

    const agingAfter = await agingOf();
    expect(agingAfter.balanceDue).toBe(round2(agingBefore.balanceDue + invoice.totalAmountIncludingTax));
    expect(agingAfter.currentAmount).toBe(
      round2(agingBefore.currentAmount + invoice.totalAmountIncludingTax),
    );
    expect(agingAfter.balanceDue).toBe(
      round2(expectedAging(today, 30, 'D').get(order.customerId)!.balanceDue),
    );
    const salesAfter = await salesOf();
    expect(salesAfter.totalSalesAmount).toBe(
      round2(salesBefore.totalSalesAmount + invoice.totalAmountExcludingTax),
    );

    const docs = await readAll(
      customPath(
        `salesDocumentTotals${query({ $filter: `documentDate eq ${today} and documentType eq 'Invoice'` })}`,
      ),
    );
    expectSameGroups(
      docs.rows,
      new Map([...expectedDocumentTotals(today, today)].filter(([, r]) => r.documentType === 'Invoice')),
      DOCUMENT_GROUPS,
    );
    expect(sumOf(docs.rows, 'documentCount')).toBeGreaterThanOrEqual(1);
    const backlog = await readAll(customPath('salesBacklogTotals'));
    expectSameGroups(backlog.rows, expectedBacklog('0001-01-01', '9999-12-31'), BACKLOG_GROUPS);
    const open = await readAll(
      customPath(`openInvoiceTotals${query({ $filter: `dueDate eq ${invoice.dueDate}` })}`),
    );
    expect(sumOf(open.rows, 'invoiceCount')).toBeGreaterThanOrEqual(1);
    expectSameGroups(open.rows, expectedOpenInvoices(invoice.dueDate, invoice.dueDate), OPEN_GROUPS);
  });
});

describe('refusals', () => {
  it('refuses unknown fields, bad parameters and orders on aggregates with BC errors', async () => {
    const cases: [string, number, string][] = [
      [
        customPath(`salesDocumentTotals${query({ $filter: 'postingDate ge 2026-01-01' })}`),
        400,
        'BadRequest_NotFound',
      ],
      [customPath(`salesLineTotals${query({ $orderby: 'quantity desc' })}`), 400, 'BadRequest'],
      [customPath(`salesLineTotals${query({ $expand: 'item' })}`), 400, 'BadRequest_InvalidToken'],
      [`/agedAccountsReceivables${query({ $expand: 'salesInvoices' })}`, 400, 'BadRequest_InvalidToken'],
      [`/agedAccountsReceivables${query({ $filter: "periodLengthFilter eq 'soon'" })}`, 400, 'BadRequest'],
      [`/agedAccountsReceivables${query({ $filter: 'agedAsOfDate ge 2026-01-01' })}`, 400, 'BadRequest'],
      [
        `/customerSales${query({ $filter: "dateFilter_FilterOnly ge 2026-01-01 or customerNumber eq 'x'" })}`,
        400,
        'BadRequest_InvalidToken',
      ],
      [customPath(`openInvoiceTotals(${companyId})`), 404, 'BadRequest_NotFound'],
    ];
    for (const [url, status, code] of cases) {
      const res = await erp.get(url);
      expect(res.status, url).toBe(status);
      expect(res.body.error.code, url).toBe(code);
    }
  });

  it('refuses writes to the read-only sets as BC does (405)', async () => {
    for (const [method, url] of [
      ['POST', customPath('salesDocumentTotals')],
      ['PATCH', customPath('salesBacklogTotals')],
      ['DELETE', customPath('openInvoiceTotals')],
      ['POST', '/agedAccountsReceivables'],
      ['PATCH', `/agedAccountsReceivables(${raw('customers')[0]!.id})`],
      ['POST', '/customerSales'],
    ] as const) {
      const res = await erp.send(method, url, {}, { 'if-match': '*' });
      expect(res.status, `${method} ${url}`).toBe(405);
      expect(res.body.error.code).toBe('BadRequest_MethodNotAllowed');
    }
  });
});

describe('query plans (what keeps date-filtered reads flat as the data grows)', () => {
  /** A Reporting whose statements are recorded, and the plan SQLite makes of one. */
  function recorded() {
    const store = new Store(dataset.erp);
    const statements: { sql: string; params: readonly unknown[] }[] = [];
    const all = store.all.bind(store);
    store.all = (sql, params = []) => {
      statements.push({ sql, params });
      return all(sql, params);
    };
    const planOf = ({ sql, params }: { sql: string; params: readonly unknown[] }) =>
      (
        dataset.erp.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as { detail: string }[]
      ).map((s) => s.detail);
    return { reporting: new Reporting(new QueryEngine(store)), statements, planOf };
  }

  it('reads each source of a date-filtered query through a date index, never a full scan', () => {
    const cases: [string, string, string[]][] = [
      [
        'salesDocumentTotals',
        'documentDate',
        [
          'ix_salesOrders_orderDate',
          'ix_salesInvoices_invoiceDate',
          'ix_salesCreditMemos_creditMemoDate',
          'ix_customerPayments_postingDate',
        ],
      ],
      ['salesLineTotals', 'documentDate', ['ix_salesOrders_orderDate', 'ix_salesInvoices_invoiceDate']],
      ['openInvoiceTotals', 'dueDate', ['ix_salesInvoices_open_dueDate']],
      ['salesBacklogTotals', 'requestedDeliveryDate', ['ix_salesOrders_backlogDate']],
    ];
    for (const [name, field, indexes] of cases) {
      const { reporting, statements, planOf } = recorded();
      reporting.read(
        reportSet('custom', name)!,
        { filter: parseFilter(`${field} ge 2026-06-01 and ${field} le 2026-06-30`) },
        100,
      );
      expect(statements, name).toHaveLength(1);
      const plan = planOf(statements[0]!);
      for (const index of indexes) {
        // The date's own index or a wider one it leads (the root lists' order indexes).
        const led = new RegExp(`USING INDEX ${index}(_\\w+)? \\(`);
        expect(
          plan.some((d) => led.test(d) && d.includes('>? AND')),
          `${name} ${index}`,
        ).toBe(true);
      }
      // Documents and lines are only ever searched (by date, or by their document's id).
      expect(
        plan.filter((d) => /^SCAN [dl]\b/.test(d)),
        name,
      ).toEqual([]);
    }
  });

  it('ages only the customers asked for by key (a navigation or $expand), never every customer', () => {
    const { reporting, statements, planOf } = recorded();
    const ids = raw('customers')
      .slice(3, 6)
      .map((c) => String(c.id));
    const rows = reporting.rowsByKey(reportSet('v2.0', 'agedAccountsReceivables')!, ids);
    expect(rows.map((r) => r.customerId).sort()).toEqual([...ids].sort());
    expect(statements).toHaveLength(1);
    const plan = planOf(statements[0]!);
    expect(plan.some((d) => /^SEARCH c USING .*\(id=\?\)/.test(d))).toBe(true);
    expect(plan.filter((d) => /^SCAN c\b/.test(d))).toEqual([]);
  });

  it('continues a page of the customer sets after the last customer number, not by skipping the rows before', () => {
    for (const name of ['agedAccountsReceivables', 'customerSales']) {
      const { reporting, statements, planOf } = recorded();
      const def = reportSet('v2.0', name)!;
      const first = reporting.read(def, {}, 10);
      const second = reporting.read(def, { skiptoken: first.nextSkipToken! }, 10);
      const numbers = [...first.entities, ...second.entities].map((e) => e.customerNumber);
      expect(numbers, name).toEqual(
        raw('customers')
          .map((c) => c.number)
          .sort()
          .slice(0, 20),
      );
      expect(statements, name).toHaveLength(2);
      // Nothing skipped: the statement ends `LIMIT ? OFFSET ?` with an offset of 0.
      expect(statements[1]!.sql, name).toMatch(/OFFSET \?$/);
      expect(statements[1]!.params.at(-1), name).toBe(0);
      expect(
        planOf(statements[1]!).some((d) => /^SEARCH c USING INDEX ix_customers_number \(number>\?\)/.test(d)),
        name,
      ).toBe(true);
    }
  });
});
