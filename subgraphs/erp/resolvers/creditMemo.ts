import type {
  CreditMemoLineResolvers,
  CreditMemoResolvers,
  SupportCaseResolvers,
} from '../__generated__/resolvers-types.js';
import type { ErpCreditMemo, ErpSalesOrder } from '../client/models.js';
import { ERP_FIELD_LIMITS } from '../client/writes.js';
import type { ErpContext } from '../context.js';
import { MAX_CODE_LENGTH, MAX_ID_LENGTH, referenceKey } from './input.js';
import { InvoiceLine } from './invoice.js';

/** Oldest first, as each invoice's credit memos come. */
function byDate(a: ErpCreditMemo, b: ErpCreditMemo): number {
  const left = a.creditMemoDate ?? '';
  const right = b.creditMemoDate ?? '';
  if (left !== right) return left < right ? -1 : 1;
  return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
}

/** The credit memos of an order: those correcting any of its invoices. */
export async function creditMemosOfOrder(order: ErpSalesOrder, ctx: ErpContext): Promise<ErpCreditMemo[]> {
  const invoices = await ctx.loaders.invoicesOfOrder.load(order.id);
  const memos = await Promise.all(
    invoices.map((invoice) => ctx.loaders.creditMemosOfInvoice.load(invoice.id)),
  );
  return memos.flat().sort(byDate);
}

async function invoiceOf(memo: ErpCreditMemo, ctx: ErpContext) {
  return memo.correctedInvoiceNumber ? ctx.loaders.invoiceByNumber.load(memo.correctedInvoiceNumber) : null;
}

export const CreditMemo: CreditMemoResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.creditMemoByNumber.load(referenceKey(reference, 'number', 'CreditMemo', MAX_CODE_LENGTH)),
  id: (memo) => memo.id,
  number: (memo) => memo.number,
  status: (memo) => memo.status,
  creditMemoDate: (memo) => memo.creditMemoDate,
  postingDate: (memo) => memo.postingDate,
  dueDate: (memo) => memo.dueDate,
  // The CRM subgraph adds the case it names (CreditMemo.supportCase, @requires this field).
  externalDocumentNumber: (memo) => memo.externalDocumentNumber,
  customer: (memo) => (memo.customerId ? { id: memo.customerId } : null),
  invoice: (memo, _args, ctx) => invoiceOf(memo, ctx),
  async order(memo, _args, ctx) {
    const invoice = await invoiceOf(memo, ctx);
    return invoice?.salesOrderId ? ctx.loaders.orderById.load(invoice.salesOrderId) : null;
  },
  subtotal: (memo) => memo.subtotal,
  tax: (memo) => memo.tax,
  total: (memo) => memo.total,
  lines: async (memo, _args, ctx) =>
    (await ctx.loaders.linesOfCreditMemo.load(memo.id)).map((line) => ({
      ...line,
      currencyCode: memo.currencyCode,
    })),
};

/** An invoice's line with its discount, as the model is. */
export const CreditMemoLine: CreditMemoLineResolvers = {
  ...InvoiceLine,
  discountPercent: (line) => line.discountPercent,
};

/** A CRM case, by number: the ERP adds the credit memos that settle it (their external document number). */
export const SupportCase: SupportCaseResolvers = {
  __resolveReference: async (reference) => ({
    number: referenceKey(reference, 'number', 'SupportCase', MAX_ID_LENGTH),
  }),
  number: (supportCase) => supportCase.number,
  creditMemos: async (supportCase, _args, ctx) =>
    // A reference longer than BC's external document number names no credit memo.
    supportCase.number.length > ERP_FIELD_LIMITS.externalDocumentNumber
      ? []
      : ctx.loaders.creditMemosByExternalDocument.load(supportCase.number),
};
