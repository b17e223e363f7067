import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Stack, StackOptions } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';
import { addDays, type Loose, MONEY, REPORTER, Sums, todayUtc } from './reports-figures-harness.js';

/**
 * The reports' figures through the whole stack, each held against the same figure computed
 * here from the stand-ins' raw rows (SQL on the data sets, sums in integers), with the legacy
 * calls each costs counted at the stand-ins: constant in the groups and the records, none for a
 * repeat within the TTL, none for a refused argument or scope.
 */

let stack: Stack;
let token: string;

async function ask(query: string, variables?: Record<string, unknown>, scopes = REPORTER, email?: string) {
  const bearer =
    scopes === REPORTER && email === undefined
      ? token
      : await stack.tokenFor({ scopes, ...(email ? { email } : {}) });
  const answer = await stack.query(query, variables, { authorization: `Bearer ${bearer}` });
  return answer.body as Loose;
}

beforeAll(async () => {
  stack = await startStack({});
  token = await stack.tokenFor({ scopes: REPORTER });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

interface Figures {
  pipeline: Sums;
  weightedPipeline: Sums;
  openOpportunities: number;
  won: Sums;
  wonOpportunities: number;
  booked: Sums;
  orders: number;
  invoiced: Sums;
  invoices: number;
  paid: Sums;
  overdue: Sums;
}

const emptyFigures = (): Figures => ({
  pipeline: new Sums(),
  weightedPipeline: new Sums(),
  openOpportunities: 0,
  won: new Sums(),
  wonOpportunities: 0,
  booked: new Sums(),
  orders: 0,
  invoiced: new Sums(),
  invoices: 0,
  paid: new Sums(),
  overdue: new Sums(),
});

const listed = (f: Figures) => ({
  pipeline: f.pipeline.list(),
  weightedPipeline: f.weightedPipeline.list(),
  openOpportunities: f.openOpportunities,
  won: f.won.list(),
  wonOpportunities: f.wonOpportunities,
  booked: f.booked.list(),
  orders: f.orders,
  invoiced: f.invoiced.list(),
  invoices: f.invoices,
  paid: f.paid.list(),
  overdue: f.overdue.list(),
});

interface OpportunityRow {
  Amount: number | null;
  Probability: number | null;
  CurrencyIsoCode: string | null;
  CloseDate: string;
  IsClosed: number;
  IsWon: number;
  OwnerEmail: string | null;
  Region: string | null;
}

interface DocumentRow {
  kind: 'ORDER' | 'INVOICE' | 'PAYMENT';
  day: string;
  salesperson: string | null;
  region: string | null;
  currencyCode: string | null;
  amount: number;
}

interface OpenInvoiceRow {
  dueDate: string;
  salesperson: string | null;
  region: string | null;
  currencyCode: string | null;
  remaining: number;
}

const opportunities = (from: string, to: string): OpportunityRow[] =>
  stack.dataset.crm
    .prepare(
      `SELECT o.Amount, o.Probability, o.CurrencyIsoCode, o.CloseDate, o.IsClosed, o.IsWon,
         lower(u.Email) AS OwnerEmail,
         CASE WHEN COALESCE(a.BillingState, '') <> '' THEN a.BillingState ELSE a.BillingCountry END AS Region
       FROM Opportunity o LEFT JOIN User u ON u.Id = o.OwnerId LEFT JOIN Account a ON a.Id = o.AccountId
       WHERE o.IsDeleted = 0 AND o.CloseDate >= ? AND o.CloseDate <= ?`,
    )
    .all(from, to) as OpportunityRow[];

const REGION = `CASE WHEN COALESCE(c.state, '') <> '' THEN c.state ELSE COALESCE(c.country, '') END`;

const documents = (from: string, to: string): DocumentRow[] =>
  stack.dataset.erp
    .prepare(
      `SELECT 'ORDER' AS kind, d.orderDate AS day, d.salesperson, ${REGION} AS region, d.currencyCode, d.totalAmountExcludingTax AS amount
         FROM salesOrders d JOIN customers c ON c.id = d.customerId WHERE d.orderDate >= ? AND d.orderDate <= ?
       UNION ALL
       SELECT 'INVOICE', d.invoiceDate, d.salesperson, ${REGION}, d.currencyCode, d.totalAmountExcludingTax
         FROM salesInvoices d JOIN customers c ON c.id = d.customerId
         WHERE COALESCE(d.status, '') <> 'Draft' AND d.invoiceDate >= ? AND d.invoiceDate <= ?
       UNION ALL
       SELECT 'PAYMENT', d.postingDate, c.salespersonCode, ${REGION}, c.currencyCode, ABS(d.amount)
         FROM customerPayments d JOIN customers c ON c.id = d.customerId WHERE d.postingDate >= ? AND d.postingDate <= ?`,
    )
    .all(from, to, from, to, from, to) as DocumentRow[];

const openInvoicesDueBefore = (day: string): OpenInvoiceRow[] =>
  stack.dataset.erp
    .prepare(
      `SELECT d.dueDate, d.salesperson, ${REGION} AS region, d.currencyCode, d.remainingAmount AS remaining
       FROM salesInvoices d JOIN customers c ON c.id = d.customerId
       WHERE COALESCE(d.status, '') <> 'Draft' AND d.remainingAmount <> 0 AND d.dueDate < ?`,
    )
    .all(day) as OpenInvoiceRow[];

const employeeEmails = (): Map<string, string> =>
  new Map(
    (
      stack.dataset.erp.prepare('SELECT number, lower(email) AS email FROM employees').all() as {
        number: string;
        email: string;
      }[]
    ).map((row) => [row.number, row.email]),
  );

type Grouping = 'OWNER' | 'MONTH' | 'REGION';

/** The summary computed from the raw rows, per group and in total. */
function expectedSummary(groupBy: Grouping, from: string, to: string) {
  const total = emptyFigures();
  const groups = new Map<string, Figures>();
  const of = (key: string | null | undefined) => {
    const name = key === null || key === undefined || key === '' ? 'NONE' : key;
    let figures = groups.get(name);
    if (!figures) {
      figures = emptyFigures();
      groups.set(name, figures);
    }
    return figures;
  };
  const emails = employeeEmails();
  const crmKey = (row: OpportunityRow) =>
    groupBy === 'OWNER' ? row.OwnerEmail : groupBy === 'MONTH' ? row.CloseDate.slice(0, 7) : row.Region;
  const erpKey = (row: { salesperson: string | null; region: string | null; day?: string }) =>
    groupBy === 'OWNER'
      ? (emails.get(row.salesperson ?? '') ?? null)
      : groupBy === 'MONTH'
        ? (row.day?.slice(0, 7) ?? null)
        : row.region;
  for (const row of opportunities(from, to)) {
    for (const figures of [total, of(crmKey(row))]) {
      if (!row.IsClosed) {
        figures.pipeline.add(row.Amount, row.CurrencyIsoCode);
        figures.weightedPipeline.add(row.Amount, row.CurrencyIsoCode, row.Probability ?? 0);
        figures.openOpportunities += 1;
      }
      if (row.IsWon) {
        figures.won.add(row.Amount, row.CurrencyIsoCode);
        figures.wonOpportunities += 1;
      }
    }
  }
  for (const row of documents(from, to)) {
    for (const figures of [total, of(erpKey(row))]) {
      if (row.kind === 'ORDER') {
        figures.booked.add(row.amount, row.currencyCode);
        figures.orders += 1;
      } else if (row.kind === 'INVOICE') {
        figures.invoiced.add(row.amount, row.currencyCode);
        figures.invoices += 1;
      } else figures.paid.add(row.amount, row.currencyCode);
    }
  }
  const asOf = to < todayUtc() ? to : todayUtc();
  for (const row of openInvoicesDueBefore(asOf)) {
    total.overdue.add(row.remaining, row.currencyCode);
    if (groupBy !== 'MONTH') of(erpKey(row)).overdue.add(row.remaining, row.currencyCode);
    else if (row.dueDate >= from) of(row.dueDate.slice(0, 7)).overdue.add(row.remaining, row.currencyCode);
  }
  return {
    total: listed(total),
    groups: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, f]) => ({ key, figures: listed(f) })),
  };
}

const FIGURES = `{ pipeline ${MONEY} weightedPipeline ${MONEY} openOpportunities won ${MONEY} wonOpportunities
  booked ${MONEY} orders invoiced ${MONEY} invoices paid ${MONEY} overdue ${MONEY} }`;
const SUMMARY = `query($from: String!, $to: String!, $groupBy: SalesSummaryGrouping!) {
  salesSummary(from: $from, to: $to, groupBy: $groupBy) { from to groupBy readAt
    groups { key employee { email } month region figures ${FIGURES} } total ${FIGURES} } }`;

describe('salesSummary', () => {
  const to = todayUtc();
  const from = addDays(to, -200);

  for (const groupBy of ['OWNER', 'MONTH', 'REGION'] as const) {
    it(`by ${groupBy}: every group's figures and the total equal the raw rows' sums`, async () => {
      const body = await ask(SUMMARY, { from, to, groupBy });
      expect(body.errors).toBeUndefined();
      const summary = body.data.salesSummary;
      const expected = expectedSummary(groupBy, from, to);
      expect(summary.total).toEqual(expected.total);
      expect(summary.groups.map((g: Loose) => ({ key: g.key, figures: g.figures }))).toEqual(expected.groups);
      expect(expected.groups.length).toBeGreaterThan(3);
      expect(expected.total.invoices).toBeGreaterThan(0);
      expect(expected.total.openOpportunities).toBeGreaterThan(0);
      for (const group of summary.groups) {
        if (groupBy === 'OWNER')
          expect(group.employee).toEqual(group.key === 'NONE' ? null : { email: group.key });
        if (groupBy === 'MONTH') expect(group.month).toBe(group.key === 'NONE' ? null : group.key);
        if (groupBy === 'REGION') expect(group.region).toBe(group.key === 'NONE' ? null : group.key);
      }
    });
  }

  it("by PRODUCT: each product's pipeline and won from its quote lines, booked and invoiced from its ERP lines", async () => {
    const body = await ask(SUMMARY, { from, to, groupBy: 'PRODUCT' });
    expect(body.errors).toBeUndefined();
    const groups = new Map<string, Figures>();
    const of = (sku: string | null) => {
      const key = sku && sku !== '' ? sku : 'NONE';
      const figures = groups.get(key) ?? emptyFigures();
      groups.set(key, figures);
      return figures;
    };
    const opportunitiesOf = new Map<string, { open: Set<string>; won: Set<string> }>();
    for (const line of stack.dataset.crm
      .prepare(
        `SELECT p.ProductCode AS sku, q.CurrencyIsoCode AS currency, l.TotalPrice AS amount, o.Id AS opportunity,
           o.Probability AS probability, o.IsClosed AS closed, o.IsWon AS won
         FROM QuoteLineItem l JOIN Quote q ON q.Id = l.QuoteId JOIN Opportunity o ON o.Id = q.OpportunityId
         LEFT JOIN Product2 p ON p.Id = l.Product2Id
         WHERE l.IsDeleted = 0 AND q.IsDeleted = 0 AND o.IsDeleted = 0 AND o.CloseDate >= ? AND o.CloseDate <= ?
           AND COALESCE(q.Status, '') NOT IN ('Rejected', 'Denied')`,
      )
      .all(from, to) as Loose[]) {
      const figures = of(line.sku);
      const seen = opportunitiesOf.get(line.sku ?? 'NONE') ?? { open: new Set(), won: new Set() };
      opportunitiesOf.set(line.sku ?? 'NONE', seen);
      if (!line.closed) {
        figures.pipeline.add(line.amount, line.currency);
        figures.weightedPipeline.add(line.amount, line.currency, line.probability ?? 0);
        seen.open.add(line.opportunity);
        figures.openOpportunities = seen.open.size;
      }
      if (line.won) {
        figures.won.add(line.amount, line.currency);
        seen.won.add(line.opportunity);
        figures.wonOpportunities = seen.won.size;
      }
    }
    const EMPTY_GUID = '00000000-0000-0000-0000-000000000000';
    for (const [lines, header, date, kind] of [
      ['salesOrderLines', 'salesOrders', 'orderDate', 'booked'],
      ['salesInvoiceLines', 'salesInvoices', 'invoiceDate', 'invoiced'],
    ] as const) {
      for (const line of stack.dataset.erp
        .prepare(
          `SELECT l.lineObjectNumber AS sku, d.currencyCode AS currency, l.amountExcludingTax AS amount
           FROM ${lines} l JOIN ${header} d ON d.id = l.documentId
           WHERE l.itemId IS NOT NULL AND l.itemId NOT IN ('', '${EMPTY_GUID}') AND d.${date} >= ? AND d.${date} <= ?
             ${header === 'salesInvoices' ? "AND COALESCE(d.status, '') <> 'Draft'" : ''}`,
        )
        .all(from, to) as Loose[])
        of(line.sku)[kind].add(line.amount, line.currency);
    }
    const expected = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, f]) => ({ key, figures: listed(f) }));
    expect(body.data.salesSummary.groups.map((g: Loose) => ({ key: g.key, figures: g.figures }))).toEqual(
      expected,
    );
    expect(expected.length).toBeGreaterThan(5);
    expect(body.data.salesSummary.total).toEqual(expectedSummary('OWNER', from, to).total);
  });

  it("by CAMPAIGN: pipeline and won by primary campaign, invoiced in the period to each campaign's member customers", async () => {
    const body = await ask(SUMMARY, { from, to, groupBy: 'CAMPAIGN' });
    expect(body.errors).toBeUndefined();
    const groups = new Map<string, Figures>();
    const of = (id: string | null) => {
      const key = id ?? 'NONE';
      const figures = groups.get(key) ?? emptyFigures();
      groups.set(key, figures);
      return figures;
    };
    for (const row of stack.dataset.crm
      .prepare(
        `SELECT CampaignId, Amount, Probability, CurrencyIsoCode, IsClosed, IsWon FROM Opportunity
         WHERE IsDeleted = 0 AND CloseDate >= ? AND CloseDate <= ?`,
      )
      .all(from, to) as Loose[]) {
      const figures = of(row.CampaignId);
      if (!row.IsClosed) {
        figures.pipeline.add(row.Amount, row.CurrencyIsoCode);
        figures.weightedPipeline.add(row.Amount, row.CurrencyIsoCode, row.Probability ?? 0);
        figures.openOpportunities += 1;
      }
      if (row.IsWon) {
        figures.won.add(row.Amount, row.CurrencyIsoCode);
        figures.wonOpportunities += 1;
      }
    }
    const members = stack.dataset.crm
      .prepare(
        `SELECT DISTINCT m.CampaignId, a.AccountNumber FROM CampaignMember m JOIN Contact c ON c.Id = m.ContactId
         JOIN Account a ON a.Id = c.AccountId WHERE m.IsDeleted = 0 AND a.AccountNumber IS NOT NULL AND a.AccountNumber <> ''`,
      )
      .all() as { CampaignId: string; AccountNumber: string }[];
    const sold = stack.dataset.erp.prepare(
      `SELECT c.currencyCode AS currency,
         (SELECT TOTAL(totalAmountExcludingTax) FROM salesInvoices WHERE customerId = c.id AND COALESCE(status, '') <> 'Draft' AND postingDate >= ? AND postingDate <= ?)
         - (SELECT TOTAL(totalAmountExcludingTax) FROM salesCreditMemos WHERE customerId = c.id AND COALESCE(status, '') <> 'Draft' AND postingDate >= ? AND postingDate <= ?) AS amount
       FROM customers c WHERE c.number = ?`,
    );
    for (const member of members) {
      const row = sold.get(from, to, from, to, member.AccountNumber) as Loose;
      if (row) of(member.CampaignId).invoiced.add(row.amount, row.currency);
    }
    const expected = [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([key, f]) => ({ key, figures: listed(f) }));
    expect(body.data.salesSummary.groups.map((g: Loose) => ({ key: g.key, figures: g.figures }))).toEqual(
      expected,
    );
    expect(expected.filter((g) => g.figures.invoiced.length > 0).length).toBeGreaterThan(2);
  });

  it('costs the same few round trips (one CRM, one ERP) for a month as for a year (more groups, more records)', async () => {
    const costs: Loose[] = [];
    // A year's reads go as more parts than one `$batch` holds, in envelopes sent side by side:
    // with latency at the stand-in, calls sent together overlap and count as one in depth.
    stack.erpSim.setConfig({ latencyMs: 60 });
    onTestFinished(() => {
      stack.erpSim.setConfig({ latencyMs: 0 });
    });
    // Each period its own, so no answer comes from the cache.
    for (const [length, end] of [
      [30, 10],
      [360, 20],
    ] as const) {
      for (const [index, groupBy] of ['OWNER', 'MONTH', 'REGION', 'PRODUCT', 'CAMPAIGN'].entries()) {
        await stack.resetCounts();
        const last = addDays(to, -end - index);
        const body = await ask(SUMMARY, { from: addDays(last, -length), to: last, groupBy });
        expect(body.errors).toBeUndefined();
        const { erp, crm } = await stack.legacyCalls();
        costs.push({
          groupBy,
          groups: body.data.salesSummary.groups.length,
          crm: crm.roundTrips,
          erp: erp.roundTrips,
          erpDepth: erp.sequentialDepth,
        });
      }
    }
    const month = costs.slice(0, 5);
    const year = costs.slice(5);
    for (const [index, cost] of month.entries()) {
      // CAMPAIGN asks each system once more, in sequence: the campaigns' member customers (as
      // many statements as keep each within Salesforce's 2,000 rows; the same for any period, so
      // possibly cached from the test before), then what was invoiced to them in the period.
      if (cost.groupBy === 'CAMPAIGN') expect([1, 2]).toContain(cost.crm);
      else expect(cost.crm).toBe(1);
      expect(cost.erp).toBe(cost.groupBy === 'CAMPAIGN' ? 2 : 1);
      expect(cost.erpDepth).toBe(cost.erp);
      // The year: its parts may fill more envelopes, never more calls in sequence.
      expect(year[index].erp).toBeGreaterThanOrEqual(cost.erp);
      expect({ ...year[index], groups: 0, erp: 0 }).toEqual({ ...cost, groups: 0, erp: 0 });
    }
    // The year has more groups (months) than the month: the cost did not follow them.
    expect(year[1].groups).toBeGreaterThan(month[1].groups);
  });

  it('a repeat within the TTL makes no legacy call and says when its figures were read', async () => {
    const variables = { from: addDays(to, -90), to, groupBy: 'OWNER' };
    const first = await ask(SUMMARY, variables);
    await stack.resetCounts();
    const again = await ask(SUMMARY, variables);
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
    expect(again.data.salesSummary).toEqual(first.data.salesSummary);
    expect(Date.parse(first.data.salesSummary.readAt)).toBeLessThanOrEqual(Date.now());
  });

  it('refuses bad periods with BAD_USER_INPUT, field and reason, before any legacy call', async () => {
    const cases = [
      [{ from: '2026-13-01', to: '2026-12-31' }, 'from', 'INVALID_FORMAT'],
      [{ from: '2026-02-30', to: '2026-03-31' }, 'from', 'INVALID_FORMAT'],
      [{ from: '2026-01-01', to: '31.12.2026' }, 'to', 'INVALID_FORMAT'],
      [{ from: '2026-06-01', to: '2026-05-31' }, 'to', 'OUT_OF_RANGE'],
      [{ from: '2025-01-01', to: '2026-01-02' }, 'to', 'OUT_OF_RANGE'],
    ] as const;
    await stack.resetCounts();
    for (const [period, field, reason] of cases) {
      const body = await ask(SUMMARY, { ...period, groupBy: 'MONTH' });
      expect(body.data?.salesSummary ?? null).toBeNull();
      expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const forecast = await ask(`{ salesForecast(from: "2026-01-01", to: "2028-01-31") { from } }`);
    expect(forecast.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'to',
      reason: 'OUT_OF_RANGE',
    });
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('without reports:read the summary is refused and nothing is read', async () => {
    await stack.resetCounts();
    const body = await ask(SUMMARY, { from: addDays(to, -10), to, groupBy: 'OWNER' }, [
      'customer:read',
      'finance:read',
    ]);
    expect(body.data?.salesSummary ?? null).toBeNull();
    expect(body.errors.map((e: Loose) => e.extensions.code)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
  });
});

describe('salesSummary over more rows than one BC page', () => {
  // The data set's last month of orders (it need not reach today).
  let to = '';
  let from = '';
  beforeAll(() => {
    const { last } = stack.dataset.erp
      .prepare('SELECT substr(max(orderDate), 1, 10) AS last FROM salesOrders')
      .get() as {
      last: string;
    };
    to = [last, addDays(todayUtc(), -1)].sort()[0]!;
    from = addDays(to, -30);
  });

  /** The period's salesSummary by MONTH on a stack of its own (its BC page smaller): the answer and the ERP's calls. */
  async function monthsOnStackOfItsOwn(options: StackOptions) {
    const small = await startStack(options);
    try {
      const bearer = await small.tokenFor({ scopes: REPORTER });
      const answer = await small.query(
        SUMMARY,
        { from, to, groupBy: 'MONTH' },
        { authorization: `Bearer ${bearer}` },
      );
      const { erp } = await small.legacyCalls();
      return { body: answer.body as Loose, erp };
    } finally {
      await small.close();
    }
  }

  /** The answer's total and months are the raw rows' sums; those sums. */
  function expectRawRowsSums(body: Loose) {
    expect(body.errors).toBeUndefined();
    const expected = expectedSummary('MONTH', from, to);
    expect(body.data.salesSummary.total).toEqual(expected.total);
    expect(body.data.salesSummary.groups.map((g: Loose) => ({ key: g.key, figures: g.figures }))).toEqual(
      expected.groups,
    );
    return expected;
  }

  /** What bounds each part's rows from above, from the raw rows: a part never groups more rows than it has documents. */
  function largestPart(): number {
    const perDay = new Map<string, number>();
    for (const row of documents(from, to)) perDay.set(row.day, (perDay.get(row.day) ?? 0) + 1);
    // Overdue as of `to` (before today): the open invoices due before it, two weeks a part over
    // the year before and one part for what is older. Any 14 days hold at most the busiest 14.
    const dueBefore = to;
    const windowStart = addDays(dueBefore, -366);
    const due = openInvoicesDueBefore(dueBefore).map((row) => row.dueDate.slice(0, 10));
    const older = due.filter((d) => d < windowStart).length;
    let busiestFortnight = 0;
    for (let start = windowStart; start < dueBefore; start = addDays(start, 1)) {
      const end = addDays(start, 13);
      busiestFortnight = Math.max(busiestFortnight, due.filter((d) => d >= start && d <= end).length);
    }
    return Math.max(...perDay.values(), older, busiestFortnight);
  }

  it("answers the raw rows' sums in one ERP round trip in depth when a page holds less than the period (one request a day in one $batch)", async () => {
    const pageSize = largestPart();
    // Unsplit, the month's document totals (at least one row per day and kind) would take pages.
    const dayKinds = new Set(documents(from, to).map((row) => `${row.day}/${row.kind}`)).size;
    expect(dayKinds).toBeGreaterThan(pageSize);
    const { body, erp } = await monthsOnStackOfItsOwn({
      erpMaxPageSize: pageSize,
      erpSim: { latencyMs: 60 },
    });
    const expected = expectRawRowsSums(body);
    expect(expected.total.orders).toBeGreaterThan(0);
    expect(expected.total.overdue.length).toBeGreaterThan(0);
    expect(erp.sequentialDepth).toBe(1);
    expect(erp.roundTrips).toBe(1);
    expect(erp.byRoute['GET /salesDocumentTotals']).toBe(31);
  });

  it('still answers them when a single day passes the page: that part follows its nextLink', async () => {
    const perDay = new Map<string, number>();
    for (const row of documents(from, to)) perDay.set(row.day, (perDay.get(row.day) ?? 0) + 1);
    const busiest = Math.max(...perDay.values());
    const pageSize = Math.max(1, Math.floor(busiest / 3));
    const { body, erp } = await monthsOnStackOfItsOwn({ erpMaxPageSize: pageSize });
    expectRawRowsSums(body);
    // The $batch, then the busiest parts' next pages.
    expect(erp.roundTrips).toBeGreaterThan(1);
  });
});
