import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  convertQuoteToOrder: (_parent, args, ctx) => ctx.conversion.convert(args, ctx),
  updateCustomerAddress: (_parent, { input }, ctx) => ctx.customerChanges.updateAddress(input, ctx),
  upsertCustomerContact: (_parent, { input }, ctx) => ctx.customerChanges.upsertContact(input, ctx),
  logInteraction: (_parent, { input }, ctx) => ctx.customerChanges.logInteraction(input, ctx),
};
