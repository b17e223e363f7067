import type { QuoteLineResolvers, QuoteResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { customerOf } from './customer.js';

export const Quote: QuoteResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.quoteById.load(id) : null;
  },
  id: (q) => q.id,
  number: (q) => q.number,
  name: (q) => q.name,
  status: (q) => q.status,
  expirationDate: (q) => q.expirationDate,
  subtotal: (q) => q.subtotal,
  discount: (q) => q.discount,
  total: (q) => q.total,
  customer: (q) => q.account && customerOf(q.account),
  opportunity: (q, _args, ctx) =>
    q.opportunityId ? ctx.loaders.opportunityById.load(q.opportunityId) : null,
  contact: (q, _args, ctx) => (q.contactId ? ctx.loaders.contactById.load(q.contactId) : null),
  // A quote read in a customer's list comes without its lines: read them with the quote.
  lines: async (q, _args, ctx) => q.lines ?? (await ctx.loaders.quoteById.load(q.id))?.lines ?? [],
  order: (q) => (q.orderNumber ? { number: q.orderNumber } : null),
  approval: ({ approval }) =>
    approval?.status
      ? {
          status: approval.status,
          level: approval.level,
          discountPercent: approval.percent,
          requestedBy: approval.requestedBy,
          decidedBy: approval.decidedBy,
          decidedAt: approval.decidedAt,
          comment: approval.comment,
        }
      : null,
};

export const QuoteLine: QuoteLineResolvers = {
  lineNumber: (l) => l.lineNumber,
  product: (l) => (l.productSku ? { sku: l.productSku } : null),
  description: (l) => l.description,
  quantity: (l) => l.quantity,
  unitPrice: (l) => l.unitPrice!,
  discountPercent: (l) => l.discountPercent,
  total: (l) => l.total!,
};
