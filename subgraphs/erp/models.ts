import type {
  ErpBomComponent,
  ErpCreditMemo,
  ErpCreditMemoLine,
  ErpCustomer,
  ErpEmployee,
  ErpInvoice,
  ErpInvoiceLine,
  ErpOrderLine,
  ErpPayment,
  ErpProduct,
  ErpPurchase,
  ErpSalesOrder,
  ErpShipment,
  ErpShipmentLine,
  ErpWarrantyCost,
} from './client/models.js';

/** The parent values the ERP resolvers receive (codegen `mappers`): the client's models, and what leads to them. */

/**
 * A Customer: the id the graph uses, and the ERP's record once read (`null`: the ERP does not
 * hold this customer; absent: not read yet).
 */
export interface CustomerModel {
  id: string;
  record?: ErpCustomer | null;
}

/** An Employee reached by e-mail (from the gateway), or by salesperson with its record read. */
export interface EmployeeModel {
  email: string;
  record?: ErpEmployee | null;
}

/** A document line carries its document's currency, in which its amounts are. */
type InCurrency<Line> = Line & { currencyCode: string };

export type SalesOrderModel = ErpSalesOrder;
export type SalesOrderLineModel = InCurrency<ErpOrderLine>;
export type InvoiceModel = ErpInvoice;
export type InvoiceLineModel = InCurrency<ErpInvoiceLine>;
export type ShipmentModel = ErpShipment;
export type ShipmentLineModel = ErpShipmentLine;
export type PaymentModel = ErpPayment;
export type ProductModel = ErpProduct;
export type BomComponentModel = ErpBomComponent;
export type CreditMemoModel = ErpCreditMemo;
export type CreditMemoLineModel = InCurrency<ErpCreditMemoLine>;
export type PurchasedProductModel = ErpPurchase;
export type WarrantyCostEntryModel = ErpWarrantyCost;

/** A CRM support case the ERP contributes to: its number is all the ERP knows of it. */
export interface SupportCaseModel {
  number: string;
}

/**
 * A unit by its serial number (the CRM holds the asset); the ERP's sale of it once read (`null`:
 * the item ledger has none; absent: not read yet).
 */
export interface AssetModel {
  serialNumber: string;
  sale?: ErpPurchase | null;
}

/** A unit's warranty by its serial number (the CRM judges it); the ERP adds its cost. */
export interface WarrantyModel {
  serialNumber: string;
}
