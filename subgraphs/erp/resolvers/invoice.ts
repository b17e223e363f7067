import type {
  InvoiceLineResolvers,
  InvoiceResolvers,
  InvoiceStatus,
} from '../__generated__/resolvers-types.js';
import { dateOf, enumOf, MAX_CODE_LENGTH, money, productOfLine, referenceKey, textOf } from './shared.js';

const STATUS: Readonly<Record<string, InvoiceStatus>> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Paid: 'PAID',
  Canceled: 'CANCELED',
  Corrective: 'CORRECTIVE',
};

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

export const Invoice: InvoiceResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.invoiceByNumber.load(referenceKey(reference, 'number', 'Invoice', MAX_CODE_LENGTH)),
  id: (invoice) => invoice.id,
  number: (invoice) => invoice.number,
  status: (invoice) => enumOf(STATUS, invoice.status, 'invoice status'),
  invoiceDate: (invoice) => dateOf(invoice.invoiceDate),
  dueDate: (invoice) => dateOf(invoice.dueDate),
  customer: (invoice) => (invoice.customerId ? { id: invoice.customerId } : null),
  order: (invoice, _args, ctx) => (invoice.orderId ? ctx.loaders.orderById.load(invoice.orderId) : null),
  subtotal: (invoice, _args, ctx) => money(invoice.totalAmountExcludingTax, invoice.currencyCode, ctx),
  tax: (invoice, _args, ctx) => money(invoice.totalTaxAmount, invoice.currencyCode, ctx),
  total: (invoice, _args, ctx) => money(invoice.totalAmountIncludingTax, invoice.currencyCode, ctx),
  remaining: (invoice, _args, ctx) => money(invoice.remainingAmount, invoice.currencyCode, ctx),
  isOverdue: (invoice) => {
    const due = dateOf(invoice.dueDate);
    return (invoice.remainingAmount ?? 0) > 0 && due !== null && due < todayUtc();
  },
  lines: async (invoice, _args, ctx) =>
    (await ctx.loaders.invoiceLinesByInvoiceId.load(invoice.id)).map((line) => ({
      ...line,
      currencyCode: invoice.currencyCode,
    })),
  payments: (invoice, _args, ctx) => ctx.loaders.paymentsByInvoiceId.load(invoice.id),
};

export const InvoiceLine: InvoiceLineResolvers = {
  sequence: (line) => line.sequence,
  product: (line, _args, ctx) => productOfLine(line, ctx),
  description: (line) => textOf(line.description),
  quantity: (line) => line.quantity ?? 0,
  unitPrice: (line, _args, ctx) => money(line.unitPrice, line.currencyCode, ctx),
  amount: (line, _args, ctx) => money(line.amountExcludingTax, line.currencyCode, ctx),
  amountIncludingTax: (line, _args, ctx) => money(line.amountIncludingTax, line.currencyCode, ctx),
};
