import type {
  SalesOrderLineResolvers,
  SalesOrderResolvers,
  SalesOrderStatus,
} from '../__generated__/resolvers-types.js';
import { isGuid } from '../client/odata.js';
import type { BcSalesOrder } from '../client/types.js';
import type { ErpContext } from '../context.js';
import {
  dateOf,
  enumOf,
  MAX_CODE_LENGTH,
  MAX_ID_LENGTH,
  money,
  productOfLine,
  referenceKey,
  shipToAddress,
  textOf,
} from './shared.js';

const STATUS: Readonly<Record<string, SalesOrderStatus>> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Released: 'RELEASED',
};

/** Lines come with the order when it was read with `$expand=salesOrderLines`; else batched. */
async function linesOf(order: BcSalesOrder, ctx: ErpContext) {
  return order.salesOrderLines ?? ctx.loaders.orderLinesByOrderId.load(order.id);
}

export const SalesOrder: SalesOrderResolvers = {
  async __resolveReference(reference, ctx) {
    // Either key may come: @key(fields: "number") and @key(fields: "id").
    if ('id' in reference) {
      const id = referenceKey(reference, 'id', 'SalesOrder', MAX_ID_LENGTH);
      return isGuid(id) ? ctx.loaders.orderById.load(id) : null;
    }
    return ctx.loaders.orderByNumber.load(referenceKey(reference, 'number', 'SalesOrder', MAX_CODE_LENGTH));
  },
  id: (order) => order.id,
  number: (order) => order.number,
  status: (order) => enumOf(STATUS, order.status, 'sales order status'),
  orderDate: (order) => dateOf(order.orderDate),
  requestedDeliveryDate: (order) => dateOf(order.requestedDeliveryDate),
  externalDocumentNumber: (order) => textOf(order.externalDocumentNumber),
  customer: (order) => (order.customerId ? { id: order.customerId } : null),
  subtotal: (order, _args, ctx) => money(order.totalAmountExcludingTax, order.currencyCode, ctx),
  tax: (order, _args, ctx) => money(order.totalTaxAmount, order.currencyCode, ctx),
  total: (order, _args, ctx) => money(order.totalAmountIncludingTax, order.currencyCode, ctx),
  fullyShipped: (order) => order.fullyShipped === true,
  shipToAddress: (order) => shipToAddress(order),
  lines: async (order, _args, ctx) => {
    const lines = await linesOf(order, ctx);
    // Each line needs the order's currency for its amounts.
    return lines.map((line) => ({ ...line, currencyCode: order.currencyCode }));
  },
  shipments: (order, _args, ctx) => ctx.loaders.shipmentsByOrderNumber.load(order.number),
  invoices: (order, _args, ctx) => ctx.loaders.invoicesByOrderId.load(order.id),
};

export const SalesOrderLine: SalesOrderLineResolvers = {
  sequence: (line) => line.sequence,
  product: (line, _args, ctx) => productOfLine(line, ctx),
  description: (line) => textOf(line.description),
  quantity: (line) => line.quantity ?? 0,
  unitPrice: (line, _args, ctx) => money(line.unitPrice, line.currencyCode, ctx),
  discountPercent: (line) => line.discountPercent,
  amount: (line, _args, ctx) => money(line.amountExcludingTax, line.currencyCode, ctx),
  amountIncludingTax: (line, _args, ctx) => money(line.amountIncludingTax, line.currencyCode, ctx),
  shippedQuantity: (line) => line.shippedQuantity,
  invoicedQuantity: (line) => line.invoicedQuantity,
};
