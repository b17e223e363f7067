import type { Resolvers } from '../__generated__/resolvers-types.js';
import { CreditMemo, CreditMemoLine, SupportCase } from './creditMemo.js';
import { Customer } from './customer.js';
import { Employee } from './employee.js';
import { Invoice, InvoiceLine } from './invoice.js';
import { Payment } from './payment.js';
import { BomComponent, Product } from './product.js';
import { Asset, PurchasedProduct, Warranty, WarrantyCostEntry } from './purchase.js';
import { Query } from './query.js';
import { SalesOrder, SalesOrderLine } from './salesOrder.js';
import { Shipment, ShipmentLine } from './shipment.js';

export const resolvers: Resolvers = {
  Query,
  Customer,
  Employee,
  SalesOrder,
  SalesOrderLine,
  Invoice,
  InvoiceLine,
  Shipment,
  ShipmentLine,
  Payment,
  Product,
  BomComponent,
  CreditMemo,
  CreditMemoLine,
  SupportCase,
  PurchasedProduct,
  Asset,
  Warranty,
  WarrantyCostEntry,
};
