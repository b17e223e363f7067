import type { SalesOrderLineResolvers, SalesOrderResolvers } from '../__generated__/resolvers-types.js';
import { isErpId } from '../client/reads.js';
import { erpAddress } from './address.js';
import { CreditMemoLine, creditMemosOfOrder } from './creditMemo.js';
import { MAX_CODE_LENGTH, MAX_ID_LENGTH, referenceKey } from './input.js';
import { primeProductsOf } from './lines.js';

export const SalesOrder: SalesOrderResolvers = {
  async __resolveReference(reference, ctx) {
    // Either key may come: @key(fields: "number") and @key(fields: "id").
    if ('id' in reference) {
      const id = referenceKey(reference, 'id', 'SalesOrder', MAX_ID_LENGTH);
      return isErpId(id) ? ctx.loaders.orderById.load(id) : null;
    }
    return ctx.loaders.orderByNumber.load(referenceKey(reference, 'number', 'SalesOrder', MAX_CODE_LENGTH));
  },
  id: (order) => order.id,
  number: (order) => order.number,
  status: (order) => order.status,
  orderDate: (order) => order.orderDate,
  requestedDeliveryDate: (order) => order.requestedDeliveryDate,
  externalDocumentNumber: (order) => order.externalDocumentNumber,
  version: (order) => order.version,
  customer: (order) => (order.customerId ? { id: order.customerId } : null),
  subtotal: (order) => order.subtotal,
  tax: (order) => order.tax,
  total: (order) => order.total,
  fullyShipped: (order) => order.fullyShipped,
  shipToAddress: (order) => order.shipToAddress && erpAddress('SHIPPING', order.shipToAddress),
  lines: async (order, _args, ctx) => {
    // Orders are read with their lines; the loader is for an answer that came without them.
    const lines = order.lines ?? (await ctx.loaders.linesOfOrder.load(order.id));
    primeProductsOf(lines, ctx);
    return lines.map((line) => ({ ...line, currencyCode: order.currencyCode }));
  },
  shipments: (order, _args, ctx) => ctx.loaders.shipmentsOfOrder.load(order.number),
  invoices: (order, _args, ctx) => ctx.loaders.invoicesOfOrder.load(order.id),
  creditMemos: (order, _args, ctx) => creditMemosOfOrder(order, ctx),
};

/** A credit memo's line plus what was shipped and invoiced of it, as the model is. */
export const SalesOrderLine: SalesOrderLineResolvers = {
  ...CreditMemoLine,
  shippedQuantity: (line) => line.shippedQuantity,
  invoicedQuantity: (line) => line.invoicedQuantity,
};
