import { anyCase } from '../../../lib/byKey.js';
import { badLegacyResponse } from '../../../lib/errors.js';
import { type AggregateStatement, MAX_AGGREGATE_ROWS } from './aggregates.js';
import type { CallContext, CrmClient } from './crmClient.js';
import { ACCOUNT_FIELDS } from './fields.js';
import { isKeysetFor, type KeysetPosition, keysetAfter, positionOf } from './keyset.js';
import { ACCOUNT_PAGE_ORDER, isAccountPosition, type Positioned } from './lists.js';
import type { CrmAccount } from './models.js';
import { CONTACT_ROLE_VALUES } from './picklists.js';
import {
  and,
  buildSelect,
  compare,
  NULL_LITERAL,
  type OrderKey,
  type SoqlCondition,
  stringLiteral,
} from './soql.js';
import { accountOf } from './toModels.js';
import type { AccountRecord, ContactRecord, SfQueryResult } from './types.js';

/**
 * How the CRM's accounts match the ERP's customers (ERP_Customer_Id__c), read for the
 * data-quality reports: the accounts linked to none, which of some ERP customers are linked,
 * the ERP customers several accounts are linked to (a SOQL aggregate), the linked accounts in
 * an order that puts each customer's accounts together, and the aggregate statements of their
 * counts (run by aggregates.ts). Every read is one statement per page, whatever the number of
 * records.
 */

/** Account.Type of an account that is not a customer yet: it is expected to have no ERP customer. */
const PROSPECT_TYPE = 'Prospect';

/** CRM-only accounts are listed as the accounts page is: by name, then id. */
const CRM_ONLY_ORDER = ACCOUNT_PAGE_ORDER;
export const isCrmOnlyPosition = isAccountPosition;

/**
 * Linked accounts by ERP customer, then oldest first: a customer's accounts are neighbours, and
 * the first of them is the one the graph reads the customer from (reads.ts OLDEST_FIRST), so a
 * page knows which account speaks for its customer from the row before it alone.
 */
export const LINKED_ORDER: readonly OrderKey[] = [
  { field: 'ERP_Customer_Id__c', direction: 'ASC' },
  { field: 'CreatedDate', direction: 'ASC' },
  { field: 'Id', direction: 'ASC' },
];
export const isLinkedPosition = isKeysetFor(LINKED_ORDER);

/** A linked account with what the CRM holds of the customer's e-mail. */
export interface LinkedAccount {
  account: CrmAccount;
  /**
   * The e-mail of its billing contact (the oldest contact in the Billing role that has one): the
   * address onboarding gave the ERP customer. Null when it has no such contact.
   */
  billingEmail: string | null;
}

/** An ERP customer several accounts are linked to. */
export interface DuplicateGroup {
  erpCustomerId: string;
  accounts: number;
}

type LinkedAccountRecord = AccountRecord & {
  Contacts?: SfQueryResult<Pick<ContactRecord, 'Email'>> | null;
};

const isLinked = compare('ERP_Customer_Id__c', '!=', NULL_LITERAL);
const isUnlinked = compare('ERP_Customer_Id__c', '=', NULL_LITERAL);
const isProspect = compare('Type', '=', stringLiteral(PROSPECT_TYPE));
// In SOQL an account without a Type is "not equal" to Prospect, as it should be here.
const isNoProspect = compare('Type', '!=', stringLiteral(PROSPECT_TYPE));

function checkedLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AGGREGATE_ROWS)
    throw new TypeError(`bad LIMIT ${limit}`);
  return limit;
}

/**
 * The ERP customers linked from more than one account, by id after `after` (from it on with
 * `from`), at most `limit`: an aggregate answers in one batch, so a keyset on the id pages on
 * where LIMIT stopped.
 */
function duplicateGroupsSoql(limit: number, after: string | null, from = false): string {
  const where =
    after === null
      ? isLinked
      : and(isLinked, compare('ERP_Customer_Id__c', from ? '>=' : '>', stringLiteral(after)));
  return (
    `SELECT ERP_Customer_Id__c, COUNT(Id) accounts FROM Account WHERE ${where} ` +
    `GROUP BY ERP_Customer_Id__c HAVING COUNT(Id) > 1 ORDER BY ERP_Customer_Id__c LIMIT ${checkedLimit(limit)}`
  );
}

/** `SELECT COUNT(Id) … FROM Account WHERE …`: one aggregate row. */
function countStatement(where: SoqlCondition): AggregateStatement<number> {
  return {
    soql: `SELECT COUNT(Id) accounts FROM Account WHERE ${where}`,
    freshness: 'activity',
    map: (row) => (typeof row.accounts === 'number' ? row.accounts : 0),
  };
}

/**
 * The CRM's side of the data-quality counts, as statements for CrmAggregates.runAll (one
 * composite; the duplicate groups paged 2,000 at a time on the ERP id, as an aggregate answers
 * no more): the CRM-only accounts that are no prospects, the prospects, and the duplicate groups.
 */
export function accountCountStatements(): [
  AggregateStatement<number>,
  AggregateStatement<number>,
  AggregateStatement<string>,
] {
  return [
    countStatement(and(isUnlinked, isNoProspect)),
    countStatement(and(isUnlinked, isProspect)),
    {
      soql: duplicateGroupsSoql(MAX_AGGREGATE_ROWS, null),
      freshness: 'activity',
      map: (row) => String(row.ERP_Customer_Id__c),
      page: {
        column: 'ERP_Customer_Id__c',
        render: (after, limit) => duplicateGroupsSoql(limit, after, true),
      },
    },
  ];
}

function groupsOf(result: SfQueryResult<unknown>, label: string): DuplicateGroup[] {
  return result.records.map((record) => {
    const { ERP_Customer_Id__c: id, accounts } = record as {
      ERP_Customer_Id__c?: unknown;
      accounts?: unknown;
    };
    if (typeof id !== 'string' || typeof accounts !== 'number')
      throw badLegacyResponse('CRM', label, 'aggregate row');
    return { erpCustomerId: id, accounts };
  });
}

/** Linked accounts in LINKED_ORDER with their billing contact's e-mail (a subquery). */
function linkedSoql(limit?: number, after?: KeysetPosition): string {
  return buildSelect({
    object: 'Account',
    fields: ACCOUNT_FIELDS,
    subqueries: [
      {
        relationship: 'Contacts',
        fields: ['Id', 'Email'],
        where: and(
          compare('Contact_Role__c', '=', stringLiteral(CONTACT_ROLE_VALUES.BILLING as string)),
          compare('Email', '!=', NULL_LITERAL),
        ),
        orderBy: [
          { field: 'CreatedDate', direction: 'ASC' },
          { field: 'Id', direction: 'ASC' },
        ],
        limit: 1,
      },
    ],
    where: after ? and(isLinked, keysetAfter(LINKED_ORDER, after)) : isLinked,
    orderBy: LINKED_ORDER,
    ...(limit === undefined ? {} : { limit }),
  });
}

function linkedOf(record: LinkedAccountRecord): LinkedAccount {
  return { account: accountOf(record), billingEmail: record.Contacts?.records[0]?.Email ?? null };
}

export class CrmAccountMatching {
  constructor(private readonly client: CrmClient) {}

  /** Accounts linked to no ERP customer, prospects only when asked, by name after `after`. */
  async crmOnlyPage(
    args: { includeProspects: boolean; limit: number; after?: KeysetPosition },
    requestId?: string,
  ): Promise<Positioned<CrmAccount>[]> {
    const conditions = [isUnlinked];
    if (!args.includeProspects) conditions.push(isNoProspect);
    if (args.after) conditions.push(keysetAfter(CRM_ONLY_ORDER, args.after));
    const records = await this.client.queryAll<AccountRecord>(
      buildSelect({
        object: 'Account',
        fields: ACCOUNT_FIELDS,
        where: and(...conditions),
        orderBy: CRM_ONLY_ORDER,
        limit: args.limit,
      }),
      'CRM-only accounts',
      { requestId },
    );
    return records.map((record) => ({
      node: accountOf(record),
      position: positionOf(record, CRM_ONLY_ORDER),
    }));
  }

  /** Which of these ERP customer ids some account is linked to (lower case, as the ERP writes them). */
  async linkedAmong(erpCustomerIds: readonly string[], requestId?: string): Promise<Set<string>> {
    if (erpCustomerIds.length === 0) return new Set();
    const records = await this.client.recordsWhereIn<Pick<AccountRecord, 'Id' | 'ERP_Customer_Id__c'>>(
      'Account',
      ['Id', 'ERP_Customer_Id__c'],
      'ERP_Customer_Id__c',
      erpCustomerIds,
      'accounts linked to ERP customers',
      { requestId },
    );
    return new Set(
      records.flatMap((record) => (record.ERP_Customer_Id__c ? [anyCase(record.ERP_Customer_Id__c)] : [])),
    );
  }

  /** ERP customers linked from more than one account, by id after `after`: one aggregate query. */
  async duplicateGroups(
    args: { limit: number; after?: string },
    requestId?: string,
  ): Promise<DuplicateGroup[]> {
    const label = 'duplicate accounts';
    const soql = duplicateGroupsSoql(args.limit, args.after ?? null);
    const result = await this.client.query<unknown>(soql, label, { requestId });
    return groupsOf(result, label);
  }

  /**
   * Linked accounts in LINKED_ORDER after `after`, each with its billing contact's e-mail read
   * in the same statement (a subquery).
   */
  async linkedPage(
    args: { limit: number; after?: KeysetPosition },
    requestId?: string,
  ): Promise<Positioned<LinkedAccount>[]> {
    const records = await this.client.queryAll<LinkedAccountRecord>(
      linkedSoql(args.limit, args.after),
      'linked accounts',
      { requestId },
    );
    return records.map((record) => ({ node: linkedOf(record), position: positionOf(record, LINKED_ORDER) }));
  }

  /**
   * Every linked account in LINKED_ORDER, a Salesforce batch (up to 2,000) at a time: one
   * statement, then its query locator (nextRecordsUrl), which Salesforce keeps for the query
   * instead of sorting again per page as a keyset would.
   */
  async *allLinked(requestId?: string): AsyncGenerator<LinkedAccount[]> {
    const label = 'all linked accounts';
    const ctx: CallContext = { requestId };
    let batch = await this.client.query<LinkedAccountRecord>(linkedSoql(), label, ctx);
    yield batch.records.map(linkedOf);
    while (!batch.done && batch.nextRecordsUrl) {
      batch = await this.client.queryMore<LinkedAccountRecord>(batch.nextRecordsUrl, label, ctx);
      yield batch.records.map(linkedOf);
    }
  }
}
