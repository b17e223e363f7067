import type { OpportunityResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { customerOf, money, ownerOf } from './common.js';

export const Opportunity: OpportunityResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.opportunityById.load(id) : null;
  },
  id: (o) => o.Id,
  name: (o) => o.Name,
  stage: (o) => o.StageName,
  amount: (o) => money(o.Amount, o.CurrencyIsoCode),
  probability: (o) => o.Probability,
  closeDate: (o) => o.CloseDate,
  isClosed: (o) => o.IsClosed,
  isWon: (o) => o.IsWon,
  customer: (o) => customerOf(o.AccountId, o.Account),
  owner: (o) => ownerOf(o.Owner),
  quotes: (o, _args, ctx) => ctx.loaders.quotesByOpportunityId.load(o.Id),
};
