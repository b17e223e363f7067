import type { OpportunityResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { customerOf } from './customer.js';

export const Opportunity: OpportunityResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.opportunityById.load(id) : null;
  },
  id: (o) => o.id,
  name: (o) => o.name,
  stage: (o) => o.stage,
  amount: (o) => o.amount,
  probability: (o) => o.probability,
  closeDate: (o) => o.closeDate,
  isClosed: (o) => o.isClosed,
  isWon: (o) => o.isWon,
  customer: (o) => o.account && customerOf(o.account),
  owner: (o) => o.owner,
  quotes: (o, _args, ctx) => ctx.loaders.quotesOfOpportunity.load(o.id),
  // A page of opportunities names its campaigns once each: one batched lookup for them all.
  campaign: (o, _args, ctx) => (o.campaignId ? ctx.loaders.campaignById.load(o.campaignId) : null),
};
