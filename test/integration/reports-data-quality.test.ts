import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSalesforceId18 } from '../../subgraphs/crm/client/ids.js';
import type { GraphQLAnswer, Stack } from '../helpers/stack.js';
import { startStack } from '../helpers/stack.js';

/**
 * The data-quality reports through the whole stack, each held against what the stand-ins' own
 * rows say, computed here in SQL and plain JS: every list paged to its end holds each expected
 * record exactly once (also when records arrive between pages), the counts are the sizes of
 * those sets, a page costs the same legacy calls whatever its size, and the scopes hold.
 */

// biome-ignore lint/suspicious/noExplicitAny: answers are indexed as their query shapes them
type Loose = any;

let stack: Stack;
let token: string;

const REPORTER = ['reports:read', 'pii:read', 'customer:read'];

interface AccountRow {
  Id: string;
  Name: string | null;
  Type: string | null;
  ERP_Customer_Id__c: string | null;
  CreatedDate: string;
  Phone: string | null;
  BillingStreet: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingPostalCode: string | null;
  BillingCountry: string | null;
}

interface ErpCustomerRow {
  id: string;
  number: string;
  displayName: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  phoneNumber: string | null;
  email: string | null;
}

const accounts = (): AccountRow[] =>
  stack.dataset.crm
    .prepare(
      `SELECT Id, Name, Type, ERP_Customer_Id__c, CreatedDate, Phone, BillingStreet, BillingCity,
        BillingState, BillingPostalCode, BillingCountry FROM Account WHERE IsDeleted = 0
       ORDER BY CreatedDate, Id`,
    )
    .all() as AccountRow[];

const erpCustomers = (): ErpCustomerRow[] =>
  stack.dataset.erp
    .prepare(
      `SELECT id, number, displayName, addressLine1, addressLine2, city, state, postalCode, country,
        phoneNumber, email FROM customers`,
    )
    .all() as ErpCustomerRow[];

const lower = (value: string | null) => (value ?? '').toLowerCase();

// ─── What the rows say ────────────────────────────────────────────────────────────────────

function expectedCrmOnly(includeProspects: boolean): string[] {
  return accounts()
    .filter((a) => a.ERP_Customer_Id__c === null && (includeProspects || lower(a.Type) !== 'prospect'))
    .map((a) => a.Id);
}

function expectedProspects(): string[] {
  return accounts()
    .filter((a) => a.ERP_Customer_Id__c === null && lower(a.Type) === 'prospect')
    .map((a) => a.Id);
}

function expectedErpOnly(): ErpCustomerRow[] {
  const linked = new Set(
    accounts().flatMap((a) => (a.ERP_Customer_Id__c ? [lower(a.ERP_Customer_Id__c)] : [])),
  );
  return erpCustomers().filter((c) => !linked.has(lower(c.id)));
}

/** ERP id → its accounts' ids, oldest first, for ids several accounts are linked to. */
function expectedDuplicates(): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const a of accounts()) {
    if (!a.ERP_Customer_Id__c) continue;
    const key = lower(a.ERP_Customer_Id__c);
    groups.set(key, [...(groups.get(key) ?? []), a.Id]);
  }
  return new Map([...groups].filter(([, ids]) => ids.length > 1));
}

const text = (value: string | null) => (value ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
const digits = (value: string | null) => (value ?? '').replace(/\D/g, '');

interface Conflict {
  customerId: string;
  field: string;
  crmValue: string | null;
  erpValue: string | null;
}

/**
 * Per linked customer, its oldest account against its ERP customer: name, billing address (part
 * by part), phone (digits), and the e-mail of the account's oldest billing contact with one.
 */
function expectedConflicts(): Conflict[] {
  const erp = new Map(erpCustomers().map((c) => [lower(c.id), c]));
  const billingEmail = stack.dataset.crm.prepare(
    `SELECT Email FROM Contact WHERE AccountId = ? AND Contact_Role__c = 'Billing' AND Email IS NOT NULL
       AND IsDeleted = 0 ORDER BY CreatedDate, Id LIMIT 1`,
  );
  const seen = new Set<string>();
  const found: Conflict[] = [];
  for (const a of accounts()) {
    if (!a.ERP_Customer_Id__c) continue;
    const key = lower(a.ERP_Customer_Id__c);
    if (seen.has(key)) continue;
    seen.add(key);
    const c = erp.get(key);
    if (!c) continue;
    const customerId = a.ERP_Customer_Id__c;
    if (text(a.Name) !== text(c.displayName)) {
      found.push({ customerId, field: 'NAME', crmValue: a.Name, erpValue: c.displayName });
    }
    const erpStreet = [c.addressLine1, c.addressLine2]
      .filter((line) => line && line.trim() !== '')
      .join('\n');
    const parts: [string | null, string | null][] = [
      [a.BillingStreet, erpStreet],
      [a.BillingCity, c.city],
      [a.BillingState, c.state],
      [a.BillingPostalCode, c.postalCode],
      [a.BillingCountry, c.country],
    ];
    if (parts.some(([crm, erpValue]) => text(crm) !== text(erpValue))) {
      found.push({ customerId, field: 'BILLING_ADDRESS', crmValue: null, erpValue: null });
    }
    if (digits(a.Phone) !== digits(c.phoneNumber)) {
      found.push({ customerId, field: 'PHONE', crmValue: a.Phone, erpValue: c.phoneNumber });
    }
    const email = (billingEmail.get(a.Id) as { Email: string } | undefined)?.Email;
    if (email !== undefined && text(email) !== text(c.email)) {
      found.push({ customerId, field: 'EMAIL', crmValue: email, erpValue: c.email });
    }
  }
  return found;
}

// ─── Through the graph ─────────────────────────────────────────────────────────────────────

async function query(q: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer> {
  return stack.query(q, variables, { authorization: `Bearer ${token}` });
}

const LISTS = {
  crmOnly: `query ($first: Int, $after: String, $p: Boolean) { dataQuality { list: crmOnlyAccounts(includeProspects: $p, first: $first, after: $after) {
      edges { cursor node { customer { id } source name number } } pageInfo { hasNextPage endCursor } } } }`,
  erpOnly: `query ($first: Int, $after: String) { dataQuality { list: erpOnlyCustomers(first: $first, after: $after) {
      edges { cursor node { customer { id } source name number } } pageInfo { hasNextPage endCursor } } } }`,
  duplicates: `query ($first: Int, $after: String) { dataQuality { list: duplicateAccounts(first: $first, after: $after) {
      edges { cursor node { customer { id } crmAccountIds } } pageInfo { hasNextPage endCursor } } } }`,
  conflicts: `query ($first: Int, $after: String, $fields: [ConflictField!]) { dataQuality { list: fieldConflicts(fields: $fields, first: $first, after: $after) {
      edges { cursor node { customer { id } field crmValue erpValue } } pageInfo { hasNextPage endCursor } } } }`,
} as const;

/** One page of a list; fails the test on any error. */
async function page(list: keyof typeof LISTS, variables: Record<string, unknown>) {
  const answer = await query(LISTS[list], variables);
  expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
  return answer.body.data.dataQuality.list as {
    edges: { cursor: string; node: Loose }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  };
}

/** Every node of a list, page by page; `between` runs after each page (records arriving). */
async function pageToEnd(
  list: keyof typeof LISTS,
  variables: Record<string, unknown>,
  between?: (pageIndex: number) => void,
): Promise<Loose[]> {
  const nodes: Loose[] = [];
  let after: string | null = null;
  for (let index = 0; index < 500; index += 1) {
    const connection = await page(list, { ...variables, after });
    nodes.push(...connection.edges.map((edge) => edge.node));
    if (!connection.pageInfo.hasNextPage) return nodes;
    expect(connection.pageInfo.endCursor).not.toBeNull();
    after = connection.pageInfo.endCursor;
    between?.(index);
  }
  throw new Error(`${list} did not end`);
}

/** The legacy round trips of one query, per system. */
async function roundTripsOf(send: () => Promise<unknown>): Promise<{ erp: number; crm: number }> {
  await stack.resetCounts();
  await send();
  const { erp, crm } = await stack.legacyCalls();
  return { erp: erp.roundTrips, crm: crm.roundTrips };
}

// ─── Rows the generator does not make: to give every rule something to find ─────────────────

let serial = 0;
/** A fresh 18-character account id the graph accepts (its checksum right). */
function newAccountId(): string {
  serial += 1;
  return toSalesforceId18(`0019Q${String(serial).padStart(10, '0')}`)!;
}

/** A copy of an account's row with changes: a duplicate, a dangling link, a new CRM-only account. */
function insertAccount(from: string, changes: Record<string, unknown>): string {
  const row = stack.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(from) as Record<
    string,
    unknown
  >;
  const id = newAccountId();
  const copy: Record<string, unknown> = { ...row, ...changes, Id: id };
  const columns = Object.keys(copy);
  stack.dataset.crm
    .prepare(
      `INSERT INTO Account (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    )
    .run(...columns.map((c) => (typeof copy[c] === 'boolean' ? Number(copy[c]) : copy[c])));
  return id;
}

function insertErpCustomer(number: string, name: string): string {
  const row = stack.dataset.erp.prepare('SELECT * FROM customers LIMIT 1').get() as Record<string, unknown>;
  const id = randomUUID();
  const copy: Record<string, unknown> = { ...row, id, number, displayName: name };
  const columns = Object.keys(copy);
  stack.dataset.erp
    .prepare(
      `INSERT INTO customers (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    )
    .run(...columns.map((c) => copy[c]));
  return id;
}

beforeAll(async () => {
  stack = await startStack({ customers: 120 });
  token = await stack.tokenFor({ scopes: REPORTER });
  const all = accounts();
  const prospects = all.filter((a) => a.Type === 'Prospect');
  const linked = all.filter((a) => a.ERP_Customer_Id__c !== null);
  const update = (sql: string, ...params: unknown[]) => stack.dataset.crm.prepare(sql).run(...params);
  // CRM-only accounts that are no prospects: a customer never onboarded, one without a type.
  update(`UPDATE Account SET Type = 'Customer - Direct' WHERE Id = ?`, prospects[0]!.Id);
  update(`UPDATE Account SET Type = 'Partner' WHERE Id = ?`, prospects[1]!.Id);
  update('UPDATE Account SET Type = NULL WHERE Id = ?', prospects[2]!.Id);
  // Duplicates: one newer than its original, one older (it becomes the account the graph reads).
  insertAccount(linked[3]!.Id, { Name: 'A Second Account', CreatedDate: '2099-01-01T00:00:00.000Z' });
  insertAccount(linked[5]!.Id, { Name: 'The Older Duplicate', CreatedDate: '2001-01-01T00:00:00.000Z' });
  insertAccount(linked[5]!.Id, { CreatedDate: '2098-01-01T00:00:00.000Z' });
  // A link to a customer the ERP does not hold: not ERP-only, not compared.
  insertAccount(linked[7]!.Id, { ERP_Customer_Id__c: randomUUID(), Name: 'Dangling Link' });
  // Phones: other digits disagree; the same digits punctuated otherwise do not.
  update(`UPDATE Account SET Phone = '+1 000 000 0000' WHERE Id = ?`, linked[9]!.Id);
  const samePhone = linked[11]!;
  update('UPDATE Account SET Phone = ? WHERE Id = ?', `(${digits(samePhone.Phone)})`, samePhone.Id);
});
afterAll(async () => {
  await stack?.close();
});

describe('lists paged to their end hold each record exactly once', () => {
  it('crmOnlyAccounts: accounts with no ERP customer, prospects only when asked for', async () => {
    const without = await pageToEnd('crmOnly', { first: 2 });
    const ids = without.map((node) => node.customer.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedCrmOnly(false).sort());
    expect(ids.length).toBe(3);
    expect(without.every((node) => node.source === 'CRM' && node.number === null)).toBe(true);
    const names = new Map(accounts().map((a) => [a.Id, a.Name]));
    for (const node of without) expect(node.name).toBe(names.get(node.customer.id));

    const withProspects = (await pageToEnd('crmOnly', { first: 4, p: true })).map((node) => node.customer.id);
    expect(new Set(withProspects).size).toBe(withProspects.length);
    expect(withProspects.sort()).toEqual(expectedCrmOnly(true).sort());
  });

  it('erpOnlyCustomers: ERP customers no account is linked to, with their numbers', async () => {
    const nodes = await pageToEnd('erpOnly', { first: 5 });
    const expected = expectedErpOnly();
    expect(expected.length).toBeGreaterThan(3);
    const ids = nodes.map((node) => node.customer.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expected.map((c) => c.id).sort());
    const byId = new Map(expected.map((c) => [c.id, c]));
    for (const node of nodes) {
      expect(node.source).toBe('ERP');
      expect(node.number).toBe(byId.get(node.customer.id)!.number);
      expect(node.name).toBe(byId.get(node.customer.id)!.displayName);
    }
  });

  it('duplicateAccounts: ERP customers with several accounts, their accounts oldest first', async () => {
    const nodes = await pageToEnd('duplicates', { first: 1 });
    const expected = expectedDuplicates();
    expect(expected.size).toBeGreaterThanOrEqual(2);
    const got = new Map(nodes.map((node) => [lower(node.customer.id), node.crmAccountIds as string[]]));
    expect(got.size).toBe(nodes.length);
    expect(got).toEqual(expected);
  });

  it('fieldConflicts: per linked customer and field, both values', async () => {
    // One a page: a customer's conflicts end up on several pages.
    const nodes = await pageToEnd('conflicts', { first: 1 });
    const expected = expectedConflicts();
    const key = (c: { customerId?: string; customer?: { id: string }; field: string }) =>
      `${lower(c.customerId ?? c.customer!.id)}|${c.field}`;
    const keys = nodes.map(key);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(expected.map(key).sort());
    for (const field of ['NAME', 'BILLING_ADDRESS', 'PHONE', 'EMAIL']) {
      expect(
        expected.some((c) => c.field === field),
        field,
      ).toBe(true);
    }
    const byKey = new Map(nodes.map((node) => [key(node), node]));
    for (const conflict of expected) {
      const node = byKey.get(key(conflict))!;
      if (conflict.field === 'BILLING_ADDRESS') {
        expect(node.crmValue ?? node.erpValue).not.toBeNull();
      } else {
        expect([node.crmValue, node.erpValue]).toEqual([conflict.crmValue, conflict.erpValue]);
      }
    }
  });

  it('fieldConflicts of some fields only', async () => {
    const nodes = await pageToEnd('conflicts', { first: 7, fields: ['PHONE', 'NAME'] });
    const expected = expectedConflicts().filter((c) => c.field === 'PHONE' || c.field === 'NAME');
    expect(nodes.map((n) => `${lower(n.customer.id)}|${n.field}`).sort()).toEqual(
      expected.map((c) => `${lower(c.customerId)}|${c.field}`).sort(),
    );
  });

  it("any edge's cursor continues right after that edge", async () => {
    // The same size again from the first edge: the rows after it come first (a filtered list's
    // page reads as many records again, so it may show more).
    for (const [list, variables] of [
      ['crmOnly', { p: true }],
      ['erpOnly', {}],
      ['duplicates', {}],
      ['conflicts', {}],
    ] as const) {
      const whole = await page(list, { ...variables, first: 40 });
      expect(whole.edges.length, list).toBeGreaterThan(2);
      const rest = await page(list, { ...variables, first: 40, after: whole.edges[0]!.cursor });
      expect(
        rest.edges.slice(0, whole.edges.length - 1).map((edge) => edge.node),
        list,
      ).toEqual(whole.edges.slice(1).map((edge) => edge.node));
    }
  });

  it('records added between pages: each old one still exactly once, the new ones too', async () => {
    const source = accounts().find((a) => a.ERP_Customer_Id__c === null)!;
    const addedAccounts: string[] = [];
    const crmOnly = await pageToEnd('crmOnly', { first: 1 }, (index) => {
      // A name sorting last, so it is ahead of every cursor.
      if (index < 2)
        addedAccounts.push(insertAccount(source.Id, { Name: `zzz Added ${index}`, Type: 'Partner' }));
    });
    const ids = crmOnly.map((node) => node.customer.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedCrmOnly(false).sort());
    for (const id of addedAccounts) expect(ids).toContain(id);

    const addedCustomers: string[] = [];
    const erpOnly = await pageToEnd('erpOnly', { first: 4 }, (index) => {
      if (index < 2) addedCustomers.push(insertErpCustomer(`ZZ${index}`, `Added Customer ${index}`));
    });
    const erpIds = erpOnly.map((node) => node.customer.id);
    expect(new Set(erpIds).size).toBe(erpIds.length);
    expect(erpIds.sort()).toEqual(
      expectedErpOnly()
        .map((c) => c.id)
        .sort(),
    );
    for (const id of addedCustomers) expect(erpIds).toContain(id);
  });
});

describe('counts', () => {
  const COUNTS = `{ dataQuality { counts { crmOnlyAccounts prospects erpOnlyCustomers duplicateAccounts fieldConflicts readAt } } }`;

  it('equal the sizes of what the rows say, and the scan of every pair is cached', async () => {
    const first = await roundTripsOf(async () => {
      const answer = await query(COUNTS);
      expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
      expect(answer.body.data.dataQuality.counts).toEqual({
        crmOnlyAccounts: expectedCrmOnly(false).length,
        prospects: expectedProspects().length,
        erpOnlyCustomers: expectedErpOnly().length,
        duplicateAccounts: expectedDuplicates().size,
        fieldConflicts: expectedConflicts().length,
        readAt: expect.any(String),
      });
    });
    // The composite, and one query of linked accounts (fewer than 2,000); the ERP count and
    // one lookup of their customers.
    expect(first).toEqual({ crm: 2, erp: 2 });
    // Again: the scan comes from the cache; the aggregates and the count are read anew.
    const again = await roundTripsOf(() => query(COUNTS));
    expect(again).toEqual({ crm: 1, erp: 1 });
  });

  it('the cheap counts alone read no pair', async () => {
    const cost = await roundTripsOf(async () => {
      const answer = await query(
        '{ dataQuality { counts { crmOnlyAccounts prospects duplicateAccounts readAt } } }',
      );
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.dataQuality.counts.prospects).toBe(expectedProspects().length);
    });
    expect(cost).toEqual({ crm: 1, erp: 0 });
  });
});

describe('cost per page', () => {
  it('is the same legacy round trips for 2 and for 40 rows', async () => {
    const cases: [keyof typeof LISTS, Record<string, unknown>, { erp: number; crm: number }][] = [
      ['crmOnly', { p: true }, { erp: 0, crm: 1 }],
      ['erpOnly', {}, { erp: 1, crm: 1 }],
      ['duplicates', {}, { erp: 0, crm: 2 }],
      ['conflicts', {}, { erp: 1, crm: 1 }],
    ];
    for (const [list, variables, expected] of cases) {
      const small = await roundTripsOf(() => page(list, { ...variables, first: 2 }));
      const large = await roundTripsOf(() => page(list, { ...variables, first: 40 }));
      expect({ list, small, large }).toEqual({ list, small: expected, large: expected });
    }
  });
});

describe('access', () => {
  it('refuses a caller without reports:read, reading nothing', async () => {
    const other = await stack.tokenFor({ scopes: ['customer:read', 'pii:read'] });
    const cost = await roundTripsOf(async () => {
      const answer = await stack.query(
        '{ dataQuality { crmOnlyAccounts { edges { node { name } } } } }',
        {},
        { authorization: `Bearer ${other}` },
      );
      expect(answer.body.errors?.map((e: Loose) => e.extensions?.code)).toContain(
        'UNAUTHORIZED_FIELD_OR_TYPE',
      );
      expect(answer.body.data?.dataQuality ?? null).toBeNull();
    });
    expect(cost).toEqual({ crm: 0, erp: 0 });
  });

  it('gives no values of a conflict without pii:read', async () => {
    const other = await stack.tokenFor({ scopes: ['reports:read', 'customer:read'] });
    const answer = await stack.query(
      '{ dataQuality { fieldConflicts(first: 5) { edges { node { customer { id } field crmValue erpValue } } } } }',
      {},
      { authorization: `Bearer ${other}` },
    );
    const edges = answer.body.data.dataQuality.fieldConflicts.edges as Loose[];
    expect(edges.length).toBeGreaterThan(0);
    for (const { node } of edges) {
      expect(node.customer.id).toEqual(expect.any(String));
      expect([node.crmValue, node.erpValue]).toEqual([null, null]);
    }
    expect(answer.body.errors?.every((e: Loose) => e.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE')).toBe(
      true,
    );
  });

  it('refuses a cursor of another list, or no cursor at all, with BAD_USER_INPUT', async () => {
    const crmOnly = await page('crmOnly', { first: 1 });
    for (const [list, after] of [
      ['erpOnly', crmOnly.pageInfo.endCursor],
      ['duplicates', crmOnly.pageInfo.endCursor],
      ['conflicts', crmOnly.pageInfo.endCursor],
      ['crmOnly', 'bm90IGEgY3Vyc29y'],
    ] as const) {
      const answer = await query(LISTS[list], { first: 2, after });
      expect(
        answer.body.errors?.map((e: Loose) => e.extensions?.code),
        list,
      ).toEqual(['BAD_USER_INPUT']);
    }
    // A cursor of the list with prospects does not continue the one without.
    const answer = await query(LISTS.crmOnly, { first: 2, after: crmOnly.pageInfo.endCursor, p: true });
    expect(answer.body.errors?.map((e: Loose) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
