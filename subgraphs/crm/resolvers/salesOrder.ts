import type { SalesOrderResolvers } from '../__generated__/resolvers-types.js';

/** The CRM's side of an ERP order: the quote it was made from, and that quote's opportunity. */
export const SalesOrder: SalesOrderResolvers = {
  __resolveReference: (reference) => ({ number: reference.number }),
  number: (o) => o.number,
  quote: (o, _args, ctx) => ctx.loaders.quoteByOrderNumber.load(o.number),
  async opportunity(o, _args, ctx) {
    const quote = await ctx.loaders.quoteByOrderNumber.load(o.number);
    return quote?.opportunityId ? ctx.loaders.opportunityById.load(quote.opportunityId) : null;
  },
};
