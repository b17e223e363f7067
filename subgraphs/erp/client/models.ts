import type { Amount, Money } from '../../../lib/domain.js';

/**
 * What the ERP client hands out: the ERP's records in the graph's own vocabulary (schema/erp.graphql),
 * with everything Business Central-specific already translated — option values to enum values,
 * a blank currency code to the local currency, BC's empty date to null, empty text to null,
 * amounts to exact decimal text. Plain JSON, so the shared cache can hold them.
 */

export type { Amount, Money } from '../../../lib/domain.js';

/** An address as the ERP holds it (what it is for is the field holding it). */
export interface ErpAddress {
  /** The address lines, one per line of text. */
  street: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

export type CustomerBlock = 'NONE' | 'SHIP' | 'INVOICE' | 'ALL';
export type SalesOrderStatus = 'DRAFT' | 'IN_REVIEW' | 'OPEN' | 'RELEASED';
export type InvoiceStatus = 'DRAFT' | 'IN_REVIEW' | 'OPEN' | 'PAID' | 'CANCELED' | 'CORRECTIVE';
export type CreditMemoStatus = InvoiceStatus;
export type ProductType = 'INVENTORY' | 'SERVICE' | 'NON_INVENTORY';

export interface ErpCustomer {
  id: string;
  number: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  billingAddress: ErpAddress;
  /** The customer's currency, in which its amounts below are given. */
  currencyCode: string;
  balance: Money;
  overdue: Money;
  /** Null: the customer has no credit limit. */
  creditLimit: Money | null;
  /** Credit limit less balance; null without a credit limit. */
  availableCredit: Money | null;
  blocked: CustomerBlock;
  /** The employee number of the salesperson responsible, if any. */
  salespersonNumber: string | null;
}

export interface ErpEmployee {
  id: string;
  number: string;
  name: string | null;
  email: string | null;
  jobTitle: string | null;
  phone: string | null;
  employmentStatus: string | null;
}

/**
 * A line of a sales document. Its amounts are in the document's currency, which the line
 * itself does not carry: whoever reaches the line through its document knows it.
 */
interface DocumentLine {
  sequence: number;
  /** The product the line sells; null for lines of other kinds (accounts, resources, comments). */
  productSku: string | null;
  /**
   * The product itself when the line was read with its item expanded (and BC's item is the one
   * productSku names); absent otherwise, and the product is looked up by productSku.
   */
  product?: ErpProduct;
  description: string | null;
  quantity: number;
}

export interface ErpInvoiceLine extends DocumentLine {
  unitPrice: Amount;
  amount: Amount;
  amountIncludingTax: Amount;
}

/** A priced line with its discount, as a credit memo holds it. */
export interface ErpCreditMemoLine extends ErpInvoiceLine {
  discountPercent: number | null;
}

/** A credit memo's line plus what was shipped and invoiced of it. */
export interface ErpOrderLine extends ErpCreditMemoLine {
  shippedQuantity: number | null;
  invoicedQuantity: number | null;
}

export type ErpShipmentLine = DocumentLine;

export interface ErpSalesOrder {
  id: string;
  number: string;
  status: SalesOrderStatus;
  orderDate: string | null;
  requestedDeliveryDate: string | null;
  externalDocumentNumber: string | null;
  customerId: string | null;
  currencyCode: string;
  subtotal: Money;
  tax: Money;
  total: Money;
  fullyShipped: boolean;
  shipToAddress: ErpAddress | null;
  /** The order's version (BC's ETag): what a change of its lines is based on. */
  version: string | null;
  /** Present when the order was read with its lines. */
  lines?: ErpOrderLine[];
}

export interface ErpInvoice {
  id: string;
  number: string;
  status: InvoiceStatus;
  invoiceDate: string | null;
  dueDate: string | null;
  customerId: string | null;
  /** The id of the sales order the invoice was posted from. */
  salesOrderId: string | null;
  currencyCode: string;
  subtotal: Money;
  tax: Money;
  total: Money;
  remaining: Money;
  /** Whether an amount remains to be paid (what `onlyOpen` selects). */
  isOpen: boolean;
}

export interface ErpShipment {
  id: string;
  number: string;
  shipmentDate: string | null;
  customerId: string | null;
  orderNumber: string | null;
  shipToAddress: ErpAddress | null;
}

export interface ErpPayment {
  id: string;
  documentNumber: string | null;
  postingDate: string | null;
  amount: Money;
  description: string | null;
  customerId: string | null;
  /** The number of the invoice the payment is applied to. */
  appliedInvoiceNumber: string | null;
}

export interface ErpProduct {
  id: string;
  sku: string;
  name: string;
  type: ProductType;
  unitPrice: Money;
  unitCost: Money | null;
  /** Null for services, which hold no stock. */
  inventory: number | null;
  inStock: boolean;
  blocked: boolean;
  gtin: string | null;
  unitOfMeasure: string | null;
}

export interface ErpBomComponent {
  /** The component, when it is a product (not a resource or a text line). */
  productSku: string | null;
  description: string | null;
  quantityPer: number;
  unitOfMeasure: string | null;
}

export interface ErpCreditMemo {
  id: string;
  number: string;
  status: CreditMemoStatus;
  creditMemoDate: string | null;
  postingDate: string | null;
  dueDate: string | null;
  externalDocumentNumber: string | null;
  customerId: string | null;
  /** The number of the posted invoice the credit memo corrects. */
  correctedInvoiceNumber: string | null;
  currencyCode: string;
  subtotal: Money;
  tax: Money;
  total: Money;
}

/** What left the warehouse for a customer: a shipment line, or one unit of a serialized product. */
export interface ErpPurchase {
  /** The ERP's entry number: unique, and what orders a day's entries. */
  entryNumber: number;
  productSku: string | null;
  description: string | null;
  /** Units shipped, positive. */
  quantity: number;
  /** Null when the product is not serialized. */
  serialNumber: string | null;
  shippedOn: string | null;
  shipmentNumber: string | null;
  orderNumber: string | null;
  customerId: string | null;
}

/** One posting of the cost of warranty work on a unit, in the company's currency. */
export interface ErpWarrantyCost {
  entryNumber: number;
  serialNumber: string | null;
  postingDate: string | null;
  description: string | null;
  amount: Money;
}
