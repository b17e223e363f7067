import type { PostalAddress } from '../../../lib/domain.js';
/**
 * What the ERP write client takes and hands out, in the graph's vocabulary: the workflows
 * subgraph decides on these and never meets a Business Central property name, option value or
 * ETag header. Plain JSON, so a write-back can store what it still owes.
 */

/** A customer as a write decides on it: its address and contact details, credit, blocked state. */
export interface ErpCustomerForWrite {
  id: string;
  number: string;
  billingAddress: PostalAddress;
  email: string | null;
  phone: string | null;
  /** Null: no credit limit. In `currencyCode`, as is the balance. */
  creditLimit: number | null;
  /** What the customer owes now. */
  balance: number | null;
  /** Null: the company's local currency. */
  currencyCode: string | null;
  /** What the customer is blocked for (SHIP, INVOICE, ALL); null when it is not blocked. */
  blocked: string | null;
  /** The version of the record a change must be based on (sent back to `updateCustomer`). */
  version: string;
}

/** The changes `updateCustomer` makes; a part left out is left as it is. */
export interface ErpCustomerChanges {
  billingAddress?: PostalAddress;
  email?: string;
  phone?: string;
}

export interface ErpProductForOrder {
  id: string;
  sku: string;
  name: string | null;
  /** Blocked for sale. */
  blocked: boolean;
  unitPrice: number | null;
}

export interface ErpOrderSummary {
  id: string;
  number: string;
  externalDocumentNumber: string | null;
  /** Lower case, as the graph writes customer ids. */
  customerId: string | null;
  status: string;
  currencyCode: string | null;
  totalIncludingTax: number | null;
}

export interface NewOrderLine {
  sku: string;
  quantity: number;
  unitPrice?: number;
  discountPercent?: number;
  description?: string;
}

export interface NewSalesOrder {
  customerId: string;
  /** The reference the order is found again by (the CRM quote number). */
  externalDocumentNumber: string;
  lines: readonly NewOrderLine[];
}
