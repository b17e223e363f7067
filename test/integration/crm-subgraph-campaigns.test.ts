import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';
import {
  createRecord,
  idsOf,
  pageToEnd,
  queryAs,
  readerToken,
  recordSoql,
} from './crm-subgraph-lists-harness.js';

/**
 * Campaigns in the CRM subgraph: the list (one statement per page), a campaign by id and as an
 * entity (one statement for every campaign of a request), its members and influenced
 * opportunities as the raw CampaignMember and Opportunity rows hold them, and
 * Opportunity.campaign batched over a page.
 */

let fixture: CrmFixture;
let reader: string;

beforeAll(async () => {
  fixture = await startCrmFixture({ customers: 1000 });
  reader = await readerToken();
}, 60_000);
afterAll(async () => {
  await fixture?.stop();
});

const ask = (query: string, variables: Record<string, unknown> = {}) =>
  queryAs(fixture.batched.url, reader, query, variables);

const CAMPAIGNS = `query ($filter: CampaignFilter, $first: Int, $after: String) {
  campaigns(filter: $filter, first: $first, after: $after) {
    edges { node { id name status startDate endDate } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CAMPAIGN = `query ($id: ID!) {
  campaign(id: $id) {
    id name type status startDate endDate isActive
    budgetedCost { amount currencyCode } actualCost { amount currencyCode } expectedRevenue { amount currencyCode }
    owner { email }
  }
}`;
const MEMBERS = `query ($id: ID!, $first: Int, $after: String) {
  campaign(id: $id) {
    members(first: $first, after: $after) {
      edges { node { id status hasResponded contact { id } customer { id crmAccountId } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const INFLUENCED = `query ($id: ID!, $first: Int, $after: String) {
  campaign(id: $id) {
    influencedOpportunities(first: $first, after: $after) {
      edges { node { id closeDate campaign { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

interface CampaignRow {
  Id: string;
  Name: string;
  Type: string | null;
  Status: string | null;
  StartDate: string | null;
  EndDate: string | null;
  IsActive: number;
  BudgetedCost: number | null;
  ActualCost: number | null;
  ExpectedRevenue: number | null;
  OwnerEmail: string | null;
}

const campaignRows = () =>
  fixture.dataset.crm
    .prepare(
      `SELECT c.*, u.Email AS OwnerEmail FROM Campaign c LEFT JOIN User u ON u.Id = c.OwnerId
       WHERE c.IsDeleted = 0 ORDER BY c.StartDate DESC, c.Id DESC`,
    )
    .all() as CampaignRow[];

/** The campaign with the most members: the one the member tests page through. */
const busiestCampaign = () =>
  (
    fixture.dataset.crm
      .prepare(
        'SELECT CampaignId FROM CampaignMember GROUP BY CampaignId ORDER BY COUNT(*) DESC, CampaignId LIMIT 1',
      )
      .get() as { CampaignId: string }
  ).CampaignId;

const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id);

describe('campaigns', () => {
  it('costs one round trip per page for 5 as for 100, and pages to the end with every match once, also while some are added', async () => {
    const filter = { statuses: ['Completed', 'In Progress'], search: 'a' };
    const expected = () =>
      idsOf(
        fixture.dataset.crm,
        `SELECT Id FROM Campaign WHERE IsDeleted = 0 AND Status IN ('Completed', 'In Progress')
         AND lower(Name) LIKE '%a%' ORDER BY StartDate DESC, Id DESC`,
      );
    for (const first of [5, 100]) {
      await fixture.resetStats();
      const answer = await ask(CAMPAIGNS, { filter, first });
      expect(answer.errors).toBeUndefined();
      expect((await fixture.stats()).roundTrips).toBe(1);
    }
    expect(expected().length).toBeGreaterThan(10);
    const added: string[] = [];
    const paged = await pageToEnd(
      fixture,
      (after) => ask(CAMPAIGNS, { filter, first: 4, after }),
      (d) => d.campaigns,
      async (page) => {
        // Started before any generated campaign, each earlier than the last: after every position.
        if (page >= 3) return;
        added.push(
          await createRecord(fixture.crmUrl, 'Campaign', {
            Name: `Archive campaign ${page}`,
            Status: 'Completed',
            StartDate: `2020-01-0${5 - page}`,
            EndDate: `2020-02-0${5 - page}`,
          }),
        );
      },
    );
    expect(paged.roundTrips.every((n) => n === 1)).toBe(true);
    expect(ids(paged.nodes)).toEqual(expected());
    expect(added).toHaveLength(3);
    for (const id of added) expect(ids(paged.nodes)).toContain(id);
  });

  it('filters the campaigns running on a day', async () => {
    const day = '2025-06-15';
    const paged = await pageToEnd(
      fixture,
      (after) => ask(CAMPAIGNS, { filter: { activeOn: day }, first: 3, after }),
      (d) => d.campaigns,
    );
    expect(ids(paged.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        'SELECT Id FROM Campaign WHERE IsDeleted = 0 AND StartDate <= ? AND EndDate >= ? ORDER BY StartDate DESC, Id DESC',
        day,
        day,
      ),
    );
    expect(paged.nodes.length).toBeGreaterThan(0);
  });

  it('campaign(id) holds the record fields, costs in the corporate currency', async () => {
    const row = campaignRows()[0]!;
    const answer = await ask(CAMPAIGN, { id: row.Id.slice(0, 15) });
    expect(answer.errors).toBeUndefined();
    const money = (amount: number | null) =>
      amount === null ? null : { amount: amount.toFixed(2), currencyCode: 'USD' };
    expect(answer.data.campaign).toEqual({
      id: row.Id,
      name: row.Name,
      type: row.Type,
      status: row.Status,
      startDate: row.StartDate,
      endDate: row.EndDate,
      isActive: row.IsActive === 1,
      budgetedCost: money(row.BudgetedCost),
      actualCost: money(row.ActualCost),
      expectedRevenue: money(row.ExpectedRevenue),
      owner: row.OwnerEmail ? { email: row.OwnerEmail } : null,
    });
  });

  it('resolves every campaign the gateway asks about in one statement', async () => {
    const rows = campaignRows().slice(0, 15);
    await fixture.resetStats();
    const answer = await ask(
      `query ($representations: [_Any!]!) { _entities(representations: $representations) { ... on Campaign { id name } } }`,
      { representations: rows.map((row) => ({ __typename: 'Campaign', id: row.Id })) },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual(rows.map((row) => ({ id: row.Id, name: row.Name })));
    expect((await fixture.stats()).roundTrips).toBe(1);
  });
});

describe("a campaign's members and influenced opportunities", () => {
  it('members are the raw CampaignMember rows, with contact and customer, to the end while members join', async () => {
    const campaignId = busiestCampaign();
    const expected = () =>
      fixture.dataset.crm
        .prepare(
          `SELECT m.Id, m.ContactId, m.Status, m.HasResponded, a.Id AS AccountId, a.ERP_Customer_Id__c AS ErpId
           FROM CampaignMember m LEFT JOIN Contact c ON c.Id = m.ContactId LEFT JOIN Account a ON a.Id = c.AccountId
           WHERE m.IsDeleted = 0 AND m.CampaignId = ? ORDER BY m.CreatedDate, m.Id`,
        )
        .all(campaignId) as {
        Id: string;
        ContactId: string | null;
        Status: string | null;
        HasResponded: number;
        AccountId: string | null;
        ErpId: string | null;
      }[];
    expect(expected().length).toBeGreaterThan(10);
    const newcomers = idsOf(
      fixture.dataset.crm,
      'SELECT Id FROM Contact WHERE Id NOT IN (SELECT ContactId FROM CampaignMember WHERE CampaignId = ?) ORDER BY Id LIMIT 3',
      campaignId,
    );
    const paged = await pageToEnd(
      fixture,
      (after) => ask(MEMBERS, { id: campaignId, first: 6, after }),
      (d) => d.campaign.members,
      async (page) => {
        // Joining now: after every member so far (members are listed in the order they joined).
        const contactId = newcomers[page];
        if (contactId)
          await createRecord(fixture.crmUrl, 'CampaignMember', {
            CampaignId: campaignId,
            ContactId: contactId,
            Status: 'Sent',
          });
      },
    );
    // The campaign, its members' page, their contacts and their accounts: the same on every page.
    expect(new Set(paged.roundTrips)).toEqual(new Set([4]));
    const rows = expected();
    expect(rows.filter((row) => newcomers.includes(row.ContactId ?? ''))).toHaveLength(3);
    expect(paged.nodes).toEqual(
      rows.map((row) => ({
        id: row.Id,
        status: row.Status,
        hasResponded: row.HasResponded === 1,
        contact: row.ContactId ? { id: row.ContactId } : null,
        customer: row.AccountId ? { id: row.ErpId ?? row.AccountId, crmAccountId: row.AccountId } : null,
      })),
    );
  });

  it('influenced opportunities are the raw opportunities of the campaign, earliest close first', async () => {
    const campaignId = (
      fixture.dataset.crm
        .prepare(
          'SELECT CampaignId FROM Opportunity WHERE CampaignId IS NOT NULL GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1',
        )
        .get() as { CampaignId: string }
    ).CampaignId;
    const paged = await pageToEnd(
      fixture,
      (after) => ask(INFLUENCED, { id: campaignId, first: 7, after }),
      (d) => d.campaign.influencedOpportunities,
    );
    expect(ids(paged.nodes)).toEqual(
      idsOf(
        fixture.dataset.crm,
        'SELECT Id FROM Opportunity WHERE IsDeleted = 0 AND CampaignId = ? ORDER BY CloseDate, Id',
        campaignId,
      ),
    );
    for (const node of paged.nodes) expect(node.campaign).toEqual({ id: campaignId });
  });

  it("a page of campaigns reads every campaign's first members and opportunities in one statement, for 5 campaigns as for 20", async () => {
    const query = `query ($first: Int) { campaigns(first: $first) { edges { node { id
      members(first: 3) { edges { node { id } } }
      influencedOpportunities(first: 3) { edges { node { id } } } } } } }`;
    const soql = recordSoql(fixture);
    const counts: number[] = [];
    for (const first of [5, 20]) {
      await fixture.resetStats();
      const answer = await ask(query, { first });
      expect(answer.errors).toBeUndefined();
      expect(answer.data.campaigns.edges).toHaveLength(first);
      counts.push((await fixture.stats()).roundTrips);
      for (const { node } of answer.data.campaigns.edges) {
        expect(ids(node.members.edges.map((e: { node: { id: string } }) => e.node))).toEqual(
          idsOf(
            fixture.dataset.crm,
            'SELECT Id FROM CampaignMember WHERE IsDeleted = 0 AND CampaignId = ? ORDER BY CreatedDate, Id LIMIT 3',
            node.id,
          ),
        );
      }
    }
    expect(counts).toEqual([2, 2]);
    expect(
      soql.some(
        (q) =>
          q.includes('FROM CampaignMembers') &&
          q.includes('FROM Opportunities') &&
          q.includes('FROM Campaign WHERE Id IN'),
      ),
    ).toBe(true);
  });

  it('Opportunity.campaign is one batched lookup for a page of opportunities', async () => {
    const query = `query ($first: Int) { opportunities(first: $first, filter: { closeDateFrom: "2025-01-01" }) {
      edges { node { id campaign { id name } } } } }`;
    const counts: number[] = [];
    for (const first of [10, 100]) {
      await fixture.resetStats();
      const answer = await ask(query, { first });
      expect(answer.errors).toBeUndefined();
      counts.push((await fixture.stats()).roundTrips);
      const names = new Map(campaignRows().map((row) => [row.Id, row.Name]));
      for (const { node } of answer.data.opportunities.edges) {
        const row = fixture.dataset.crm
          .prepare('SELECT CampaignId FROM Opportunity WHERE Id = ?')
          .get(node.id) as { CampaignId: string | null };
        expect(node.campaign).toEqual(
          row.CampaignId ? { id: row.CampaignId, name: names.get(row.CampaignId) } : null,
        );
      }
    }
    expect(counts).toEqual([2, 2]);
  });
});

describe('bad input', () => {
  it.each([
    ['an id that is no Salesforce id', CAMPAIGN, { id: "701' OR Name != '" }, 'id', 'INVALID_ID'],
    ['an id of another object', CAMPAIGN, { id: '001000000000001AAA' }, 'id', 'INVALID_ID'],
    ['an empty list of statuses', CAMPAIGNS, { filter: { statuses: [] } }, 'filter.statuses', 'EMPTY'],
    [
      'a day not YYYY-MM-DD',
      CAMPAIGNS,
      { filter: { activeOn: '15.06.2025' } },
      'filter.activeOn',
      'INVALID_FORMAT',
    ],
    ['a blank search', CAMPAIGNS, { filter: { search: '  ' } }, 'filter.search', 'EMPTY'],
  ])(
    '%s is BAD_USER_INPUT naming the field, with no CRM call',
    async (_name, query, variables, field, reason) => {
      await fixture.resetStats();
      const answer = await ask(query, variables);
      expect(answer.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
      expect((await fixture.stats()).total).toBe(0);
    },
  );
});
