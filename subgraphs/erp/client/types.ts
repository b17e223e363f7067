/**
 * The Business Central API v2.0 record shapes the client reads (only the fields it uses), as BC
 * sends them: amounts as JSON numbers, option values as BC's text, blank for the local currency.
 * Read only inside client/; toModels.ts makes them into models.ts's.
 */

export interface BcCustomerFinancialDetail {
  id: string;
  number: string | null;
  balance: number | null;
  totalSalesExcludingTax: number | null;
  overdueAmount: number | null;
}

export interface BcCustomer {
  id: string;
  number: string;
  displayName: string | null;
  type: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  postalCode: string | null;
  phoneNumber: string | null;
  email: string | null;
  salespersonCode: string | null;
  balanceDue: number | null;
  creditLimit: number | null;
  currencyCode: string | null;
  /** " " (not blocked), "Ship", "Invoice" or "All". */
  blocked: string | null;
  /** Present when read with `$expand=customerFinancialDetail`. */
  customerFinancialDetail?: BcCustomerFinancialDetail | null;
}

interface BcDocumentAddress {
  shipToName: string | null;
  shipToAddressLine1: string | null;
  shipToAddressLine2: string | null;
  shipToCity: string | null;
  shipToState: string | null;
  shipToCountry: string | null;
  shipToPostCode: string | null;
}

/** A priced line of a sales document as an invoice holds it; a credit memo's adds its discount. */
export interface BcSalesInvoiceLine {
  id: string;
  documentId: string;
  sequence: number;
  itemId: string | null;
  lineType: string | null;
  lineObjectNumber: string | null;
  description: string | null;
  quantity: number | null;
  unitPrice: number | null;
  amountExcludingTax: number | null;
  amountIncludingTax: number | null;
  /** Present when read with `$expand=item`: the item the line sells (null for other lines). */
  item?: BcItem | null;
}

/** A priced line with its discount: a credit memo's line as it is, an order's with more. */
export interface BcSalesLine extends BcSalesInvoiceLine {
  discountPercent: number | null;
}

export interface BcSalesOrderLine extends BcSalesLine {
  shippedQuantity: number | null;
  invoicedQuantity: number | null;
}

export interface BcSalesOrder extends BcDocumentAddress {
  id: string;
  number: string;
  externalDocumentNumber: string | null;
  orderDate: string | null;
  requestedDeliveryDate: string | null;
  customerId: string | null;
  customerNumber: string | null;
  currencyCode: string | null;
  totalAmountExcludingTax: number | null;
  totalTaxAmount: number | null;
  totalAmountIncludingTax: number | null;
  fullyShipped: boolean | null;
  /** Draft | In Review | Open | Released */
  status: string;
  /** The record's version (ETag), on every entity BC answers with. */
  '@odata.etag'?: string;
  /** Present when read with `$expand=salesOrderLines`. */
  salesOrderLines?: BcSalesOrderLine[];
}

export interface BcSalesInvoice {
  id: string;
  number: string;
  invoiceDate: string | null;
  dueDate: string | null;
  customerId: string | null;
  orderId: string | null;
  orderNumber: string | null;
  currencyCode: string | null;
  totalAmountExcludingTax: number | null;
  totalTaxAmount: number | null;
  totalAmountIncludingTax: number | null;
  remainingAmount: number | null;
  /** Draft | In Review | Open | Paid | Canceled | Corrective */
  status: string;
}

export interface BcSalesShipmentLine {
  id: string;
  documentId: string;
  sequence: number;
  lineType: string | null;
  lineObjectNumber: string | null;
  description: string | null;
  quantity: number | null;
}

export interface BcSalesShipment extends BcDocumentAddress {
  id: string;
  number: string;
  shipmentDate: string | null;
  customerId: string | null;
  orderNumber: string | null;
}

export interface BcCustomerPayment {
  id: string;
  customerId: string | null;
  postingDate: string | null;
  documentNumber: string | null;
  amount: number | null;
  appliesToInvoiceId: string | null;
  appliesToInvoiceNumber: string | null;
  description: string | null;
}

export interface BcItem {
  id: string;
  number: string;
  displayName: string | null;
  /** Inventory | Service | Non-Inventory */
  type: string;
  blocked: boolean | null;
  gtin: string | null;
  inventory: number | null;
  unitPrice: number | null;
  unitCost: number | null;
  baseUnitOfMeasureCode: string | null;
}

export interface BcBomComponent {
  id: string;
  parentItemId: string;
  lineNumber: number | null;
  type: string | null;
  componentItemId: string | null;
  componentItemNumber: string | null;
  description: string | null;
  quantityPer: number | null;
  unitOfMeasureCode: string | null;
}

export interface BcEmployee {
  id: string;
  number: string;
  displayName: string | null;
  jobTitle: string | null;
  phoneNumber: string | null;
  email: string | null;
  status: string | null;
}

export type BcSalesCreditMemoLine = BcSalesLine;

export interface BcSalesCreditMemo {
  id: string;
  number: string;
  externalDocumentNumber: string | null;
  creditMemoDate: string | null;
  postingDate: string | null;
  dueDate: string | null;
  customerId: string | null;
  currencyCode: string | null;
  /** The posted invoice the credit memo corrects. */
  invoiceId: string | null;
  invoiceNumber: string | null;
  totalAmountExcludingTax: number | null;
  totalTaxAmount: number | null;
  totalAmountIncludingTax: number | null;
  /** Draft | In Review | Open | Paid | Canceled | Corrective */
  status: string;
}

/** Custom API `itemLedgerEntries`: what left the warehouse, as BC posts it (a sale's quantity negative). */
export interface BcItemLedgerEntry {
  id: string;
  entryNumber: number;
  /** Sale */
  entryType: string | null;
  postingDate: string | null;
  /** Sales Shipment */
  documentType: string | null;
  documentNumber: string | null;
  documentLineNumber: number | null;
  orderNumber: string | null;
  itemId: string | null;
  itemNumber: string | null;
  description: string | null;
  customerId: string | null;
  quantity: number | null;
  /** '' when the item is not serialized. */
  serialNumber: string | null;
}

/** Custom API `warrantyLedgerEntries`: the cost of warranty work on a unit, in LCY. */
export interface BcWarrantyLedgerEntry {
  id: string;
  entryNumber: number;
  customerId: string | null;
  serialNumber: string | null;
  postingDate: string | null;
  description: string | null;
  /** In LCY. */
  amount: number | null;
}

/** One page of a collection plus the legacy link to the next one. */
export interface Page<T> {
  rows: T[];
  /** Same-origin path of `@odata.nextLink`, if there are more rows. */
  nextLink: string | null;
}
