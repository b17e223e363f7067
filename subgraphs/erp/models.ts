import type {
  BcBomComponent,
  BcCustomer,
  BcCustomerPayment,
  BcEmployee,
  BcItem,
  BcSalesInvoice,
  BcSalesInvoiceLine,
  BcSalesOrder,
  BcSalesOrderLine,
  BcSalesShipment,
  BcSalesShipmentLine,
} from './client/types.js';

/**
 * The parent values the ERP resolvers receive (codegen `mappers`).
 */

/**
 * A Customer: the id the graph uses, and the ERP's record once read (`null`: the ERP does not
 * hold this customer; absent: not read yet).
 */
export interface CustomerModel {
  id: string;
  record?: BcCustomer | null;
}

/** An Employee reached by e-mail (from the gateway) or by salesperson (record read). */
export interface EmployeeModel {
  email: string;
  record?: BcEmployee | null;
}

export type SalesOrderModel = BcSalesOrder;
export type SalesOrderLineModel = BcSalesOrderLine;
export type InvoiceModel = BcSalesInvoice;
export type InvoiceLineModel = BcSalesInvoiceLine;
export type ShipmentModel = BcSalesShipment;
export type ShipmentLineModel = BcSalesShipmentLine;
export type PaymentModel = BcCustomerPayment;
export type ProductModel = BcItem;
export type BomComponentModel = BcBomComponent;
