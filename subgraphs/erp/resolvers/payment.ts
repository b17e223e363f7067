import type { PaymentResolvers } from '../__generated__/resolvers-types.js';
import { isGuid } from '../client/odata.js';
import { dateOf, money, textOf } from './shared.js';

export const Payment: PaymentResolvers = {
  __resolveReference: (reference, ctx) =>
    isGuid(reference.id) ? ctx.loaders.paymentById.load(reference.id) : null,
  id: (payment) => payment.id,
  documentNumber: (payment) => textOf(payment.documentNumber),
  postingDate: (payment) => dateOf(payment.postingDate),
  // Payment journal lines carry no currency: they are in the company's local currency.
  amount: (payment, _args, ctx) => money(payment.amount, null, ctx),
  description: (payment) => textOf(payment.description),
  customer: (payment) => (payment.customerId ? { id: payment.customerId } : null),
  invoice: (payment, _args, ctx) =>
    payment.appliesToInvoiceNumber ? ctx.loaders.invoiceByNumber.load(payment.appliesToInvoiceNumber) : null,
};
