import type { CustomerBlock, CustomerResolvers } from '../__generated__/resolvers-types.js';
import { EXPAND } from '../client/fields.js';
import { eq, isGuid } from '../client/odata.js';
import type {
  BcCustomer,
  BcCustomerPayment,
  BcSalesInvoice,
  BcSalesOrder,
  BcSalesShipment,
} from '../client/types.js';
import type { ErpContext } from '../context.js';
import type { CustomerModel } from '../models.js';
import { currencyOf, enumOf, loadConnection, MAX_ID_LENGTH, money, referenceKey, textOf } from './shared.js';

const BLOCKED: Readonly<Record<string, CustomerBlock>> = {
  ' ': 'NONE',
  '': 'NONE',
  Ship: 'SHIP',
  Invoice: 'INVOICE',
  All: 'ALL',
};

/**
 * The ERP record of a customer: already read (from `__resolveReference` or a lookup), or read
 * now through the request's loader. Ids that are not GUIDs are CRM account ids of prospects:
 * the ERP cannot hold them, so no call is made.
 */
export async function customerRecord(parent: CustomerModel, ctx: ErpContext): Promise<BcCustomer | null> {
  if (parent.record !== undefined) return parent.record;
  if (!isGuid(parent.id)) return null;
  return ctx.loaders.customerById.load(parent.id);
}

async function documents<T>(
  parent: CustomerModel,
  ctx: ErpContext,
  set: 'salesOrders' | 'salesInvoices' | 'customerPayments' | 'salesShipments',
  orderby: string,
  args: { first?: number | null; after?: string | null },
  extraFilter?: string,
  expand?: string,
) {
  const customerId = parent.record?.id ?? parent.id;
  if (parent.record === null || !isGuid(customerId)) return null;
  const byCustomer = eq({ kind: 'guid', field: 'customerId', value: customerId });
  const link = await ctx.client.collectionLink(
    set,
    { filter: extraFilter ? `${byCustomer} and ${extraFilter}` : byCustomer, orderby, expand },
    ctx.requestId,
  );
  // The page needs only the id, so it is read alongside the customer record rather than after
  // it: one ERP round trip less in sequence. For an id the ERP does not hold the page is empty
  // and dropped.
  const [record, connection] = await Promise.all([
    customerRecord(parent, ctx),
    loadConnection<T>(ctx, link, args.first, args.after, customerId),
  ]);
  return record ? connection : null;
}

export const Customer: CustomerResolvers = {
  async __resolveReference(reference) {
    const id = referenceKey(reference, 'id', 'Customer', MAX_ID_LENGTH);
    // The record is read when a field needs it (through the same loader), so lists that need
    // only the id start at once instead of waiting for it.
    if (!isGuid(id)) return { id, record: null };
    return { id };
  },
  id: (parent) => parent.id,
  inErp: async (parent, _args, ctx) => (await customerRecord(parent, ctx)) !== null,
  number: async (parent, _args, ctx) => (await customerRecord(parent, ctx))?.number ?? null,
  erpName: async (parent, _args, ctx) => textOf((await customerRecord(parent, ctx))?.displayName),
  erpEmail: async (parent, _args, ctx) => textOf((await customerRecord(parent, ctx))?.email),
  erpPhone: async (parent, _args, ctx) => textOf((await customerRecord(parent, ctx))?.phoneNumber),
  async erpBillingAddress(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record) return null;
    const street = [textOf(record.addressLine1), textOf(record.addressLine2)].filter((line) => line !== null);
    return {
      purpose: 'BILLING',
      source: 'ERP',
      street: street.length === 0 ? null : street.join('\n'),
      city: textOf(record.city),
      state: textOf(record.state),
      postalCode: textOf(record.postalCode),
      country: textOf(record.country),
    };
  },
  async currencyCode(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    return record ? currencyOf(record.currencyCode, ctx) : null;
  },
  async balance(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record) return null;
    return money(record.customerFinancialDetail?.balance ?? record.balanceDue, record.currencyCode, ctx);
  },
  async overdue(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record) return null;
    return money(record.customerFinancialDetail?.overdueAmount ?? 0, record.currencyCode, ctx);
  },
  // BC's credit limit 0 means "no limit".
  async creditLimit(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record?.creditLimit) return null;
    return money(record.creditLimit, record.currencyCode, ctx);
  },
  async availableCredit(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record?.creditLimit) return null;
    const balance = record.customerFinancialDetail?.balance ?? record.balanceDue ?? 0;
    // Cents as integers, so the difference of two 2-place amounts is exact.
    const cents = Math.round(record.creditLimit * 100) - Math.round(balance * 100);
    return money(cents / 100, record.currencyCode, ctx);
  },
  async blocked(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    if (!record) return null;
    return enumOf(BLOCKED, record.blocked ?? ' ', 'customer block');
  },
  async salesperson(parent, _args, ctx) {
    const record = await customerRecord(parent, ctx);
    const code = textOf(record?.salespersonCode);
    if (!code) return null;
    const employee = await ctx.loaders.employeeByNumber.load(code);
    const email = textOf(employee?.email);
    return employee && email ? { email, record: employee } : null;
  },
  orders: (parent, args, ctx) =>
    documents<BcSalesOrder>(
      parent,
      ctx,
      'salesOrders',
      'orderDate desc,number desc',
      args,
      undefined,
      EXPAND.salesOrderLines,
    ),
  invoices: (parent, args, ctx) =>
    documents<BcSalesInvoice>(
      parent,
      ctx,
      'salesInvoices',
      'invoiceDate desc,number desc',
      args,
      args.onlyOpen ? 'remainingAmount gt 0' : undefined,
    ),
  payments: (parent, args, ctx) =>
    documents<BcCustomerPayment>(parent, ctx, 'customerPayments', 'postingDate desc', args),
  shipments: (parent, args, ctx) =>
    documents<BcSalesShipment>(parent, ctx, 'salesShipments', 'shipmentDate desc,number desc', args),
};
