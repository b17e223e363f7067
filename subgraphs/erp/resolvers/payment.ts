import type { PaymentResolvers } from '../__generated__/resolvers-types.js';
import { isErpId } from '../client/reads.js';
import { MAX_ID_LENGTH, referenceKey } from './input.js';

export const Payment: PaymentResolvers = {
  async __resolveReference(reference, ctx) {
    const id = referenceKey(reference, 'id', 'Payment', MAX_ID_LENGTH);
    return isErpId(id) ? ctx.loaders.paymentById.load(id) : null;
  },
  id: (payment) => payment.id,
  documentNumber: (payment) => payment.documentNumber,
  postingDate: (payment) => payment.postingDate,
  amount: (payment) => payment.amount,
  description: (payment) => payment.description,
  customer: (payment) => (payment.customerId ? { id: payment.customerId } : null),
  invoice: (payment, _args, ctx) =>
    payment.appliedInvoiceNumber ? ctx.loaders.invoiceByNumber.load(payment.appliedInvoiceNumber) : null,
};
