import type { QuoteLineResolvers, QuoteResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import type { QuoteLineItemRecord, QuoteRecord } from '../client/types.js';
import type { CrmContext } from '../context.js';
import { customerOf, money } from './common.js';

/** Lines carry no currency in Salesforce: they are in their quote's. */
export type QuoteLineModel = QuoteLineItemRecord & { CurrencyIsoCode?: string | null };

async function linesOf(quote: QuoteRecord, ctx: CrmContext): Promise<QuoteLineModel[]> {
  // Quotes read by this subgraph carry their lines (a subquery); a quote from elsewhere is read again.
  const source = quote.QuoteLineItems !== undefined ? quote : await ctx.loaders.quoteById.load(quote.Id);
  return (source?.QuoteLineItems?.records ?? []).map((line) => ({
    ...line,
    CurrencyIsoCode: quote.CurrencyIsoCode,
  }));
}

export const Quote: QuoteResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.quoteById.load(id) : null;
  },
  id: (q) => q.Id,
  number: (q) => q.QuoteNumber,
  name: (q) => q.Name,
  status: (q) => q.Status,
  expirationDate: (q) => q.ExpirationDate,
  subtotal: (q) => money(q.Subtotal, q.CurrencyIsoCode),
  discount: (q) =>
    q.Subtotal !== null && q.TotalPrice !== null ? money(q.Subtotal - q.TotalPrice, q.CurrencyIsoCode) : null,
  total: (q) => money(q.GrandTotal ?? q.TotalPrice, q.CurrencyIsoCode),
  customer: (q) => customerOf(q.AccountId, q.Account),
  opportunity: (q, _args, ctx) =>
    q.OpportunityId ? ctx.loaders.opportunityById.load(q.OpportunityId) : null,
  contact: (q, _args, ctx) => (q.ContactId ? ctx.loaders.contactById.load(q.ContactId) : null),
  lines: (q, _args, ctx) => linesOf(q, ctx),
  order: (q) => (q.ERP_Order_Number__c ? { number: q.ERP_Order_Number__c } : null),
};

export const QuoteLine: QuoteLineResolvers = {
  lineNumber: (l) => l.LineNumber,
  product: (l) => (l.Product2?.ProductCode ? { sku: l.Product2.ProductCode } : null),
  description: (l) => l.Description,
  quantity: (l) => l.Quantity,
  unitPrice: (l) => money(l.UnitPrice, (l as QuoteLineModel).CurrencyIsoCode)!,
  discountPercent: (l) => l.Discount,
  total: (l) => money(l.TotalPrice, (l as QuoteLineModel).CurrencyIsoCode)!,
};
