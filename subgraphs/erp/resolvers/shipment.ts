import type { ShipmentLineResolvers, ShipmentResolvers } from '../__generated__/resolvers-types.js';
import { dateOf, MAX_CODE_LENGTH, productOfLine, referenceKey, shipToAddress, textOf } from './shared.js';

export const Shipment: ShipmentResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.shipmentByNumber.load(referenceKey(reference, 'number', 'Shipment', MAX_CODE_LENGTH)),
  id: (shipment) => shipment.id,
  number: (shipment) => shipment.number,
  shipmentDate: (shipment) => dateOf(shipment.shipmentDate),
  customer: (shipment) => (shipment.customerId ? { id: shipment.customerId } : null),
  order: (shipment, _args, ctx) =>
    shipment.orderNumber ? ctx.loaders.orderByNumber.load(shipment.orderNumber) : null,
  shipToAddress: (shipment) => shipToAddress(shipment),
  lines: (shipment, _args, ctx) => ctx.loaders.shipmentLinesByShipmentId.load(shipment.id),
};

export const ShipmentLine: ShipmentLineResolvers = {
  sequence: (line) => line.sequence,
  product: (line, _args, ctx) => productOfLine(line, ctx),
  description: (line) => textOf(line.description),
  quantity: (line) => line.quantity ?? 0,
};
