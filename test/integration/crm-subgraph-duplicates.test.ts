import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { testAuth } from '../helpers/auth.js';
import { type CrmFixture, queryAs, startCrmFixture } from './crm-subgraph-fixture.js';

/**
 * The accounts page's duplicate check (subgraphs/crm/duplicates.ts): the duplicate groups are one
 * aggregate read beside the page, so a cold page is one CRM round trip in sequence; only a group
 * the aggregate cannot settle (tied CreatedDate, part of it outside the page) is looked up after
 * it, and the answer is the lookup's, as before: the oldest account by (CreatedDate, Id).
 */

const CUSTOMER_360 = /* GraphQL */ `
  query Customer360($first: Int!) {
    customers(first: $first) {
      edges { node { id name interactions(first: 5) { edges { node { type subject occurredAt } } } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const SEARCH = /* GraphQL */ `
  query Search($search: String!) {
    customers(search: $search, first: 50) { edges { node { id crmAccountId } } }
  }
`;

interface AccountRow {
  Id: string;
  Name: string;
  ERP_Customer_Id__c: string;
  CreatedDate: string;
  OwnerId: string;
}

let fixture: CrmFixture;
/** A linked account no other account shares its ERP customer with. */
let original: AccountRow;

beforeAll(async () => {
  fixture = await startCrmFixture({ customers: 60 });
  original = fixture.dataset.crm
    .prepare(
      `SELECT Id, Name, ERP_Customer_Id__c, CreatedDate, OwnerId FROM Account a
       WHERE ERP_Customer_Id__c IS NOT NULL AND IsDeleted = 0
         AND (SELECT count(*) FROM Account b WHERE b.ERP_Customer_Id__c = a.ERP_Customer_Id__c) = 1
       ORDER BY Id LIMIT 1`,
    )
    .get() as AccountRow;
});

afterAll(async () => {
  await fixture?.stop();
});

/** Adds an account linked to the original's ERP customer for the length of `run`. */
async function withDuplicate<T>(
  row: { Id: string; Name: string; CreatedDate: string; OwnerId?: string },
  run: () => Promise<T>,
): Promise<T> {
  fixture.dataset.crm
    .prepare(
      `INSERT INTO Account (Id, Name, ERP_Customer_Id__c, OwnerId, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted)
       VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
    )
    .run(
      row.Id,
      row.Name,
      original.ERP_Customer_Id__c,
      row.OwnerId ?? original.OwnerId,
      row.CreatedDate,
      row.CreatedDate,
      row.CreatedDate,
    );
  try {
    return await run();
  } finally {
    fixture.dataset.crm.prepare('DELETE FROM Account WHERE Id = ?').run(row.Id);
  }
}

/** The accounts a search lists for the original's ERP customer, and the CRM calls it made. */
async function listedFor(search: string, token?: string) {
  await fixture.resetStats();
  const answer = token
    ? await queryAs(fixture.batched.url, token, SEARCH, { search })
    : await fixture.batched.query(SEARCH, { search });
  expect(answer.errors).toBeUndefined();
  const stats = await fixture.stats();
  const accounts = (answer.data.customers.edges as { node: { id: string; crmAccountId: string } }[])
    .filter(({ node }) => node.id === original.ERP_Customer_Id__c)
    .map(({ node }) => node.crmAccountId);
  return { accounts, calls: stats.total, depth: stats.sequentialDepth };
}

describe('duplicate accounts on the customers page', () => {
  it('Customer360 cold: the page and its duplicate check side by side, one CRM round trip in sequence for 1, 10 and 100', async () => {
    // With latency the two calls overlap in the stand-in's trace; on bare loopback one could end first.
    await fixture.sim({ latencyMs: 60 });
    try {
      const seen: Record<number, { depth: number; roundTrips: number }> = {};
      for (const first of [1, 10, 100]) {
        await fixture.resetStats();
        const answer = await fixture.batched.query(CUSTOMER_360, { first });
        expect(answer.errors).toBeUndefined();
        expect(answer.data.customers.edges.length).toBeGreaterThan(0);
        const stats = await fixture.stats();
        seen[first] = { depth: stats.sequentialDepth, roundTrips: stats.roundTrips };
      }
      // The accounts page (interactions read ahead in it) ‖ the duplicate groups aggregate.
      expect(seen).toEqual({
        1: { depth: 1, roundTrips: 2 },
        10: { depth: 1, roundTrips: 2 },
        100: { depth: 1, roundTrips: 2 },
      });
    } finally {
      await fixture.sim({ latencyMs: 0 });
    }
  });

  it('hides a younger duplicate from the aggregate alone: no lookup after the page', async () => {
    const younger = `${original.Id.slice(0, 3)}9Z9999999999DUP`;
    const listed = await withDuplicate(
      { Id: younger, Name: original.Name.toUpperCase(), CreatedDate: '2099-01-01T00:00:00.000Z' },
      () => listedFor(original.Name),
    );
    expect(listed).toMatchObject({ accounts: [original.Id], calls: 2 });
  });

  it('a tie on CreatedDate with the other account outside the page falls back to the lookup, which decides by Id', async () => {
    // Named so that the search for the original's name does not read it: the aggregate says two
    // accounts share the earliest CreatedDate's group, and the page shows one of them.
    const tie = { Name: 'Zz tied duplicate', CreatedDate: original.CreatedDate };
    const after = `${original.Id.slice(0, 3)}ZZZZZZZZZZZZDUP`;
    const before = `${original.Id.slice(0, 3)}000000000000DUP`;
    expect(before.toLowerCase() < original.Id.toLowerCase()).toBe(true);
    expect(after.toLowerCase() > original.Id.toLowerCase()).toBe(true);

    await fixture.sim({ latencyMs: 60 });
    try {
      // The original's Id is the smaller: it stays the customer's account.
      const kept = await withDuplicate({ Id: after, ...tie }, () => listedFor(original.Name));
      // Page ‖ aggregate, then the lookup of the one undecided ERP id.
      expect(kept).toEqual({ accounts: [original.Id], calls: 3, depth: 2 });
      // The duplicate's Id is the smaller: it is the customer's account now, listed under its own name.
      const replaced = await withDuplicate({ Id: before, ...tie }, async () => ({
        byOriginalName: await listedFor(original.Name),
        byDuplicateName: await listedFor(tie.Name),
      }));
      expect(replaced.byOriginalName).toEqual({ accounts: [], calls: 3, depth: 2 });
      expect(replaced.byDuplicateName.accounts).toEqual([before]);
    } finally {
      await fixture.sim({ latencyMs: 0 });
    }
  });

  it("counts only the caller's own accounts for sales:own: an older account of another owner hides nothing of theirs", async () => {
    const other = fixture.dataset.crm
      .prepare('SELECT Id, Email FROM User WHERE IsActive = 1 AND Id != ? ORDER BY Id LIMIT 1')
      .get(original.OwnerId) as { Id: string; Email: string };
    const younger = `${original.Id.slice(0, 3)}9Z9999999999OWN`;
    const rep = await testAuth().tokenFor({ sub: 'rep', email: other.Email, scopes: [SCOPES.salesOwn] });
    const { reader, owner } = await withDuplicate(
      {
        Id: younger,
        Name: original.Name.toUpperCase(),
        CreatedDate: '2099-01-01T00:00:00.000Z',
        OwnerId: other.Id,
      },
      async () => ({ reader: await listedFor(original.Name), owner: await listedFor(original.Name, rep) }),
    );
    // A reader sees both accounts: the original is the oldest. The rep sees only theirs, which is
    // then the customer's only account, decided from their own aggregate without a lookup (their
    // CRM user by e-mail, then the page ‖ the aggregate).
    expect(reader).toMatchObject({ accounts: [original.Id], calls: 2 });
    expect(owner).toMatchObject({ accounts: [younger], calls: 3 });
  });
});
