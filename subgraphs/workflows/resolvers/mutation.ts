import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  convertQuoteToOrder: (_parent, args, ctx) => ctx.workflows.convertQuoteToOrder.convert(args, ctx),
  updateCustomerAddress: (_parent, { input }, ctx) => ctx.workflows.updateCustomerAddress.update(input, ctx),
  upsertCustomerContact: (_parent, { input }, ctx) => ctx.workflows.upsertCustomerContact.upsert(input, ctx),
  logInteraction: (_parent, { input }, ctx) => ctx.workflows.logInteraction.log(input, ctx),
};
