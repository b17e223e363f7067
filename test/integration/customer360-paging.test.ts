import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerIdOf, customersNamed, listedAccounts } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Paging and search through the gateway over stand-ins forced to tiny legacy pages (ERP page
 * size 2, CRM query batches of 7), so every connection here spans several legacy pages; and
 * search strings built to break out of a SOQL literal or LIKE pattern, counted against SQL.
 */

let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ customers: 60, erpMaxPageSize: 2, crmMaxBatchSize: 7, production: true });
  // Names with every character that means something to SOQL or to LIKE.
  const rename = stack.dataset.crm.prepare('UPDATE Account SET Name = ? WHERE Id = ?');
  const accounts = listedAccounts(stack.dataset);
  const names = [
    `O'Brien "Quoted" Holdings`,
    'Back\\slash Trading',
    '100% Natural Supplies',
    'Under_score Labs',
    'Under score Labs',
    'Percent 50%_off Outlet',
  ];
  names.forEach((name, i) => {
    rename.run(name, accounts[i * 3]!.Id);
  });
});
afterAll(async () => {
  await stack?.close();
});

describe('paging across several legacy pages', () => {
  it('walking customers(first: 9) page by page returns every listed customer exactly once', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const answer = await stack.query(
        'query ($after: String) { customers(first: 9, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(answer.body.errors).toBeUndefined();
      const connection = answer.body.data.customers;
      seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    const expected = listedAccounts(stack.dataset).map(customerIdOf);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    expect(seen.length).toBeGreaterThan(9 * 3);
  });

  it("walking a customer's orders(first: 3) returns every order once, newest first, as the ERP holds them", async () => {
    const busiest = stack.dataset.erp
      .prepare(
        'SELECT customerId AS id, count(*) AS n FROM salesOrders GROUP BY customerId ORDER BY n DESC LIMIT 1',
      )
      .get() as { id: string; n: number };
    expect(busiest.n).toBeGreaterThan(6);
    const expected = (
      stack.dataset.erp
        .prepare('SELECT number FROM salesOrders WHERE customerId = ? ORDER BY orderDate DESC, number DESC')
        .all(busiest.id) as { number: string }[]
    ).map((row) => row.number);

    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 50; page++) {
      const answer = await stack.query(
        `query ($id: ID!, $after: String) { customer(id: $id) { orders(first: 3, after: $after) {
           edges { node { number lines { sequence } } } pageInfo { hasNextPage endCursor } } } }`,
        { id: busiest.id, after },
      );
      expect(answer.body.errors).toBeUndefined();
      const connection = answer.body.data.customer.orders;
      expect(connection.edges.length).toBeLessThanOrEqual(3);
      seen.push(...connection.edges.map((edge: { node: { number: string } }) => edge.node.number));
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it('Customer360 over tiny legacy pages still answers with no errors and full order lines', async () => {
    const answer = await stack.query(
      `{ customers(first: 20) { edges { node { id orders(first: 5) { edges { node { number lines { quantity } } } } } } } }`,
    );
    expect(answer.body.errors).toBeUndefined();
    for (const { node } of answer.body.data.customers.edges) {
      for (const { node: order } of node.orders?.edges ?? []) {
        const lines = stack.dataset.erp
          .prepare(
            'SELECT count(*) AS n FROM salesOrderLines l JOIN salesOrders o ON o.id = l.documentId WHERE o.number = ?',
          )
          .get(order.number) as { n: number };
        expect(order.lines.length).toBe(lines.n);
      }
    }
  });

  it('a forged or malformed cursor is BAD_USER_INPUT, with no legacy call', async () => {
    await stack.resetCounts();
    for (const after of [
      'not-a-cursor',
      Buffer.from('{"link":"http://evil.example/x"}').toString('base64url'),
    ]) {
      const answer = await stack.query(
        'query ($after: String) { customers(first: 2, after: $after) { edges { node { id } } } }',
        {
          after,
        },
      );
      expect(answer.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    }
    const calls = await stack.legacyCalls();
    expect(calls.crm.total).toBe(0);
  });
});

describe('search never widens the result', () => {
  const searches = [
    `O'Brien`,
    `'`,
    '"',
    '\\',
    'Back\\slash',
    '%',
    '0%',
    '_',
    'r_s',
    'Under_score',
    '50%_off',
    `' OR Name LIKE '%`,
    `x') OR (Id != '`,
    `%' OR Name != '`,
    `\\' OR Name != '\\`,
    '\\%',
    '*',
  ];
  for (const search of searches) {
    it(`search ${JSON.stringify(search)} finds exactly the names containing it`, async () => {
      const answer = await stack.query(
        'query ($search: String) { customers(first: 100, search: $search) { edges { node { id name } } pageInfo { hasNextPage } } }',
        { search },
      );
      expect(answer.body.errors).toBeUndefined();
      const names = answer.body.data.customers.edges.map(
        (edge: { node: { name: string } }) => edge.node.name,
      );
      expect(names.length).toBe(customersNamed(stack.dataset, search));
      for (const name of names) expect(name.toLowerCase()).toContain(search.trim().toLowerCase());
      expect(answer.body.data.customers.pageInfo.hasNextPage).toBe(false);
    });
  }

  it('the renamed accounts are found by their special characters (the searches above are not vacuous)', () => {
    for (const search of [`O'Brien`, '\\', '%', '_', '"']) {
      expect(customersNamed(stack.dataset, search), search).toBeGreaterThan(0);
    }
    expect(customersNamed(stack.dataset, '_')).toBeLessThan(listedAccounts(stack.dataset).length / 2);
  });

  it('an empty or over-long search is BAD_USER_INPUT', async () => {
    for (const search of ['   ', 'x'.repeat(1000)]) {
      const answer = await stack.query(
        'query ($search: String) { customers(first: 5, search: $search) { edges { node { id } } } }',
        { search },
      );
      expect(answer.body.errors?.[0]?.extensions.code).toBe('BAD_USER_INPUT');
    }
  });
});
