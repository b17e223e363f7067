import type { PaymentResolvers } from '../__generated__/resolvers-types.js';
import { isGuid } from '../client/odata.js';
import { dateOf, MAX_ID_LENGTH, money, referenceKey, textOf } from './shared.js';

export const Payment: PaymentResolvers = {
  async __resolveReference(reference, ctx) {
    const id = referenceKey(reference, 'id', 'Payment', MAX_ID_LENGTH);
    return isGuid(id) ? ctx.loaders.paymentById.load(id) : null;
  },
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
