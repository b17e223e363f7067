/**
 * A quote's discount approval as the CRM records it: custom fields on the Quote
 * (Discount_Approval_*), read by the CRM subgraph (Quote.approval) and by the workflows
 * (request, decide, and the check before conversion). The field names and picklist values live
 * here and nowhere else; the rest of the graph speaks the domain words below.
 */

export type QuoteApprovalStatus = 'NOT_REQUIRED' | 'PENDING' | 'APPROVED' | 'REJECTED';
export type QuoteApprovalLevel = 'MANAGER' | 'DIRECTOR';

/** The approval recorded on a quote; null status: never asked for. */
export interface QuoteApprovalRecord {
  status: QuoteApprovalStatus | null;
  level: QuoteApprovalLevel | null;
  /** The discount % asked for, or decided on. */
  percent: number | null;
  requestedBy: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
}

/** The quote's fields that hold its approval, for a SELECT or a sObject GET. */
export const QUOTE_APPROVAL_FIELDS = [
  'Discount_Approval_Status__c',
  'Discount_Approval_Level__c',
  'Discount_Approval_Percent__c',
  'Discount_Approval_Requested_By__c',
  'Discount_Approval_Decided_By__c',
  'Discount_Approval_Decided_At__c',
  'Discount_Approval_Comment__c',
] as const;

export interface SfQuoteApprovalFields {
  Discount_Approval_Status__c?: string | null;
  Discount_Approval_Level__c?: string | null;
  Discount_Approval_Percent__c?: number | null;
  Discount_Approval_Requested_By__c?: string | null;
  Discount_Approval_Decided_By__c?: string | null;
  Discount_Approval_Decided_At__c?: string | null;
  Discount_Approval_Comment__c?: string | null;
}

export const APPROVAL_STATUS_VALUES: Record<QuoteApprovalStatus, string> = {
  NOT_REQUIRED: 'Not Required',
  PENDING: 'Pending',
  APPROVED: 'Approved',
  REJECTED: 'Rejected',
};

export const APPROVAL_LEVEL_VALUES: Record<QuoteApprovalLevel, string> = {
  MANAGER: 'Manager',
  DIRECTOR: 'Director',
};

function fromPicklist<T extends string>(
  values: Record<T, string>,
  value: string | null | undefined,
): T | null {
  if (!value) return null;
  const wanted = value.trim().toLowerCase();
  const found = (Object.entries(values) as [T, string][]).find(([, v]) => v.toLowerCase() === wanted);
  return found ? found[0] : null;
}

/** Salesforce's date-time (`…+0000`) as ISO 8601 in UTC, as the graph gives instants. */
function isoInstant(value: string | null | undefined): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : new Date(ms).toISOString();
}

/**
 * The approval of a quote record. A status the picklist does not know reads as never asked
 * (null): conversion then asks for an approval rather than trusting an unknown word.
 */
export function approvalOf(record: SfQuoteApprovalFields): QuoteApprovalRecord {
  return {
    status: fromPicklist(APPROVAL_STATUS_VALUES, record.Discount_Approval_Status__c),
    level: fromPicklist(APPROVAL_LEVEL_VALUES, record.Discount_Approval_Level__c),
    percent:
      typeof record.Discount_Approval_Percent__c === 'number' ? record.Discount_Approval_Percent__c : null,
    requestedBy: record.Discount_Approval_Requested_By__c || null,
    decidedBy: record.Discount_Approval_Decided_By__c || null,
    decidedAt: isoInstant(record.Discount_Approval_Decided_At__c),
    comment: record.Discount_Approval_Comment__c || null,
  };
}

/**
 * The quote's discount in percent of its subtotal, from the quote-level figures Salesforce rolls
 * up from the lines (Subtotal before line discounts, TotalPrice after), to 2 places — the same
 * figure as the quote's own Discount field, and the discount the graph shows as Money.
 */
export function discountPercentOf(
  subtotal: number | null | undefined,
  totalPrice: number | null | undefined,
) {
  if (typeof subtotal !== 'number' || typeof totalPrice !== 'number' || subtotal <= 0) return 0;
  return Math.round(((subtotal - totalPrice) / subtotal) * 10_000) / 100;
}
