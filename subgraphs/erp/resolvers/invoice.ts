import type { InvoiceLineResolvers, InvoiceResolvers } from '../__generated__/resolvers-types.js';
import type { ErpContext } from '../context.js';
import { asksProducts } from '../selectionLookahead.js';
import { MAX_CODE_LENGTH, referenceKey } from './input.js';
import { inCurrency, primeProductsOf, productOfLine } from './lines.js';

/** Today as the ERP's dates are written (UTC), by the request's clock. */
export function todayUtc(ctx: ErpContext): string {
  return ctx.now().toISOString().slice(0, 10);
}

export const Invoice: InvoiceResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.invoiceByNumber.load(referenceKey(reference, 'number', 'Invoice', MAX_CODE_LENGTH)),
  id: (invoice) => invoice.id,
  number: (invoice) => invoice.number,
  status: (invoice) => invoice.status,
  invoiceDate: (invoice) => invoice.invoiceDate,
  dueDate: (invoice) => invoice.dueDate,
  customer: (invoice) => (invoice.customerId ? { id: invoice.customerId } : null),
  order: (invoice, _args, ctx) =>
    invoice.salesOrderId ? ctx.loaders.orderById.load(invoice.salesOrderId) : null,
  subtotal: (invoice) => invoice.subtotal,
  tax: (invoice) => invoice.tax,
  total: (invoice) => invoice.total,
  remaining: (invoice) => invoice.remaining,
  isOverdue: (invoice, _args, ctx) =>
    invoice.isOpen && invoice.dueDate !== null && invoice.dueDate < todayUtc(ctx),
  lines: async (invoice, _args, ctx, info) => {
    // With the products when the selection asks for them: no lookup of items after the lines.
    const loader =
      ctx.batching && asksProducts(info)
        ? ctx.loaders.linesOfInvoiceWithProducts
        : ctx.loaders.linesOfInvoice;
    const lines = await loader.load(invoice.id);
    primeProductsOf(lines, ctx);
    return lines.map((line) => ({ ...line, currencyCode: invoice.currencyCode }));
  },
  payments: (invoice, _args, ctx) => ctx.loaders.paymentsOfInvoice.load(invoice.id),
  creditMemos: (invoice, _args, ctx) => ctx.loaders.creditMemosOfInvoice.load(invoice.id),
};

export const InvoiceLine: InvoiceLineResolvers = {
  sequence: (line) => line.sequence,
  product: (line, _args, ctx) => productOfLine(line, ctx),
  description: (line) => line.description,
  quantity: (line) => line.quantity,
  unitPrice: (line) => inCurrency(line.unitPrice, line),
  amount: (line) => inCurrency(line.amount, line),
  amountIncludingTax: (line) => inCurrency(line.amountIncludingTax, line),
};
