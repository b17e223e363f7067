import type { ShipmentLineResolvers, ShipmentResolvers } from '../__generated__/resolvers-types.js';
import { erpAddress } from './address.js';
import { MAX_CODE_LENGTH, referenceKey } from './input.js';
import { productOfLine } from './lines.js';

export const Shipment: ShipmentResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.shipmentByNumber.load(referenceKey(reference, 'number', 'Shipment', MAX_CODE_LENGTH)),
  id: (shipment) => shipment.id,
  number: (shipment) => shipment.number,
  shipmentDate: (shipment) => shipment.shipmentDate,
  customer: (shipment) => (shipment.customerId ? { id: shipment.customerId } : null),
  order: (shipment, _args, ctx) =>
    shipment.orderNumber ? ctx.loaders.orderByNumber.load(shipment.orderNumber) : null,
  shipToAddress: (shipment) => shipment.shipToAddress && erpAddress('SHIPPING', shipment.shipToAddress),
  lines: (shipment, _args, ctx) => ctx.loaders.linesOfShipment.load(shipment.id),
};

export const ShipmentLine: ShipmentLineResolvers = {
  sequence: (line) => line.sequence,
  product: (line, _args, ctx) => productOfLine(line, ctx),
  description: (line) => line.description,
  quantity: (line) => line.quantity,
};
