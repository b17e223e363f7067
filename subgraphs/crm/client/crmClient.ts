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
import { type KeysetPosition, keysetAfter } from './keyset.js';
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
  accountsByErpCustomerIds(erpIds: readonly string[], ctx: CallContext): Promise<AccountRecord[]> {
    return this.recordsWhereIn(
      Account,
      ACCOUNT_FIELDS,
      'ERP_Customer_Id__c',
      erpIds,
      'accounts by ERP id',
      ctx,
      {
        orderBy: OLDEST_FIRST,
      },
    );
  }

  accountsByIds(ids: readonly string[], ctx: CallContext): Promise<AccountRecord[]> {
    return this.recordsWhereIn(Account, ACCOUNT_FIELDS, 'Id', ids, 'accounts by id', ctx);
  }

  /**
   * One page of accounts ordered by (Name, Id) after a keyset position, optionally filtered by
   * a case-insensitive "name contains" (SOQL LIKE is case-insensitive), with child lists read in
   * the same call when the caller already knows it will need them.
   */
  async accountsPage(
    args: {
      search?: string;
      after?: KeysetPosition;
      limit: number;
      children?: readonly ChildListRequest[];
    },
    ctx: CallContext,
  ): Promise<(AccountRecord & AccountChildrenRecord)[]> {
    const conditions: SoqlCondition[] = [];
    if (args.search !== undefined) conditions.push(like('Name', containsPattern(args.search)));
    if (args.after) conditions.push(keysetAfter(ACCOUNT_PAGE_ORDER, args.after));
    const soql = buildSelect({
      object: Account,
      fields: ACCOUNT_FIELDS,
      subqueries: largestPerList(args.children ?? []).map(childSubquery),
      where: conditions.length > 0 ? and(...conditions) : undefined,
      orderBy: ACCOUNT_PAGE_ORDER,
      limit: args.limit,
    });
    // LIMIT bounds it, but Salesforce may still answer in several batches (smaller ones for
    // statements with subqueries): follow them, or a page would stop short of its LIMIT.
    return this.queryAll<AccountRecord & AccountChildrenRecord>(soql, 'accounts page', ctx);
  }

  /**
   * The first rows of several child lists of one parent object for many parents in one
   * statement per chunk: `SELECT Id, (SELECT … FROM Tasks ORDER BY … LIMIT n), … FROM Account
   * WHERE Id IN (…)`. The result is keyed by each list's parent key (account id, SKU).
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
  childListAfter<T>(
    parentKey: string,
    request: ChildListRequest,
    after: KeysetPosition,
    ctx: CallContext,
  ): Promise<T[]> {
    const spec: ChildListSpec = CHILD_LISTS[request.list];
    const soql = buildSelect({
      object: spec.object,
      fields: spec.fields,
      where: and(
        compare(spec.childParentKey, '=', stringLiteral(parentKey)),
        keysetAfter(spec.orderBy, after),
      ),
      orderBy: spec.orderBy,
      limit: request.limit,
    });
    return this.query<T>(soql, `${request.list} of one ${spec.parent}`, ctx).then((page) => page.records);
  }

  tasksByIds(ids: readonly string[], ctx: CallContext): Promise<TaskRecord[]> {
    return this.recordsWhereIn('Task', TASK_FIELDS, 'Id', ids, 'tasks by id', ctx);
  }

  eventsByIds(ids: readonly string[], ctx: CallContext): Promise<EventRecord[]> {
    return this.recordsWhereIn('Event', EVENT_FIELDS, 'Id', ids, 'events by id', ctx);
  }

  usersByEmails(emails: readonly string[], ctx: CallContext): Promise<UserRecord[]> {
    return this.recordsWhereIn('User', USER_FIELDS, 'Email', emails, 'users by e-mail', ctx);
  }

  contactsByIds(ids: readonly string[], ctx: CallContext): Promise<ContactRecord[]> {
    return this.recordsWhereIn('Contact', CONTACT_FIELDS, 'Id', ids, 'contacts by id', ctx);
  }

  opportunitiesByIds(ids: readonly string[], ctx: CallContext): Promise<OpportunityRecord[]> {
    return this.recordsWhereIn('Opportunity', OPPORTUNITY_FIELDS, 'Id', ids, 'opportunities by id', ctx);
  }

  casesByNumbers(numbers: readonly string[], ctx: CallContext): Promise<CaseRecord[]> {
    return this.recordsWhereIn('Case', CASE_FIELDS, 'CaseNumber', numbers, 'cases by number', ctx);
  }

  casesByIds(ids: readonly string[], ctx: CallContext): Promise<CaseRecord[]> {
    return this.recordsWhereIn('Case', CASE_FIELDS, 'Id', ids, 'cases by id', ctx);
  }

  /** Quotes with their line items (one subquery), by id. */
  quotesByIds(ids: readonly string[], ctx: CallContext): Promise<QuoteRecord[]> {
    return this.recordsWhereIn('Quote', QUOTE_FIELDS, 'Id', ids, 'quotes by id', ctx, {
      subqueries: [QUOTE_LINES_SUBQUERY],
    });
  }

  /** Quotes that became these ERP sales orders. */
  quotesByOrderNumbers(numbers: readonly string[], ctx: CallContext): Promise<QuoteRecord[]> {
    return this.recordsWhereIn(
      'Quote',
      QUOTE_FIELDS,
      'ERP_Order_Number__c',
      numbers,
      'quotes by order number',
      ctx,
      {
        subqueries: [QUOTE_LINES_SUBQUERY],
      },
    );
  }

  /** Quotes of these opportunities. */
  quotesByOpportunityIds(ids: readonly string[], ctx: CallContext): Promise<QuoteRecord[]> {
    return this.recordsWhereIn('Quote', QUOTE_FIELDS, 'OpportunityId', ids, 'quotes by opportunity', ctx, {
      subqueries: [QUOTE_LINES_SUBQUERY],
      orderBy: [
        { field: 'CreatedDate', direction: 'DESC' },
        { field: 'Id', direction: 'DESC' },
      ],
    });
  }

  /** CRM products by SKU (Product2.ProductCode holds the ERP item number). */
  productsByCodes(codes: readonly string[], ctx: CallContext): Promise<Product2Record[]> {
    return this.recordsWhereIn('Product2', PRODUCT_FIELDS, 'ProductCode', codes, 'products by code', ctx);
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

function checkQueryResult<T>(body: SfQueryResult<T> | undefined, label: string): SfQueryResult<T> {
  if (!body || typeof body !== 'object' || !Array.isArray(body.records)) {
    throw badLegacyResponse('CRM', label);
  }
  return body;
}
