import type { PostalAddress } from '../../../lib/domain.js';
import type { QuoteApprovalRecord } from './approvalFields.js';
import type { CrmContactRole, CrmInteractionType } from './models.js';

/**
 * What the CRM write client takes and hands out, in the graph's vocabulary: the workflows
 * subgraph decides on these and never meets a Salesforce field name, picklist value or
 * last-modified header. Plain JSON, so a write-back can store what it still owes.
 */

export type AccountAddressPurpose = 'BILLING' | 'SHIPPING';

export type { PostalAddress } from '../../../lib/domain.js';

export interface CrmAccountForWrite {
  id: string;
  /** The ERP customer the account is linked to (lower case); null for a prospect. */
  erpCustomerId: string | null;
  billingAddress: PostalAddress;
  shippingAddress: PostalAddress;
  /** The version a change must be based on (sent back as `unmodifiedSince`). */
  lastModified: string | null;
}

export interface CrmContactForWrite {
  id: string;
  accountId: string | null;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  mobilePhone: string | null;
  title: string | null;
  /** The role as the CRM names it (e.g. "Decision Maker"), reported as is. */
  role: string | null;
  /** The version a change must be based on (sent back as `unmodifiedSince`). */
  lastModified: string | null;
}

/** A contact's details as a create or change writes them: every one, null clearing it. */
export interface ContactDetails {
  firstName: string | null;
  lastName: string;
  email: string | null;
  phone: string | null;
  mobilePhone: string | null;
  title: string | null;
  role: CrmContactRole;
}

export interface NewInteraction {
  /** The CRM account it is logged against. */
  customerAccountId: string;
  contactId: string | null;
  type: CrmInteractionType;
  subject: string;
  description: string | null;
  /** ISO 8601 instant: a task's date (its day is kept), an event's start. */
  occurredAt: string;
  /** Events only. */
  durationMinutes: number;
}

export interface QuoteLineForConversion {
  id: string;
  lineNumber: string | null;
  /** The product's SKU; null when the line names no product the ERP could know. */
  sku: string | null;
  quantity: number;
  unitPrice: number | null;
  /** Percent; null when none. */
  discountPercent: number | null;
}

/** A quote as its conversion into an ERP order reads it. */
export interface QuoteForConversion {
  id: string;
  /** Null when blank. */
  number: string | null;
  /** The status as the CRM names it (e.g. "Approved"). */
  status: string | null;
  /** Whether the status is one a sales team converts from. */
  convertible: boolean;
  /** Whether the status is the one a conversion leaves it in. */
  accepted: boolean;
  customerAccountId: string | null;
  /** The ERP customer the quote's account is linked to (lower case). */
  erpCustomerId: string | null;
  opportunityId: string | null;
  /** The ERP order it is already linked to, if any. */
  linkedOrder: { number: string; id: string | null } | null;
  /** What the order will cost the customer (with tax), in the quote's currency. */
  grandTotal: { amount: number; currencyCode: string | null };
  /** The quote's discount in percent of its subtotal (approvalFields.ts discountPercentOf). */
  discountPercent: number;
  /** The discount approval recorded on the quote. */
  approval: QuoteApprovalRecord;
  lines: QuoteLineForConversion[];
}

/**
 * The quote accepted and linked to the ERP order made from it, its opportunity closed won.
 * Stored as is by a pending write-back: its shape stays readable by later versions.
 */
export interface QuoteLink {
  quoteId: string;
  opportunityId: string | null;
  orderNumber: string;
  orderId: string;
}
