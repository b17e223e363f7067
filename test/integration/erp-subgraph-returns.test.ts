import { describe, expect, it } from 'vitest';
import {
  costFor10And100,
  type Json,
  type Row,
  type RunningStandIn,
  type RunningSubgraph,
  routes,
  useGeneratedErp,
} from './erp-subgraph-harness.js';

/**
 * Returns in the ERP subgraph against the Business Central stand-in: credit memos by number, a
 * customer's (newest first, paged with the ERP's own next links), an invoice's, an order's and a
 * CRM case's (by the case number the credit memo carries), answers checked against the
 * stand-in's database and cost counted as ERP round trips from `/__sim/stats`.
 */

let erp: RunningStandIn;
let subgraph: RunningSubgraph;
const { all, one, fixed } = useGeneratedErp((running) => ({ erp, subgraph } = running));
const currencyOf = (code: string) => (code === '' ? 'USD' : code);

/** `n` ERP customers, those with credit memos first, so every list has something to follow. */
const customerIds = (n: number): string[] =>
  all(
    `SELECT c.id FROM customers c
     ORDER BY EXISTS (SELECT 1 FROM salesCreditMemos m WHERE m.customerId = c.id) DESC, c.number LIMIT ?`,
    n,
  ).map((r) => r.id as string);

const customers = (ids: string[]) => ids.map((id) => ({ __typename: 'Customer', id }));

const MEMO_FIELDS = `id number status creditMemoDate postingDate dueDate externalDocumentNumber
  customer { id } invoice { number } order { number }
  subtotal { amount currencyCode } tax { amount currencyCode } total { amount currencyCode }
  lines { sequence product { sku } description quantity unitPrice { amount currencyCode }
    discountPercent amount { amount } amountIncludingTax { amount } }`;

/** A credit memo as the graph must show it, from the stand-in's rows. */
function expectedMemo(row: Row): Json {
  const currencyCode = currencyOf(row.currencyCode);
  const invoice = one('SELECT orderNumber FROM salesInvoices WHERE id = ?', row.invoiceId);
  const lines = all(
    `SELECT l.*, i.number AS sku FROM salesCreditMemoLines l LEFT JOIN items i ON i.number = l.lineObjectNumber
     WHERE l.documentId = ? ORDER BY l.sequence`,
    row.id,
  );
  return {
    id: row.id,
    number: row.number,
    status: row.status.toUpperCase().replace(' ', '_'),
    creditMemoDate: row.creditMemoDate,
    postingDate: row.postingDate,
    dueDate: row.dueDate,
    externalDocumentNumber: row.externalDocumentNumber || null,
    customer: { id: row.customerId },
    invoice: { number: row.invoiceNumber },
    order: invoice?.orderNumber ? { number: invoice.orderNumber } : null,
    subtotal: { amount: fixed(row.totalAmountExcludingTax), currencyCode },
    tax: { amount: fixed(row.totalTaxAmount), currencyCode },
    total: { amount: fixed(row.totalAmountIncludingTax), currencyCode },
    lines: lines.map((l) => ({
      sequence: l.sequence,
      product: l.lineType === 'Item' ? { sku: l.sku } : null,
      description: l.description || null,
      quantity: l.quantity,
      unitPrice: { amount: fixed(l.unitPrice), currencyCode },
      discountPercent: l.discountPercent,
      amount: { amount: fixed(l.amountExcludingTax) },
      amountIncludingTax: { amount: fixed(l.amountIncludingTax) },
    })),
  };
}

describe('credit memos', () => {
  it('the data set has credit memos settling complaints, each on an invoiced order', () => {
    const memos = all('SELECT * FROM salesCreditMemos');
    expect(memos.length).toBeGreaterThan(0);
    for (const memo of memos) expect(memo.invoiceId).toBeTruthy();
  });

  it('creditMemo(number) answers the memo as the ERP holds it: totals, lines, invoice, order', async () => {
    const row = one('SELECT * FROM salesCreditMemos ORDER BY number LIMIT 1');
    await erp.resetStats();
    // Latency only makes parallel calls overlap, so the stand-in tells them from calls in sequence.
    await erp.simConfig({ latencyMs: 20 });
    const res = await subgraph
      .gql(`query($n: String!) { creditMemo(number: $n) { ${MEMO_FIELDS} } }`, { n: row.number })
      .finally(() => erp.simConfig({ latencyMs: 0 }));
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    expect(res.body.data.creditMemo).toEqual(expectedMemo(row));
    expect(res.body.data.creditMemo.status).toBe('PAID');
    // The memo → its lines and invoice side by side → the invoice's order and the lines' items.
    const stats = await erp.stats();
    expect(stats.roundTrips).toBe(5);
    expect(stats.sequentialDepth).toBe(3);
  });

  it('an unknown number is null; a number no ERP code can be is BAD_USER_INPUT with no ERP call', async () => {
    const unknown = await subgraph.gql('{ creditMemo(number: "CM999999") { number } }');
    expect(unknown.body.errors).toBeUndefined();
    expect(unknown.body.data.creditMemo).toBeNull();
    await erp.resetStats();
    const bad = await subgraph.gql(`{ creditMemo(number: "${'9'.repeat(21)}") { number } }`);
    expect(bad.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await erp.stats()).total).toBe(0);
  });

  it("a customer's credit memos come newest first, and the cursors page through them all", async () => {
    const customerId = one(
      'SELECT customerId FROM salesCreditMemos GROUP BY customerId ORDER BY count(*) DESC, customerId LIMIT 1',
    ).customerId;
    const rows = all(
      'SELECT * FROM salesCreditMemos WHERE customerId = ? ORDER BY creditMemoDate DESC, number DESC, id DESC',
      customerId,
    );
    const seen: Json[] = [];
    let after: string | null = null;
    for (let page = 0; page < rows.length + 1; page += 1) {
      const res = await subgraph.gql(
        `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer {
           creditMemos(first: 1, after: $after) { edges { cursor node { ${MEMO_FIELDS} } }
             pageInfo { hasNextPage endCursor } } } } }`,
        { r: customers([customerId]), after },
      );
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      const connection = res.body.data._entities[0].creditMemos;
      seen.push(...connection.edges.map((e: Json) => e.node));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(rows.map(expectedMemo));
  });

  it('a cursor of another list is refused, not followed', async () => {
    const [customerId] = customerIds(1);
    const orders = await subgraph.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer {
         orders(first: 1) { pageInfo { endCursor } } } } }`,
      { r: customers([customerId!]) },
    );
    const cursor = orders.body.data._entities[0].orders.pageInfo.endCursor;
    expect(cursor).toBeTruthy();
    const res = await subgraph.gql(
      `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer {
         creditMemos(first: 1, after: $after) { edges { node { number } } } } } }`,
      { r: customers([customerId!]), after: cursor },
    );
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it("an invoice's, an order's and a CRM case's credit memos are the ones that correct or settle them", async () => {
    const row = one('SELECT * FROM salesCreditMemos ORDER BY number LIMIT 1');
    const invoice = one('SELECT number, orderNumber FROM salesInvoices WHERE id = ?', row.invoiceId);
    const res = await subgraph.gql(
      `query($inv: String!, $order: String!, $r: [_Any!]!) {
         invoice(number: $inv) { creditMemos { number } }
         salesOrder(number: $order) { creditMemos { number } }
         _entities(representations: $r) { ... on SupportCase { number creditMemos { number invoice { number } } } } }`,
      {
        inv: invoice.number,
        order: invoice.orderNumber,
        r: [
          { __typename: 'SupportCase', number: row.externalDocumentNumber },
          { __typename: 'SupportCase', number: '99999999' },
        ],
      },
    );
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    const byInvoice = all(
      'SELECT number FROM salesCreditMemos WHERE invoiceId = ? ORDER BY creditMemoDate, number',
      row.invoiceId,
    );
    const byCase = all(
      'SELECT number, invoiceNumber FROM salesCreditMemos WHERE externalDocumentNumber = ? ORDER BY creditMemoDate, number',
      row.externalDocumentNumber,
    );
    expect(res.body.data.invoice.creditMemos).toEqual(byInvoice.map((m) => ({ number: m.number })));
    expect(res.body.data.salesOrder.creditMemos.map((m: Json) => m.number)).toContain(row.number);
    expect(res.body.data._entities).toEqual([
      {
        number: row.externalDocumentNumber,
        creditMemos: byCase.map((m) => ({ number: m.number, invoice: { number: m.invoiceNumber } })),
      },
      { number: '99999999', creditMemos: [] },
    ]);
  });

  it('costs the ERP the same round trips for 100 customers as for 10, memos followed to lines, invoice and order', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id
      creditMemos(first: 5) { edges { node { ${MEMO_FIELDS} } } pageInfo { hasNextPage endCursor } }
      orders(first: 3) { edges { node { number creditMemos { number } invoices { number creditMemos { number } } } } } } } }`;
    const { ten, hundred } = await costFor10And100(erp, async (n) => {
      const res = await subgraph.gql(query, { r: customers(customerIds(n)) });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(res.body.data._entities).toHaveLength(n);
      const memos = res.body.data._entities.flatMap((c: Json) => c.creditMemos.edges);
      expect(memos.length).toBeGreaterThan(0);
    });
    console.log(
      `credit memos ERP cost: 10 customers → ${ten.roundTrips} round trips (depth ${ten.sequentialDepth}) ${JSON.stringify(routes(ten))}; 100 → ${hundred.roundTrips} (depth ${hundred.sequentialDepth}) ${JSON.stringify(routes(hundred))}`,
    );
    expect(hundred.roundTrips).toBe(ten.roundTrips);
    expect(hundred.sequentialDepth).toBe(ten.sequentialDepth);
  });
});
