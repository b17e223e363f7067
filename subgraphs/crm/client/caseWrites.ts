import { bumpGenerations } from '../../../lib/cachedBatch.js';
import { badLegacyResponse } from '../../../lib/errors.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { CRM_GENERATIONS } from './cacheGenerations.js';
import type { CrmClient } from './crmClient.js';
import { ASSET_FIELDS, CASE_FIELDS, ENTITLEMENT_FIELDS } from './fields.js';
import type { CrmAsset, CrmEntitlement } from './models.js';
import { and, buildSelect, compare, dateTimeLiteral, type SoqlCondition, stringLiteral } from './soql.js';
import { assetOf as crmAssetOf, entitlementOf } from './toModels.js';
import type { AssetRecord, CaseRecord, EntitlementRecord, SfQueryResult } from './types.js';
import { CrmWrites, erpIdOf, httpDate, sfId } from './writes.js';

/**
 * Support cases in Salesforce: opened, changed and closed, and the records a case is decided on
 * (the unit's asset with its entitlements, the case as it stands). Protocol knowledge stays here:
 * the Case picklist values, field names, the If-Unmodified-Since check, and how a closing is
 * recorded — the case's status and a completed task on the case carrying the resolution, in one
 * composite request with allOrNone, so the CRM never holds a closed case without its resolution
 * or the reverse. Entitlement management (a case opened under a per-incident entitlement uses
 * one of its cases) is the CRM's own: the case names the entitlement, the CRM counts.
 */

export type SupportCaseType = 'PROBLEM' | 'QUESTION' | 'COMPLAINT' | 'WARRANTY_CLAIM';
export type SupportCasePriority = 'HIGH' | 'MEDIUM' | 'LOW';
export type SupportCaseOrigin = 'PHONE' | 'EMAIL' | 'WEB';
/** The statuses of an open case; CLOSED only through closeCase. */
export type SupportCaseStatus = 'NEW' | 'WORKING' | 'ESCALATED' | 'CLOSED';

/** The Case picklist values, one table both directions use. */
export const CASE_TYPE_VALUES: Readonly<Record<SupportCaseType, string>> = {
  PROBLEM: 'Problem',
  QUESTION: 'Question',
  COMPLAINT: 'Complaint',
  WARRANTY_CLAIM: 'Warranty Claim',
};
export const CASE_PRIORITY_VALUES: Readonly<Record<SupportCasePriority, string>> = {
  HIGH: 'High',
  MEDIUM: 'Medium',
  LOW: 'Low',
};
export const CASE_ORIGIN_VALUES: Readonly<Record<SupportCaseOrigin, string>> = {
  PHONE: 'Phone',
  EMAIL: 'Email',
  WEB: 'Web',
};
export const CASE_STATUS_VALUES: Readonly<Record<SupportCaseStatus, string>> = {
  NEW: 'New',
  WORKING: 'Working',
  ESCALATED: 'Escalated',
  CLOSED: 'Closed',
};

/** Salesforce's lengths of the Case fields the workflows write. */
export const CASE_FIELD_LIMITS = {
  subject: 255,
  description: 32_000,
  orderNumber: 255,
  resolution: 32_000,
} as const;

/** A case as a change decides on it. */
export interface CaseForWrite {
  id: string;
  number: string;
  accountId: string | null;
  /** The ERP customer the case's account is linked to (lower case). */
  erpCustomerId: string | null;
  contactId: string | null;
  assetId: string | null;
  assetSerialNumber: string | null;
  entitlementId: string | null;
  /** The entitlement's name and the cases it has left (null: no limit), as the CRM counts them. */
  entitlement: { name: string | null; remainingCases: number | null } | null;
  orderNumber: string | null;
  subject: string | null;
  description: string | null;
  /** As the CRM names it (New, Working, Escalated, Closed). */
  status: string | null;
  priority: string | null;
  type: string | null;
  origin: string | null;
  closed: boolean;
  createdAt: string | null;
  /** The version a change must be based on (sent back as `unmodifiedSince`). */
  lastModified: string | null;
}

/** An asset with the account it belongs to and every entitlement on it. */
export interface AssetForCase {
  asset: CrmAsset;
  entitlements: CrmEntitlement[];
}

export interface NewSupportCase {
  accountId: string;
  contactId: string | null;
  assetId: string | null;
  /** The entitlement a warranty claim is opened under (uses one of its cases). */
  entitlementId: string | null;
  /** The ERP sales order a complaint is about. */
  orderNumber: string | null;
  type: SupportCaseType;
  subject: string;
  description: string | null;
  priority: SupportCasePriority;
  origin: SupportCaseOrigin | null;
}

/** A change to an open case; a part left out is left as it is, null clears it. */
export interface SupportCaseChanges {
  status?: Exclude<SupportCaseStatus, 'CLOSED'>;
  priority?: SupportCasePriority;
  subject?: string;
  description?: string | null;
  contactId?: string | null;
}

/** A case as the reads select it, plus what a change decides on: its entitlement's count, its version. */
const CASE_FOR_WRITE = [
  ...CASE_FIELDS,
  'Entitlement.Name',
  'Entitlement.RemainingCases',
  'LastModifiedDate',
] as const;

/** The case as CASE_FOR_WRITE reads it. */
type SfCase = CaseRecord & {
  Entitlement: Pick<EntitlementRecord, 'Name' | 'RemainingCases'> | null;
  LastModifiedDate: string | null;
};

/** An asset as the case decisions read it: with every entitlement on it. */
interface SfAsset extends AssetRecord {
  Entitlements: SfQueryResult<EntitlementRecord> | null;
}

function caseOf(row: SfCase): CaseForWrite {
  return {
    id: row.Id,
    number: row.CaseNumber ?? '',
    accountId: row.AccountId,
    erpCustomerId: erpIdOf(row.Account?.ERP_Customer_Id__c),
    contactId: row.ContactId,
    assetId: row.AssetId,
    assetSerialNumber: row.Asset?.SerialNumber ?? null,
    entitlementId: row.EntitlementId,
    entitlement: row.EntitlementId
      ? { name: row.Entitlement?.Name ?? null, remainingCases: row.Entitlement?.RemainingCases ?? null }
      : null,
    orderNumber: row.ERP_Order_Number__c || null,
    subject: row.Subject,
    description: row.Description || null,
    status: row.Status,
    priority: row.Priority,
    type: row.Type,
    origin: row.Origin,
    closed: row.IsClosed === true || row.Status === CASE_STATUS_VALUES.CLOSED,
    createdAt: row.CreatedDate,
    lastModified: row.LastModifiedDate,
  };
}

/** The asset as the reads model it, its ERP link in lower case as the writes compare it; its entitlements. */
function assetOf(row: SfAsset): AssetForCase {
  const asset = crmAssetOf(row);
  if (asset.account) asset.account.erpCustomerId = erpIdOf(asset.account.erpCustomerId);
  return { asset, entitlements: (row.Entitlements?.records ?? []).map(entitlementOf) };
}

export class CrmCaseWrites extends CrmWrites {
  constructor(
    client: CrmClient,
    private readonly cache: LegacyCache | undefined,
    /** crmCacheScope(…) of the same instance, API version and token the CRM subgraph reads with. */
    private readonly scope: string,
  ) {
    super(client);
  }

  private async cases(where: SoqlCondition, label: string, requestId?: string): Promise<CaseForWrite[]> {
    const rows = await this.client.queryAll<SfCase>(
      buildSelect({
        object: 'Case',
        fields: CASE_FOR_WRITE,
        where,
        orderBy: [
          { field: 'CreatedDate', direction: 'ASC' },
          { field: 'Id', direction: 'ASC' },
        ],
      }),
      label,
      { requestId },
    );
    return rows.map(caseOf);
  }

  /** The case with its account's ERP link; undefined when it does not exist. */
  async getCase(caseId: string, requestId?: string): Promise<CaseForWrite | undefined> {
    const [found] = await this.cases(
      compare('Id', '=', stringLiteral(sfId(caseId, 'case'))),
      'case',
      requestId,
    );
    return found;
  }

  /** The account's cases created at or after `since` (an ISO instant), oldest first. */
  async casesCreatedSince(accountId: string, since: string, requestId?: string): Promise<CaseForWrite[]> {
    return this.cases(
      and(
        compare('AccountId', '=', stringLiteral(sfId(accountId, 'account'))),
        compare('CreatedDate', '>=', dateTimeLiteral(since)),
      ),
      'cases of account since',
      requestId,
    );
  }

  /** The asset by its id or serial number, with every entitlement on it, in one query. */
  async assetForCase(
    by: { assetId: string } | { serialNumber: string },
    requestId?: string,
  ): Promise<AssetForCase | undefined> {
    const where =
      'assetId' in by
        ? compare('Id', '=', stringLiteral(sfId(by.assetId, 'asset')))
        : compare('SerialNumber', '=', stringLiteral(by.serialNumber));
    const rows = await this.client.queryAll<SfAsset>(
      buildSelect({
        object: 'Asset',
        fields: ASSET_FIELDS,
        subqueries: [
          {
            relationship: 'Entitlements',
            fields: ENTITLEMENT_FIELDS,
            orderBy: [
              { field: 'EndDate', direction: 'DESC' },
              { field: 'Id', direction: 'ASC' },
            ],
          },
        ],
        where,
        orderBy: [
          { field: 'CreatedDate', direction: 'ASC' },
          { field: 'Id', direction: 'ASC' },
        ],
      }),
      'asset with entitlements',
      { requestId },
    );
    const [first] = rows;
    return first && assetOf(first);
  }

  /** Opens the case; sent once (a lost answer is looked for, never sent again blindly). Returns its id. */
  async openCase(newCase: NewSupportCase, requestId?: string): Promise<string> {
    try {
      const response = await this.client.http.send<{ id?: unknown }>({
        method: 'POST',
        path: 'sobjects/Case',
        body: {
          AccountId: sfId(newCase.accountId, 'account'),
          ContactId: newCase.contactId,
          AssetId: newCase.assetId,
          EntitlementId: newCase.entitlementId,
          ERP_Order_Number__c: newCase.orderNumber,
          Type: CASE_TYPE_VALUES[newCase.type],
          Subject: newCase.subject,
          Description: newCase.description,
          Status: CASE_STATUS_VALUES.NEW,
          Priority: CASE_PRIORITY_VALUES[newCase.priority],
          Origin: newCase.origin === null ? null : CASE_ORIGIN_VALUES[newCase.origin],
        },
        label: 'create case',
        requestId,
      });
      if (typeof response.body?.id !== 'string') throw badLegacyResponse('CRM', 'create case');
      return response.body.id;
    } finally {
      await this.forget(newCase.accountId);
    }
  }

  /**
   * Changes an open case. With `unmodifiedSince` the CRM refuses (412) a case changed after that
   * time: a LegacyError CONFLICT.
   */
  async updateCase(
    existing: CaseForWrite,
    changes: SupportCaseChanges,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    try {
      await this.client.http.send({
        method: 'PATCH',
        path: `sobjects/Case/${sfId(existing.id, 'case')}`,
        body: {
          ...(changes.status === undefined ? {} : { Status: CASE_STATUS_VALUES[changes.status] }),
          ...(changes.priority === undefined ? {} : { Priority: CASE_PRIORITY_VALUES[changes.priority] }),
          ...(changes.subject === undefined ? {} : { Subject: changes.subject }),
          ...(changes.description === undefined ? {} : { Description: changes.description }),
          ...(changes.contactId === undefined ? {} : { ContactId: changes.contactId }),
        },
        headers: unmodifiedSince ? { 'if-unmodified-since': httpDate(unmodifiedSince) } : undefined,
        label: 'update case',
        requestId,
      });
    } finally {
      await this.forget(existing.accountId, existing);
    }
  }

  /**
   * Closes the case and records its resolution as a completed task on it (the case's activity
   * history), all or nothing; the case's part carries If-Unmodified-Since.
   */
  async closeCase(
    existing: CaseForWrite,
    resolution: string,
    unmodifiedSince: string | null,
    today: string,
    requestId?: string,
  ): Promise<void> {
    const caseId = sfId(existing.id, 'case');
    try {
      await this.patchWithHistory(
        { object: 'Case', id: caseId, referenceId: 'case', body: { Status: CASE_STATUS_VALUES.CLOSED } },
        unmodifiedSince,
        {
          referenceId: 'resolution',
          accountId: existing.accountId,
          contactId: existing.contactId,
          subject: `Case ${existing.number} closed`,
          description: resolution,
          date: today,
        },
        'close case',
        requestId,
      );
    } finally {
      await this.forget(existing.accountId, existing);
    }
  }

  /**
   * Bumped whatever the outcome (a write that timed out may still have happened): the account's
   * lists (its cases, its activities), every child list (an asset's cases, an entitlement's
   * remaining cases read with them), and a changed case's own record.
   */
  private async forget(accountId: string | null, changed?: CaseForWrite): Promise<void> {
    await bumpGenerations(this.cache, this.scope, [
      CRM_GENERATIONS.accounts,
      CRM_GENERATIONS.lists,
      ...(accountId ? [CRM_GENERATIONS.account(accountId)] : []),
      // The case itself, as read by id and by number.
      ...(changed
        ? [CRM_GENERATIONS.supportCase(changed.id), CRM_GENERATIONS.supportCaseNumber(changed.number)]
        : []),
    ]);
  }
}
