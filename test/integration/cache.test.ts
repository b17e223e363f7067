import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { CONVERT, candidateQuotes, ordersFor } from './workflows-harness.js';

// The shared legacy cache through the whole product (gateway, three subgraphs sharing one memory
// cache, both stand-ins): repeated reads cost no legacy call within the TTL, writes through the
// graph make what they change stale, concurrent identical reads are made once, and with the
// cache off every read goes to the legacy systems again. Counts come from the stand-ins.

const CUSTOMER = /* GraphQL */ `
  query Customer($id: ID!) {
    customer(id: $id) {
      id
      name
      erpBillingAddress { street city postalCode country }
      addresses { purpose street city postalCode country }
      contacts(first: 10) { edges { node { id lastName email } } }
      interactions(first: 10) { edges { node { type subject } } }
      orders(first: 10) { edges { node { number } } }
      balance { amount currencyCode }
    }
  }
`;

const UPDATE_ADDRESS = /* GraphQL */ `
  mutation ($input: UpdateCustomerAddressInput!) {
    updateCustomerAddress(input: $input) {
      outcomes { system status code }
    }
  }
`;

const UPSERT_CONTACT = /* GraphQL */ `
  mutation ($input: UpsertCustomerContactInput!) {
    upsertCustomerContact(input: $input) {
      contact { id }
      outcomes { system status code }
    }
  }
`;

const LOG_INTERACTION = /* GraphQL */ `
  mutation ($input: LogInteractionInput!) {
    logInteraction(input: $input) {
      interaction { subject }
    }
  }
`;

const QUOTE_AND_CUSTOMER = /* GraphQL */ `
  query ($quoteId: ID!, $customerId: ID!) {
    quote(id: $quoteId) { id status order { number } }
    customer(id: $customerId) { id orders(first: 50) { edges { node { number } } } }
  }
`;

interface Calls {
  erp: number;
  crm: number;
}

async function callsOf(stack: Stack, run: () => Promise<unknown>): Promise<Calls> {
  await stack.resetCounts();
  await run();
  const { erp, crm } = await stack.legacyCalls();
  return { erp: erp.roundTrips, crm: crm.roundTrips };
}

/** An ERP customer linked to exactly one CRM account. */
function linkedCustomers(stack: Stack): { customerId: string; accountId: string }[] {
  return stack.dataset.crm
    .prepare(
      `SELECT ERP_Customer_Id__c AS customerId, MIN(Id) AS accountId FROM Account
       WHERE ERP_Customer_Id__c IS NOT NULL GROUP BY ERP_Customer_Id__c HAVING COUNT(*) = 1
       ORDER BY ERP_Customer_Id__c`,
    )
    .all() as { customerId: string; accountId: string }[];
}

describe('the shared cache on (npm start: one memory cache for the three subgraphs)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ customers: 40 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('answers a repeated Customer360 with zero legacy calls on both systems, and the same data', async () => {
    let first: unknown;
    const cold = await callsOf(stack, async () => {
      first = (await stack.query(CUSTOMER_360, { first: 10 })).body;
    });
    expect(cold.erp).toBeGreaterThan(0);
    expect(cold.crm).toBeGreaterThan(0);
    let second: unknown;
    const warm = await callsOf(stack, async () => {
      second = (await stack.query(CUSTOMER_360, { first: 10 })).body;
    });
    expect(warm).toEqual({ erp: 0, crm: 0 });
    expect(second).toEqual(first);
    expect((second as { errors?: unknown }).errors).toBeUndefined();
    // Another page size is another legacy statement: it is read, not served from the first.
    const other = await callsOf(stack, () => stack.query(CUSTOMER_360, { first: 3 }));
    expect(other.crm).toBeGreaterThan(0);
  });

  it('an address update through the graph makes the cached customer stale: the next read shows it', async () => {
    const [target] = linkedCustomers(stack);
    if (!target) throw new Error('no linked customer in the data set');
    const id = target.customerId;
    const before = await stack.query(CUSTOMER, { id });
    expect(before.body.errors).toBeUndefined();
    const warm = await callsOf(stack, () => stack.query(CUSTOMER, { id }));
    expect(warm).toEqual({ erp: 0, crm: 0 });

    const address = { street: '9 Cache Lane', city: 'Bergen', postalCode: '5003', country: 'NO' };
    const written = await stack.query(UPDATE_ADDRESS, {
      input: { customerId: id, purpose: 'BILLING', address },
    });
    expect(written.body.errors).toBeUndefined();
    expect(written.body.data.updateCustomerAddress.outcomes.map((o: { status: string }) => o.status)).toEqual(
      ['DONE', 'DONE'],
    );

    let after: { data: { customer: Record<string, unknown> } } | undefined;
    const reread = await callsOf(stack, async () => {
      after = (await stack.query(CUSTOMER, { id })).body;
    });
    // The ERP record and the CRM account are read again; nothing else had to be.
    expect(reread.erp).toBeGreaterThan(0);
    expect(reread.crm).toBeGreaterThan(0);
    expect(after?.data.customer.erpBillingAddress).toMatchObject({
      street: '9 Cache Lane',
      city: 'Bergen',
      postalCode: '5003',
      country: 'NO',
    });
    const crmBilling = ((after?.data.customer.addresses ?? []) as { purpose: string; street: string }[]).find(
      (a) => a.purpose === 'BILLING',
    );
    expect(crmBilling?.street).toBe('9 Cache Lane');
    // And that answer is cached again.
    expect(await callsOf(stack, () => stack.query(CUSTOMER, { id }))).toEqual({ erp: 0, crm: 0 });
  });

  it("a contact upsert and a logged interaction show in the customer's cached lists at once", async () => {
    const target = linkedCustomers(stack)[1];
    if (!target) throw new Error('no second linked customer in the data set');
    const id = target.customerId;
    await stack.query(CUSTOMER, { id });
    expect(await callsOf(stack, () => stack.query(CUSTOMER, { id }))).toEqual({ erp: 0, crm: 0 });

    const contact = await stack.query(UPSERT_CONTACT, {
      input: { customerId: id, lastName: 'Cachetest', email: 'cachetest@example.com', role: 'SALES' },
    });
    expect(contact.body.errors).toBeUndefined();
    const logged = await stack.query(LOG_INTERACTION, {
      input: { customerId: id, type: 'CALL', subject: 'Cache invalidation call' },
    });
    expect(logged.body.errors).toBeUndefined();

    const after = await stack.query(CUSTOMER, { id });
    const contacts = after.body.data.customer.contacts.edges.map(
      (e: { node: { lastName: string } }) => e.node.lastName,
    );
    const subjects = after.body.data.customer.interactions.edges.map(
      (e: { node: { subject: string } }) => e.node.subject,
    );
    expect(contacts).toContain('Cachetest');
    expect(subjects).toContain('Cache invalidation call');
  });

  it("a quote converted to an order shows at once: the quote's status and order, the customer's orders", async () => {
    const quote = candidateQuotes(stack.dataset).find(
      (q) =>
        q.blocked.trim() === '' &&
        (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit) &&
        ordersFor(stack.dataset, q.QuoteNumber).length === 0,
    );
    if (!quote) throw new Error('no convertible quote in the data set');
    const read = () => stack.query(QUOTE_AND_CUSTOMER, { quoteId: quote.Id, customerId: quote.customerId });
    const before = await read();
    expect(before.body.errors).toBeUndefined();
    expect(before.body.data.quote.order).toBeNull();
    expect(await callsOf(stack, read)).toEqual({ erp: 0, crm: 0 });

    const converted = await stack.query(CONVERT, { quoteId: quote.Id, key: `cache-${quote.Id}` });
    expect(converted.body.errors).toBeUndefined();
    const orderNumber = converted.body.data.convertQuoteToOrder.order.number as string;

    const after = await read();
    expect(after.body.errors).toBeUndefined();
    expect(after.body.data.quote).toMatchObject({ status: 'Accepted', order: { number: orderNumber } });
    const numbers = after.body.data.customer.orders.edges.map(
      (e: { node: { number: string } }) => e.node.number,
    );
    expect(numbers).toContain(orderNumber);
  });
});

describe('the shared cache off (LEGACY_CACHE=off), and a cold cache under concurrent reads', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ customers: 40, legacyCache: 'off' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('makes the legacy calls again for a repeated query', async () => {
    expect(stack.legacyCache).toBeUndefined();
    const first = await callsOf(stack, () => stack.query(CUSTOMER_360, { first: 10 }));
    const second = await callsOf(stack, () => stack.query(CUSTOMER_360, { first: 10 }));
    expect(first.erp).toBeGreaterThan(0);
    expect(first.crm).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });

  it('makes concurrent identical reads once: N queries at once on a cold cache cost what one costs', async () => {
    const variables = { first: 7, search: 'a' };
    // One query alone, with no cache at all: the cost of the statement shape.
    const alone = await callsOf(stack, () => stack.query(CUSTOMER_360, variables));
    expect(alone.erp).toBeGreaterThan(0);

    const cached = await startStack({ customers: 40, erpSim: { latencyMs: 40 }, crmSim: { latencyMs: 40 } });
    try {
      const answers: { errors?: unknown }[] = [];
      const together = await callsOf(cached, async () => {
        const results = await Promise.all(
          Array.from({ length: 6 }, () => cached.query(CUSTOMER_360, variables)),
        );
        for (const result of results) answers.push(result.body);
      });
      for (const answer of answers) {
        expect(answer.errors).toBeUndefined();
        expect(answer).toEqual(answers[0]);
      }
      expect(together).toEqual(alone);
    } finally {
      await cached.close();
    }
  });
});
