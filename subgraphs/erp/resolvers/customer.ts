import type { CustomerResolvers } from '../__generated__/resolvers-types.js';
import type { DocumentKind } from '../client/lists.js';
import type { ErpCustomer } from '../client/models.js';
import { isErpId } from '../client/reads.js';
import type { ErpContext } from '../context.js';
import type { CustomerModel } from '../models.js';
import { asksLineProducts } from '../selectionLookahead.js';
import { erpAddress } from './address.js';
import { listConnection } from './connection.js';
import { MAX_ID_LENGTH, referenceKey } from './input.js';

/**
 * The ERP record of a customer: already read (from a lookup by number), or read now through
 * the request's loader. Ids the ERP cannot hold are CRM account ids of prospects: no call is made.
 */
export async function customerRecord(parent: CustomerModel, ctx: ErpContext): Promise<ErpCustomer | null> {
  if (parent.record !== undefined) return parent.record;
  if (!isErpId(parent.id)) return null;
  return ctx.loaders.customerById.load(parent.id);
}

/** A field of the customer's record; null when the ERP does not hold the customer. */
const fromRecord =
  <T>(pick: (record: ErpCustomer) => T) =>
  async (parent: CustomerModel, _args: unknown, ctx: ErpContext): Promise<T | null> => {
    const record = await customerRecord(parent, ctx);
    return record ? pick(record) : null;
  };

/**
 * A page of the customer's documents of one kind; null when the ERP does not hold the customer.
 * `withProducts`: the selection asks for the products of the documents' lines (orders only).
 */
async function documents<K extends DocumentKind>(
  kind: K,
  parent: CustomerModel,
  args: { first?: number | null; after?: string | null; onlyOpen?: boolean | null },
  ctx: ErpContext,
  withProducts = false,
) {
  const customerId = parent.record?.id ?? parent.id;
  if (parent.record === null || !isErpId(customerId)) return null;
  const list = await ctx.erp.customerDocuments(
    kind,
    customerId,
    { onlyOpen: args.onlyOpen, withProducts },
    ctx.requestId,
  );
  // The page needs only the id, so it is read alongside the customer record rather than after
  // it: one ERP round trip less in sequence. For an id the ERP does not hold the page is empty
  // and dropped.
  const [record, connection] = await Promise.all([
    customerRecord(parent, ctx),
    listConnection(list, args, ctx),
  ]);
  return record ? connection : null;
}

export const Customer: CustomerResolvers = {
  async __resolveReference(reference) {
    const id = referenceKey(reference, 'id', 'Customer', MAX_ID_LENGTH);
    // The record is read when a field needs it (through the same loader), so lists that need
    // only the id start at once instead of waiting for it.
    if (!isErpId(id)) return { id, record: null };
    return { id };
  },
  id: (parent) => parent.id,
  inErp: async (parent, _args, ctx) => (await customerRecord(parent, ctx)) !== null,
  number: fromRecord((record) => record.number),
  erpName: fromRecord((record) => record.name),
  erpEmail: fromRecord((record) => record.email),
  erpPhone: fromRecord((record) => record.phone),
  erpBillingAddress: fromRecord((record) => erpAddress('BILLING', record.billingAddress)),
  currencyCode: fromRecord((record) => record.currencyCode),
  balance: fromRecord((record) => record.balance),
  overdue: fromRecord((record) => record.overdue),
  creditLimit: fromRecord((record) => record.creditLimit),
  availableCredit: fromRecord((record) => record.availableCredit),
  blocked: fromRecord((record) => record.blocked),
  async salesperson(parent, _args, ctx) {
    const number = (await customerRecord(parent, ctx))?.salespersonNumber;
    if (!number) return null;
    const employee = await ctx.loaders.employeeByNumber.load(number);
    return employee?.email ? { email: employee.email, record: employee } : null;
  },
  orders: (parent, args, ctx, info) =>
    documents('orders', parent, args, ctx, ctx.batching && asksLineProducts(info)),
  invoices: (parent, args, ctx) => documents('invoices', parent, args, ctx),
  payments: (parent, args, ctx) => documents('payments', parent, args, ctx),
  shipments: (parent, args, ctx) => documents('shipments', parent, args, ctx),
  creditMemos: (parent, args, ctx) => documents('creditMemos', parent, args, ctx),
  purchasedProducts: (parent, args, ctx) => documents('purchases', parent, args, ctx),
};
