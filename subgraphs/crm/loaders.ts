import DataLoader from 'dataloader';
import type { CacheTtls } from '../../lib/cacheConfig.js';
import { cachedBatch } from '../../lib/cachedBatch.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { CRM_GENERATIONS } from './client/cacheGenerations.js';
import type { CallContext, ChildListRequest, CrmClient } from './client/crmClient.js';
import { CHILD_LISTS, type ChildListName } from './client/fields.js';
import type { KeysetPosition } from './client/keyset.js';
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
} from './client/types.js';

/** One page of one parent's child list: the first `limit` rows, or those after `after`. */
export interface ChildListKey {
  /** The account id, or the SKU for a product's quote lines (CHILD_LISTS[list].parentKey). */
  parentId: string;
  list: ChildListName;
  limit: number;
  after?: KeysetPosition;
}

export type CrmLoaders = ReturnType<typeof createLoaders>;

/** The shared cache of CRM answers, scoped to this CRM instance and token. */
export interface CrmCacheScope {
  cache: LegacyCache;
  /** From crmCacheScope(…): what decides which records a caller may see. */
  scope: string;
  ttlMs: CacheTtls;
}

/** How one loader's answers are cached: their type name, TTL and the generations they depend on. */
interface CachePolicy<K> {
  type: string;
  ttlMs: number | undefined;
  keyOf?: (key: K) => string;
  generationsOf?: (key: K) => readonly string[];
}

/**
 * The per-request DataLoaders: created for each request by the context factory, never shared
 * between requests (each caller sees only what its own calls returned). With `batching` off
 * every loader makes one call per key: the naive baseline the benchmark compares against.
 */
export function createLoaders(client: CrmClient, ctx: CallContext, batching: boolean, cache?: CrmCacheScope) {
  const options = { batch: batching };
  const ttl = cache?.ttlMs;

  /** The batch function read through the shared cache when there is one. */
  function cached<K, V>(
    policy: CachePolicy<K>,
    load: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
  ): (keys: readonly K[]) => Promise<(V | Error)[]> {
    if (!cache || policy.ttlMs === undefined) return async (keys) => [...(await load(keys))];
    return cachedBatch<K, V>({
      cache: cache.cache,
      scope: cache.scope,
      type: policy.type,
      ttlMs: policy.ttlMs,
      ...(policy.keyOf ? { keyOf: policy.keyOf } : {}),
      ...(policy.generationsOf ? { generationsOf: policy.generationsOf } : {}),
      load,
    });
  }

  /** A loader for records looked up by one field; keys match case-insensitively when asked. */
  function byField<R, K extends string = string>(
    policy: CachePolicy<K>,
    fetch: (keys: readonly K[]) => Promise<R[]>,
    keyOf: (record: R) => string | null | undefined,
    normalise: (key: string) => string = (k) => k,
  ) {
    return new DataLoader<K, R | null, string>(
      cached<K, R | null>({ keyOf: normalise, ...policy }, async (keys) => {
        const records = await fetch(keys);
        const found = new Map<string, R>();
        for (const r of records) {
          const k = keyOf(r);
          if (k !== null && k !== undefined && !found.has(normalise(k))) found.set(normalise(k), r);
        }
        return keys.map((k) => found.get(normalise(k)) ?? null);
      }),
      { ...options, cacheKeyFn: normalise },
    );
  }

  const lower = (k: string) => k.toLowerCase();

  const accountById = byField<AccountRecord>(
    { type: 'crm.account', ttlMs: ttl?.customer, generationsOf: (id) => [CRM_GENERATIONS.account(id)] },
    (ids) => client.accountsByIds(ids, ctx),
    (r) => r.Id,
  );

  /** Every account linked to an ERP customer, oldest first (the first is the one read). */
  const accountsByErpId = new DataLoader<string, AccountRecord[], string>(
    cached<string, AccountRecord[]>(
      {
        type: 'crm.accounts-by-erp-id',
        ttlMs: ttl?.customer,
        keyOf: lower,
        generationsOf: () => [CRM_GENERATIONS.accounts],
      },
      async (erpIds) => {
        const records = await client.accountsByErpCustomerIds(erpIds, ctx);
        const groups = new Map<string, AccountRecord[]>();
        for (const r of records) {
          const key = (r.ERP_Customer_Id__c ?? '').toLowerCase();
          const group = groups.get(key) ?? [];
          group.push(r);
          groups.set(key, group);
          accountById.prime(r.Id, r);
        }
        return erpIds.map((id) => groups.get(id.toLowerCase()) ?? []);
      },
    ),
    { ...options, cacheKeyFn: lower },
  );

  /**
   * The account a Customer.id reads from: `erp:<guid>` (the oldest linked account) or
   * `crm:<account id>`. Both kinds are looked up in one batch (two statements in parallel), so
   * customers of either kind resolve together and their child lists batch together.
   */
  const customerKey = (k: string) => (k.startsWith('erp:') ? k.toLowerCase() : k);
  const customerAccount = new DataLoader<string, AccountRecord | null, string>(
    cached<string, AccountRecord | null>(
      {
        type: 'crm.customer-account',
        ttlMs: ttl?.customer,
        keyOf: customerKey,
        generationsOf: (k) =>
          k.startsWith('crm:')
            ? [CRM_GENERATIONS.accounts, CRM_GENERATIONS.account(k.slice(4))]
            : [CRM_GENERATIONS.accounts],
      },
      async (keys) => {
        const guids = keys.filter((k) => k.startsWith('erp:')).map((k) => k.slice(4));
        const ids = keys.filter((k) => k.startsWith('crm:')).map((k) => k.slice(4));
        const [linked, byId] = await Promise.all([
          guids.length > 0 ? client.accountsByErpCustomerIds(guids, ctx) : [],
          ids.length > 0 ? client.accountsByIds(ids, ctx) : [],
        ]);
        const groups = new Map<string, AccountRecord[]>(guids.map((g) => [g.toLowerCase(), []]));
        for (const r of linked) groups.get((r.ERP_Customer_Id__c ?? '').toLowerCase())?.push(r);
        for (const [guid, group] of groups) accountsByErpId.prime(guid, group);
        for (const r of [...linked, ...byId]) accountById.prime(r.Id, r);
        const found = new Map(byId.map((r) => [r.Id, r]));
        return keys.map((k) =>
          k.startsWith('erp:')
            ? (groups.get(k.slice(4).toLowerCase())?.[0] ?? null)
            : (found.get(k.slice(4)) ?? null),
        );
      },
    ),
    { ...options, cacheKeyFn: customerKey },
  );

  const childList = new DataLoader<ChildListKey, unknown[], string>(
    cached<ChildListKey, unknown[]>(
      {
        type: 'crm.child-list',
        ttlMs: ttl?.activity,
        keyOf: childListCacheKey,
        generationsOf: (k) =>
          CHILD_LISTS[k.list].parent === 'Account'
            ? [CRM_GENERATIONS.lists, CRM_GENERATIONS.account(k.parentId)]
            : [CRM_GENERATIONS.lists],
      },
      async (keys) => {
        const firstPages = keys.filter((k) => !k.after);
        // First pages: one statement (per URL-bound chunk) per parent object, for every parent and list asked.
        const firstPageResults = new Map<string, unknown[]>();
        const byParent = new Map<string, ChildListKey[]>();
        for (const k of firstPages) {
          const parent = CHILD_LISTS[k.list].parent;
          byParent.set(parent, [...(byParent.get(parent) ?? []), k]);
        }
        await Promise.all(
          [...byParent.values()].map(async (group) => {
            const parents = await client.childListsOf(
              group.map((k) => k.parentId),
              group.map((k): ChildListRequest => ({ list: k.list, limit: k.limit })),
              ctx,
            );
            for (const k of group) {
              firstPageResults.set(
                childListCacheKey(k),
                childRows(parents.get(k.parentId), k.list).slice(0, k.limit),
              );
            }
          }),
        );
        // Later pages: the keyset differs per account, so one statement each, in parallel.
        return Promise.all(
          keys.map(async (k) =>
            k.after
              ? client.childListAfter<unknown>(k.parentId, { list: k.list, limit: k.limit }, k.after, ctx)
              : (firstPageResults.get(childListCacheKey(k)) ?? []),
          ),
        );
      },
    ),
    { ...options, cacheKeyFn: childListCacheKey },
  );

  return {
    accountById,
    accountsByErpId,
    customerAccount,
    childList,
    taskById: byField<TaskRecord>(
      { type: 'crm.task', ttlMs: ttl?.activity },
      (ids) => client.tasksByIds(ids, ctx),
      (r) => r.Id,
    ),
    eventById: byField<EventRecord>(
      { type: 'crm.event', ttlMs: ttl?.activity },
      (ids) => client.eventsByIds(ids, ctx),
      (r) => r.Id,
    ),
    userByEmail: byField<UserRecord>(
      { type: 'crm.user-by-email', ttlMs: ttl?.master },
      (emails) => client.usersByEmails(emails, ctx),
      (r) => r.Email,
      lower,
    ),
    contactById: byField<ContactRecord>(
      { type: 'crm.contact', ttlMs: ttl?.activity, generationsOf: (id) => [CRM_GENERATIONS.contact(id)] },
      (ids) => client.contactsByIds(ids, ctx),
      (r) => r.Id,
    ),
    opportunityById: byField<OpportunityRecord>(
      {
        type: 'crm.opportunity',
        ttlMs: ttl?.activity,
        generationsOf: (id) => [CRM_GENERATIONS.opportunity(id)],
      },
      (ids) => client.opportunitiesByIds(ids, ctx),
      (r) => r.Id,
    ),
    quoteById: byField<QuoteRecord>(
      { type: 'crm.quote', ttlMs: ttl?.activity, generationsOf: (id) => [CRM_GENERATIONS.quote(id)] },
      (ids) => client.quotesByIds(ids, ctx),
      (r) => r.Id,
    ),
    quoteByOrderNumber: byField<QuoteRecord>(
      {
        type: 'crm.quote-of-order',
        ttlMs: ttl?.activity,
        generationsOf: (number) => [CRM_GENERATIONS.quoteOfOrder(number)],
      },
      (numbers) => client.quotesByOrderNumbers(numbers, ctx),
      (r) => r.ERP_Order_Number__c,
    ),
    quotesByOpportunityId: new DataLoader<string, QuoteRecord[]>(
      cached<string, QuoteRecord[]>(
        {
          type: 'crm.quotes-of-opportunity',
          ttlMs: ttl?.activity,
          generationsOf: (id) => [CRM_GENERATIONS.opportunity(id), CRM_GENERATIONS.lists],
        },
        async (ids) => {
          const quotes = await client.quotesByOpportunityIds(ids, ctx);
          return ids.map((id) => quotes.filter((q) => q.OpportunityId === id));
        },
      ),
      options,
    ),
    caseById: byField<CaseRecord>(
      { type: 'crm.case', ttlMs: ttl?.activity },
      (ids) => client.casesByIds(ids, ctx),
      (r) => r.Id,
    ),
    caseByNumber: byField<CaseRecord>(
      { type: 'crm.case-by-number', ttlMs: ttl?.activity },
      (numbers) => client.casesByNumbers(numbers, ctx),
      (r) => r.CaseNumber,
    ),
    productByCode: byField<Product2Record>(
      { type: 'crm.product', ttlMs: ttl?.master },
      (codes) => client.productsByCodes(codes, ctx),
      (r) => r.ProductCode,
    ),
  };
}

/**
 * Feeds the child lists read with an accounts page (relationship subqueries) to `childList`,
 * under the keys its resolvers will ask for, so they make no further call.
 */
export function primeChildLists(
  loaders: CrmLoaders,
  accounts: readonly AccountChildrenRecord[],
  lists: readonly ChildListRequest[],
): void {
  for (const account of accounts) {
    for (const { list, limit } of lists) {
      loaders.childList.prime(
        { parentId: account.Id, list, limit },
        childRows(account, list).slice(0, limit),
      );
    }
  }
}

export function childListCacheKey(key: ChildListKey): string {
  return JSON.stringify([key.parentId, key.list, key.limit, key.after ?? null]);
}

/** The rows of a child subquery in an Account record (null when the account has none). */
export function childRows(account: AccountChildrenRecord | undefined, list: ChildListName): unknown[] {
  const result = account?.[CHILD_LISTS[list].relationship] as SfQueryResult<unknown> | null | undefined;
  return result?.records ?? [];
}
