import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';
import {
  createRecord,
  idsOf,
  pageToEnd,
  queryAs,
  readerToken,
  recordSoql,
  repToken,
} from './crm-subgraph-lists-harness.js';

/**
 * The CRM subgraph's lists over every account (opportunities, support cases, interactions) and
 * an employee's own lists: each page one SOQL statement (one per stream for interactions)
 * whatever its size, every matching record exactly once to the end — compared with rows
 * selected here from the stand-in's own tables — also while records are added; a sales:own
 * caller's statements carry their ownership; bad filters are refused before any CRM call.
 */

let fixture: CrmFixture;
let reader: string;

beforeAll(async () => {
  fixture = await startCrmFixture({ customers: 300 });
  reader = await readerToken();
}, 60_000);
afterAll(async () => {
  await fixture?.stop();
});

const ask = (query: string, variables: Record<string, unknown>, token = reader) =>
  queryAs(fixture.batched.url, token, query, variables);

const OPPORTUNITIES = `query ($filter: OpportunityFilter, $first: Int, $after: String) {
  opportunities(filter: $filter, first: $first, after: $after) {
    edges { node { id stage closeDate isClosed isWon owner { email } customer { id } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CASES = `query ($filter: SupportCaseFilter, $first: Int, $after: String) {
  supportCases(filter: $filter, first: $first, after: $after) {
    edges { node { id number status priority openedAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const INTERACTIONS = `query ($filter: InteractionFilter, $first: Int, $after: String) {
  interactions(filter: $filter, first: $first, after: $after) {
    edges { node { id type occurredAt owner { email } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
/** One of an employee's lists, reached as the gateway does (an Employee entity by e-mail). */
const employeeList = (field: string, node: string) => `query ($email: String!, $first: Int, $after: String) {
  _entities(representations: [{ __typename: "Employee", email: $email }]) {
    ... on Employee { ${field}(first: $first, after: $after) { edges { node { ${node} } } pageInfo { hasNextPage endCursor } } }
  }
}`;
const EMPLOYEE_ALL = `query ($email: String!, $first: Int) {
  _entities(representations: [{ __typename: "Employee", email: $email }]) {
    ... on Employee {
      customers(first: $first) { edges { node { id } } }
      openCases(first: $first) { edges { node { id } } }
      recentInteractions(first: $first) { edges { node { id } } }
    }
  }
}`;

/** The user owning the most accounts: the rep of the sales:own tests. */
function busiestOwner(): { Id: string; Email: string } {
  return fixture.dataset.crm
    .prepare(
      `SELECT u.Id, u.Email FROM Account a JOIN User u ON u.Id = a.OwnerId
       GROUP BY u.Id ORDER BY COUNT(*) DESC, u.Id LIMIT 1`,
    )
    .get() as { Id: string; Email: string };
}

const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);

describe('opportunities', () => {
  const filter = {
    stages: ['Prospecting', 'Qualification', 'Closed Won'],
    closeDateFrom: '2025-06-01',
    closeDateTo: '2026-08-31',
  };
  const expected = () =>
    idsOf(
      fixture.dataset.crm,
      `SELECT Id FROM Opportunity WHERE IsDeleted = 0 AND StageName IN ('Prospecting', 'Qualification', 'Closed Won')
       AND CloseDate >= '2025-06-01' AND CloseDate <= '2026-08-31' ORDER BY CloseDate, Id`,
    );

  it('costs one CRM round trip per page, for 5 rows as for 100', async () => {
    for (const first of [5, 100]) {
      await fixture.resetStats();
      const answer = await ask(OPPORTUNITIES, { filter, first });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.opportunities.edges).toHaveLength(first);
      expect((await fixture.stats()).roundTrips).toBe(1);
    }
  });

  it('pages to the end with every matching opportunity once, in close-date order, also while some are added', async () => {
    const before = expected();
    expect(before.length).toBeGreaterThan(100);
    const added: string[] = [];
    const paged = await pageToEnd(
      fixture,
      (after) => ask(OPPORTUNITIES, { filter, first: 40, after }),
      (data) => data.opportunities,
      async (page) => {
        // Closing at the end of the range: after the position of every page so far.
        added.push(
          await createRecord(fixture.crmUrl, 'Opportunity', {
            Name: `Added while paging ${page}`,
            StageName: 'Prospecting',
            CloseDate: '2026-08-31',
          }),
        );
      },
    );
    expect(paged.roundTrips.every((n) => n === 1)).toBe(true);
    expect(added.length).toBeGreaterThan(0);
    const after = expected();
    expect(ids(paged.nodes)).toEqual(after);
    for (const id of added) expect(after).toContain(id);
    for (const node of paged.nodes) {
      expect(['Prospecting', 'Qualification', 'Closed Won']).toContain(node.stage);
      expect(node.isWon).toBe(node.stage === 'Closed Won');
    }
  });

  it('filters by owner e-mail and by open/won flags in the statement', async () => {
    const owner = busiestOwner();
    const soql = recordSoql(fixture);
    const paged = await pageToEnd(
      fixture,
      (after) =>
        ask(OPPORTUNITIES, { filter: { ownerEmail: owner.Email, isClosed: false }, first: 25, after }),
      (data) => data.opportunities,
    );
    expect(ids(paged.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        'SELECT Id FROM Opportunity WHERE IsDeleted = 0 AND OwnerId = ? AND IsClosed = 0 ORDER BY CloseDate, Id',
        owner.Id,
      ),
    );
    expect(
      soql.some((q) => q.includes(`Owner.Email = '${owner.Email}'`) && q.includes('IsClosed = false')),
    ).toBe(true);
    expect(soql.every((q) => !/OFFSET/i.test(q))).toBe(true);
  });
});

describe('support cases', () => {
  const filter = {
    statuses: ['New', 'Working', 'Closed'],
    priorities: ['High', 'Medium'],
    openedFrom: '2025-09-01',
    openedTo: '2026-06-30',
  };
  const expected = () =>
    idsOf(
      fixture.dataset.crm,
      `SELECT Id FROM "Case" WHERE IsDeleted = 0 AND Status IN ('New', 'Working', 'Closed') AND Priority IN ('High', 'Medium')
       AND CreatedDate >= '2025-09-01T00:00:00.000Z' AND CreatedDate < '2026-07-01T00:00:00.000Z'
       ORDER BY CreatedDate DESC, Id DESC`,
    );

  it('costs one round trip per page whatever its size, and pages to the end with every matching case once', async () => {
    for (const first of [5, 100]) {
      await fixture.resetStats();
      const answer = await ask(CASES, { filter, first });
      expect(answer.errors).toBeUndefined();
      expect((await fixture.stats()).roundTrips).toBe(1);
    }
    const all = expected();
    expect(all.length).toBeGreaterThan(30);
    const paged = await pageToEnd(
      fixture,
      (after) => ask(CASES, { filter, first: 15, after }),
      (d) => d.supportCases,
    );
    expect(paged.roundTrips.every((n) => n === 1)).toBe(true);
    expect(ids(paged.nodes)).toEqual(all);
  });

  it('sees a case opened while paging only if it falls after the position: never twice, none missed', async () => {
    const unfiltered = () => idsOf(fixture.dataset.crm, `SELECT Id FROM "Case" WHERE IsDeleted = 0`);
    const atStart = new Set(unfiltered());
    let added: string | undefined;
    const paged = await pageToEnd(
      fixture,
      (after) => ask(CASES, { first: 50, after }),
      (d) => d.supportCases,
      async () => {
        // Newest first: a case opened now sorts before the position, so this list goes on without it.
        added ??= await createRecord(fixture.crmUrl, 'Case', {
          Subject: 'Opened while paging',
          Status: 'New',
        });
      },
    );
    const seen = ids(paged.nodes);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(atStart);
    expect(added).toBeDefined();
    expect(unfiltered()).toContain(added);
  });
});

describe('interactions', () => {
  const expectedTasks = (from: string, to: string) =>
    idsOf(
      fixture.dataset.crm,
      `SELECT Id FROM Task WHERE IsDeleted = 0 AND ActivityDate >= ? AND ActivityDate <= ? AND (TaskSubtype IS NULL OR TaskSubtype NOT IN ('Email'))`,
      from,
      to,
    );
  const expectedEvents = (from: string, to: string) =>
    idsOf(
      fixture.dataset.crm,
      `SELECT Id FROM Event WHERE IsDeleted = 0 AND ActivityDateTime >= ? AND ActivityDateTime < ?`,
      `${from}T00:00:00.000Z`,
      new Date(Date.parse(`${to}T00:00:00.000Z`) + 86_400_000).toISOString(),
    );

  it('costs one round trip per stream per page, and merges tasks and events newest first to the end', async () => {
    const filter = { from: '2025-06-01', to: '2025-12-31', types: ['TASK', 'CALL', 'EVENT'] };
    for (const first of [5, 100]) {
      await fixture.resetStats();
      const answer = await ask(INTERACTIONS, { filter, first });
      expect(answer.errors).toBeUndefined();
      expect((await fixture.stats()).roundTrips).toBe(2);
    }
    const added: string[] = [];
    const paged = await pageToEnd(
      fixture,
      (after) => ask(INTERACTIONS, { filter, first: 30, after }),
      (d) => d.interactions,
      async (page) => {
        // Each older than anything before it (the data starts at the end of June): after every
        // page's position in both streams. (One on a day already reached would sort before it.)
        if (page >= 5) return;
        const day = `2025-06-0${9 - page}`;
        added.push(
          await createRecord(fixture.crmUrl, 'Task', {
            Subject: `Call ${page}`,
            TaskSubtype: 'Call',
            ActivityDate: day,
          }),
          await createRecord(fixture.crmUrl, 'Event', {
            Subject: `Meeting ${page}`,
            ActivityDateTime: `${day}T06:00:00.000Z`,
            StartDateTime: `${day}T06:00:00.000Z`,
            EndDateTime: `${day}T07:00:00.000Z`,
          }),
        );
      },
    );
    expect(paged.roundTrips.every((n) => n <= 2)).toBe(true);
    const seen = ids(paged.nodes);
    expect(new Set(seen).size).toBe(seen.length);
    const expected = [...expectedTasks(filter.from, filter.to), ...expectedEvents(filter.from, filter.to)];
    expect(new Set(seen)).toEqual(new Set(expected));
    expect(added).toHaveLength(10);
    for (const id of added) expect(seen).toContain(id);
    const times = paged.nodes.map((n) =>
      Date.parse(n.occurredAt.length === 10 ? `${n.occurredAt}T00:00:00Z` : n.occurredAt),
    );
    // Newest first, as merged: a task's day counts from its midnight.
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeLessThanOrEqual(times[i - 1]!);
    expect(paged.nodes.some((n) => n.type === 'EMAIL')).toBe(false);
  });

  it('reads only the task stream when the types leave events out', async () => {
    await fixture.resetStats();
    const answer = await ask(INTERACTIONS, { filter: { types: ['EMAIL'] }, first: 10 });
    expect(answer.errors).toBeUndefined();
    expect(
      answer.data.interactions.edges.every((e: { node: { type: string } }) => e.node.type === 'EMAIL'),
    ).toBe(true);
    expect((await fixture.stats()).roundTrips).toBe(1);
  });
});

describe("an employee's own lists", () => {
  it('customers, open cases and interactions of the CRM user with their e-mail, one statement per list per page', async () => {
    const owner = busiestOwner();
    const counts: number[] = [];
    for (const first of [5, 100]) {
      await fixture.resetStats();
      const answer = await ask(EMPLOYEE_ALL, { email: owner.Email, first });
      expect(answer.errors).toBeUndefined();
      counts.push((await fixture.stats()).roundTrips);
    }
    // The user by e-mail; the customers page and its duplicates lookup; open cases; tasks; events.
    expect(counts).toEqual([6, 6]);
    const pageOf = (field: string, node: string, first: number) =>
      pageToEnd(
        fixture,
        (after) => ask(employeeList(field, node), { email: owner.Email, first, after }),
        (d) => d._entities[0][field],
      );
    const customers = await pageOf('customers', 'id crmAccountId', 7);
    // Each owned account once, but a duplicate: one whose ERP customer an older account also links to.
    const owned = idsOf(
      fixture.dataset.crm,
      `SELECT a.Id FROM Account a WHERE a.IsDeleted = 0 AND a.OwnerId = ? AND (a.ERP_Customer_Id__c IS NULL
         OR NOT EXISTS (SELECT 1 FROM Account b WHERE b.IsDeleted = 0
           AND lower(b.ERP_Customer_Id__c) = lower(a.ERP_Customer_Id__c)
           AND (b.CreatedDate < a.CreatedDate OR (b.CreatedDate = a.CreatedDate AND b.Id < a.Id))))`,
      owner.Id,
    );
    const seenAccounts = customers.nodes.map((n) => n.crmAccountId);
    expect(seenAccounts).toHaveLength(owned.length);
    expect(new Set(seenAccounts)).toEqual(new Set(owned));
    const openCases = await pageOf('openCases', 'id', 7);
    expect(ids(openCases.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        'SELECT Id FROM "Case" WHERE IsDeleted = 0 AND OwnerId = ? AND IsClosed = 0 ORDER BY CreatedDate DESC, Id DESC',
        owner.Id,
      ),
    );
    const interactions = await pageOf('recentInteractions', 'id', 50);
    expect(new Set(ids(interactions.nodes))).toEqual(
      new Set([
        ...idsOf(fixture.dataset.crm, 'SELECT Id FROM Task WHERE IsDeleted = 0 AND OwnerId = ?', owner.Id),
        ...idsOf(fixture.dataset.crm, 'SELECT Id FROM Event WHERE IsDeleted = 0 AND OwnerId = ?', owner.Id),
      ]),
    );
  });
});

describe('a sales:own caller', () => {
  it('sees only the rows of accounts they own, the restriction in the SOQL itself', async () => {
    const owner = busiestOwner();
    const token = await repToken(owner.Email);
    await ask(OPPORTUNITIES, { first: 1 }, token); // their CRM user is looked up once, then remembered
    const soql = recordSoql(fixture);
    const opportunities = await pageToEnd(
      fixture,
      (after) => ask(OPPORTUNITIES, { first: 20, after }, token),
      (d) => d.opportunities,
    );
    expect(opportunities.roundTrips.every((n) => n === 1)).toBe(true);
    expect(ids(opportunities.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        `SELECT o.Id FROM Opportunity o JOIN Account a ON a.Id = o.AccountId
         WHERE o.IsDeleted = 0 AND a.OwnerId = ? ORDER BY o.CloseDate, o.Id`,
        owner.Id,
      ),
    );
    const cases = await pageToEnd(
      fixture,
      (after) => ask(CASES, { first: 20, after }, token),
      (d) => d.supportCases,
    );
    expect(new Set(ids(cases.nodes))).toEqual(
      new Set(
        idsOf(
          fixture.dataset.crm,
          `SELECT c.Id FROM "Case" c JOIN Account a ON a.Id = c.AccountId WHERE c.IsDeleted = 0 AND a.OwnerId = ?`,
          owner.Id,
        ),
      ),
    );
    const interactions = await pageToEnd(
      fixture,
      (after) => ask(INTERACTIONS, { first: 50, after }, token),
      (d) => d.interactions,
    );
    expect(new Set(ids(interactions.nodes))).toEqual(
      new Set([
        ...idsOf(
          fixture.dataset.crm,
          `SELECT t.Id FROM Task t JOIN Account a ON a.Id = t.AccountId WHERE t.IsDeleted = 0 AND a.OwnerId = ?`,
          owner.Id,
        ),
        ...idsOf(
          fixture.dataset.crm,
          `SELECT e.Id FROM Event e JOIN Account a ON a.Id = e.AccountId WHERE e.IsDeleted = 0 AND a.OwnerId = ?`,
          owner.Id,
        ),
      ]),
    );
    const listStatements = soql.filter((q) => /FROM (Opportunity|Case|Task|Event)\b/.test(q));
    expect(listStatements.length).toBeGreaterThan(3);
    for (const q of listStatements) expect(q).toContain(`Account.OwnerId = '${owner.Id}'`);
  });

  it('gets their own open cases as an employee: their cases on accounts they own, both conditions in the SOQL', async () => {
    const owner = busiestOwner();
    const token = await repToken(owner.Email);
    const soql = recordSoql(fixture);
    const paged = await pageToEnd(
      fixture,
      (after) => ask(employeeList('openCases', 'id'), { email: owner.Email, first: 5, after }, token),
      (d) => d._entities[0].openCases,
    );
    expect(ids(paged.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        `SELECT c.Id FROM "Case" c JOIN Account a ON a.Id = c.AccountId
         WHERE c.IsDeleted = 0 AND c.OwnerId = ? AND c.IsClosed = 0 AND a.OwnerId = ?
         ORDER BY c.CreatedDate DESC, c.Id DESC`,
        owner.Id,
        owner.Id,
      ),
    );
    const statements = soql.filter((q) => q.includes('FROM Case'));
    expect(statements.length).toBeGreaterThan(0);
    for (const q of statements) {
      expect(q).toContain(`OwnerId = '${owner.Id}'`);
      expect(q).toContain(`Account.OwnerId = '${owner.Id}'`);
    }
  });

  it('who is no CRM user gets empty lists without any list statement', async () => {
    const token = await repToken('nobody-in-the-crm@example.com');
    const soql = recordSoql(fixture);
    const answer = await ask(OPPORTUNITIES, { first: 5 }, token);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.opportunities.edges).toEqual([]);
    expect(soql.filter((q) => q.includes('FROM Opportunity'))).toEqual([]);
  });
});

describe('bad input', () => {
  const cases: [string, string, Record<string, unknown>, string, string][] = [
    [
      'a date not YYYY-MM-DD',
      OPPORTUNITIES,
      { filter: { closeDateFrom: '2026-13-01' } },
      'filter.closeDateFrom',
      'INVALID_FORMAT',
    ],
    [
      'a day that does not exist',
      CASES,
      { filter: { openedTo: '2026-02-30' } },
      'filter.openedTo',
      'INVALID_FORMAT',
    ],
    [
      'from after to',
      INTERACTIONS,
      { filter: { from: '2026-05-02', to: '2026-05-01' } },
      'filter.from',
      'OUT_OF_RANGE',
    ],
    ['an empty list of stages', OPPORTUNITIES, { filter: { stages: [] } }, 'filter.stages', 'EMPTY'],
    ['an empty list of types', INTERACTIONS, { filter: { types: [] } }, 'filter.types', 'EMPTY'],
    [
      'a campaign id that is no Salesforce id',
      OPPORTUNITIES,
      { filter: { campaignId: "x' OR Name != '" } },
      'filter.campaignId',
      'INVALID_ID',
    ],
    [
      'an owner that is no e-mail address',
      CASES,
      { filter: { ownerEmail: "a' OR Id != '" } },
      'filter.ownerEmail',
      'INVALID_FORMAT',
    ],
    [
      'a forged cursor',
      OPPORTUNITIES,
      { after: 'eyJrIjoiYWxsT3Bwb3J0dW5pdGllcyIsInAiOlsieCIsInkiXX0' },
      'after',
      'INVALID_FORMAT',
    ],
    ['a page size out of range', CASES, { first: 101 }, 'first', 'OUT_OF_RANGE'],
  ];
  it.each(cases)(
    '%s is BAD_USER_INPUT naming the field, with no CRM call',
    async (_name, query, variables, field, reason) => {
      await fixture.resetStats();
      const answer = await ask(query, variables);
      expect(answer.errors).toHaveLength(1);
      expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
      expect((await fixture.stats()).total).toBe(0);
    },
  );

  it("refuses another list's cursor", async () => {
    const page = await ask(CASES, { first: 1 });
    const cursor = page.data.supportCases.pageInfo.endCursor;
    const answer = await ask(OPPORTUNITIES, { first: 1, after: cursor });
    expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('the shared cache', () => {
  it("keeps a page as child lists are kept, each caller's visibility apart", async () => {
    const cached = await fixture.startSubgraph({ cache: readLegacyCacheConfig({ LEGACY_CACHE: 'memory' }) });
    const owner = busiestOwner();
    const rep = await repToken(owner.Email);
    const trips = async (query: string, token: string) => {
      await fixture.resetStats();
      const answer = await queryAs(cached.url, token, query, { first: 10 });
      expect(answer.errors).toBeUndefined();
      return { trips: (await fixture.stats()).roundTrips, data: answer.data };
    };
    for (const query of [OPPORTUNITIES, CASES, INTERACTIONS]) {
      const first = await trips(query, reader);
      expect(first.trips).toBeGreaterThan(0);
      const again = await trips(query, reader);
      expect(again.trips).toBe(0);
      expect(again.data).toEqual(first.data);
      // The rep's statements carry their ownership: never the reader's cached page.
      const asRep = await trips(query, rep);
      expect(asRep.trips).toBeGreaterThan(0);
      expect(asRep.data).not.toEqual(first.data);
    }
  });
});
