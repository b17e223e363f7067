import { type Connection, connectionOf } from '../../../lib/connections.js';
import type { CampaignMemberResolvers, CampaignResolvers } from '../__generated__/resolvers-types.js';
import { parseCrmId } from '../client/ids.js';
import { CAMPAIGN_LISTS, type CrmList } from '../client/lists.js';
import type { CrmContext } from '../context.js';
import type { CampaignModel } from '../models.js';
import { listConnection } from './connection.js';
import { customerOf } from './customer.js';

/**
 * A campaign's list: first pages of every campaign of a request in one statement (the
 * childList loader's subqueries of Campaign), a later page one statement of its own.
 */
async function campaignList<N, P>(
  list: CrmList<N, P>,
  campaign: CampaignModel,
  args: { first?: number | null; after?: string | null },
  ctx: CrmContext,
): Promise<Connection<N>> {
  // A campaign read from the CRM always has an id: the list is never "no parent".
  const page = await listConnection({ list, parentId: campaign.id }, args, ctx);
  return page ?? connectionOf([], { hasNextPage: false, hasPreviousPage: false });
}

export const Campaign: CampaignResolvers = {
  /** Every campaign the gateway asks about in one request: one batched lookup. */
  __resolveReference(reference, ctx) {
    const id = typeof reference.id === 'string' ? parseCrmId('campaign', reference.id) : null;
    return id ? ctx.loaders.campaignById.load(id) : null;
  },
  id: (c) => c.id,
  name: (c) => c.name,
  type: (c) => c.type,
  status: (c) => c.status,
  startDate: (c) => c.startDate,
  endDate: (c) => c.endDate,
  isActive: (c) => c.isActive,
  budgetedCost: (c) => c.budgetedCost,
  actualCost: (c) => c.actualCost,
  expectedRevenue: (c) => c.expectedRevenue,
  owner: (c) => c.owner,
  members: (c, args, ctx) => campaignList(CAMPAIGN_LISTS.members, c, args, ctx),
  influencedOpportunities: (c, args, ctx) =>
    campaignList(CAMPAIGN_LISTS.influencedOpportunities, c, args, ctx),
};

export const CampaignMember: CampaignMemberResolvers = {
  id: (m) => m.id,
  status: (m) => m.status,
  hasResponded: (m) => m.hasResponded,
  contact: (m, _args, ctx) => (m.contactId ? ctx.loaders.contactById.load(m.contactId) : null),
  customer: (m) => m.account && customerOf(m.account),
};
