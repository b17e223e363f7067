import { bumpGenerations } from '../../../lib/cachedBatch.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import {
  APPROVAL_LEVEL_VALUES,
  APPROVAL_STATUS_VALUES,
  approvalOf,
  discountPercentOf,
  QUOTE_APPROVAL_FIELDS,
  type QuoteApprovalLevel,
  type QuoteApprovalRecord,
  type QuoteApprovalStatus,
  type SfQuoteApprovalFields,
} from './approvalFields.js';
import { CRM_GENERATIONS } from './cacheGenerations.js';
import type { CrmClient } from './crmClient.js';
import { toSalesforceId18 } from './ids.js';
import { buildSelect, compare, stringLiteral } from './soql.js';
import type { QuoteRecord } from './types.js';
import { CrmWrites, erpIdOf } from './writes.js';

/**
 * Discount approvals in Salesforce: the quote's Discount_Approval_* fields say where the
 * approval stands, and a completed Task on the quote (and its account) records each step, so a
 * rep sees the history in the CRM's activity timeline. Both are written in one composite request
 * with allOrNone — the CRM never holds the status without its history entry, or the reverse —
 * and the quote's part carries If-Unmodified-Since, so a quote changed since it was read is
 * refused (CONFLICT) rather than written over.
 */

/** Salesforce's lengths of the approval fields (text 255) and a task's subject and description. */
export const APPROVAL_FIELD_LIMITS = {
  comment: 255,
  person: 255,
  subject: 255,
  description: 32_000,
} as const;

/** A quote as an approval decides on it. */
export interface QuoteForApproval {
  id: string;
  number: string | null;
  /** The CRM quote status (Draft, Approved, Presented, Accepted, …), as the CRM names it. */
  status: string | null;
  accountId: string | null;
  /** The ERP customer the quote's account is linked to (lower case); null for a prospect. */
  erpCustomerId: string | null;
  /** Linked to an ERP order already (converted). */
  orderNumber: string | null;
  currencyCode: string | null;
  /** The discount in percent of the subtotal, from the quote-level figures. */
  discountPercent: number;
  approval: QuoteApprovalRecord;
  /** The version a change must be based on (sent back as `unmodifiedSince`). */
  lastModified: string | null;
}

/** One step of an approval: the values the quote then holds, and its entry in the history. */
export interface ApprovalStep {
  quoteId: string;
  accountId: string | null;
  status: QuoteApprovalStatus;
  level: QuoteApprovalLevel | null;
  percent: number;
  /** Set on a request; undefined leaves the requester as recorded. */
  requestedBy?: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  /** The task recording the step on the quote: its subject and text, and its day (ISO date). */
  history: { subject: string; description: string | null; date: string };
  /** The quote's last modification as read; the write is refused (CONFLICT) when it changed since. */
  unmodifiedSince: string | null;
}

const QUOTE_FOR_APPROVAL = [
  'Id',
  'QuoteNumber',
  'Status',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'ERP_Order_Number__c',
  'CurrencyIsoCode',
  'Subtotal',
  'TotalPrice',
  'LastModifiedDate',
  ...QUOTE_APPROVAL_FIELDS,
] as const;

/** The quote as QUOTE_FOR_APPROVAL reads it. */
type SfQuoteForApproval = Pick<
  QuoteRecord,
  Exclude<(typeof QUOTE_FOR_APPROVAL)[number], 'Account.ERP_Customer_Id__c' | 'LastModifiedDate'> | 'Account'
> & { LastModifiedDate: string | null };

export class CrmApprovalWrites extends CrmWrites {
  constructor(
    client: CrmClient,
    private readonly cache: LegacyCache | undefined,
    /** crmCacheScope(…) of the same instance, API version and token the CRM subgraph reads with. */
    private readonly scope: string,
  ) {
    super(client);
  }

  /** The quote with its discount and approval, in one query; undefined when it does not exist. */
  async quoteForApproval(quoteId: string, requestId?: string): Promise<QuoteForApproval | undefined> {
    const id = toSalesforceId18(quoteId);
    if (!id) return undefined;
    const [record] = await this.client.queryAll<SfQuoteForApproval>(
      buildSelect({
        object: 'Quote',
        fields: QUOTE_FOR_APPROVAL,
        where: compare('Id', '=', stringLiteral(id)),
      }),
      'quote for approval',
      { requestId },
    );
    if (!record) return undefined;
    return {
      id: record.Id,
      number: record.QuoteNumber?.trim() || null,
      status: record.Status,
      accountId: record.AccountId,
      erpCustomerId: erpIdOf(record.Account?.ERP_Customer_Id__c),
      orderNumber: record.ERP_Order_Number__c || null,
      currencyCode: record.CurrencyIsoCode || null,
      discountPercent: discountPercentOf(record.Subtotal, record.TotalPrice),
      approval: approvalOf(record),
      lastModified: record.LastModifiedDate,
    };
  }

  /**
   * Records one approval step: the quote's approval fields and a completed task on the quote,
   * all or nothing. Sent once; the caller holds the quote's lease and read its state first.
   */
  async recordApprovalStep(step: ApprovalStep, requestId?: string): Promise<void> {
    const quoteId = toSalesforceId18(step.quoteId) ?? step.quoteId;
    const fields: SfQuoteApprovalFields = {
      Discount_Approval_Status__c: APPROVAL_STATUS_VALUES[step.status],
      Discount_Approval_Level__c: step.level === null ? null : APPROVAL_LEVEL_VALUES[step.level],
      Discount_Approval_Percent__c: step.percent,
      ...(step.requestedBy === undefined ? {} : { Discount_Approval_Requested_By__c: step.requestedBy }),
      Discount_Approval_Decided_By__c: step.decidedBy,
      Discount_Approval_Decided_At__c: step.decidedAt,
      Discount_Approval_Comment__c: step.comment,
    };
    try {
      await this.patchWithHistory(
        { object: 'Quote', id: quoteId, referenceId: 'quote', body: fields },
        step.unmodifiedSince,
        { referenceId: 'history', accountId: step.accountId, contactId: null, ...step.history },
        'record quote approval',
        requestId,
      );
    } finally {
      // Bumped whatever the outcome: a write that timed out may still have happened.
      await bumpGenerations(this.cache, this.scope, [
        CRM_GENERATIONS.accounts,
        CRM_GENERATIONS.quote(quoteId),
        CRM_GENERATIONS.lists,
        ...(step.accountId ? [CRM_GENERATIONS.account(step.accountId)] : []),
      ]);
    }
  }
}
