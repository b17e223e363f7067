import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { type Stack, startStack } from '../helpers/stack.js';

// Discount approvals and order changes through the gateway, on the whole stack: the CRM subgraph
// shows Quote.approval, the ERP subgraph SalesOrder.version, and a mutation's answer expands the
// quote and the order as they are after the write (the shared legacy cache forgets what it
// changed). A second stack without a cache counts what the new fields cost per list.
let stack: Stack;
let counted: Stack;

beforeAll(async () => {
  [stack, counted] = await Promise.all([
    startStack({ customers: 60 }),
    startStack({ customers: 150, legacyCache: 'off' }),
  ]);
});

afterAll(async () => {
  await Promise.all([stack?.close(), counted?.close()]);
});

const REP = {
  sub: 'rep-graph',
  email: 'rep.graph@example.com',
  scopes: [SCOPES.customerRead, SCOPES.ordersWrite],
};

async function asRep(query: string, variables: Record<string, unknown>) {
  const token = await stack.tokenFor(REP);
  return stack.query(query, variables, { authorization: `Bearer ${token}` });
}

describe('Quote.approval and SalesOrder.version through the gateway', () => {
  it('shows a quote approval as the CRM records it, and a request made through the graph at once', async () => {
    const approved = stack.dataset.crm
      .prepare(
        `SELECT Id, Discount, Discount_Approval_Level__c AS level, Discount_Approval_Decided_By__c AS decidedBy,
                Discount_Approval_Decided_At__c AS decidedAt
         FROM Quote WHERE Discount_Approval_Status__c = 'Approved' ORDER BY QuoteNumber LIMIT 1`,
      )
      .get() as { Id: string; Discount: number; level: string; decidedBy: string; decidedAt: string };
    const read = await stack.query(
      'query ($id: ID!) { quote(id: $id) { id approval { status level discountPercent decidedBy decidedAt requestedBy comment } } }',
      { id: approved.Id },
    );
    expect(read.body.errors).toBeUndefined();
    expect(read.body.data.quote.approval).toEqual({
      status: 'APPROVED',
      level: approved.level.toUpperCase(),
      discountPercent: approved.Discount,
      decidedBy: approved.decidedBy,
      decidedAt: approved.decidedAt,
      requestedBy: expect.any(String),
      comment: null,
    });

    const never = stack.dataset.crm
      .prepare(
        'SELECT Id FROM Quote WHERE Discount_Approval_Status__c IS NULL AND Discount > 0 AND ERP_Order_Number__c IS NULL ORDER BY QuoteNumber LIMIT 1',
      )
      .get() as { Id: string };
    const before = await stack.query('query ($id: ID!) { quote(id: $id) { approval { status } } }', {
      id: never.Id,
    });
    expect(before.body.data.quote.approval).toBeNull();
    const asked = await asRep(
      `mutation ($id: ID!) { requestQuoteApproval(quoteId: $id, comment: "please") {
         status quote { id approval { status requestedBy comment } } } }`,
      { id: never.Id },
    );
    expect(asked.body.errors).toBeUndefined();
    const status = asked.body.data.requestQuoteApproval.status;
    expect(['NOT_REQUIRED', 'PENDING']).toContain(status);
    expect(asked.body.data.requestQuoteApproval.quote.approval).toEqual({
      status,
      requestedBy: REP.email,
      comment: 'please',
    });
  });

  it('a refusal reaches the client with its rule: level, threshold, discount and where the approval stands', async () => {
    const quote = stack.dataset.crm
      .prepare(
        `SELECT q.Id, q.TotalPrice FROM Quote q JOIN Account a ON a.Id = q.AccountId
         WHERE q.Status IN ('Approved', 'Presented') AND q.ERP_Order_Number__c IS NULL
           AND a.ERP_Customer_Id__c IS NOT NULL ORDER BY q.QuoteNumber DESC LIMIT 1`,
      )
      .get() as { Id: string; TotalPrice: number };
    // The rep raised the discount to about 25 % in the CRM; no approval is recorded for it.
    const subtotal = Math.round((quote.TotalPrice / 0.75) * 100) / 100;
    stack.dataset.crm
      .prepare(
        'UPDATE Quote SET Subtotal = ?, Discount_Approval_Status__c = NULL, Discount_Approval_Percent__c = NULL WHERE Id = ?',
      )
      .run(subtotal, quote.Id);
    const refused = await asRep(
      'mutation ($id: ID!) { convertQuoteToOrder(quoteId: $id, idempotencyKey: "graph-refused") { orderCreated } }',
      { id: quote.Id },
    );
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      quoteId: quote.Id,
      level: 'DIRECTOR',
      threshold: 20,
      discountPercent: Math.round(((subtotal - quote.TotalPrice) / subtotal) * 10_000) / 100,
      status: 'NOT_REQUESTED',
    });
  });

  it('enters an order, changes its lines with the version the graph gave, and answers with the order as it is now', async () => {
    const customer = stack.dataset.erp
      .prepare("SELECT id FROM customers WHERE blocked = ' ' AND creditLimit = 0 ORDER BY number LIMIT 1")
      .get() as { id: string };
    const [a, b] = stack.dataset.erp
      .prepare(
        "SELECT number FROM items WHERE blocked = 0 AND unitPrice > 0 AND type = 'Inventory' ORDER BY number LIMIT 2",
      )
      .all() as { number: string }[];
    const created = await asRep(
      `mutation ($input: CreateSalesOrderInput!) { createSalesOrder(input: $input) {
         orderCreated order { number status version externalDocumentNumber lines { sequence quantity product { sku } } } } }`,
      {
        input: {
          customerId: customer.id,
          externalDocumentNumber: 'PO-GRAPH-1',
          lines: [{ sku: a!.number, quantity: 2 }],
          idempotencyKey: 'graph-create-1',
        },
      },
    );
    expect(created.body.errors).toBeUndefined();
    const order = created.body.data.createSalesOrder.order;
    expect(order).toMatchObject({
      status: 'DRAFT',
      externalDocumentNumber: 'PO-GRAPH-1',
      version: expect.any(String),
      lines: [{ sequence: expect.any(Number), quantity: 2, product: { sku: a!.number } }],
    });

    // Read again as a client would before changing it: the same version.
    const read = await stack.query('query ($n: String!) { salesOrder(number: $n) { version } }', {
      n: order.number,
    });
    expect(read.body.data.salesOrder.version).toBe(order.version);

    const CHANGE = `mutation ($input: ChangeSalesOrderLinesInput!) { changeSalesOrderLines(input: $input) {
      version order { version total { amount } lines { quantity discountPercent product { sku } } } } }`;
    const changed = await asRep(CHANGE, {
      input: {
        orderNumber: order.number,
        expectedVersion: order.version,
        change: [{ sequence: order.lines[0].sequence, quantity: 4, discountPercent: 5 }],
        add: [{ sku: b!.number, quantity: 1 }],
        idempotencyKey: 'graph-change-1',
      },
    });
    expect(changed.body.errors).toBeUndefined();
    const after = changed.body.data.changeSalesOrderLines;
    expect(after.order.version).toBe(after.version);
    expect(after.version).not.toBe(order.version);
    expect(after.order.lines).toEqual([
      { quantity: 4, discountPercent: 5, product: { sku: a!.number } },
      { quantity: 1, discountPercent: 0, product: { sku: b!.number } },
    ]);

    // Read again through the customer's order list (whose lines come from their own loader,
    // cached by order id): the change made them stale, so they are read anew.
    const listed = await stack.query(
      'query ($id: ID!) { customer(id: $id) { orders(first: 50) { edges { node { number lines { quantity } } } } } }',
      { id: customer.id },
    );
    expect(listed.body.errors).toBeUndefined();
    const again = listed.body.data.customer.orders.edges.find(
      (edge: { node: { number: string } }) => edge.node.number === order.number,
    );
    expect(again.node.lines).toEqual([{ quantity: 4 }, { quantity: 1 }]);

    const stale = await asRep(CHANGE, {
      input: {
        orderNumber: order.number,
        expectedVersion: order.version,
        remove: [order.lines[0].sequence],
        idempotencyKey: 'graph-change-2',
      },
    });
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      current: { version: after.version },
    });
  });
});

describe('what the new fields cost per list', () => {
  const LIST = (extra: string) => `query ($first: Int!) { customers(first: $first) { edges { node { id
    orders(first: 5) { edges { node { number ${extra ? 'version' : ''} } } }
    quotes(first: 5) { edges { node { id ${extra ? 'approval { status level discountPercent decidedBy }' : ''} } } } } } } }`;

  async function roundTrips(query: string, first: number) {
    await counted.resetCounts();
    const answer = await counted.query(query, { first });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customers.edges).toHaveLength(first);
    const { erp, crm } = await counted.legacyCalls();
    return { erp: erp.roundTrips, crm: crm.roundTrips };
  }

  it('orders with their version and quotes with their approval: the same legacy round trips for 10 and 100 customers, and none more than without them', async () => {
    const ten = await roundTrips(LIST('new'), 10);
    const hundred = await roundTrips(LIST('new'), 100);
    expect(hundred).toEqual(ten);
    expect(await roundTrips(LIST(''), 100)).toEqual(hundred);
  });
});
