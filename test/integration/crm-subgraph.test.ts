import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';

interface AccountRow {
  Id: string;
  Name: string;
  ERP_Customer_Id__c: string | null;
  CreatedDate: string;
  BillingCity: string | null;
}

const CUSTOMER_360 = /* GraphQL */ `
  query Customer360($first: Int!) {
    customers(first: $first) {
      edges { node {
        id name
        interactions(first: 5) { edges { node { type subject occurredAt } } }
      } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

const ENTITIES = /* GraphQL */ `
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer { id inCrm crmAccountId name duplicateCrmAccountIds interactions(first: 2) { edges { node { subject } } } }
    }
  }
`;

let fixture: CrmFixture;
let accounts: AccountRow[];

beforeAll(async () => {
  fixture = await startCrmFixture({ customers: 60 });
  accounts = fixture.dataset.crm
    .prepare(
      'SELECT Id, Name, ERP_Customer_Id__c, CreatedDate, BillingCity FROM Account ORDER BY CreatedDate, Id',
    )
    .all() as AccountRow[];
});

afterAll(async () => {
  await fixture?.stop();
});

/** CRM calls made by `run`, from the stand-in's own counters. */
async function callsOf(run: () => Promise<unknown>): Promise<number> {
  await fixture.resetStats();
  await run();
  return (await fixture.stats()).total;
}

/** The times of an account's tasks (their date, at midnight UTC) and events, newest first. */
function interactionTimes(accountId: string): (number | null)[] {
  const rows = fixture.dataset.crm
    .prepare(
      `SELECT ActivityDate || 'T00:00:00.000Z' AS t FROM Task WHERE AccountId = ?
       UNION ALL SELECT ActivityDateTime AS t FROM Event WHERE AccountId = ?`,
    )
    .all(accountId, accountId) as { t: string | null }[];
  const times = rows.map((r) => (r.t === null ? null : Date.parse(r.t)));
  return times.sort((x, y) => (y ?? Number.NEGATIVE_INFINITY) - (x ?? Number.NEGATIVE_INFINITY));
}

const linked = () => accounts.filter((a) => a.ERP_Customer_Id__c !== null);
const prospects = () => accounts.filter((a) => a.ERP_Customer_Id__c === null);

describe('customers', () => {
  it('answers Customer360 with the same number of CRM calls for 10 and 50 customers (2)', async () => {
    let answer10: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const calls10 = await callsOf(async () => {
      answer10 = await fixture.batched.query(CUSTOMER_360, { first: 10 });
    });
    let answer50: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const calls50 = await callsOf(async () => {
      answer50 = await fixture.batched.query(CUSTOMER_360, { first: 50 });
    });
    expect(answer10?.errors).toBeUndefined();
    expect(answer50?.errors).toBeUndefined();
    expect(answer10?.data.customers.edges).toHaveLength(10);
    expect(answer50?.data.customers.edges.length).toBeGreaterThan(40);
    expect(calls10).toBe(2);
    expect(calls50).toBe(calls10);

    // Each customer's interactions are its newest five tasks and events, as the CRM holds them.
    for (const edge of answer50?.data.customers.edges ?? []) {
      const account = accounts.find((a) => (a.ERP_Customer_Id__c ?? a.Id) === edge.node.id)!;
      const expected = interactionTimes(account.Id).slice(0, 5);
      const got = edge.node.interactions.edges.map((e: { node: { occurredAt: string | null } }) =>
        e.node.occurredAt === null ? null : Date.parse(e.node.occurredAt),
      );
      expect(got).toEqual(expected);
    }
  });

  it('naive (batching off) makes a CRM call per customer and per list', async () => {
    const naive = await fixture.startSubgraph({ batching: false });
    const naive5 = await callsOf(() => naive.query(CUSTOMER_360, { first: 5 }));
    const naive20 = await callsOf(async () => {
      const answer = await naive.query(CUSTOMER_360, { first: 20 });
      expect(answer.errors).toBeUndefined();
    });
    expect(naive5).toBeGreaterThanOrEqual(5 * 2);
    expect(naive20).toBeGreaterThanOrEqual(20 * 2);
  });

  it('lists every account once across pages, by name, with the id the graph uses', async () => {
    const seen: { id: string; name: string }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer = await fixture.batched.query(
        'query($after: String) { customers(first: 7, after: $after) { edges { node { id name crmAccountId } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(answer.errors).toBeUndefined();
      const connection = answer.data.customers;
      seen.push(...connection.edges.map((e: { node: { id: string; name: string } }) => e.node));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 50);
    // Expected: every account, except duplicates of an ERP customer other than its oldest account.
    const oldest = new Map<string, string>();
    for (const a of linked()) if (!oldest.has(a.ERP_Customer_Id__c!)) oldest.set(a.ERP_Customer_Id__c!, a.Id);
    const expected = accounts.filter(
      (a) => !a.ERP_Customer_Id__c || oldest.get(a.ERP_Customer_Id__c) === a.Id,
    );
    expect(seen.map((c) => c.id).sort()).toEqual(expected.map((a) => a.ERP_Customer_Id__c ?? a.Id).sort());
    const names = seen.map((c) => c.name.toLowerCase());
    expect(names).toEqual([...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)));
    expect(pages).toBeGreaterThan(5);
  });

  it('search matches names containing the text, case-insensitively, and never widens on % _ quote or backslash', async () => {
    const target = accounts[3]!;
    const fragment = target.Name.slice(1, 6).toUpperCase();
    const answer = await fixture.batched.query(
      'query($s: String) { customers(search: $s, first: 100) { edges { node { name } } } }',
      { s: fragment },
    );
    const names = answer.data.customers.edges.map((e: { node: { name: string } }) => e.node.name);
    expect(names).toContain(target.Name);
    for (const name of names) expect(name.toLowerCase()).toContain(fragment.toLowerCase());
    for (const hostile of ['%', '_', "'", '\\', "' OR Name != '", '%_%']) {
      const result = await fixture.batched.query(
        'query($s: String) { customers(search: $s, first: 100) { edges { node { name } } } }',
        { s: hostile },
      );
      expect(result.errors).toBeUndefined();
      const expected = accounts.filter((a) => a.Name.toLowerCase().includes(hostile.toLowerCase())).length;
      expect(result.data.customers.edges.length).toBeLessThanOrEqual(expected);
      for (const e of result.data.customers.edges)
        expect(e.node.name.toLowerCase()).toContain(hostile.toLowerCase());
    }
  });

  it('refuses a bad cursor, a forged cursor and a page size out of range with BAD_USER_INPUT', async () => {
    const forged = Buffer.from(JSON.stringify({ k: 'customers', p: [1, 2] })).toString('base64url');
    const otherList = Buffer.from(JSON.stringify({ k: 'contacts', p: ['a', 'b', 'c'] })).toString(
      'base64url',
    );
    for (const [first, after] of [
      [0, null],
      [101, null],
      [5, 'not a cursor!'],
      [5, forged],
      [5, otherList],
    ] as const) {
      const answer = await fixture.batched.query(
        'query($first: Int, $after: String) { customers(first: $first, after: $after) { edges { node { id } } } }',
        { first, after },
      );
      expect(answer.data).toBeNull();
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('customer and references', () => {
  it('finds a customer by ERP id and by account id; null for an unknown account id; BAD_USER_INPUT for a bad id', async () => {
    const account = linked()[0]!;
    const query = 'query($id: ID!) { customer(id: $id) { id name inCrm crmAccountId } }';
    const byGuid = await fixture.batched.query(query, { id: account.ERP_Customer_Id__c });
    expect(byGuid.data.customer).toEqual({
      id: account.ERP_Customer_Id__c,
      name: account.Name,
      inCrm: true,
      crmAccountId: account.Id,
    });
    const prospect = prospects()[0]!;
    const byAccount = await fixture.batched.query(query, { id: prospect.Id.slice(0, 15) });
    expect(byAccount.data.customer).toMatchObject({
      id: prospect.Id,
      name: prospect.Name,
      crmAccountId: prospect.Id,
    });
    const unknown = await fixture.batched.query(query, { id: '001000000000000AAA' });
    // (a well-formed id: the checksum of 001000000000000 is AAA)
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data.customer).toBeNull();
    const erpOnly = await fixture.batched.query(query, { id: '00000000-0000-4000-8000-000000000000' });
    expect(erpOnly.data.customer).toEqual({
      id: '00000000-0000-4000-8000-000000000000',
      name: null,
      inCrm: false,
      crmAccountId: null,
    });
    for (const bad of ["x' OR Name != '", '', '12345']) {
      const answer = await fixture.batched.query(query, { id: bad });
      expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      expect(JSON.stringify(answer)).not.toContain('127.0.0.1');
    }
  });

  it('reads every CRM field of a customer, owner included, in one CRM call', async () => {
    const account = fixture.dataset.crm
      .prepare(
        `SELECT a.*, u.Email AS OwnerEmail, u.Username AS OwnerUsername, u.Department AS OwnerDepartment
         FROM Account a JOIN "User" u ON u.Id = a.OwnerId WHERE a.ERP_Customer_Id__c IS NOT NULL ORDER BY a.Id LIMIT 1`,
      )
      .get() as Record<string, string | null>;
    let answer: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const calls = await callsOf(async () => {
      answer = await fixture.batched.query(
        `query($id: ID!) { customer(id: $id) { id inCrm crmAccountId name accountType industry phone website
           addresses { purpose source street city state postalCode country }
           owner { email crmUserId crmUsername department isActiveCrmUser } } }`,
        { id: account.ERP_Customer_Id__c },
      );
    });
    expect(answer?.errors).toBeUndefined();
    expect(answer?.data.customer).toEqual({
      id: account.ERP_Customer_Id__c,
      inCrm: true,
      crmAccountId: account.Id,
      name: account.Name,
      accountType: account.Type,
      industry: account.Industry,
      phone: account.Phone,
      website: account.Website,
      addresses: [
        {
          purpose: 'BILLING',
          source: 'CRM',
          street: account.BillingStreet,
          city: account.BillingCity,
          state: account.BillingState,
          postalCode: account.BillingPostalCode,
          country: account.BillingCountry,
        },
        {
          purpose: 'SHIPPING',
          source: 'CRM',
          street: account.ShippingStreet,
          city: account.ShippingCity,
          state: account.ShippingState,
          postalCode: account.ShippingPostalCode,
          country: account.ShippingCountry,
        },
      ],
      owner: {
        email: account.OwnerEmail,
        crmUserId: account.OwnerId,
        crmUsername: account.OwnerUsername,
        department: account.OwnerDepartment,
        isActiveCrmUser: true,
      },
    });
    expect(calls).toBe(1);
  });

  it('resolves 10 and 50 representations with the same number of CRM calls; batching off grows with them', async () => {
    const representations = (n: number) =>
      accounts.slice(0, n).map((a) => ({ __typename: 'Customer', id: a.ERP_Customer_Id__c ?? a.Id }));
    const calls10 = await callsOf(() =>
      fixture.batched.query(ENTITIES, { representations: representations(10) }),
    );
    const calls50 = await callsOf(async () => {
      const answer = await fixture.batched.query(ENTITIES, { representations: representations(50) });
      expect(answer.errors).toBeUndefined();
      expect(answer.data._entities).toHaveLength(50);
      for (const entity of answer.data._entities as { inCrm: boolean }[]) expect(entity.inCrm).toBe(true);
    });
    // Accounts by ERP id and by account id (in parallel), then the interactions of all of them.
    expect(calls10).toBe(3);
    expect(calls50).toBe(calls10);

    const naive = await fixture.startSubgraph({ batching: false });
    const naive10 = await callsOf(() => naive.query(ENTITIES, { representations: representations(10) }));
    expect(naive10).toBeGreaterThanOrEqual(20);
  });

  it("chunks a large reference lookup under the CRM's URL bound (no 414), chunks in parallel", async () => {
    const unknown = Array.from(
      { length: 800 },
      (_, i) => `bbbbbbbb-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    const known = linked().slice(0, 3);
    let answer: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const calls = await callsOf(async () => {
      answer = await fixture.batched.query(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id inCrm name } } }',
        {
          r: [...unknown, ...known.map((a) => a.ERP_Customer_Id__c)].map((id) => ({
            __typename: 'Customer',
            id,
          })),
        },
      );
    });
    expect(answer?.errors?.[0]).toBeUndefined();
    const entities = answer?.data._entities as { id: string; inCrm: boolean; name: string | null }[];
    expect(entities.slice(0, 800).every((e) => !e.inCrm && e.name === null)).toBe(true);
    expect(entities.slice(800).map((e) => e.name)).toEqual(known.map((a) => a.Name));
    // 803 GUIDs need a few statements of under 16,384 URL characters each: more than one, far fewer than 803.
    expect(calls).toBeGreaterThan(1);
    expect(calls).toBeLessThanOrEqual(4);
  });

  it('an ERP-only customer resolves to inCrm:false with empty CRM fields, never an error', async () => {
    const answer = await fixture.batched.query(ENTITIES, {
      representations: [{ __typename: 'Customer', id: 'aaaaaaaa-0000-4000-8000-000000000001' }],
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities[0]).toEqual({
      id: 'aaaaaaaa-0000-4000-8000-000000000001',
      inCrm: false,
      crmAccountId: null,
      name: null,
      duplicateCrmAccountIds: [],
      interactions: null,
    });
  });

  it('refuses a malformed representation id with BAD_USER_INPUT, not an internal error', async () => {
    const answer = await fixture.batched.query(ENTITIES, {
      representations: [
        { __typename: 'Customer', id: 42 },
        { __typename: 'Customer', id: "') OR Name != ('" },
      ],
    });
    expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT']);
  });

  it('refuses a representation of no entity type of its own with BAD_USER_INPUT, as the ERP does', async () => {
    for (const representations of [[{ __typename: 'Nope', id: 'x' }], ['not an object']]) {
      const answer = await fixture.batched.query(ENTITIES, { representations });
      expect(answer.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    }
  });

  it('lists the oldest of duplicate accounts and names the others', async () => {
    const erpIdCounts = new Map<string, number>();
    for (const a of linked())
      erpIdCounts.set(a.ERP_Customer_Id__c!, (erpIdCounts.get(a.ERP_Customer_Id__c!) ?? 0) + 1);
    const original = linked().find((a) => erpIdCounts.get(a.ERP_Customer_Id__c!) === 1)!;
    const duplicateId = `${original.Id.slice(0, 3)}9Z9999999999DUP`;
    fixture.dataset.crm
      .prepare(
        `INSERT INTO Account (Id, Name, ERP_Customer_Id__c, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted)
         VALUES (?, ?, ?, ?, ?, ?, 0)`,
      )
      .run(
        duplicateId,
        original.Name.toUpperCase(),
        original.ERP_Customer_Id__c,
        '2099-01-01T00:00:00.000Z',
        '2099-01-01T00:00:00.000Z',
        '2099-01-01T00:00:00.000Z',
      );
    try {
      const answer = await fixture.batched.query(
        'query($s: String) { customers(search: $s, first: 100) { edges { node { id crmAccountId duplicateCrmAccountIds } } } }',
        { s: original.Name },
      );
      const matching = answer.data.customers.edges.filter(
        (e: { node: { id: string } }) => e.node.id === original.ERP_Customer_Id__c,
      );
      expect(matching).toHaveLength(1);
      expect(matching[0].node.crmAccountId).toBe(original.Id);
      expect(matching[0].node.duplicateCrmAccountIds).toContain(duplicateId);
    } finally {
      fixture.dataset.crm.prepare('DELETE FROM Account WHERE Id = ?').run(duplicateId);
    }
  });

  it('reports where the CRM and the ERP disagree, with both values', async () => {
    const account = linked()[1]!;
    const answer = await fixture.batched.query(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { discrepancies { field values { source value } } } } }',
      {
        r: [
          {
            __typename: 'Customer',
            id: account.ERP_Customer_Id__c,
            erpName: `  ${account.Name.toUpperCase()} `,
            erpBillingAddress: {
              purpose: 'BILLING',
              source: 'ERP',
              street: null,
              city: 'Elsewhere',
              state: null,
              postalCode: null,
              country: null,
            },
          },
        ],
      },
    );
    expect(answer.errors).toBeUndefined();
    const discrepancies = answer.data._entities[0].discrepancies;
    // Case and surrounding spaces are not a disagreement; the city is.
    expect(discrepancies.map((d: { field: string }) => d.field)).not.toContain('name');
    expect(discrepancies).toContainEqual({
      field: 'billingAddress.city',
      values: [
        { source: 'CRM', value: account.BillingCity },
        { source: 'ERP', value: 'Elsewhere' },
      ],
    });
  });
});

describe('interactions', () => {
  it('pages through all tasks and events of an account, newest first, across pages', async () => {
    const counts = fixture.dataset.crm
      .prepare(
        `SELECT a.Id AS id, a.ERP_Customer_Id__c AS erp,
           (SELECT count(*) FROM Task t WHERE t.AccountId = a.Id) + (SELECT count(*) FROM Event e WHERE e.AccountId = a.Id) AS n
         FROM Account a ORDER BY n DESC LIMIT 1`,
      )
      .get() as { id: string; erp: string | null; n: number };
    expect(counts.n).toBeGreaterThan(4);
    const expectedIds = (
      fixture.dataset.crm
        .prepare('SELECT Id FROM Task WHERE AccountId = ? UNION ALL SELECT Id FROM Event WHERE AccountId = ?')
        .all(counts.id, counts.id) as { Id: string }[]
    ).map((r) => r.Id);
    const seen: { id: string; occurredAt: string | null }[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const answer = await fixture.batched.query(
        `query($id: ID!, $after: String) { customer(id: $id) { interactions(first: 2, after: $after) {
           edges { node { id type occurredAt } } pageInfo { hasNextPage endCursor } } } }`,
        { id: counts.erp ?? counts.id, after },
      );
      expect(answer.errors).toBeUndefined();
      const connection = answer.data.customer.interactions;
      seen.push(...connection.edges.map((e: { node: { id: string; occurredAt: string } }) => e.node));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 100);
    expect(seen.map((s) => s.id).sort()).toEqual([...expectedIds].sort());
    const times = seen.map((s) => (s.occurredAt ? Date.parse(s.occurredAt) : Number.NEGATIVE_INFINITY));
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThanOrEqual(times[i - 1]!);
  });
});

describe('CRM failures', () => {
  it('an outage fails the CRM fields with LEGACY_UNAVAILABLE naming the CRM, without legacy text or URLs', async () => {
    await fixture.sim({ outage: true });
    try {
      const answer = await fixture.batched.query(CUSTOMER_360, { first: 3 });
      expect(answer.status).toBe(200);
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'LEGACY_UNAVAILABLE', system: 'CRM' });
      const text = JSON.stringify(answer);
      expect(text).not.toContain('127.0.0.1');
      expect(text).not.toContain('SERVER_UNAVAILABLE');
      expect(text).not.toContain('stacktrace');
    } finally {
      await fixture.sim({ outage: false });
    }
  });

  it("logs a failed CRM call with the request id and the CRM's own code, which the answer never shows", async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'crm-test',
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    const logged = await fixture.startSubgraph({}, { logger });
    await fixture.sim({ outage: true });
    try {
      const answer = await logged.query('{ customers(first: 2) { edges { node { id } } } }');
      expect(answer.errors?.[0]?.extensions?.code).toBe('LEGACY_UNAVAILABLE');
    } finally {
      await fixture.sim({ outage: false });
    }
    const entry = lines.map((line) => JSON.parse(line)).find((e) => e.msg === 'CRM call failed');
    expect(entry).toMatchObject({
      requestId: 'crm-subgraph-test',
      code: 'LEGACY_UNAVAILABLE',
      detail: { status: 503, legacyCode: 'SERVER_UNAVAILABLE', label: 'accounts page' },
    });
  });

  it('a CRM slower than the timeout fails with LEGACY_TIMEOUT', async () => {
    const impatient = await fixture.startSubgraph({ timeoutMs: 100 });
    await fixture.sim({ latencyMs: 400 });
    try {
      const answer = await impatient.query('{ customers(first: 2) { edges { node { id } } } }');
      expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'LEGACY_TIMEOUT', system: 'CRM' });
    } finally {
      await fixture.sim({ latencyMs: 0 });
    }
  });
});
