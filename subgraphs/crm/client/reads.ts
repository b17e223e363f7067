import { allByKey, anyCase, exact, firstByKey } from '../../../lib/byKey.js';
import { badLegacyResponse } from '../../../lib/errors.js';
import type { AccessTokenSource } from '../../../lib/legacyCredentials.js';
import { MAX_AGGREGATE_ROWS } from './aggregates.js';
import type { CallContext, CrmClient } from './crmClient.js';
import {
  ACCOUNT_FIELDS,
  ASSET_FIELDS,
  CAMPAIGN_FIELDS,
  CASE_FIELDS,
  CHILD_LISTS,
  type ChildListName,
  type ChildListSpec,
  CONTACT_FIELDS,
  ENTITLEMENT_FIELDS,
  EVENT_FIELDS,
  OPPORTUNITY_FIELDS,
  PRODUCT_FIELDS,
  QUOTE_FIELDS,
  QUOTE_LINE_FIELDS,
  ROOT_LISTS,
  type RootListName,
  TASK_FIELDS,
  USER_FIELDS,
} from './fields.js';
import { fieldLiteral, type KeysetPosition, keysetAfter, positionOf } from './keyset.js';
import { listConditions } from './listFilters.js';
import {
  ACCOUNT_PAGE_ORDER,
  type ChildListRead,
  type ChildListRequest,
  type ChildListRow,
  type ListCondition,
  type Positioned,
  type RootListRead,
} from './lists.js';
import type {
  CrmAccount,
  CrmAsset,
  CrmCampaign,
  CrmContact,
  CrmEntitlement,
  CrmInteraction,
  CrmOpportunity,
  CrmProduct,
  CrmQuote,
  CrmSupportCase,
  CrmUser,
} from './models.js';
import {
  and,
  buildSelect,
  compare,
  containsPattern,
  type FilterField,
  inList,
  like,
  NULL_LITERAL,
  notInList,
  type OrderKey,
  type SObjectName,
  type SoqlCondition,
  type SubquerySpec,
  stringLiteral,
} from './soql.js';
import {
  accountOf,
  assetOf,
  CHILD_LIST_MODELS,
  campaignOf,
  contactOf,
  entitlementOf,
  eventOf,
  opportunityOf,
  productOf,
  quoteOf,
  ROOT_LIST_MODELS,
  type RootListModel,
  supportCaseOf,
  taskOf,
  userOf,
} from './toModels.js';
import type {
  AccountChildrenRecord,
  AccountRecord,
  AssetRecord,
  CampaignRecord,
  CaseRecord,
  ContactRecord,
  EntitlementRecord,
  EventRecord,
  OpportunityRecord,
  Product2Record,
  QuoteRecord,
  SfQueryResult,
  TaskRecord,
  UserRecord,
} from './types.js';

/**
 * The reads the CRM subgraph makes, in its own terms: lookups of many keys at once (one
 * statement per URL-bound chunk, whatever the number of keys), answered per key in the keys'
 * order — `…By<Key>` one record or null per key, `…Of<Parents>` every record per key — the
 * accounts page, and the pages of the lists the CRM keeps of an account or a product. What comes
 * back is models.ts's, never Salesforce's records.
 */

/**
 * The oldest account first: for duplicates, the one the customer is read from. (The accounts
 * page's duplicate check, duplicates.ts, decides by the same order.)
 */
const OLDEST_FIRST: readonly OrderKey[] = [
  { field: 'CreatedDate', direction: 'ASC' },
  { field: 'Id', direction: 'ASC' },
];

/** Newest first, by a date and then Id (an asset's entitlements, cases). */
const newestBy = (field: 'CreatedDate' | 'EndDate'): readonly OrderKey[] => [
  { field, direction: 'DESC' },
  { field: 'Id', direction: 'DESC' },
];

/** Salesforce key prefixes: what kind of record an id names. */
const TASK_ID_PREFIX = '00T';
const EVENT_ID_PREFIX = '00U';

const QUOTE_LINES_SUBQUERY: SubquerySpec = {
  relationship: 'QuoteLineItems',
  fields: QUOTE_LINE_FIELDS,
  orderBy: [
    { field: 'LineNumber', direction: 'ASC' },
    { field: 'Id', direction: 'ASC' },
  ],
};

/** How keys are looked up in one object: records whose `field` equals one of them. */
interface Lookup<R> {
  object: SObjectName;
  fields: readonly string[];
  field: Extract<keyof R, FilterField>;
  /** When two keys are the same key (Salesforce compares e-mails and our GUIDs case-insensitively). */
  normalise: (key: string) => string;
  label: string;
  orderBy?: readonly OrderKey[];
  subqueries?: readonly SubquerySpec[];
}

const lookup = <R>(spec: Lookup<R>): Lookup<R> => spec;

const LOOKUPS = {
  accountsById: lookup<AccountRecord>({
    object: 'Account',
    fields: ACCOUNT_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'accounts by id',
  }),
  accountsOfErpCustomers: lookup<AccountRecord>({
    object: 'Account',
    fields: ACCOUNT_FIELDS,
    field: 'ERP_Customer_Id__c',
    normalise: anyCase,
    label: 'accounts by ERP id',
    orderBy: OLDEST_FIRST,
  }),
  tasksById: lookup<TaskRecord>({
    object: 'Task',
    fields: TASK_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'tasks by id',
  }),
  eventsById: lookup<EventRecord>({
    object: 'Event',
    fields: EVENT_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'events by id',
  }),
  usersByEmail: lookup<UserRecord>({
    object: 'User',
    fields: USER_FIELDS,
    field: 'Email',
    normalise: anyCase,
    label: 'users by e-mail',
  }),
  contactsById: lookup<ContactRecord>({
    object: 'Contact',
    fields: CONTACT_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'contacts by id',
  }),
  opportunitiesById: lookup<OpportunityRecord>({
    object: 'Opportunity',
    fields: OPPORTUNITY_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'opportunities by id',
  }),
  supportCasesById: lookup<CaseRecord>({
    object: 'Case',
    fields: CASE_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'cases by id',
  }),
  supportCasesByNumber: lookup<CaseRecord>({
    object: 'Case',
    fields: CASE_FIELDS,
    field: 'CaseNumber',
    normalise: exact,
    label: 'cases by number',
  }),
  quotesById: lookup<QuoteRecord>({
    object: 'Quote',
    fields: QUOTE_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'quotes by id',
    subqueries: [QUOTE_LINES_SUBQUERY],
  }),
  quotesByOrderNumber: lookup<QuoteRecord>({
    object: 'Quote',
    fields: QUOTE_FIELDS,
    field: 'ERP_Order_Number__c',
    normalise: exact,
    label: 'quotes by order number',
    subqueries: [QUOTE_LINES_SUBQUERY],
  }),
  quotesOfOpportunities: lookup<QuoteRecord>({
    object: 'Quote',
    fields: QUOTE_FIELDS,
    field: 'OpportunityId',
    normalise: exact,
    label: 'quotes by opportunity',
    subqueries: [QUOTE_LINES_SUBQUERY],
    orderBy: [
      { field: 'CreatedDate', direction: 'DESC' },
      { field: 'Id', direction: 'DESC' },
    ],
  }),
  /** Salesforce compares text case-insensitively: so does the lookup of its answers. */
  assetsBySerialNumber: lookup<AssetRecord>({
    object: 'Asset',
    fields: ASSET_FIELDS,
    field: 'SerialNumber',
    normalise: anyCase,
    label: 'assets by serial number',
    orderBy: OLDEST_FIRST,
  }),
  entitlementsOfAssets: lookup<EntitlementRecord>({
    object: 'Entitlement',
    fields: ENTITLEMENT_FIELDS,
    field: 'AssetId',
    normalise: exact,
    label: 'entitlements by asset',
    orderBy: newestBy('EndDate'),
  }),
  supportCasesOfAssets: lookup<CaseRecord>({
    object: 'Case',
    fields: CASE_FIELDS,
    field: 'AssetId',
    normalise: exact,
    label: 'cases by asset',
    orderBy: newestBy('CreatedDate'),
  }),
  campaignsById: lookup<CampaignRecord>({
    object: 'Campaign',
    fields: CAMPAIGN_FIELDS,
    field: 'Id',
    normalise: exact,
    label: 'campaigns by id',
  }),
  productsBySku: lookup<Product2Record>({
    object: 'Product2',
    fields: PRODUCT_FIELDS,
    field: 'ProductCode',
    normalise: exact,
    label: 'products by code',
  }),
};

/** A page of accounts, with the first pages of the child lists read ahead for each. */
export interface AccountsPage {
  accounts: Positioned<CrmAccount>[];
  readAhead: { read: ChildListRead; rows: ChildListRow[] }[];
}

/**
 * An ERP customer more than one account is linked to, as the accounts page's duplicate check
 * needs it (duplicates.ts): how many accounts, and when the oldest and the newest were created
 * (ms since the epoch; CreatedDate).
 */
export interface DuplicateGroup {
  /** Lower case, as the lookups compare it. */
  erpCustomerId: string;
  accounts: number;
  firstCreated: number;
  lastCreated: number;
}

/** Every duplicate group the caller sees, unless `complete` is false: then only some of them. */
export interface DuplicateGroups {
  groups: DuplicateGroup[];
  /** False when the aggregate answered as many groups as it can (2,000): more may exist. */
  complete: boolean;
}

export class CrmReads {
  constructor(
    private readonly client: CrmClient,
    private readonly restriction: {
      /**
       * Set: only the accounts this CRM user owns exist for these reads (see {@link ownedBy});
       * null: a caller who is no CRM user, for whom no account exists (and none is asked for).
       */
      ownerId?: string | null;
      /** The calls' credentials instead of the client's: a user's own token (see {@link actingAs}). */
      credentials?: AccessTokenSource;
    } = {},
  ) {}

  /**
   * The same reads for a caller who sees only the accounts a CRM user owns (sales:own): every
   * statement over accounts carries `OwnerId = '<user>'`, so pages, cursors and counts are those
   * of the owned accounts, and another owner's account is not found — never read, then dropped.
   */
  ownedBy(ownerId: string | null): CrmReads {
    return new CrmReads(this.client, { ...this.restriction, ownerId });
  }

  /**
   * The same reads with a Salesforce user's own token (per-user mode): Salesforce's sharing
   * decides what they return, as it does for that user in Salesforce itself.
   */
  actingAs(credentials: AccessTokenSource): CrmReads {
    return new CrmReads(this.client, { ...this.restriction, credentials });
  }

  /** What every call of these reads tells the client: the request, and whose token to use. */
  private call(requestId: string | undefined): CallContext {
    const { credentials } = this.restriction;
    return { requestId, ...(credentials ? { credentials } : {}) };
  }

  /** The condition every account statement carries for an owner-bound caller. */
  private ownership(): SoqlCondition | undefined {
    const { ownerId } = this.restriction;
    return ownerId ? compare('OwnerId', '=', stringLiteral(ownerId)) : undefined;
  }

  /**
   * The condition a statement over an account's records (assets, entitlements, cases) carries
   * for an owner-bound caller: the record's account is theirs.
   */
  private accountOwnership(): SoqlCondition | undefined {
    const { ownerId } = this.restriction;
    return ownerId ? compare('Account.OwnerId', '=', stringLiteral(ownerId)) : undefined;
  }

  /** True when these reads see no account at all (an owner-bound caller who is no CRM user). */
  private get ownsNothing(): boolean {
    return this.restriction.ownerId === null;
  }

  async accountsById(ids: readonly string[], requestId?: string): Promise<(CrmAccount | null)[]> {
    if (this.ownsNothing) return ids.map(() => null);
    return this.findEach(LOOKUPS.accountsById, ids, accountOf, requestId, this.ownership());
  }

  /** The accounts linked to each ERP customer, oldest first (duplicates: the first is the one read). */
  async accountsOfErpCustomers(erpIds: readonly string[], requestId?: string): Promise<CrmAccount[][]> {
    if (this.ownsNothing) return erpIds.map(() => []);
    return this.groupEach(LOOKUPS.accountsOfErpCustomers, erpIds, accountOf, requestId, this.ownership());
  }

  /**
   * The ERP customers several accounts are linked to, in one aggregate statement that needs no
   * account read first, so it runs beside the accounts page (the page's duplicate check):
   * `SELECT ERP_Customer_Id__c, COUNT(Id), MIN(CreatedDate), MAX(CreatedDate) … GROUP BY
   * ERP_Customer_Id__c HAVING COUNT(Id) > 1`. An owner-bound caller's carries the ownership
   * condition, as their lookup of an ERP customer's accounts does, so both count the same
   * accounts. Salesforce answers a GROUP BY with one batch of at most 2,000 rows: ordered by the
   * ERP id and LIMITed to that, a full answer says only that more groups may follow.
   */
  async duplicateGroups(requestId?: string): Promise<DuplicateGroups> {
    if (this.ownsNothing) return { groups: [], complete: true };
    const label = 'duplicate accounts';
    const linked = compare('ERP_Customer_Id__c', '!=', NULL_LITERAL);
    const ownership = this.ownership();
    const where = ownership ? and(linked, ownership) : linked;
    const soql =
      'SELECT ERP_Customer_Id__c, COUNT(Id) accounts, MIN(CreatedDate) firstCreated, ' +
      `MAX(CreatedDate) lastCreated FROM Account WHERE ${where} GROUP BY ERP_Customer_Id__c ` +
      `HAVING COUNT(Id) > 1 ORDER BY ERP_Customer_Id__c LIMIT ${MAX_AGGREGATE_ROWS}`;
    const result = await this.client.query<Record<string, unknown>>(soql, label, this.call(requestId));
    const groups = result.records.map((row) => {
      const { ERP_Customer_Id__c: id, accounts } = row;
      const firstCreated = typeof row.firstCreated === 'string' ? Date.parse(row.firstCreated) : Number.NaN;
      const lastCreated = typeof row.lastCreated === 'string' ? Date.parse(row.lastCreated) : Number.NaN;
      if (typeof id !== 'string' || typeof accounts !== 'number' || Number.isNaN(firstCreated + lastCreated))
        throw badLegacyResponse('CRM', label, 'aggregate row');
      return { erpCustomerId: anyCase(id), accounts, firstCreated, lastCreated };
    });
    return { groups, complete: groups.length < MAX_AGGREGATE_ROWS };
  }

  /**
   * One page of accounts ordered by (Name, Id) after a keyset position, optionally filtered by
   * a case-insensitive "name contains" (SOQL LIKE is case-insensitive), with child lists read in
   * the same call when the caller already knows it will need them (`readAhead`).
   */
  async accountsPage(
    args: {
      search?: string;
      /** Only the accounts this CRM user owns (an employee's customers). */
      ownerId?: string;
      after?: KeysetPosition;
      limit: number;
      readAhead?: readonly ChildListRequest[];
    },
    requestId?: string,
  ): Promise<AccountsPage> {
    const readAhead = args.readAhead ?? [];
    if (this.ownsNothing) return { accounts: [], readAhead: [] };
    const conditions: SoqlCondition[] = [];
    const ownership = this.ownership();
    if (ownership) conditions.push(ownership);
    if (args.ownerId !== undefined) conditions.push(compare('OwnerId', '=', stringLiteral(args.ownerId)));
    if (args.search !== undefined) conditions.push(like('Name', containsPattern(args.search)));
    if (args.after) conditions.push(keysetAfter(ACCOUNT_PAGE_ORDER, args.after));
    const soql = buildSelect({
      object: 'Account',
      fields: ACCOUNT_FIELDS,
      subqueries: largestPerList(readAhead).map(childSubquery),
      where: conditions.length > 0 ? and(...conditions) : undefined,
      orderBy: ACCOUNT_PAGE_ORDER,
      limit: args.limit,
    });
    // LIMIT bounds it, but Salesforce may still answer in several batches (smaller ones for
    // statements with subqueries): follow them, or a page would stop short of its LIMIT.
    const records = await this.client.queryAll<AccountRecord & AccountChildrenRecord>(
      soql,
      'accounts page',
      this.call(requestId),
    );
    return {
      accounts: records.map((record) => ({
        node: accountOf(record),
        position: positionOf(record, ACCOUNT_PAGE_ORDER),
      })),
      readAhead: records.flatMap((record) =>
        readAhead.map(({ list, limit }) => ({
          read: { parentId: record.Id, list, limit },
          rows: childRowsOf(record, list).slice(0, limit),
        })),
      ),
    };
  }

  /**
   * Pages of child lists, each a page of one parent's list. First pages are read for every
   * parent and list in one statement (per URL-bound chunk) per parent object; a later page's
   * keyset differs per parent, so it takes a statement of its own, all in parallel.
   */
  async childListReads(reads: readonly ChildListRead[], requestId?: string): Promise<ChildListRow[][]> {
    const firstPages = new Map<ChildListRead, ChildListRow[]>();
    const byParent = new Map<SObjectName, ChildListRead[]>();
    for (const read of reads) {
      if (read.after) continue;
      const parent = CHILD_LISTS[read.list].parent;
      const group = byParent.get(parent);
      if (group) group.push(read);
      else byParent.set(parent, [read]);
    }
    await Promise.all(
      [...byParent.values()].map(async (group) => {
        const parents = await this.childListsOf(
          group.map((read) => read.parentId),
          group.map(({ list, limit }) => ({ list, limit })),
          requestId,
        );
        for (const read of group) {
          firstPages.set(read, childRowsOf(parents.get(read.parentId), read.list).slice(0, read.limit));
        }
      }),
    );
    return Promise.all(
      reads.map(async (read) =>
        read.after ? this.childListAfter(read, read.after, requestId) : (firstPages.get(read) ?? []),
      ),
    );
  }

  /**
   * The first rows of several child lists of one parent object for many parents in one
   * statement per chunk: `SELECT Id, (SELECT … FROM Tasks ORDER BY … LIMIT n), … FROM Account
   * WHERE Id IN (…)`. The result is keyed by each list's parent key (account id, SKU) and holds
   * the subquery results as Salesforce sends them (childListReads makes rows of them).
   */
  async childListsOf(
    parentKeys: readonly string[],
    lists: readonly ChildListRequest[],
    requestId?: string,
  ): Promise<Map<string, AccountChildrenRecord>> {
    const largest = largestPerList(lists);
    const spec: ChildListSpec = CHILD_LISTS[largest[0]!.list];
    if (largest.some((l) => CHILD_LISTS[l.list].parent !== spec.parent)) {
      throw new TypeError('child lists of one statement must share their parent');
    }
    const rows = await this.client.recordsWhereIn<AccountChildrenRecord>(
      spec.parent,
      [...new Set(['Id', spec.parentKey])],
      spec.parentKey,
      parentKeys,
      `${largest.map((l) => l.list).join('+')} of ${spec.parent}`,
      this.call(requestId),
      { subqueries: largest.map(childSubquery) },
    );
    await this.completeChildLists(rows, largest, `${spec.parent} child lists`, requestId);
    return new Map(rows.map((row) => [String(row[spec.parentKey] ?? row.Id), row]));
  }

  /**
   * Salesforce may cut a parent's subquery result short (`done: false` with its own
   * nextRecordsUrl) when the whole answer is large; the rest is fetched here, in parallel
   * across parents, so a list never silently misses rows its LIMIT allowed.
   */
  private async completeChildLists(
    parents: readonly AccountChildrenRecord[],
    lists: readonly ChildListRequest[],
    label: string,
    requestId: string | undefined,
  ): Promise<void> {
    const pending: Promise<void>[] = [];
    for (const parent of parents) {
      for (const { list } of lists) {
        const relationship = CHILD_LISTS[list].relationship;
        const result = parent[relationship] as SfQueryResult<unknown> | null | undefined;
        if (!result || result.done || !result.nextRecordsUrl) continue;
        pending.push(
          (async () => {
            let page: SfQueryResult<unknown> = result;
            const records = [...result.records];
            while (!page.done && page.nextRecordsUrl) {
              page = await this.client.queryMore<unknown>(
                page.nextRecordsUrl,
                `${label} (more ${relationship})`,
                this.call(requestId),
              );
              records.push(...page.records);
            }
            parent[relationship] = { totalSize: result.totalSize, done: true, records };
          })(),
        );
      }
    }
    await Promise.all(pending);
  }

  /** A later page of one parent's child list, after a keyset position. */
  private async childListAfter(
    read: ChildListRead,
    after: KeysetPosition,
    requestId: string | undefined,
  ): Promise<ChildListRow[]> {
    const spec: ChildListSpec = CHILD_LISTS[read.list];
    const soql = buildSelect({
      object: spec.object,
      fields: spec.fields,
      where: and(
        compare(spec.childParentKey, '=', stringLiteral(read.parentId)),
        keysetAfter(spec.orderBy, after),
      ),
      orderBy: spec.orderBy,
      limit: read.limit,
    });
    const page = await this.client.query<object>(
      soql,
      `${read.list} of one ${spec.parent}`,
      this.call(requestId),
    );
    return rowsOf(read.list, page.records);
  }

  /**
   * One page of a list over every account's records (or of campaigns): one statement, its
   * conditions, the keyset after the last row shown, LIMIT the page plus one — never OFFSET, so
   * a page costs the same at any depth. An owner-bound caller's statement carries
   * `Account.OwnerId` as every statement over an account's records does.
   */
  async rootListPage<L extends RootListName>(
    read: RootListRead<L>,
    requestId?: string,
  ): Promise<Positioned<RootListModel<L>>[]> {
    const spec = ROOT_LISTS[read.list];
    const where = listConditions(read.list, read.filter);
    if (where === null) return [];
    const conditions = where.map(conditionOf);
    if (spec.ofAccount) {
      if (this.ownsNothing) return [];
      const ownership = this.accountOwnership();
      if (ownership) conditions.push(ownership);
    }
    if (read.after) conditions.push(keysetAfter(spec.orderBy, read.after));
    const soql = buildSelect({
      object: spec.object,
      fields: spec.fields,
      where: conditions.length > 0 ? and(...conditions) : undefined,
      orderBy: spec.orderBy,
      limit: read.limit,
    });
    const page = await this.client.query<object>(soql, `${read.list} page`, this.call(requestId));
    const toModel = ROOT_LIST_MODELS[read.list] as (record: object) => RootListModel<L>;
    return page.records.map((record) => ({
      node: toModel(record),
      position: positionOf(record, spec.orderBy),
    }));
  }

  /** Campaigns by id, in one statement per URL-bound chunk. */
  campaignsById(ids: readonly string[], requestId?: string): Promise<(CrmCampaign | null)[]> {
    return this.findEach(LOOKUPS.campaignsById, ids, campaignOf, requestId);
  }

  /** Tasks and events by id (the key prefix says which), in one batch. */
  async interactionsById(ids: readonly string[], requestId?: string): Promise<(CrmInteraction | null)[]> {
    const [tasks, events] = await Promise.all([
      this.findEach(
        LOOKUPS.tasksById,
        ids.filter((id) => id.startsWith(TASK_ID_PREFIX)),
        taskOf,
        requestId,
      ),
      this.findEach(
        LOOKUPS.eventsById,
        ids.filter((id) => id.startsWith(EVENT_ID_PREFIX)),
        eventOf,
        requestId,
      ),
    ]);
    const found = [...tasks, ...events].filter((interaction) => interaction !== null);
    return firstByKey(ids, found, (interaction) => interaction.id, exact);
  }

  /** Users by e-mail address (Salesforce compares them case-insensitively). */
  usersByEmail(emails: readonly string[], requestId?: string): Promise<(CrmUser | null)[]> {
    return this.findEach(LOOKUPS.usersByEmail, emails, userOf, requestId);
  }

  contactsById(ids: readonly string[], requestId?: string): Promise<(CrmContact | null)[]> {
    return this.findEach(LOOKUPS.contactsById, ids, contactOf, requestId);
  }

  opportunitiesById(ids: readonly string[], requestId?: string): Promise<(CrmOpportunity | null)[]> {
    return this.findEach(LOOKUPS.opportunitiesById, ids, opportunityOf, requestId);
  }

  supportCasesById(ids: readonly string[], requestId?: string): Promise<(CrmSupportCase | null)[]> {
    return this.findEach(LOOKUPS.supportCasesById, ids, supportCaseOf, requestId);
  }

  /**
   * Cases by case number; for an owner-bound caller only those of the accounts they own (a
   * credit memo's complaint case, reached from their own customer), as every account statement.
   */
  async supportCasesByNumber(
    numbers: readonly string[],
    requestId?: string,
  ): Promise<(CrmSupportCase | null)[]> {
    if (this.ownsNothing) return numbers.map(() => null);
    return this.findEach(
      LOOKUPS.supportCasesByNumber,
      numbers,
      supportCaseOf,
      requestId,
      this.accountOwnership(),
    );
  }

  /** Quotes with their lines, by id. */
  quotesById(ids: readonly string[], requestId?: string): Promise<(CrmQuote | null)[]> {
    return this.findEach(LOOKUPS.quotesById, ids, quoteOf, requestId);
  }

  /** The quote that became each ERP sales order, with its lines. */
  quotesByOrderNumber(numbers: readonly string[], requestId?: string): Promise<(CrmQuote | null)[]> {
    return this.findEach(LOOKUPS.quotesByOrderNumber, numbers, quoteOf, requestId);
  }

  /** The quotes of each opportunity, newest first, with their lines. */
  quotesOfOpportunities(ids: readonly string[], requestId?: string): Promise<CrmQuote[][]> {
    return this.groupEach(LOOKUPS.quotesOfOpportunities, ids, quoteOf, requestId);
  }

  /**
   * Assets by serial number (the oldest when the CRM holds two); for an owner-bound caller only
   * those of the accounts they own, as every account statement of theirs.
   */
  async assetsBySerialNumber(serials: readonly string[], requestId?: string): Promise<(CrmAsset | null)[]> {
    if (this.ownsNothing) return serials.map(() => null);
    return this.findEach(LOOKUPS.assetsBySerialNumber, serials, assetOf, requestId, this.accountOwnership());
  }

  /** The entitlements of each asset (by asset id), latest end date first. */
  async entitlementsOfAssets(assetIds: readonly string[], requestId?: string): Promise<CrmEntitlement[][]> {
    if (this.ownsNothing) return assetIds.map(() => []);
    return this.groupEach(
      LOOKUPS.entitlementsOfAssets,
      assetIds,
      entitlementOf,
      requestId,
      this.accountOwnership(),
    );
  }

  /** The support cases about each asset (by asset id), newest first. */
  async supportCasesOfAssets(assetIds: readonly string[], requestId?: string): Promise<CrmSupportCase[][]> {
    if (this.ownsNothing) return assetIds.map(() => []);
    return this.groupEach(
      LOOKUPS.supportCasesOfAssets,
      assetIds,
      supportCaseOf,
      requestId,
      this.accountOwnership(),
    );
  }

  /** CRM products by SKU (Product2.ProductCode holds the ERP item number). */
  productsBySku(skus: readonly string[], requestId?: string): Promise<(CrmProduct | null)[]> {
    return this.findEach(LOOKUPS.productsBySku, skus, productOf, requestId);
  }

  /** One model (or null) per key: the first record whose field matches. */
  private async findEach<R, M>(
    lookup: Lookup<R>,
    keys: readonly string[],
    toModel: (record: R) => M | null,
    requestId: string | undefined,
    also?: SoqlCondition,
  ): Promise<(M | null)[]> {
    const records = await this.recordsOf(lookup, keys, requestId, also);
    return firstByKey(keys, records, (record) => record[lookup.field], lookup.normalise).map((record) =>
      record === null ? null : toModel(record),
    );
  }

  /** Every record per key, in the lookup's order. */
  private async groupEach<R, M>(
    lookup: Lookup<R>,
    keys: readonly string[],
    toModel: (record: R) => M,
    requestId: string | undefined,
    also?: SoqlCondition,
  ): Promise<M[][]> {
    const records = await this.recordsOf(lookup, keys, requestId, also);
    return allByKey(keys, records, (record) => record[lookup.field], lookup.normalise).map((group) =>
      group.map(toModel),
    );
  }

  private async recordsOf<R>(
    lookup: Lookup<R>,
    keys: readonly string[],
    requestId: string | undefined,
    also?: SoqlCondition,
  ): Promise<R[]> {
    if (keys.length === 0) return [];
    const { object, fields, field, label, orderBy, subqueries } = lookup;
    return this.client.recordsWhereIn<R>(object, fields, field, keys, label, this.call(requestId), {
      ...(orderBy ? { orderBy } : {}),
      ...(subqueries ? { subqueries } : {}),
      ...(also ? { also } : {}),
    });
  }
}

/** A root list's condition in SOQL: its field from the fixed list, its value through the literal of the field's kind. */
function conditionOf(condition: ListCondition): SoqlCondition {
  switch (condition.op) {
    case 'IN':
    case 'NOT IN': {
      const { field } = condition;
      const literals = condition.values.map((value) => fieldLiteral(field, value));
      return condition.op === 'IN' ? inList(field, literals) : notInList(field, literals);
    }
    case 'CONTAINS':
      return like(condition.field, containsPattern(condition.text));
    default:
      return compare(condition.field, condition.op, fieldLiteral(condition.field, condition.value));
  }
}

/** A relationship appears once in a statement: read each list to the largest page size asked. */
function largestPerList(requests: readonly ChildListRequest[]): ChildListRequest[] {
  const limits = new Map<ChildListRequest['list'], number>();
  for (const { list, limit } of requests) limits.set(list, Math.max(limits.get(list) ?? 0, limit));
  return [...limits].map(([list, limit]) => ({ list, limit }));
}

function childSubquery(request: ChildListRequest): SubquerySpec {
  const spec: ChildListSpec = CHILD_LISTS[request.list];
  return {
    relationship: spec.relationship,
    fields: spec.fields,
    orderBy: spec.orderBy,
    limit: request.limit,
  };
}

/** The rows of a child subquery in a parent record (none when the parent has none). */
function childRowsOf(parent: AccountChildrenRecord | undefined, list: ChildListName): ChildListRow[] {
  const result = parent?.[CHILD_LISTS[list].relationship] as SfQueryResult<object> | null | undefined;
  return rowsOf(list, result?.records ?? []);
}

function rowsOf(list: ChildListName, records: readonly object[]): ChildListRow[] {
  const { orderBy } = CHILD_LISTS[list];
  return records.map((record) => ({
    node: CHILD_LIST_MODELS[list](record as never),
    position: positionOf(record, orderBy),
  }));
}
