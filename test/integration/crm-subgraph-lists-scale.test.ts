import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Answer, type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';
import { queryAs, readerToken } from './crm-subgraph-lists-harness.js';

/**
 * The CRM's lists across all customers cost the same per page on 1,000 customers as on 100,000
 * (the generator's large data set, written once into .data/ — about two minutes the first
 * time, hence the long timeouts), for 5 rows as for 100, on a first page as on a later one:
 * keyset paging, never OFFSET, one statement per page (per stream for interactions). Only
 * reads: the large data set is shared with other test files.
 */

const sizes = { small: 1000, large: 100_000 } as const;
const running: Partial<Record<keyof typeof sizes, CrmFixture>> = {};
let reader: string;

beforeAll(async () => {
  reader = await readerToken();
  for (const [name, customers] of Object.entries(sizes) as [keyof typeof sizes, number][]) {
    // This test counts calls: a slow statement over 100,000 customers must not time out.
    running[name] = await startCrmFixture({ customers, subgraph: { timeoutMs: 60_000 } });
  }
}, 600_000);

afterAll(async () => {
  for (const fixture of Object.values(running)) await fixture.stop();
});

const connection = (field: string, args: string, node = 'id') =>
  `${field}(${args} first: $first, after: $after) { edges { node { ${node} } } pageInfo { hasNextPage endCursor } }`;

/** Any answer's data (the fixture's Answer types it loosely). */
type Data = Answer['data'];

interface ListCase {
  query: (fixture: CrmFixture) => { text: string; variables: Record<string, unknown> };
  pick: (data: Data) => Data;
}

/** A list over every customer, asked with a filter. */
const rootList = (field: string, filter: string, node?: string): ListCase => ({
  query: () => ({
    text: `query ($first: Int, $after: String) { ${connection(field, `filter: ${filter}`, node)} }`,
    variables: {},
  }),
  pick: (d) => d[field],
});

/** Each list, how it is asked, and where its connection is in the answer. */
const LISTS: Record<string, ListCase> = {
  opportunities: rootList(
    'opportunities',
    '{ stages: ["Prospecting", "Qualification"], closeDateFrom: "2025-09-01" }',
    'id customer { id } owner { email }',
  ),
  supportCases: rootList('supportCases', '{ isClosed: false, priorities: ["High", "Medium"] }'),
  interactions: rootList('interactions', '{ from: "2025-10-01", to: "2026-03-31" }', 'id type'),
  campaigns: rootList('campaigns', '{ statuses: ["Completed", "In Progress"] }'),
  campaignMembers: {
    query: (fixture) => ({
      text: `query ($id: ID!, $first: Int, $after: String) { campaign(id: $id) { ${connection('members', '', 'id customer { id }')} } }`,
      variables: {
        id: (
          fixture.dataset.crm
            .prepare('SELECT CampaignId FROM CampaignMember GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1')
            .get() as { CampaignId: string }
        ).CampaignId,
      },
    }),
    pick: (d) => d.campaign.members,
  },
  employeeInteractions: {
    query: (fixture) => ({
      text: `query ($email: String!, $first: Int, $after: String) { _entities(representations: [{ __typename: "Employee", email: $email }]) { ... on Employee { ${connection('recentInteractions', '')} } } }`,
      variables: {
        email: (
          fixture.dataset.crm
            .prepare(
              'SELECT u.Email FROM Task t JOIN User u ON u.Id = t.OwnerId GROUP BY u.Id ORDER BY COUNT(*) DESC LIMIT 1',
            )
            .get() as { Email: string }
        ).Email,
      },
    }),
    pick: (d) => d._entities[0].recentInteractions,
  },
};

/**
 * Round trips of a first page and of the page after it (asked even when the first page was the
 * last: on 1,000 customers a list may hold fewer than 100 rows, and an empty page after the last
 * row is one statement all the same).
 */
async function costOf(fixture: CrmFixture, list: keyof typeof LISTS, first: number): Promise<number[]> {
  const { text, variables } = LISTS[list]!.query(fixture);
  const trips: number[] = [];
  let after: string | null = null;
  for (let page = 0; page < 2; page++) {
    await fixture.resetStats();
    const answer = await queryAs(fixture.batched.url, reader, text, { ...variables, first, after });
    expect(answer.errors).toBeUndefined();
    trips.push((await fixture.stats()).roundTrips);
    const found = LISTS[list]!.pick(answer.data);
    if (page === 0) {
      // A full page, or all there is.
      expect(found.edges.length === first || !found.pageInfo.hasNextPage).toBe(true);
      expect(found.edges.length).toBeGreaterThan(0);
      after = found.pageInfo.endCursor;
    }
  }
  return trips;
}

it.each(Object.keys(LISTS))(
  '%s: the same round trips per page on 1,000 customers as on 100,000, for 5 rows as for 100',
  async (list) => {
    const costs: Record<string, number[]> = {};
    for (const [name, fixture] of Object.entries(running)) {
      for (const first of [5, 100]) costs[`${name} ${first}`] = await costOf(fixture!, list, first);
    }
    const [one] = Object.values(costs);
    for (const cost of Object.values(costs)) expect(cost).toEqual(one);
  },
  300_000,
);
