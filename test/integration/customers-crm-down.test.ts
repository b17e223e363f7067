import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { CUSTOMER_360, expectedErpPart } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The customer list survives a CRM outage (subgraphs/crm/erpFallback.ts): `customers` lists the
 * ERP's customers by their ERP names, their ERP fields as usual, their CRM fields null with the
 * CRM's error, and the answer says whose list it is (code of the CRM failure, system CRM,
 * fallback ERP). A sales:own caller gets no such list: only the CRM knows whose customers are whose.
 */

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are checked field by field
type Node = any;

let stack: Stack;
/** A page the CRM gave while up: read first, as the CRM's breaker stays open a while after the outages below. */
let crmPage: { cursor: string; lastName: string };

beforeAll(async () => {
  stack = await startStack({ production: true, legacyCache: 'off' });
  const before = await stack.query(
    '{ customers(first: 3) { edges { node { id name } } pageInfo { endCursor } } }',
  );
  expect(before.body.errors).toBeUndefined();
  crmPage = {
    cursor: before.body.data.customers.pageInfo.endCursor,
    lastName: before.body.data.customers.edges.at(-1).node.name,
  };
});
afterAll(async () => {
  await stack?.close();
});
afterEach(() => {
  stack.crmSim.setConfig({ outage: false });
});

/** The ERP's customers by name then id, as BC orders them (code points), optionally those whose name contains `search`. */
function erpCustomersByName(search?: string): { id: string; displayName: string }[] {
  const rows = stack.dataset.erp.prepare('SELECT lower(id) AS id, displayName FROM customers').all() as {
    id: string;
    displayName: string;
  }[];
  return rows
    .filter((row) => search === undefined || row.displayName.includes(search))
    .sort((a, b) =>
      a.displayName === b.displayName ? (a.id < b.id ? -1 : 1) : a.displayName < b.displayName ? -1 : 1,
    );
}

const CRM_DOWN = { code: 'LEGACY_UNAVAILABLE', system: 'CRM', fallback: 'ERP' };

describe('customers while the CRM is down', () => {
  it("lists the ERP's customers by name, with their ERP part, CRM fields null with the CRM's error", async () => {
    stack.crmSim.setConfig({ outage: true });
    const answer = await stack.query(CUSTOMER_360, { first: 10 });
    expect(answer.status).toBe(200);
    const edges = answer.body.data.customers.edges as Node[];
    const expected = erpCustomersByName().slice(0, 10);
    expect(edges.map((edge) => ({ id: edge.node.id, name: edge.node.name }))).toEqual(
      expected.map((row) => ({ id: row.id, name: row.displayName })),
    );
    for (const { node } of edges) {
      expect({ balance: node.balance, orders: node.orders, invoices: node.invoices }).toEqual(
        expectedErpPart(stack.dataset, node.id),
      );
      expect(node.interactions).toBeNull();
    }
    expect(answer.body.data.customers.pageInfo.hasNextPage).toBe(true);
    const errors = answer.body.errors as Node[];
    // The list's own error, at its path, beside its data.
    expect(errors.filter((error) => error.path?.length === 1)).toEqual([
      expect.objectContaining({ path: ['customers'], extensions: expect.objectContaining(CRM_DOWN) }),
    ]);
    // Each customer's interactions: null with the CRM's failure.
    const interactionErrors = errors.filter((error) => error.path?.at(-1) === 'interactions');
    expect(interactionErrors).toHaveLength(10);
    for (const error of interactionErrors) {
      expect(error.extensions).toMatchObject({ code: 'LEGACY_UNAVAILABLE', system: 'CRM' });
    }
  });

  it('pages on with cursors of its own, and a search is a name-contains filter', async () => {
    stack.crmSim.setConfig({ outage: true });
    const search = 'a';
    const expected = erpCustomersByName(search).map((row) => row.id);
    expect(expected.length).toBeGreaterThan(12);
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 3; page++) {
      const answer = await stack.query(
        'query($after: String, $search: String) { customers(first: 4, after: $after, search: $search) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
        { after, search },
      );
      expect(answer.status).toBe(200);
      const { edges, pageInfo } = answer.body.data.customers;
      seen.push(...edges.map((edge: Node) => edge.node.id));
      expect(pageInfo.hasNextPage).toBe(true);
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(expected.slice(0, 12));
  });

  it('pages through customers of one name one at a time, each once, in id order', async () => {
    // BC compares across fields with `or` only on one field: a page goes on from the name and
    // drops the rows of that name up to the cursor's id.
    const name = '0 Same Name Test';
    const ids = [
      '00000000-0000-4000-8000-000000000003',
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000002',
    ];
    const insert = stack.dataset.erp.prepare(
      `INSERT INTO customers (id, number, displayName, type, blocked, currencyCode, lastModifiedDateTime)
       VALUES (?, ?, ?, 'Company', ' ', '', '2026-01-01T00:00:00.000Z')`,
    );
    ids.forEach((id, i) => {
      insert.run(id, `CSAME${i}`, name);
    });
    stack.crmSim.setConfig({ outage: true });
    try {
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 4; page++) {
        const answer = await stack.query(
          'query($after: String, $search: String) { customers(first: 1, after: $after, search: $search) { edges { node { id } } pageInfo { hasNextPage endCursor } } }',
          { after, search: 'Same Name Test' },
        );
        const { edges, pageInfo } = answer.body.data.customers;
        seen.push(...edges.map((edge: Node) => edge.node.id));
        if (!pageInfo.hasNextPage) break;
        after = pageInfo.endCursor;
      }
      expect(seen).toEqual([...ids].sort());
    } finally {
      stack.dataset.erp.prepare('DELETE FROM customers WHERE displayName = ?').run(name);
    }
  });

  it("continues a cursor the CRM gave before the outage after its account's name", async () => {
    const { cursor, lastName } = crmPage;
    stack.crmSim.setConfig({ outage: true });
    const answer = await stack.query(
      'query($after: String) { customers(first: 5, after: $after) { edges { node { id name } } } }',
      { after: cursor },
    );
    expect(answer.status).toBe(200);
    const expected = erpCustomersByName()
      .filter((row) => row.displayName > lastName)
      .slice(0, 5)
      .map((row) => ({ id: row.id, name: row.displayName }));
    expect(answer.body.data.customers.edges.map((edge: Node) => edge.node)).toEqual(expected);
  });

  it('gives a sales:own caller no list from the ERP: the CRM failure only', async () => {
    stack.crmSim.setConfig({ outage: true });
    const rep = await stack.tokenFor({
      sub: 'rep',
      email: 'someone@example.com',
      scopes: [SCOPES.salesOwn, SCOPES.financeRead],
    });
    const answer = await stack.query(
      '{ customers(first: 3) { edges { node { id } } } }',
      {},
      {
        authorization: `Bearer ${rep}`,
      },
    );
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors?.[0]?.extensions).toMatchObject({ system: 'CRM' });
    expect(answer.body.errors?.[0]?.extensions?.fallback).toBeUndefined();
  });
});
