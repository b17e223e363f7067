import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';
import {
  addDays,
  type Loose,
  MONEY,
  type MoneyList,
  REPORTER,
  Sums,
  todayUtc,
} from './reports-figures-harness.js';

/**
 * The forecast, the receivables aging and the Campaign and Employee figures through the whole
 * stack, each held against the same figure computed here from the stand-ins' raw rows, with the
 * legacy calls they cost counted at the stand-ins; and who may see a person's figures.
 */

let stack: Stack;

async function ask(query: string, variables?: Record<string, unknown>, scopes = REPORTER, email?: string) {
  const bearer = await stack.tokenFor({ scopes, ...(email ? { email } : {}) });
  return (await stack.query(query, variables, { authorization: `Bearer ${bearer}` })).body as Loose;
}

const crm = <T>(sql: string, ...params: unknown[]) => stack.dataset.crm.prepare(sql).all(...params) as T[];
const erp = <T>(sql: string, ...params: unknown[]) => stack.dataset.erp.prepare(sql).all(...params) as T[];

beforeAll(async () => {
  stack = await startStack({});
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('salesForecast', () => {
  it("each month's pipeline, weighted pipeline and booked-not-invoiced equal the raw rows', in one CRM and one ERP round trip", async () => {
    // Open orders are mostly due for delivery in the past months: the range reaches back.
    const from = addDays(todayUtc(), -300);
    const to = addDays(todayUtc(), 120);
    await stack.resetCounts();
    const body = await ask(
      `query($from: String!, $to: String!) { salesForecast(from: $from, to: $to) { from to readAt
        months { month pipeline ${MONEY} weightedPipeline ${MONEY} bookedNotInvoiced ${MONEY} expected ${MONEY} } } }`,
      { from, to },
    );
    expect(body.errors).toBeUndefined();
    const { erp: erpCalls, crm: crmCalls } = await stack.legacyCalls();
    expect(crmCalls.roundTrips).toBe(1);
    expect(erpCalls.roundTrips).toBe(1);

    const months = new Map<string, { pipeline: Sums; weighted: Sums; booked: Sums; expected: Sums }>();
    let month = from.slice(0, 7);
    while (month <= to.slice(0, 7)) {
      months.set(month, {
        pipeline: new Sums(),
        weighted: new Sums(),
        booked: new Sums(),
        expected: new Sums(),
      });
      const next = new Date(Date.parse(`${month}-01T00:00:00Z`));
      next.setUTCMonth(next.getUTCMonth() + 1);
      month = next.toISOString().slice(0, 7);
    }
    for (const row of crm<{
      Amount: number | null;
      Probability: number | null;
      CurrencyIsoCode: string;
      CloseDate: string;
    }>(
      'SELECT Amount, Probability, CurrencyIsoCode, CloseDate FROM Opportunity WHERE IsDeleted = 0 AND IsClosed = 0 AND CloseDate >= ? AND CloseDate <= ?',
      from,
      to,
    )) {
      const sums = months.get(row.CloseDate.slice(0, 7))!;
      sums.pipeline.add(row.Amount, row.CurrencyIsoCode);
      sums.weighted.add(row.Amount, row.CurrencyIsoCode, row.Probability ?? 0);
      sums.expected.add(row.Amount, row.CurrencyIsoCode, row.Probability ?? 0);
    }
    // BC answers the backlog summed per delivery day, salesperson and currency, each sum rounded
    // to the cent as it sends amounts; the months add those.
    const perRow = new Map<string, { day: string; currency: string; amount: number }>();
    for (const line of erp<{ day: string; salesperson: string; currency: string; amount: number }>(
      `SELECT CASE WHEN o.requestedDeliveryDate IS NULL OR o.requestedDeliveryDate IN ('', '0001-01-01') THEN o.orderDate ELSE o.requestedDeliveryDate END AS day,
         COALESCE(o.salesperson, '') AS salesperson, COALESCE(o.currencyCode, '') AS currency,
         l.amountExcludingTax * (l.quantity - COALESCE(l.invoicedQuantity, 0)) / l.quantity AS amount
       FROM salesOrderLines l JOIN salesOrders o ON o.id = l.documentId
       WHERE l.quantity > COALESCE(l.invoicedQuantity, 0)`,
    )) {
      if (line.day < from || line.day > to) continue;
      const key = `${line.day}|${line.salesperson}|${line.currency}`;
      const row = perRow.get(key) ?? { day: line.day, currency: line.currency, amount: 0 };
      row.amount += line.amount;
      perRow.set(key, row);
    }
    for (const row of perRow.values()) {
      const sums = months.get(row.day.slice(0, 7))!;
      sums.booked.add(row.amount, row.currency);
      sums.expected.add(row.amount, row.currency);
    }
    expect(body.data.salesForecast.months).toEqual(
      [...months.entries()].map(([key, sums]) => ({
        month: key,
        pipeline: sums.pipeline.list(),
        weightedPipeline: sums.weighted.list(),
        bookedNotInvoiced: sums.booked.list(),
        expected: sums.expected.list(),
      })),
    );
    expect(perRow.size).toBeGreaterThan(0);
  });
});

describe('receivablesAging', () => {
  it('buckets what is open by days past due as of the day, as the raw invoices say', async () => {
    const asOf = addDays(todayUtc(), -20);
    const body = await ask(
      `query($asOf: String) { receivablesAging(asOf: $asOf) { asOf readAt buckets { period amount ${MONEY} invoices } total ${MONEY} } }`,
      { asOf },
    );
    expect(body.errors).toBeUndefined();
    const periods = ['CURRENT', 'DAYS_1_TO_30', 'DAYS_31_TO_60', 'DAYS_61_TO_90', 'OVER_90_DAYS'];
    const buckets = new Map(periods.map((p) => [p, { amount: new Sums(), invoices: 0 }]));
    const total = new Sums();
    for (const row of erp<{ dueDate: string; currencyCode: string; remainingAmount: number }>(
      `SELECT dueDate, currencyCode, remainingAmount FROM salesInvoices WHERE COALESCE(status, '') <> 'Draft' AND remainingAmount <> 0`,
    )) {
      const late = Math.round(
        (Date.parse(`${asOf}T00:00:00Z`) - Date.parse(`${row.dueDate}T00:00:00Z`)) / 86_400_000,
      );
      const period =
        late <= 0
          ? 'CURRENT'
          : late <= 30
            ? 'DAYS_1_TO_30'
            : late <= 60
              ? 'DAYS_31_TO_60'
              : late <= 90
                ? 'DAYS_61_TO_90'
                : 'OVER_90_DAYS';
      const bucket = buckets.get(period)!;
      bucket.amount.add(row.remainingAmount, row.currencyCode);
      bucket.invoices += 1;
      total.add(row.remainingAmount, row.currencyCode);
    }
    expect(body.data.receivablesAging.asOf).toBe(asOf);
    expect(body.data.receivablesAging.buckets).toEqual(
      periods.map((period) => ({
        period,
        amount: buckets.get(period)!.amount.list(),
        invoices: buckets.get(period)!.invoices,
      })),
    );
    expect(body.data.receivablesAging.total).toEqual(total.list());
    expect(buckets.get('OVER_90_DAYS')!.invoices + buckets.get('DAYS_1_TO_30')!.invoices).toBeGreaterThan(0);
  });

  it("customers pages BC's agedAccountsReceivables to its end, each customer once with its open balance, one request per page", async () => {
    const asOf = todayUtc();
    const expected = new Map<string, Sums>();
    for (const row of erp<{ number: string; currencyCode: string; amount: number }>(
      `SELECT c.number, c.currencyCode, i.totalAmountIncludingTax - COALESCE((SELECT TOTAL(p.amount) FROM customerPayments p
          WHERE p.appliesToInvoiceId = i.id AND p.postingDate <= ?), 0) AS amount
       FROM salesInvoices i JOIN customers c ON c.id = i.customerId
       WHERE COALESCE(i.status, '') <> 'Draft' AND i.postingDate <= ?`,
      asOf,
      asOf,
    )) {
      const sums = expected.get(row.number) ?? new Sums();
      sums.add(row.amount, row.currencyCode);
      expected.set(row.number, sums);
    }
    const seen = new Map<string, MoneyList>();
    let after: string | null = null;
    let pages = 0;
    await stack.resetCounts();
    do {
      const body: Loose = await ask(
        `query($after: String) { receivablesAging { customers(first: 40, after: $after) {
          edges { node { customerNumber balanceDue ${MONEY} customer { id } } } pageInfo { hasNextPage endCursor } } } }`,
        { after },
      );
      expect(body.errors).toBeUndefined();
      const page = body.data.receivablesAging.customers;
      for (const { node } of page.edges) {
        expect(seen.has(node.customerNumber)).toBe(false);
        seen.set(node.customerNumber, [node.balanceDue]);
        expect(node.customer.id).toMatch(/^[0-9a-f-]{36}$/);
      }
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 100);
    const { erp: erpCalls } = await stack.legacyCalls();
    // One aggregating query for the buckets is cached after the first page; each page one GET.
    expect(erpCalls.byRoute['GET /agedAccountsReceivables']).toBe(pages);
    expect(pages).toBeGreaterThan(1);
    for (const [number, sums] of expected) {
      const open = sums.list();
      if (open.every((money) => money.amount === '0.00')) continue;
      expect(seen.get(number)).toEqual(open);
    }
    for (const [number, balance] of seen) {
      expect(balance).toEqual(
        expected.get(number)?.list() ?? [{ amount: '0.00', currencyCode: balance[0]!.currencyCode }],
      );
    }
  });

  it('refuses a bad day and a foreign cursor with BAD_USER_INPUT, before any legacy call', async () => {
    await stack.resetCounts();
    const bad = await ask(`{ receivablesAging(asOf: "2026-02-30") { asOf } }`);
    expect(bad.errors[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'asOf',
      reason: 'INVALID_FORMAT',
    });
    const foreign = await ask(
      `{ receivablesAging { customers(after: "bm90LWEtY3Vyc29y") { edges { cursor } } } }`,
    );
    expect(foreign.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const { erp: erpCalls } = await stack.legacyCalls();
    expect(erpCalls.byRoute['GET /agedAccountsReceivables'] ?? 0).toBe(0);
  });
});

describe('Campaign figures', () => {
  it('equal the raw members, opportunities and invoices of each campaign, every campaign in one composite and one $batch', async () => {
    const query = `{ campaigns(first: 50) { edges { node { id startDate actualCost ${MONEY}
      memberCount respondedCount memberCustomerCount pipeline ${MONEY} wonAmount ${MONEY} wonOpportunities
      invoicedRevenue ${MONEY} returnOnInvestment } } } }`;
    await stack.resetCounts();
    const body = await ask(query);
    expect(body.errors).toBeUndefined();
    const { erp: erpCalls, crm: crmCalls } = await stack.legacyCalls();
    const campaigns = body.data.campaigns.edges.map((edge: Loose) => edge.node);
    expect(campaigns.length).toBeGreaterThan(2);
    // The CRM's own page, then the figures' composite; the ERP's one $batch of customerSales.
    expect(crmCalls.byRoute.composite).toBe(1);
    expect(erpCalls.byRoute['POST /$batch']).toBe(1);
    expect(erpCalls.byRoute['GET /customerSales']).toBe(
      campaigns.filter((c: Loose) => c.startDate <= todayUtc()).length,
    );

    const today = todayUtc();
    for (const campaign of campaigns) {
      const members = crm<{ HasResponded: number; AccountId: string | null; AccountNumber: string | null }>(
        `SELECT m.HasResponded, c.AccountId, a.AccountNumber FROM CampaignMember m
         LEFT JOIN Contact c ON c.Id = m.ContactId LEFT JOIN Account a ON a.Id = c.AccountId
         WHERE m.IsDeleted = 0 AND m.CampaignId = ?`,
        campaign.id,
      );
      const pipeline = new Sums();
      const won = new Sums();
      let wonCount = 0;
      for (const row of crm<{
        Amount: number | null;
        CurrencyIsoCode: string;
        IsClosed: number;
        IsWon: number;
      }>(
        'SELECT Amount, CurrencyIsoCode, IsClosed, IsWon FROM Opportunity WHERE IsDeleted = 0 AND CampaignId = ?',
        campaign.id,
      )) {
        if (!row.IsClosed) pipeline.add(row.Amount, row.CurrencyIsoCode);
        if (row.IsWon) {
          won.add(row.Amount, row.CurrencyIsoCode);
          wonCount += 1;
        }
      }
      const numbers = [...new Set(members.flatMap((m) => (m.AccountNumber ? [m.AccountNumber] : [])))];
      const revenue = new Sums();
      for (const number of numbers) {
        const [customer] = erp<{ id: string; currencyCode: string }>(
          'SELECT id, currencyCode FROM customers WHERE number = ?',
          number,
        );
        if (!customer) continue;
        const [sold] = erp<{ amount: number }>(
          `SELECT (SELECT TOTAL(totalAmountExcludingTax) FROM salesInvoices WHERE customerId = ? AND COALESCE(status, '') <> 'Draft' AND postingDate >= ? AND postingDate <= ?)
                - (SELECT TOTAL(totalAmountExcludingTax) FROM salesCreditMemos WHERE customerId = ? AND COALESCE(status, '') <> 'Draft' AND postingDate >= ? AND postingDate <= ?) AS amount`,
          customer.id,
          campaign.startDate,
          today,
          customer.id,
          campaign.startDate,
          today,
        );
        revenue.add(sold!.amount, customer.currencyCode);
      }
      expect(campaign).toMatchObject({
        memberCount: members.length,
        respondedCount: members.filter((m) => m.HasResponded).length,
        memberCustomerCount: new Set(members.flatMap((m) => (m.AccountId ? [m.AccountId] : []))).size,
        pipeline: pipeline.list(),
        wonAmount: won.list(),
        wonOpportunities: wonCount,
        invoicedRevenue: campaign.startDate <= today ? revenue.list() : [],
      });
      const cost = campaign.actualCost;
      if (cost && Number(cost.amount) !== 0) {
        const inCurrency = Number(
          campaign.invoicedRevenue.find((m: Loose) => m.currencyCode === cost.currencyCode)?.amount ?? 0,
        );
        expect(campaign.returnOnInvestment).toBeCloseTo(
          (inCurrency - Number(cost.amount)) / Number(cost.amount),
          9,
        );
      } else expect(campaign.returnOnInvestment).toBeNull();
    }
  });
});

describe('Employee figures', () => {
  const FIGURES = `email openPipeline ${MONEY} weightedPipeline ${MONEY} openOpportunities openCaseCount
    invoicedSales(from: $from, to: $to) ${MONEY}`;
  const people = () =>
    erp<{ number: string; email: string }>(
      'SELECT number, lower(email) AS email FROM employees ORDER BY number',
    );

  function expectedFigures(email: string, number: string, from: string, to: string) {
    const pipeline = new Sums();
    const weighted = new Sums();
    let open = 0;
    for (const row of crm<{ Amount: number | null; Probability: number | null; CurrencyIsoCode: string }>(
      `SELECT o.Amount, o.Probability, o.CurrencyIsoCode FROM Opportunity o JOIN User u ON u.Id = o.OwnerId
       WHERE o.IsDeleted = 0 AND o.IsClosed = 0 AND lower(u.Email) = ?`,
      email,
    )) {
      pipeline.add(row.Amount, row.CurrencyIsoCode);
      weighted.add(row.Amount, row.CurrencyIsoCode, row.Probability ?? 0);
      open += 1;
    }
    const [cases] = crm<{ n: number }>(
      'SELECT COUNT(*) AS n FROM "Case" c JOIN User u ON u.Id = c.OwnerId WHERE c.IsDeleted = 0 AND c.IsClosed = 0 AND lower(u.Email) = ?',
      email,
    );
    const invoiced = new Sums();
    for (const row of erp<{ amount: number; currencyCode: string }>(
      `SELECT totalAmountExcludingTax AS amount, currencyCode FROM salesInvoices
       WHERE COALESCE(status, '') <> 'Draft' AND salesperson = ? AND invoiceDate >= ? AND invoiceDate <= ?`,
      number,
      from,
      to,
    ))
      invoiced.add(row.amount, row.currencyCode);
    return {
      email,
      openPipeline: pipeline.list(),
      weightedPipeline: weighted.list(),
      openOpportunities: open,
      openCaseCount: cases!.n,
      invoicedSales: invoiced.list(),
    };
  }

  it("employee(email) has the raw rows' figures, whatever the address's case", async () => {
    const [a, b] = people();
    const from = addDays(todayUtc(), -120);
    const to = todayUtc();
    const body = await ask(
      `query($a: String!, $b: String!, $from: String, $to: String) {
        a: employee(email: $a) { ${FIGURES} } b: employee(email: $b) { ${FIGURES} } }`,
      { a: a!.email.toUpperCase(), b: b!.email, from, to },
    );
    expect(body.errors).toBeUndefined();
    expect(body.data.a).toEqual(expectedFigures(a!.email, a!.number, from, to));
    expect(body.data.b).toEqual(expectedFigures(b!.email, b!.number, from, to));
    expect(body.data.a.openOpportunities + body.data.b.openOpportunities).toBeGreaterThan(0);
  });

  it('the figures of every person of an answer cost one CRM composite and one ERP query together', async () => {
    const from = addDays(todayUtc(), -45);
    const to = todayUtc();
    await stack.resetCounts();
    const body = await ask(
      `query($from: String, $to: String) { salesSummary(from: "${from}", to: "${to}", groupBy: OWNER) {
        groups { key employee { ${FIGURES} } } } }`,
      { from, to },
    );
    expect(body.errors).toBeUndefined();
    const { crm: crmCalls, erp: erpCalls } = await stack.legacyCalls();
    const numbers = new Map(people().map((person) => [person.email, person.number]));
    const employees = body.data.salesSummary.groups.flatMap((group: Loose) =>
      group.employee ? [group.employee] : [],
    );
    expect(employees.length).toBeGreaterThan(5);
    for (const employee of employees)
      expect(employee).toEqual(expectedFigures(employee.email, numbers.get(employee.email)!, from, to));
    // The summary's composite and $batch, then one composite and one query for all the people.
    // Each of the two ERP reads of the period's documents goes as one request a day (46 days),
    // inside its `$batch`.
    expect(crmCalls.byRoute.composite).toBe(2);
    expect(erpCalls.byRoute['GET /salesDocumentTotals']).toBe(2 * 46);
  });

  it('is null for an address neither system knows, and refuses one that is no address', async () => {
    const unknown = await ask('{ employee(email: "nobody@nowhere.example") { email } }');
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.employee).toBeNull();
    await stack.resetCounts();
    const bad = await ask('{ employee(email: "not an address") { email } }');
    expect(bad.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'email' });
    const { crm: crmCalls, erp: erpCalls } = await stack.legacyCalls();
    expect(crmCalls.total + erpCalls.total).toBe(0);
  });

  it("a sales:own caller sees their own figures (me too), never another person's", async () => {
    const [mine, other] = people();
    const from = `${todayUtc().slice(0, 7)}-01`;
    const to = todayUtc();
    const own = await ask(
      `query($e: String!, $from: String, $to: String) { employee(email: $e) { ${FIGURES} } me { ${FIGURES} } }`,
      { e: mine!.email, from, to },
      ['sales:own'],
      mine!.email,
    );
    expect(own.errors).toBeUndefined();
    expect(own.data.employee).toEqual(expectedFigures(mine!.email, mine!.number, from, to));
    expect(own.data.me).toEqual(own.data.employee);

    const theirs = await ask(
      `query($e: String!) { employee(email: $e) { email openPipeline ${MONEY} } }`,
      { e: other!.email },
      ['sales:own'],
      mine!.email,
    );
    expect(theirs.data?.employee ?? null).toBeNull();
    expect(theirs.errors.map((e: Loose) => e.extensions.code)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');

    const noReports = await ask(
      `query($e: String!) { employee(email: $e) { email openPipeline ${MONEY} } }`,
      { e: other!.email },
      ['customer:read'],
    );
    expect(noReports.data?.employee ?? null).toBeNull();
    expect(noReports.errors.map((e: Loose) => e.extensions.code)).toContain('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
