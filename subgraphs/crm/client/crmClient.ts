import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import { type FailureDescription, LegacyHttp } from '../../../lib/legacyHttp.js';
import {
  ACCOUNT_FIELDS,
  CASE_FIELDS,
  CHILD_LISTS,
  type ChildListName,
  type ChildListSpec,
  CONTACT_FIELDS,
  EVENT_FIELDS,
  OPPORTUNITY_FIELDS,
  PRODUCT_FIELDS,
  QUOTE_FIELDS,
  QUOTE_LINE_FIELDS,
  TASK_FIELDS,
  USER_FIELDS,
} from './fields.js';
import { isKeysetFor, type KeysetPosition, keysetAfter, positionOf } from './keyset.js';
import type { ChildListRead, ChildListRow, Positioned } from './lists.js';
import type {
  CrmAccount,
  CrmContact,
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
  chunkInList,
  compare,
  containsPattern,
  encodeSoqlParameter,
  type FilterField,
  inList,
  like,
  type OrderKey,
  type SObjectName,
  type SoqlCondition,
  type SoqlLiteral,
  type SubquerySpec,
  stringLiteral,
} from './soql.js';
import {
  accountOf,
  CHILD_LIST_MODELS,
  contactOf,
  eventOf,
  opportunityOf,
  productOf,
  quoteOf,
  supportCaseOf,
  taskOf,
  userOf,
} from './toModels.js';
import type {
  AccountChildrenRecord,
  AccountRecord,
  CaseRecord,
  ContactRecord,
  EventRecord,
  OpportunityRecord,
  Product2Record,
  QuoteRecord,
  SfQueryResult,
  TaskRecord,
  UserRecord,
} from './types.js';

/** Salesforce REST API versions are written v62.0. */
export const CRM_API_VERSION_PATTERN = /^v\d{2,3}\.\d$/;

export interface CrmClientOptions {
  crmUrl: string;
  token: string;
  apiVersion: string;
  timeoutMs: number;
  maxRetries: number;
  maxConnections: number;
}

/** Who is asking: passed on to the CRM as X-Request-Id, and a label for logs and errors. */
export interface CallContext {
  requestId?: string;
}

/** Salesforce refuses a GET whose URL exceeds 16,384 characters (414). */
const MAX_URL_LENGTH = 16_384;
/** Records per query batch we ask for (Salesforce allows 200..2,000). */
const QUERY_BATCH_SIZE = 2000;
/** nextRecordsUrl as Salesforce hands it out; anything else (e.g. from a forged cursor) is refused. */
const NEXT_RECORDS_RE = /^\/services\/data\/v\d{2,3}\.\d\/query\/[A-Za-z0-9-]+$/;

/** The oldest account first: for duplicates, the one the customer is read from. */
const OLDEST_FIRST: readonly OrderKey[] = [
  { field: 'CreatedDate', direction: 'ASC' },
  { field: 'Id', direction: 'ASC' },
];
export const ACCOUNT_PAGE_ORDER: readonly OrderKey[] = [
  { field: 'Name', direction: 'ASC' },
  { field: 'Id', direction: 'ASC' },
];
/** Whether a cursor's position is one in the accounts page order. */
export const isAccountPosition = isKeysetFor(ACCOUNT_PAGE_ORDER);

/** Salesforce key prefixes: what kind of record an id names. */
const TASK_ID_PREFIX = '00T';
const EVENT_ID_PREFIX = '00U';

/** Reads Salesforce's error body `[{"message","errorCode","fields"}]` for logs and classification. */
export function describeSalesforceFailure(status: number, body: unknown): FailureDescription {
  const first = Array.isArray(body)
    ? (body[0] as { message?: unknown; errorCode?: unknown } | undefined)
    : undefined;
  const legacyCode = typeof first?.errorCode === 'string' ? first.errorCode : undefined;
  const legacyMessage = typeof first?.message === 'string' ? first.message : undefined;
  let code: LegacyError['code'] | undefined;
  if (legacyCode === 'REQUEST_LIMIT_EXCEEDED') code = 'LEGACY_THROTTLED';
  else if (status === 401 || legacyCode === 'INVALID_SESSION_ID') code = 'LEGACY_REJECTED';
  else if (status === 300) code = 'CONFLICT';
  return { legacyCode, legacyMessage, code };
}

export interface ChildListRequest {
  list: ChildListName;
  /** Rows per account to read: the page size plus one, to know whether more follow. */
  limit: number;
}

/** A page of accounts, with the first pages of the child lists read ahead for each. */
export interface AccountsPage {
  accounts: Positioned<CrmAccount>[];
  readAhead: { read: ChildListRead; rows: ChildListRow[] }[];
}

/**
 * The only code that speaks Salesforce's REST API: it builds SOQL through soql.ts, follows
 * nextRecordsUrl, chunks IN lists under the URL bound (chunks run in parallel), and maps errors
 * into the catalogue (via LegacyHttp). Every method is one logical read; how many HTTP calls it
 * makes depends only on the chunking of its inputs, never on a per-item loop.
 */
export class CrmClient {
  readonly http: LegacyHttp;
  private readonly maxSoqlLength: number;

  constructor(options: CrmClientOptions) {
    const baseUrl = `${options.crmUrl}/services/data/${options.apiVersion}`;
    this.http = new LegacyHttp({
      system: 'CRM',
      baseUrl,
      headers: { authorization: `Bearer ${options.token}` },
      timeoutMs: options.timeoutMs,
      maxRetries: options.maxRetries,
      backoffMs: 100,
      maxRetryAfterMs: 5_000,
      maxConnections: options.maxConnections,
      describeFailure: describeSalesforceFailure,
    });
    // What is left of the URL bound once the base URL and "/query?q=" are spent.
    this.maxSoqlLength = MAX_URL_LENGTH - baseUrl.length - 16;
  }

  get callCount(): number {
    return this.http.callCount;
  }

  /** The longest URL-encoded SOQL a GET may carry here: chunking stays within it. */
  get soqlLengthBound(): number {
    return this.maxSoqlLength;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** One query call: the first batch of records and, when more follow, the nextRecordsUrl. */
  async query<T>(soql: string, label: string, ctx: CallContext): Promise<SfQueryResult<T>> {
    const response = await this.http.send<SfQueryResult<T>>({
      method: 'GET',
      path: `query?q=${encodeSoqlParameter(soql)}`,
      headers: { 'sforce-query-options': `batchSize=${QUERY_BATCH_SIZE}` },
      requestId: ctx.requestId,
      label,
    });
    return checkQueryResult(response.body, label);
  }

  /** The batch after `nextRecordsUrl` (only a link Salesforce handed out is followed). */
  async queryMore<T>(nextRecordsUrl: string, label: string, ctx: CallContext): Promise<SfQueryResult<T>> {
    if (!NEXT_RECORDS_RE.test(nextRecordsUrl)) {
      throw new LegacyError(
        'LEGACY_BAD_RESPONSE',
        'CRM',
        `The CRM sent an unexpected next-records link (${label}).`,
        {
          link: nextRecordsUrl,
        },
      );
    }
    const response = await this.http.send<SfQueryResult<T>>({
      method: 'GET',
      path: nextRecordsUrl,
      headers: { 'sforce-query-options': `batchSize=${QUERY_BATCH_SIZE}` },
      requestId: ctx.requestId,
      label,
    });
    return checkQueryResult(response.body, label);
  }

  /** Every record of a statement, following nextRecordsUrl. Callers bound the result (IN lists, LIMIT). */
  async queryAll<T>(soql: string, label: string, ctx: CallContext): Promise<T[]> {
    let page = await this.query<T>(soql, label, ctx);
    const records = [...page.records];
    while (!page.done && page.nextRecordsUrl) {
      page = await this.queryMore<T>(page.nextRecordsUrl, label, ctx);
      records.push(...page.records);
    }
    return records;
  }

  /** `render(list)` for IN lists of `values`, chunked under the URL bound, chunks in parallel. */
  async queryIn<T, V>(
    values: readonly V[],
    literal: (value: V) => SoqlLiteral,
    render: (list: readonly SoqlLiteral[]) => string,
    label: string,
    ctx: CallContext,
  ): Promise<T[]> {
    const unique = [...new Set(values)];
    const statements = chunkInList(unique, literal, render, this.maxSoqlLength);
    const results = await Promise.all(statements.map((soql) => this.queryAll<T>(soql, label, ctx)));
    return results.flat();
  }

  private recordsWhereIn<T>(
    object: SObjectName,
    fields: readonly string[],
    field: FilterField,
    values: readonly string[],
    label: string,
    ctx: CallContext,
    options: { orderBy?: readonly OrderKey[]; subqueries?: readonly SubquerySpec[] } = {},
  ): Promise<T[]> {
    return this.queryIn<T, string>(
      values,
      stringLiteral,
      (list) => buildSelect({ object, fields, where: inList(field, list), ...options }),
      label,
      ctx,
    );
  }

  /** Accounts linked to these ERP customers, oldest first (duplicates: the first is the one read). */
  async accountsByErpCustomerIds(erpIds: readonly string[], ctx: CallContext): Promise<CrmAccount[]> {
    const records = await this.recordsWhereIn<AccountRecord>(
      Account,
      ACCOUNT_FIELDS,
      'ERP_Customer_Id__c',
      erpIds,
      'accounts by ERP id',
      ctx,
      { orderBy: OLDEST_FIRST },
    );
    return records.map(accountOf);
  }

  async accountsByIds(ids: readonly string[], ctx: CallContext): Promise<CrmAccount[]> {
    const records = await this.recordsWhereIn<AccountRecord>(
      Account,
      ACCOUNT_FIELDS,
      'Id',
      ids,
      'accounts by id',
      ctx,
    );
    return records.map(accountOf);
  }

  /**
   * One page of accounts ordered by (Name, Id) after a keyset position, optionally filtered by
   * a case-insensitive "name contains" (SOQL LIKE is case-insensitive), with child lists read in
   * the same call when the caller already knows it will need them (`readAhead`).
   */
  async accountsPage(
    args: {
      search?: string;
      after?: KeysetPosition;
      limit: number;
      readAhead?: readonly ChildListRequest[];
    },
    ctx: CallContext,
  ): Promise<AccountsPage> {
    const readAhead = args.readAhead ?? [];
    const conditions: SoqlCondition[] = [];
    if (args.search !== undefined) conditions.push(like('Name', containsPattern(args.search)));
    if (args.after) conditions.push(keysetAfter(ACCOUNT_PAGE_ORDER, args.after));
    const soql = buildSelect({
      object: Account,
      fields: ACCOUNT_FIELDS,
      subqueries: largestPerList(readAhead).map(childSubquery),
      where: conditions.length > 0 ? and(...conditions) : undefined,
      orderBy: ACCOUNT_PAGE_ORDER,
      limit: args.limit,
    });
    // LIMIT bounds it, but Salesforce may still answer in several batches (smaller ones for
    // statements with subqueries): follow them, or a page would stop short of its LIMIT.
    const records = await this.queryAll<AccountRecord & AccountChildrenRecord>(soql, 'accounts page', ctx);
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
  async childListReads(reads: readonly ChildListRead[], ctx: CallContext): Promise<ChildListRow[][]> {
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
          ctx,
        );
        for (const read of group) {
          firstPages.set(read, childRowsOf(parents.get(read.parentId), read.list).slice(0, read.limit));
        }
      }),
    );
    return Promise.all(
      reads.map(async (read) =>
        read.after ? this.childListAfter(read, read.after, ctx) : (firstPages.get(read) ?? []),
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
    ctx: CallContext,
  ): Promise<Map<string, AccountChildrenRecord>> {
    const largest = largestPerList(lists);
    const spec: ChildListSpec = CHILD_LISTS[largest[0]!.list];
    if (largest.some((l) => CHILD_LISTS[l.list].parent !== spec.parent)) {
      throw new TypeError('child lists of one statement must share their parent');
    }
    const rows = await this.recordsWhereIn<AccountChildrenRecord>(
      spec.parent,
      [...new Set(['Id', spec.parentKey])],
      spec.parentKey,
      parentKeys,
      `${largest.map((l) => l.list).join('+')} of ${spec.parent}`,
      ctx,
      { subqueries: largest.map(childSubquery) },
    );
    await this.completeChildLists(rows, largest, `${spec.parent} child lists`, ctx);
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
    ctx: CallContext,
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
              page = await this.queryMore<unknown>(
                page.nextRecordsUrl,
                `${label} (more ${relationship})`,
                ctx,
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
    ctx: CallContext,
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
    const page = await this.query<object>(soql, `${read.list} of one ${spec.parent}`, ctx);
    return rowsOf(read.list, page.records);
  }

  /** Tasks and events by id (the key prefix says which), in one batch. */
  async interactionsByIds(ids: readonly string[], ctx: CallContext): Promise<CrmInteraction[]> {
    const taskIds = ids.filter((id) => id.startsWith(TASK_ID_PREFIX));
    const eventIds = ids.filter((id) => id.startsWith(EVENT_ID_PREFIX));
    const [tasks, events] = await Promise.all([
      taskIds.length > 0
        ? this.recordsWhereIn<TaskRecord>('Task', TASK_FIELDS, 'Id', taskIds, 'tasks by id', ctx)
        : [],
      eventIds.length > 0
        ? this.recordsWhereIn<EventRecord>('Event', EVENT_FIELDS, 'Id', eventIds, 'events by id', ctx)
        : [],
    ]);
    return [...tasks.map(taskOf), ...events.map(eventOf)];
  }

  /** Users by e-mail address (Salesforce compares them case-insensitively). */
  async usersByEmails(emails: readonly string[], ctx: CallContext): Promise<CrmUser[]> {
    const records = await this.recordsWhereIn<UserRecord>(
      'User',
      USER_FIELDS,
      'Email',
      emails,
      'users by e-mail',
      ctx,
    );
    return records.map(userOf).filter((user) => user !== null);
  }

  async contactsByIds(ids: readonly string[], ctx: CallContext): Promise<CrmContact[]> {
    const records = await this.recordsWhereIn<ContactRecord>(
      'Contact',
      CONTACT_FIELDS,
      'Id',
      ids,
      'contacts by id',
      ctx,
    );
    return records.map(contactOf);
  }

  async opportunitiesByIds(ids: readonly string[], ctx: CallContext): Promise<CrmOpportunity[]> {
    const records = await this.recordsWhereIn<OpportunityRecord>(
      'Opportunity',
      OPPORTUNITY_FIELDS,
      'Id',
      ids,
      'opportunities by id',
      ctx,
    );
    return records.map(opportunityOf);
  }

  async supportCasesByNumbers(numbers: readonly string[], ctx: CallContext): Promise<CrmSupportCase[]> {
    const records = await this.recordsWhereIn<CaseRecord>(
      'Case',
      CASE_FIELDS,
      'CaseNumber',
      numbers,
      'cases by number',
      ctx,
    );
    return records.map(supportCaseOf);
  }

  async supportCasesByIds(ids: readonly string[], ctx: CallContext): Promise<CrmSupportCase[]> {
    const records = await this.recordsWhereIn<CaseRecord>('Case', CASE_FIELDS, 'Id', ids, 'cases by id', ctx);
    return records.map(supportCaseOf);
  }

  /** Quotes with their lines, by id. */
  quotesByIds(ids: readonly string[], ctx: CallContext): Promise<CrmQuote[]> {
    return this.quotesWithLines('Id', ids, 'quotes by id', ctx);
  }

  /** Quotes that became these ERP sales orders, with their lines. */
  quotesByOrderNumbers(numbers: readonly string[], ctx: CallContext): Promise<CrmQuote[]> {
    return this.quotesWithLines('ERP_Order_Number__c', numbers, 'quotes by order number', ctx);
  }

  /** Quotes of these opportunities, newest first, with their lines. */
  quotesByOpportunityIds(ids: readonly string[], ctx: CallContext): Promise<CrmQuote[]> {
    return this.quotesWithLines('OpportunityId', ids, 'quotes by opportunity', ctx, [
      { field: 'CreatedDate', direction: 'DESC' },
      { field: 'Id', direction: 'DESC' },
    ]);
  }

  private async quotesWithLines(
    field: FilterField,
    values: readonly string[],
    label: string,
    ctx: CallContext,
    orderBy?: readonly OrderKey[],
  ): Promise<CrmQuote[]> {
    const records = await this.recordsWhereIn<QuoteRecord>('Quote', QUOTE_FIELDS, field, values, label, ctx, {
      subqueries: [QUOTE_LINES_SUBQUERY],
      ...(orderBy ? { orderBy } : {}),
    });
    return records.map(quoteOf);
  }

  /** CRM products by SKU (Product2.ProductCode holds the ERP item number). */
  async productsBySkus(skus: readonly string[], ctx: CallContext): Promise<CrmProduct[]> {
    const records = await this.recordsWhereIn<Product2Record>(
      'Product2',
      PRODUCT_FIELDS,
      'ProductCode',
      skus,
      'products by code',
      ctx,
    );
    return records.map(productOf);
  }
}

const Account = 'Account' satisfies SObjectName;

const QUOTE_LINES_SUBQUERY: SubquerySpec = {
  relationship: 'QuoteLineItems',
  fields: QUOTE_LINE_FIELDS,
  orderBy: [
    { field: 'LineNumber', direction: 'ASC' },
    { field: 'Id', direction: 'ASC' },
  ],
};

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

function checkQueryResult<T>(body: SfQueryResult<T> | undefined, label: string): SfQueryResult<T> {
  if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
    throw badLegacyResponse('CRM', label);
  }
  return body;
}
