import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accountFor,
  CUSTOMER_360,
  customerIdOf,
  erpCustomer,
  expectedErpPart,
  interactionsOf,
  isGuid,
  listedAccounts,
  money,
} from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The product's question (issue 3), asked through the gateway of the whole stack on loopback,
 * answered from both stand-ins, and held against what their databases hold.
 */

/** The CRM client's per-call timeout here: short enough for the timeout test, far above loopback latency. */
const CRM_TIMEOUT_MS = 1500;

let stack: Stack;

beforeAll(async () => {
  // Batching and failure isolation are measured here, query by query: no shared cache between them.
  stack = await startStack({
    legacyTimeoutMs: { crm: CRM_TIMEOUT_MS },
    production: true,
    legacyCache: 'off',
  });
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => {
  stack.erpSim.setConfig({ outage: false, latencyMs: 0 });
  stack.crmSim.setConfig({ outage: false, latencyMs: 0 });
});

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field
type Node = any;

function expectMatchesDatabases(node: Node): void {
  const account = accountFor(stack.dataset, node.id);
  expect(account, `no listed account for customer ${node.id}`).toBeDefined();
  expect(node.name).toBe(account!.Name);
  expect({ balance: node.balance, orders: node.orders, invoices: node.invoices }).toEqual(
    expectedErpPart(stack.dataset, node.id),
  );
  // Newest first; ties in time may come in either order, so the check is by time, not position.
  const all = interactionsOf(stack.dataset, account!.Id);
  const got = node.interactions.edges.map((edge: Node) => edge.node);
  expect(got.length).toBe(Math.min(5, all.length));
  const times = got.map((item: Node) =>
    item.occurredAt ? Date.parse(item.occurredAt) : Number.NEGATIVE_INFINITY,
  );
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
  got.forEach((item: Node, i: number) => {
    expect(
      all.some((row) => row.type === item.type && row.subject === item.subject && row.time === times[i]),
      `interaction ${JSON.stringify(item)} of ${node.id} is not in the CRM`,
    ).toBe(true);
  });
  if (all.length > got.length) expect(times.at(-1)).toBeGreaterThanOrEqual(all[got.length]!.time);
}

describe('Customer360 through the gateway', () => {
  it('returns complete, correct data for a page of 100 customers, with no errors', async () => {
    const answer = await stack.query(CUSTOMER_360, { first: 100 });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const edges = answer.body.data.customers.edges as Node[];
    const listed = listedAccounts(stack.dataset);
    // Duplicate accounts read in the page are not listed, so a page may hold a few less.
    expect(edges.length).toBeGreaterThan(90);
    expect(edges.length).toBeLessThanOrEqual(100);
    expect(new Set(edges.map((edge) => edge.node.id)).size).toBe(edges.length);
    expect(answer.body.data.customers.pageInfo.hasNextPage).toBe(listed.length > edges.length);
    for (const { node } of edges) expectMatchesDatabases(node);
    // The page mixes linked customers and CRM-only prospects (ERP part null, no error).
    expect(edges.some(({ node }) => isGuid(node.id) && node.balance !== null)).toBe(true);
    expect(edges.some(({ node }) => !isGuid(node.id) && node.balance === null && node.orders === null)).toBe(
      true,
    );
  });

  it('first: 10 and first: 100 make the same number of legacy round trips (a handful)', async () => {
    await stack.resetCounts();
    const ten = await stack.query(CUSTOMER_360, { first: 10 });
    const afterTen = await stack.legacyCalls();
    await stack.resetCounts();
    const hundred = await stack.query(CUSTOMER_360, { first: 100 });
    const afterHundred = await stack.legacyCalls();
    expect(ten.body.errors).toBeUndefined();
    expect(hundred.body.errors).toBeUndefined();
    expect(ten.body.data.customers.edges.length).toBe(10);
    expect(afterHundred.erp.roundTrips).toBe(afterTen.erp.roundTrips);
    expect(afterHundred.crm.roundTrips).toBe(afterTen.crm.roundTrips);
    expect(afterTen.erp.roundTrips + afterTen.crm.roundTrips).toBeLessThanOrEqual(10);
    // Calls in sequence (the latency floor) do not grow either.
    expect(afterHundred.erp.sequentialDepth).toBe(afterTen.erp.sequentialDepth);
    expect(afterHundred.crm.sequentialDepth).toBe(afterTen.crm.sequentialDepth);
  });

  it('cold, for 1, 10 and 100 customers, costs two legacy round trips in sequence over both systems', async () => {
    // With latency, calls made side by side overlap in the stand-ins' traces and count once in
    // the depth; on bare loopback a quick answer could end before its sibling starts.
    stack.erpSim.setConfig({ latencyMs: 60 });
    stack.crmSim.setConfig({ latencyMs: 60 });
    const depths: Record<number, { depth: number; erp: number; crm: number }> = {};
    for (const first of [1, 10, 100]) {
      await stack.resetCounts();
      const answer = await stack.query(CUSTOMER_360, { first });
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.customers.edges.length).toBeGreaterThan(0);
      const calls = await stack.legacyCalls();
      depths[first] = { depth: calls.depth, erp: calls.erp.roundTrips, crm: calls.crm.roundTrips };
    }
    expect(depths).toEqual({
      1: expect.objectContaining({ depth: 2 }),
      10: expect.objectContaining({ depth: 2 }),
      100: expect.objectContaining({ depth: 2 }),
    });
    // Round trips (envelopes) do not grow with the page either.
    expect(depths[100]!.erp).toBe(depths[10]!.erp);
    expect(depths[100]!.crm).toBe(depths[10]!.crm);
  });

  it('customer(id) → orders → lines → product makes one legacy call per level, not per item', async () => {
    const busiest = stack.dataset.erp
      .prepare(
        `SELECT o.customerId AS id, count(DISTINCT l.itemId) AS products FROM salesOrders o
         JOIN salesOrderLines l ON l.documentId = o.id GROUP BY o.customerId ORDER BY products DESC LIMIT 1`,
      )
      .get() as { id: string; products: number };
    expect(busiest.products).toBeGreaterThan(5);
    await stack.resetCounts();
    const answer = await stack.query(
      `query ($id: ID!) { customer(id: $id) { id orders(first: 100) { edges { node {
         number lines { quantity product { sku name } } } } } } }`,
      { id: busiest.id },
    );
    const calls = await stack.legacyCalls();
    expect(answer.body.errors).toBeUndefined();
    const orders = answer.body.data.customer.orders.edges as Node[];
    const expectedOrders = stack.dataset.erp
      .prepare('SELECT count(*) AS n FROM salesOrders WHERE customerId = ?')
      .get(busiest.id) as { n: number };
    expect(orders.length).toBe(expectedOrders.n);
    const skus = new Set(orders.flatMap(({ node }) => node.lines.map((line: Node) => line.product?.sku)));
    expect(skus.size).toBe(busiest.products);
    // customer, orders (lines come expanded or in one batch), products: at most one round trip each.
    expect(calls.erp.roundTrips).toBeLessThanOrEqual(4);
    expect(calls.erp.byRoute['GET /items'] ?? 0).toBeLessThanOrEqual(1);
    expect(calls.crm.roundTrips).toBeLessThanOrEqual(1);
  });
});

describe('customers known to one system only', () => {
  it('a CRM-only prospect resolves with its ERP fields null and no error', async () => {
    const prospect = listedAccounts(stack.dataset).find((account) => account.ERP_Customer_Id__c === null);
    expect(prospect).toBeDefined();
    const answer = await stack.query(
      `query ($id: ID!) { customer(id: $id) { id name inCrm inErp number balance { amount } orders(first: 5) { edges { node { number } } } } }`,
      { id: prospect!.Id },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customer).toEqual({
      id: prospect!.Id,
      name: prospect!.Name,
      inCrm: true,
      inErp: false,
      number: null,
      balance: null,
      orders: null,
    });
  });

  it('an ERP-only customer is reached by customer(id) with its CRM fields null and no error', async () => {
    const linked = new Set(
      listedAccounts(stack.dataset).flatMap((account) =>
        account.ERP_Customer_Id__c ? [account.ERP_Customer_Id__c.toLowerCase()] : [],
      ),
    );
    const ids = stack.dataset.erp.prepare('SELECT id FROM customers ORDER BY number').all() as {
      id: string;
    }[];
    const erpOnly = ids.find(({ id }) => !linked.has(id.toLowerCase()));
    expect(erpOnly).toBeDefined();
    const row = erpCustomer(stack.dataset, erpOnly!.id)!;
    const answer = await stack.query(
      `query ($id: ID!) { customer(id: $id) { id inCrm inErp name crmAccountId number erpName balance { amount currencyCode }
         interactions(first: 5) { edges { node { subject } } } } }`,
      { id: erpOnly!.id },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customer).toEqual({
      id: erpOnly!.id,
      inCrm: false,
      inErp: true,
      name: null,
      crmAccountId: null,
      number: row.number,
      erpName: row.displayName,
      balance: money(row.balance, row.currencyCode),
      interactions: null,
    });
  });

  it('addresses the two systems disagree on are shown with their sources', async () => {
    const postalCodes = (accountId: string, erpId: string) => ({
      crm: (
        stack.dataset.crm
          .prepare('SELECT BillingPostalCode AS code FROM Account WHERE Id = ?')
          .get(accountId) as {
          code: string | null;
        }
      ).code,
      erp: (
        stack.dataset.erp.prepare('SELECT postalCode AS code FROM customers WHERE id = ?').get(erpId) as
          | { code: string | null }
          | undefined
      )?.code,
    });
    const disagreeing = listedAccounts(stack.dataset).find((account) => {
      if (!account.ERP_Customer_Id__c) return false;
      const codes = postalCodes(account.Id, account.ERP_Customer_Id__c);
      return codes.crm && codes.erp && codes.crm !== codes.erp;
    });
    expect(disagreeing).toBeDefined();
    const codes = postalCodes(disagreeing!.Id, disagreeing!.ERP_Customer_Id__c!);
    const answer = await stack.query(
      `query ($id: ID!) { customer(id: $id) { erpBillingAddress { postalCode source }
         addresses { purpose source postalCode } discrepancies { field values { source value } } } }`,
      { id: customerIdOf(disagreeing!) },
    );
    expect(answer.body.errors).toBeUndefined();
    const customer = answer.body.data.customer;
    expect(customer.erpBillingAddress).toEqual({ postalCode: codes.erp, source: 'ERP' });
    expect(customer.addresses).toContainEqual({ purpose: 'BILLING', source: 'CRM', postalCode: codes.crm });
    const postal = (customer.discrepancies as Node[]).find((d) =>
      d.values.some((v: Node) => v.source === 'ERP' && v.value === codes.erp),
    );
    expect(postal, JSON.stringify(customer.discrepancies)).toBeDefined();
    expect(postal.field.toLowerCase()).toContain('postal');
    expect(postal.values).toContainEqual({ source: 'CRM', value: codes.crm });
  });
});

describe('one legacy system failing leaves the other one’s data', () => {
  it('ERP down: CRM fields are returned, with errors naming the ERP', async () => {
    stack.erpSim.setConfig({ outage: true });
    const answer = await stack.query(CUSTOMER_360, { first: 5 });
    expect(answer.status).toBe(200);
    const edges = answer.body.data.customers.edges as Node[];
    expect(edges.length).toBe(5);
    for (const { node } of edges) {
      expect(node.name).toBe(accountFor(stack.dataset, node.id)!.Name);
      expect(node.balance).toBeNull();
      expect(node.interactions.edges.length).toBe(
        Math.min(5, interactionsOf(stack.dataset, accountFor(stack.dataset, node.id)!.Id).length),
      );
    }
    expect(answer.body.errors?.length).toBeGreaterThan(0);
    for (const error of answer.body.errors!) {
      // The legacy system is named, not the subgraph: the ERP subgraph itself answered.
      expect(error.extensions.code).toBe('LEGACY_UNAVAILABLE');
      expect(error.extensions.system).toBe('ERP');
      expect(error.message).toMatch(/ERP/);
      expect(JSON.stringify(error)).not.toMatch(/https?:\/\/|127\.0\.0\.1|stacktrace|node_modules/i);
    }
  });

  it('a CRM call timing out: ERP fields are returned, with an error naming the CRM', async () => {
    const customer = erpCustomer(
      stack.dataset,
      listedAccounts(stack.dataset).find((account) => account.ERP_Customer_Id__c)!.ERP_Customer_Id__c!,
    )!;
    stack.crmSim.setConfig({ latencyMs: CRM_TIMEOUT_MS * 2 });
    const answer = await stack.query(
      `query ($number: String!) { customerByNumber(number: $number) { id number balance { amount currencyCode }
         name interactions(first: 3) { edges { node { subject } } } } }`,
      { number: customer.number },
    );
    expect(answer.status).toBe(200);
    const found = answer.body.data.customerByNumber;
    expect(found.id.toLowerCase()).toBe(customer.id.toLowerCase());
    expect(found.number).toBe(customer.number);
    expect(found.balance).toEqual(money(customer.balance, customer.currencyCode));
    expect(found.name).toBeNull();
    expect(found.interactions).toBeNull();
    expect(answer.body.errors?.length).toBeGreaterThan(0);
    expect(
      answer.body.errors!.some(
        (error: { extensions: { system?: string; subgraph?: string; code: string } }) =>
          (error.extensions.system === 'CRM' || error.extensions.subgraph === 'crm') &&
          ['LEGACY_TIMEOUT', 'SUBGRAPH_UNAVAILABLE'].includes(error.extensions.code),
      ),
      JSON.stringify(answer.body.errors),
    ).toBe(true);
    for (const error of answer.body.errors!) expect(error.message).toMatch(/CRM/);
  });
});

describe('with batching off (the naive version the benchmark compares)', () => {
  let naive: Stack;
  beforeAll(async () => {
    naive = await startStack({ customers: 60, batching: false, legacyCache: 'off' });
  });
  afterAll(async () => {
    await naive?.close();
  });

  it('the same answer costs legacy calls that grow with the number of customers', async () => {
    const calls = async (first: number) => {
      await naive.resetCounts();
      const answer = await naive.query(CUSTOMER_360, { first });
      expect(answer.body.errors).toBeUndefined();
      for (const { node } of answer.body.data.customers.edges) {
        expect(node.name).toBe(accountFor(naive.dataset, node.id)!.Name);
      }
      const stats = await naive.legacyCalls();
      return stats.erp.roundTrips + stats.crm.roundTrips;
    };
    const five = await calls(5);
    const twenty = await calls(20);
    // Each customer costs its own lookups: at least one more round trip per extra customer.
    expect(twenty - five).toBeGreaterThanOrEqual(15);
  });
});
