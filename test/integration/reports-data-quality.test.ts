import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSalesforceId18 } from '../../subgraphs/crm/client/ids.js';
import { type Stack, startStack } from '../helpers/stack.js';
import {
  accounts,
  digits,
  expectedConflicts,
  expectedCrmOnly,
  expectedDuplicates,
  expectedErpOnly,
  expectedProspects,
  LISTS,
  type ListName,
  type Loose,
  lower,
  REPORTER,
  Reporter,
} from './reports-data-quality-harness.js';

/**
 * The data-quality reports through the whole stack, each held against what the stand-ins' own
 * rows say, computed here in SQL and plain JS: every list paged to its end holds each expected
 * record exactly once (also when records arrive between pages), the counts are the sizes of
 * those sets, a page costs the same legacy calls whatever its size, and the scopes hold.
 */

let stack: Stack;
let reporter: Reporter;

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

function insertErpCustomer(number: string, name: string, id: string = randomUUID()): string {
  const row = stack.dataset.erp.prepare('SELECT * FROM customers LIMIT 1').get() as Record<string, unknown>;
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
  reporter = new Reporter(stack, await stack.tokenFor({ scopes: REPORTER }));
  const all = accounts(stack.dataset);
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
    const without = await reporter.pageToEnd('crmOnly', { first: 2 });
    const ids = without.map((node) => node.customer.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedCrmOnly(stack.dataset, false).sort());
    expect(ids.length).toBe(3);
    expect(without.every((node) => node.source === 'CRM' && node.number === null)).toBe(true);
    const names = new Map(accounts(stack.dataset).map((a) => [a.Id, a.Name]));
    for (const node of without) expect(node.name).toBe(names.get(node.customer.id));

    const withProspects = (await reporter.pageToEnd('crmOnly', { first: 4, p: true })).map(
      (node) => node.customer.id,
    );
    expect(new Set(withProspects).size).toBe(withProspects.length);
    expect(withProspects.sort()).toEqual(expectedCrmOnly(stack.dataset, true).sort());
  });

  it('erpOnlyCustomers: ERP customers no account is linked to, with their numbers', async () => {
    const nodes = await reporter.pageToEnd('erpOnly', { first: 5 });
    const expected = expectedErpOnly(stack.dataset);
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
    const nodes = await reporter.pageToEnd('duplicates', { first: 1 });
    const expected = expectedDuplicates(stack.dataset);
    expect(expected.size).toBeGreaterThanOrEqual(2);
    const got = new Map(nodes.map((node) => [lower(node.customer.id), node.crmAccountIds as string[]]));
    expect(got.size).toBe(nodes.length);
    expect(got).toEqual(expected);
  });

  it('fieldConflicts: per linked customer and field, both values', async () => {
    // One a page: a customer's conflicts end up on several pages.
    const nodes = await reporter.pageToEnd('conflicts', { first: 1 });
    const expected = expectedConflicts(stack.dataset);
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
    const nodes = await reporter.pageToEnd('conflicts', { first: 7, fields: ['PHONE', 'NAME'] });
    const expected = expectedConflicts(stack.dataset).filter(
      (c) => c.field === 'PHONE' || c.field === 'NAME',
    );
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
      const whole = await reporter.page(list, { ...variables, first: 40 });
      expect(whole.edges.length, list).toBeGreaterThan(2);
      const rest = await reporter.page(list, { ...variables, first: 40, after: whole.edges[0]!.cursor });
      expect(
        rest.edges.slice(0, whole.edges.length - 1).map((edge) => edge.node),
        list,
      ).toEqual(whole.edges.slice(1).map((edge) => edge.node));
    }
  });

  it('records added between pages: each old one still exactly once, the new ones too', async () => {
    const source = accounts(stack.dataset).find((a) => a.ERP_Customer_Id__c === null)!;
    const addedAccounts: string[] = [];
    const crmOnly = await reporter.pageToEnd('crmOnly', { first: 1 }, (index) => {
      // A name sorting last, so it is ahead of every cursor.
      if (index < 2)
        addedAccounts.push(insertAccount(source.Id, { Name: `zzz Added ${index}`, Type: 'Partner' }));
    });
    const ids = crmOnly.map((node) => node.customer.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expectedCrmOnly(stack.dataset, false).sort());
    for (const id of addedAccounts) expect(ids).toContain(id);

    const addedCustomers: string[] = [];
    const erpOnly = await reporter.pageToEnd('erpOnly', { first: 4 }, (index) => {
      if (index < 2) addedCustomers.push(insertErpCustomer(`ZZ${index}`, `Added Customer ${index}`));
    });
    const erpIds = erpOnly.map((node) => node.customer.id);
    expect(new Set(erpIds).size).toBe(erpIds.length);
    expect(erpIds.sort()).toEqual(
      expectedErpOnly(stack.dataset)
        .map((c) => c.id)
        .sort(),
    );
    for (const id of addedCustomers) expect(erpIds).toContain(id);

    // Another account on the customer with the highest linked id: a duplicate group ahead of
    // every cursor after the first page.
    const duplicated = expectedDuplicates(stack.dataset);
    const single = accounts(stack.dataset)
      .filter((a) => a.ERP_Customer_Id__c && !duplicated.has(lower(a.ERP_Customer_Id__c)))
      .sort((a, b) => lower(a.ERP_Customer_Id__c).localeCompare(lower(b.ERP_Customer_Id__c)))
      .at(-1)!;
    const groups = await reporter.pageToEnd('duplicates', { first: 1 }, (index) => {
      if (index === 0) insertAccount(single.Id, { CreatedDate: '2099-06-01T00:00:00.000Z' });
    });
    expect(new Map(groups.map((node) => [lower(node.customer.id), node.crmAccountIds]))).toEqual(
      expectedDuplicates(stack.dataset),
    );
    expect(groups.map((node) => lower(node.customer.id))).toContain(lower(single.ERP_Customer_Id__c));

    // A new linked pair whose names disagree, its id sorting last.
    const lastId = 'ffffffff-ffff-4fff-8fff-fffffffffff0';
    const conflicts = await reporter.pageToEnd('conflicts', { first: 5 }, (index) => {
      if (index === 0) {
        insertErpCustomer('ZZ9', 'Added Pair Ltd', lastId);
        insertAccount(single.Id, { ERP_Customer_Id__c: lastId, Name: 'Added Pair Holdings' });
      }
    });
    const keys = conflicts.map((node) => `${lower(node.customer.id)}|${node.field}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.sort()).toEqual(
      expectedConflicts(stack.dataset)
        .map((c) => `${lower(c.customerId)}|${c.field}`)
        .sort(),
    );
    expect(keys).toContain(`${lastId}|NAME`);
  });
});

describe('counts', () => {
  const COUNTS = `{ dataQuality { counts { crmOnlyAccounts prospects erpOnlyCustomers duplicateAccounts fieldConflicts readAt } } }`;

  it('the cheap counts alone read no pair: one composite of aggregate queries', async () => {
    const cost = await reporter.roundTripsOf(async () => {
      const answer = await reporter.query(
        '{ dataQuality { counts { crmOnlyAccounts prospects duplicateAccounts readAt } } }',
      );
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.dataQuality.counts.prospects).toBe(expectedProspects(stack.dataset).length);
    });
    expect(cost).toEqual({ crm: 1, erp: 0 });
  });

  it('equal the sizes of what the rows say; askers at once share one scan of every pair, cached', async () => {
    const expected = {
      crmOnlyAccounts: expectedCrmOnly(stack.dataset, false).length,
      prospects: expectedProspects(stack.dataset).length,
      erpOnlyCustomers: expectedErpOnly(stack.dataset).length,
      duplicateAccounts: expectedDuplicates(stack.dataset).size,
      fieldConflicts: expectedConflicts(stack.dataset).length,
      readAt: expect.any(String),
    };
    // The second asker comes once the first one's scan has read the ERP (60 ms) but not yet the
    // CRM (400 ms): it must wait for that scan, not start one (whose ERP read nothing would share).
    stack.erpSim.setConfig({ latencyMs: 60 });
    stack.crmSim.setConfig({ latencyMs: 400 });
    const SCANNED = '{ dataQuality { counts { erpOnlyCustomers fieldConflicts readAt } } }';
    const first = await reporter.roundTripsOf(async () => {
      const scanned = reporter.query(SCANNED);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const conflicts = reporter.query('{ dataQuality { counts { fieldConflicts } } }');
      const answers = await Promise.all([scanned, conflicts]).finally(() => {
        stack.erpSim.setConfig({ latencyMs: 0 });
        stack.crmSim.setConfig({ latencyMs: 0 });
      });
      expect(answers[0].body.errors, JSON.stringify(answers[0].body.errors)).toBeUndefined();
      expect(answers[0].body.data.dataQuality.counts).toEqual({
        erpOnlyCustomers: expected.erpOnlyCustomers,
        fieldConflicts: expected.fieldConflicts,
        readAt: expect.any(String),
      });
      expect(answers[1].body.data.dataQuality.counts).toEqual({ fieldConflicts: expected.fieldConflicts });
    });
    // For both askers: one query of the linked accounts (fewer than 2,000) and one page of the
    // ERP's customers (fewer than 2,000).
    expect(first).toEqual({ crm: 1, erp: 1 });
    // Again: from the cache.
    expect(await reporter.roundTripsOf(() => reporter.query(SCANNED))).toEqual({ crm: 0, erp: 0 });
    // Every count at once.
    const answer = await reporter.query(COUNTS);
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    expect(answer.body.data.dataQuality.counts).toEqual(expected);
  });
});

describe('cost per page', () => {
  it('is the same legacy round trips for 2 and for 40 rows', async () => {
    const cases: [ListName, Record<string, unknown>, { erp: number; crm: number }][] = [
      ['crmOnly', { p: true }, { erp: 0, crm: 1 }],
      ['erpOnly', {}, { erp: 1, crm: 1 }],
      ['duplicates', {}, { erp: 0, crm: 2 }],
      ['conflicts', {}, { erp: 1, crm: 1 }],
    ];
    for (const [list, variables, expected] of cases) {
      const small = await reporter.roundTripsOf(() => reporter.page(list, { ...variables, first: 2 }));
      const large = await reporter.roundTripsOf(() => reporter.page(list, { ...variables, first: 40 }));
      expect({ list, small, large }).toEqual({ list, small: expected, large: expected });
    }
  });
});

describe('access', () => {
  it('refuses a caller without reports:read, reading nothing', async () => {
    const other = await stack.tokenFor({ scopes: ['customer:read', 'pii:read'] });
    const cost = await reporter.roundTripsOf(async () => {
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

  it('refuses a cursor of another list, a forged one, or a page size out of range, with BAD_USER_INPUT', async () => {
    const crmOnly = await reporter.page('crmOnly', { first: 1 });
    for (const [list, after] of [
      ['erpOnly', crmOnly.pageInfo.endCursor],
      ['duplicates', crmOnly.pageInfo.endCursor],
      ['conflicts', crmOnly.pageInfo.endCursor],
      ['crmOnly', 'bm90IGEgY3Vyc29y'],
    ] as const) {
      const answer = await reporter.query(LISTS[list], { first: 2, after });
      expect(
        answer.body.errors?.map((e: Loose) => e.extensions?.code),
        list,
      ).toEqual(['BAD_USER_INPUT']);
    }
    for (const first of [0, 101]) {
      const answer = await reporter.query(LISTS.conflicts, { first });
      expect(
        answer.body.errors?.map((e: Loose) => e.extensions?.code),
        String(first),
      ).toEqual(['BAD_USER_INPUT']);
    }
    // A cursor of the list with prospects does not continue the one without.
    const answer = await reporter.query(LISTS.crmOnly, {
      first: 2,
      after: crmOnly.pageInfo.endCursor,
      p: true,
    });
    expect(answer.body.errors?.map((e: Loose) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
  });
});
