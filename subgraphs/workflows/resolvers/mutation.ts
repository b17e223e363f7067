import type { MutationResolvers } from '../__generated__/resolvers-types.js';

export const Mutation: MutationResolvers = {
  convertQuoteToOrder: (_parent, args, ctx) => ctx.workflows.convertQuoteToOrder.convert(args, ctx),
  updateCustomerAddress: (_parent, { input }, ctx) => ctx.workflows.updateCustomerAddress.update(input, ctx),
  upsertCustomerContact: (_parent, { input }, ctx) => ctx.workflows.upsertCustomerContact.upsert(input, ctx),
  logInteraction: (_parent, { input }, ctx) => ctx.workflows.logInteraction.log(input, ctx),
  requestQuoteApproval: (_parent, args, ctx) => ctx.workflows.quoteApprovals.run('request', args, ctx),
  approveQuote: (_parent, args, ctx) => ctx.workflows.quoteApprovals.run('approve', args, ctx),
  rejectQuote: (_parent, args, ctx) => ctx.workflows.quoteApprovals.run('reject', args, ctx),
  createSalesOrder: (_parent, { input }, ctx) => ctx.workflows.orderEntry.create(input, ctx),
  changeSalesOrderLines: (_parent, { input }, ctx) => ctx.workflows.orderEntry.change(input, ctx),
  openSupportCase: (_parent, { input }, ctx) => ctx.workflows.supportCases.open(input, ctx),
  updateSupportCase: (_parent, { input }, ctx) => ctx.workflows.supportCases.update(input, ctx),
  closeSupportCase: (_parent, { input }, ctx) => ctx.workflows.supportCases.close(input, ctx),
  createErpCustomerFromAccount: (_parent, args, ctx) => ctx.workflows.onboarding.onboard(args, ctx),
};
