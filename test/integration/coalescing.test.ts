import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type MetricReader, readMetrics } from '../helpers/metrics.js';
import { type Stack, startStack } from '../helpers/stack.js';

// Identical work in flight done once (issue 14). Every cache is off, so each answer here is
// cold and every count below is the coalescing's or the fetch deduplication's doing; the
// stand-ins answer in 60 ms so that requests sent together are in flight together.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    customers: 40,
    legacyCache: 'off',
    responseCache: false,
    erpSim: { latencyMs: 60 },
    crmSim: { latencyMs: 60 },
  });
});
afterAll(async () => {
  await stack?.close();
});

/** What the gateway's counters moved by while `run` ran. */
async function counted(run: () => Promise<unknown>) {
  const before = await readMetrics(stack.gatewayUrl);
  await run();
  const after = await readMetrics(stack.gatewayUrl);
  return (name: string, labels?: Record<string, string>) => after(name, labels) - before(name, labels);
}

const subgraphFetches = (delta: MetricReader) =>
  Object.fromEntries(
    ['erp', 'crm'].map((subgraph) => [
      subgraph,
      delta('customer_graph_subgraph_fetches_total', { subgraph }),
    ]),
  );

describe('identical queries in flight', () => {
  it('16 identical cold operations make one gateway execution and one fetch per subgraph fetch of one alone', async () => {
    const alone = await counted(() => stack.query(CUSTOMER_360, { first: 7 }));
    expect(alone('customer_graph_operations_executed_total')).toBe(1);

    const answers: Awaited<ReturnType<Stack['query']>>[] = [];
    const together = await counted(async () => {
      answers.push(
        ...(await Promise.all(Array.from({ length: 16 }, () => stack.query(CUSTOMER_360, { first: 8 })))),
      );
    });
    expect(together('customer_graph_operations_executed_total')).toBe(1);
    expect(together('customer_graph_operations_coalesced_total')).toBe(15);
    // The same plan as the one alone (one customer more): as many fetches to each subgraph.
    expect(subgraphFetches(together)).toEqual(subgraphFetches(alone));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body).toEqual(answers[0]?.body);
    }
    expect(answers[0]?.body.data.customers.edges).toHaveLength(8);
  });

  it('never coalesces callers who may see different things', async () => {
    const full = { authorization: `Bearer ${await stack.tokenFor({ sub: 'alice' })}` };
    const fewer = {
      authorization: `Bearer ${await stack.tokenFor({ sub: 'bob', scopes: [SCOPES.customerRead] })}`,
    };
    const otherCrmUser = {
      authorization: `Bearer ${await stack.tokenFor({ sub: 'carol', email: 'carol@example.com' })}`,
    };
    const answers: Awaited<ReturnType<Stack['query']>>[] = [];
    const delta = await counted(async () => {
      answers.push(
        ...(await Promise.all(
          [full, fewer, otherCrmUser, full, fewer, otherCrmUser].map((headers) =>
            stack.query(CUSTOMER_360, { first: 3 }, headers),
          ),
        )),
      );
    });
    // One execution per view: alice's, bob's (no finance or balance), carol's (another CRM user).
    expect(delta('customer_graph_operations_executed_total')).toBe(3);
    expect(delta('customer_graph_operations_coalesced_total')).toBe(3);
    // bob may not see balances: his answer says so, alice's has them.
    expect(answers[0]?.body.errors).toBeUndefined();
    expect(answers[1]?.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it('never coalesces a mutation', async () => {
    const mutation = /* GraphQL */ `
      mutation ($input: UpdateCustomerAddressInput!) {
        updateCustomerAddress(input: $input) { outcomes { system status } }
      }
    `;
    // A customer nobody has: each mutation is refused by the subgraph, but each is executed.
    const input = {
      customerId: 'no-such-customer',
      purpose: 'BILLING',
      address: { street: '1 Same Street', city: 'Springfield', postalCode: '12345', country: 'US' },
    };
    const delta = await counted(() => Promise.all([1, 2, 3].map(() => stack.query(mutation, { input }))));
    expect(delta('customer_graph_operations_executed_total')).toBe(3);
    expect(delta('customer_graph_operations_coalesced_total')).toBe(0);
    expect(delta('customer_graph_subgraph_fetches_deduplicated_total')).toBe(0);
  });
});

describe('identical subgraph fetches in flight', () => {
  it('sends once the fetch that the plans of two different operations share', async () => {
    // Other variables (no coalescing), the same CRM fetch for the page of customers: a fetch
    // carries only the variables it uses, and the ERP's list of invoices differs.
    const query = /* GraphQL */ `
      query ($first: Int!, $invoices: Int!) {
        customers(first: $first) { edges { node { id name } } }
        invoices(first: $invoices) { edges { node { number } } }
      }
    `;
    const delta = await counted(() =>
      Promise.all([1, 2].map((invoices) => stack.query(query, { first: 6, invoices }))),
    );
    expect(delta('customer_graph_subgraph_fetches_total', { subgraph: 'erp' })).toBe(2);
    expect(delta('customer_graph_operations_executed_total')).toBe(2);
    expect(delta('customer_graph_subgraph_fetches_deduplicated_total', { subgraph: 'crm' })).toBe(1);
    expect(delta('customer_graph_subgraph_fetches_total', { subgraph: 'crm' })).toBe(1);
  });
});
