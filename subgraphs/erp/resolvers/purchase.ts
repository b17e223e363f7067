import { centsOf, formatCents } from '../../../lib/money.js';
import type {
  AssetResolvers,
  PurchasedProductResolvers,
  WarrantyCostEntryResolvers,
  WarrantyResolvers,
} from '../__generated__/resolvers-types.js';
import type { ErpInvoice, ErpPurchase, Money } from '../client/models.js';
import type { ErpContext } from '../context.js';
import type { AssetModel } from '../models.js';
import { MAX_ID_LENGTH, referenceKey } from './input.js';
import { productOfLine } from './lines.js';

/** Business Central's serial numbers are 50 characters: a longer one names no unit. */
const MAX_SERIAL_LENGTH = 50;

/**
 * The invoice that billed a sale: of the sale's order's invoices (oldest first), the first
 * posted on or after the day it shipped; null when none is (not invoiced yet).
 */
async function invoiceOfSale(sale: ErpPurchase, ctx: ErpContext): Promise<ErpInvoice | null> {
  if (!sale.orderNumber) return null;
  const order = await ctx.loaders.orderByNumber.load(sale.orderNumber);
  if (!order) return null;
  const invoices = await ctx.loaders.invoicesOfOrder.load(order.id);
  return (
    invoices.find((invoice) => sale.shippedOn === null || (invoice.invoiceDate ?? '') >= sale.shippedOn) ??
    null
  );
}

const shipmentOfSale = (sale: ErpPurchase, ctx: ErpContext) =>
  sale.shipmentNumber ? ctx.loaders.shipmentByNumber.load(sale.shipmentNumber) : null;

const orderOfSale = (sale: ErpPurchase, ctx: ErpContext) =>
  sale.orderNumber ? ctx.loaders.orderByNumber.load(sale.orderNumber) : null;

export const PurchasedProduct: PurchasedProductResolvers = {
  product: (sale, _args, ctx) => productOfLine(sale, ctx),
  description: (sale) => sale.description,
  quantity: (sale) => sale.quantity,
  serialNumber: (sale) => sale.serialNumber,
  shippedOn: (sale) => sale.shippedOn,
  shipment: (sale, _args, ctx) => shipmentOfSale(sale, ctx),
  order: (sale, _args, ctx) => orderOfSale(sale, ctx),
  invoice: (sale, _args, ctx) => invoiceOfSale(sale, ctx),
  // The CRM resolves the unit (inCrm false when nobody registered it); the sale is handed on, so
  // the ERP's own fields of the asset need no second read.
  asset: (sale) => (sale.serialNumber ? { serialNumber: sale.serialNumber, sale } : null),
};

/** The unit's latest sale in the item ledger, already known or read through the loader. */
async function saleOf(asset: AssetModel, ctx: ErpContext): Promise<ErpPurchase | null> {
  if (asset.sale !== undefined) return asset.sale;
  if (asset.serialNumber.length > MAX_SERIAL_LENGTH) return null;
  return ctx.loaders.saleOfSerial.load(asset.serialNumber);
}

/** A field of the unit's sale; null when the ERP has no sale of the serial. */
const fromSale =
  <T>(pick: (sale: ErpPurchase, ctx: ErpContext) => T) =>
  async (asset: AssetModel, _args: unknown, ctx: ErpContext): Promise<Awaited<T> | null> => {
    const sale = await saleOf(asset, ctx);
    return sale ? await pick(sale, ctx) : null;
  };

export const Asset: AssetResolvers = {
  __resolveReference: async (reference) => ({
    serialNumber: referenceKey(reference, 'serialNumber', 'Asset', MAX_ID_LENGTH),
  }),
  serialNumber: (asset) => asset.serialNumber,
  product: fromSale((sale, ctx) => productOfLine(sale, ctx)),
  shipment: fromSale(shipmentOfSale),
  order: fromSale(orderOfSale),
  invoice: fromSale(invoiceOfSale),
  shippedOn: fromSale((sale) => sale.shippedOn),
};

/** The sum of amounts in one currency (0.00 when there are none). */
function total(amounts: readonly Money[], currencyCode: string): Money {
  return {
    amount: formatCents(amounts.reduce((sum, money) => sum + centsOf(money.amount), 0n)),
    currencyCode,
  };
}

const costsOf = (serialNumber: string, ctx: ErpContext) =>
  serialNumber.length > MAX_SERIAL_LENGTH ? [] : ctx.loaders.warrantyCostsOfSerial.load(serialNumber);

/** A unit's warranty (the CRM judges it): what its warranty work has cost, from the warranty ledger. */
export const Warranty: WarrantyResolvers = {
  __resolveReference: async (reference) => ({
    serialNumber: referenceKey(reference, 'serialNumber', 'Warranty', MAX_ID_LENGTH),
  }),
  serialNumber: (warranty) => warranty.serialNumber,
  costToDate: async (warranty, _args, ctx) =>
    total(
      (await costsOf(warranty.serialNumber, ctx)).map((entry) => entry.amount),
      ctx.erp.localCurrencyCode,
    ),
  costEntries: (warranty, _args, ctx) => costsOf(warranty.serialNumber, ctx),
};

export const WarrantyCostEntry: WarrantyCostEntryResolvers = {
  postingDate: (entry) => entry.postingDate,
  description: (entry) => entry.description,
  amount: (entry) => entry.amount,
};
