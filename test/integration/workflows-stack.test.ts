import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';
import { candidateQuotes, eventually, ordersFor, quoteRow } from './workflows-harness.js';

// The writes through the gateway, on the whole stack: the mutation's order and quote are
// expanded by the ERP and CRM subgraphs in the same answer, and a pending write-back is listed
// through the graph.
let stack: Stack;
let crmDownAfterErpCreate = false;

beforeAll(async () => {
  stack = await startStack({
    customers: 60,
    workflowsDeps: {
      afterErpOrderCreated: () => {
        if (crmDownAfterErpCreate) stack.crmSim.setConfig({ outage: true });
      },
    },
  });
});

afterAll(async () => {
  await stack?.close();
});

const CONVERT_EXPANDED = `
  mutation Convert($quoteId: ID!, $key: String!) {
    convertQuoteToOrder(quoteId: $quoteId, idempotencyKey: $key) {
      order {
        number status externalDocumentNumber
        total { amount currencyCode }
        lines { quantity product { sku name } }
        customer { id name number }
        quote { id number status order { number } }
      }
      orderCreated
      replayed
      outcomes { system status code }
      pendingWriteBack { id kind status quote { id number } order { number total { amount } } }
    }
  }`;

function convertible(skip: Set<string>) {
  const quote = candidateQuotes(stack.dataset).find(
    (q) =>
      !skip.has(q.Id) &&
      q.blocked.trim() === '' &&
      (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit) &&
      ordersFor(stack.dataset, q.QuoteNumber).length === 0,
  );
  if (!quote) throw new Error('no convertible quote');
  skip.add(quote.Id);
  return quote;
}
const used = new Set<string>();

describe('writes through the gateway', () => {
  it('converts a quote and answers with the order as the rest of the graph sees it', async () => {
    const quote = convertible(used);
    const answer = await stack.query(CONVERT_EXPANDED, { quoteId: quote.Id, key: `stack-${quote.Id}` });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const payload = answer.body.data.convertQuoteToOrder;
    const [order] = ordersFor(stack.dataset, quote.QuoteNumber);
    const row = stack.dataset.erp
      .prepare('SELECT totalAmountIncludingTax FROM salesOrders WHERE id = ?')
      .get(order!.id) as {
      totalAmountIncludingTax: number;
    };
    const lineCount = (
      stack.dataset.crm
        .prepare('SELECT COUNT(*) AS n FROM QuoteLineItem WHERE QuoteId = ?')
        .get(quote.Id) as { n: number }
    ).n;
    expect(payload.order).toMatchObject({
      number: order!.number,
      externalDocumentNumber: quote.QuoteNumber,
      customer: { id: quote.customerId },
      quote: {
        id: quote.Id,
        number: quote.QuoteNumber,
        status: 'Accepted',
        order: { number: order!.number },
      },
    });
    expect(Number(payload.order.total.amount)).toBeCloseTo(row.totalAmountIncludingTax, 2);
    expect(payload.order.lines).toHaveLength(lineCount);
    expect(payload.outcomes).toEqual([
      { system: 'ERP', status: 'DONE', code: null },
      { system: 'CRM', status: 'DONE', code: null },
    ]);
  });

  it('through the gateway too: 50 concurrent calls with one key and a second key make one order', async () => {
    const quote = convertible(used);
    await stack.resetCounts();
    const calls = [
      ...Array.from({ length: 50 }, () =>
        stack.query(CONVERT_EXPANDED, { quoteId: quote.Id, key: `stack-50-${quote.Id}` }),
      ),
      stack.query(CONVERT_EXPANDED, { quoteId: quote.Id, key: `stack-other-${quote.Id}` }),
    ];
    const answers = await Promise.all(calls);
    for (const answer of answers) expect(answer.body.errors).toBeUndefined();
    const orders = ordersFor(stack.dataset, quote.QuoteNumber);
    expect(orders).toHaveLength(1);
    expect(new Set(answers.map((a) => a.body.data.convertQuoteToOrder.order.number))).toEqual(
      new Set([orders[0]!.number]),
    );
    const sameKey = answers.slice(0, 50).map((a) => a.body.data.convertQuoteToOrder);
    const otherKey = answers[50]!.body.data.convertQuoteToOrder;
    // Whichever key ran first created it; the other found it.
    expect(new Set(sameKey.map((p) => p.orderCreated))).toEqual(new Set([!otherKey.orderCreated]));
    const { erp } = await stack.legacyCalls();
    const creates = Object.entries(erp.byRoute).filter(
      ([route]) => route.startsWith('POST') && route.includes('salesOrders'),
    );
    expect(creates).toEqual([['POST /salesOrders', 1]]);
  });

  it('lists a pending write-back through the graph while the CRM is down, and clears it once it is back', async () => {
    const quote = convertible(used);
    crmDownAfterErpCreate = true;
    try {
      // With the CRM down, ask only for what the ERP and the workflows subgraph can answer.
      const answer = await stack.query(
        `mutation($quoteId: ID!, $key: String!) {
          convertQuoteToOrder(quoteId: $quoteId, idempotencyKey: $key) {
            order { number status total { amount } customer { id number } }
            outcomes { system status code }
            pendingWriteBack { id kind status order { number total { amount } } }
          }
        }`,
        { quoteId: quote.Id, key: `stack-down-${quote.Id}` },
      );
      expect(answer.body.errors).toBeUndefined();
      const payload = answer.body.data.convertQuoteToOrder;
      expect(payload.outcomes[1]).toEqual({ system: 'CRM', status: 'PENDING', code: 'LEGACY_UNAVAILABLE' });
      expect(payload.pendingWriteBack).toMatchObject({
        kind: 'QUOTE_LINK',
        status: 'PENDING',
        order: { number: payload.order.number },
      });
      expect(payload.order.customer.id).toBe(quote.customerId);
      const listed = await stack.query(
        '{ pendingWriteBacks(first: 10) { edges { node { id kind status order { number status } } } } }',
      );
      expect(listed.body.errors).toBeUndefined();
      expect(
        listed.body.data.pendingWriteBacks.edges.map((e: { node: { id: string } }) => e.node.id),
      ).toContain(payload.pendingWriteBack.id);
      // Asking for the CRM's side of the customer while the CRM is down: that field fails, named; the rest answers.
      const partial = await stack.query(
        `query($id: ID!) { writeBack(id: $id) { status customer { id name } order { number } } }`,
        { id: payload.pendingWriteBack.id },
      );
      expect(partial.body.data.writeBack).toMatchObject({
        status: 'PENDING',
        customer: { id: quote.customerId, name: null },
        order: { number: payload.order.number },
      });
      expect(partial.body.errors?.[0]?.extensions).toMatchObject({
        code: 'LEGACY_UNAVAILABLE',
        system: 'CRM',
      });
    } finally {
      crmDownAfterErpCreate = false;
      stack.crmSim.setConfig({ outage: false });
    }
    await eventually(() => (quoteRow(stack.dataset, quote.Id).ERP_Order_Number__c ? true : undefined));
    const after = await stack.query('{ pendingWriteBacks { edges { node { id } } } }');
    expect(after.body.data.pendingWriteBacks.edges).toEqual([]);
    expect(ordersFor(stack.dataset, quote.QuoteNumber)).toHaveLength(1);
  });

  it('refuses a stale ERP version through the gateway with CONFLICT and the current values, changing nothing', async () => {
    const { customerId, accountId } = stack.dataset.crm
      .prepare(
        `SELECT ERP_Customer_Id__c AS customerId, MIN(Id) AS accountId FROM Account WHERE ERP_Customer_Id__c IS NOT NULL
         GROUP BY ERP_Customer_Id__c HAVING COUNT(*) = 1 ORDER BY ERP_Customer_Id__c DESC LIMIT 1`,
      )
      .get() as { customerId: string; accountId: string };
    const mutation = `mutation($input: UpdateCustomerAddressInput!) {
      updateCustomerAddress(input: $input) { erpVersion outcomes { system status } customer { id number } }
    }`;
    const address = { street: '9 Quay Street', city: 'Cork', postalCode: 'T12', country: 'IE' };
    const first = await stack.query(mutation, { input: { customerId, purpose: 'BILLING', address } });
    expect(first.body.errors).toBeUndefined();
    const version = first.body.data.updateCustomerAddress.erpVersion;
    // Someone changes the customer after this client read its version.
    const second = await stack.query(mutation, {
      input: {
        customerId,
        purpose: 'BILLING',
        address: { ...address, city: 'Galway' },
        expectedVersion: version,
      },
    });
    expect(second.body.errors).toBeUndefined();
    const erpBefore = stack.dataset.erp.prepare('SELECT * FROM customers WHERE id = ?').get(customerId);
    const crmBefore = stack.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(accountId);
    const stale = await stack.query(mutation, {
      input: {
        customerId,
        purpose: 'BILLING',
        address: { ...address, city: 'Limerick' },
        expectedVersion: version,
      },
    });
    expect(stale.body.data).toBeNull();
    expect(stale.body.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'ERP',
      current: { version: second.body.data.updateCustomerAddress.erpVersion, address: { city: 'Galway' } },
    });
    expect(stack.dataset.erp.prepare('SELECT * FROM customers WHERE id = ?').get(customerId)).toEqual(
      erpBefore,
    );
    expect(stack.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(accountId)).toEqual(crmBefore);
  });

  it('passes refusals through with their codes and details', async () => {
    const quote = candidateQuotes(stack.dataset).find(
      (q) => q.creditLimit > 0 && q.balance + q.GrandTotal > q.creditLimit && q.blocked.trim() === '',
    );
    const answer = await stack.query(CONVERT_EXPANDED, {
      quoteId: quote!.Id,
      key: `stack-credit-${quote!.Id}`,
    });
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({
      code: 'CREDIT_LIMIT_EXCEEDED',
      exceededBy: expect.any(String),
      creditLimit: quote!.creditLimit.toFixed(2),
    });
    const invalid = await stack.query(CONVERT_EXPANDED, { quoteId: quote!.Id, key: '' });
    expect(invalid.body.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'idempotencyKey',
      reason: 'EMPTY',
    });
    expect(ordersFor(stack.dataset, quote!.QuoteNumber)).toHaveLength(0);
  });
});
