import DataLoader from 'dataloader';
import type { CacheScope, CacheTtls } from '../../lib/cacheConfig.js';
import { readOneThroughCache, readThroughCache } from '../../lib/cachedBatch.js';
import { CRM_GENERATIONS, childListGenerations } from './client/cacheGenerations.js';
import type { AccountsPage, CallContext, CrmClient } from './client/crmClient.js';
import type { ChildListRead, ChildListRow } from './client/lists.js';
import type {
  CrmAccount,
  CrmContact,
  CrmInteraction,
  CrmOpportunity,
  CrmProduct,
  CrmQuote,
  CrmSupportCase,
  CrmUser,
} from './client/models.js';
import type { CrmContext } from './context.js';

/** How a loader's answers are cached: under which type, for which TTL, stale after which writes. */
interface CachePolicy<K> {
  type: string;
  ttl: keyof CacheTtls;
  generationsOf?: (key: K) => readonly string[];
}

/** What a loader reads with: the client, who is asking, and the other loaders (to prime them). */
interface LoaderEnv {
  client: CrmClient;
  ctx: CallContext;
  loaders: CrmLoaders;
}

/** One per-request loader. */
interface LoaderSpec<K, V> {
  cache: CachePolicy<K>;
  /** A key's identity, for the loader and the shared cache alike (e.g. e-mail addresses in lower case). */
  keyOf?: (key: K) => string;
  /** The answers to a batch of keys, in key order. */
  load: (keys: readonly K[], env: LoaderEnv) => Promise<V[]>;
}

interface ByKeySpec<V> {
  cache: CachePolicy<string>;
  keyOf?: (key: string) => string;
  read: (client: CrmClient, keys: readonly string[], ctx: CallContext) => Promise<V[]>;
  /** The key a value answers (null: none). */
  keyOfValue: (value: V) => string | null;
  /** Hands what was read to other loaders that answer it too. */
  prime?: (values: readonly V[], loaders: CrmLoaders) => void;
}

const same = (key: string) => key;
const lower = (key: string) => key.toLowerCase();

/** A loader whose client read takes many keys: each key's answer is made from the values that answer it. */
function byKey<V, A>(spec: ByKeySpec<V>, answer: (values: V[] | undefined) => A): LoaderSpec<string, A> {
  const keyOf = spec.keyOf ?? same;
  return {
    cache: spec.cache,
    ...(spec.keyOf ? { keyOf: spec.keyOf } : {}),
    async load(keys, { client, ctx, loaders }) {
      const values = await spec.read(client, keys, ctx);
      spec.prime?.(values, loaders);
      const found = new Map<string, V[]>();
      for (const value of values) {
        const key = spec.keyOfValue(value);
        if (key === null) continue;
        const group = found.get(keyOf(key));
        if (group) group.push(value);
        else found.set(keyOf(key), [value]);
      }
      return keys.map((key) => answer(found.get(keyOf(key))));
    },
  };
}

/** A loader of the one value that answers each key (the first read, when several do), or null. */
const oneByKey = <V>(spec: ByKeySpec<V>) => byKey(spec, (values) => values?.[0] ?? null);

/** A loader of every value that answers each key, in the order read. */
const allByKey = <V>(spec: ByKeySpec<V>) => byKey(spec, (values) => values ?? []);

function primeAccounts(accounts: readonly CrmAccount[], loaders: CrmLoaders): void {
  for (const account of accounts) loaders.accountById.prime(account.crmAccountId, account);
}

/**
 * The account a Customer.id reads from: `erp:<guid>` (the oldest linked account) or
 * `crm:<account id>`. Both kinds are looked up in one batch (two statements in parallel), so
 * customers of either kind resolve together and their child lists batch together.
 */
const customerAccount: LoaderSpec<string, CrmAccount | null> = {
  cache: {
    type: 'crm.customer-account',
    ttl: 'customer',
    generationsOf: (key) =>
      key.startsWith('crm:')
        ? [CRM_GENERATIONS.accounts, CRM_GENERATIONS.account(key.slice(4))]
        : [CRM_GENERATIONS.accounts],
  },
  keyOf: (key) => (key.startsWith('erp:') ? key.toLowerCase() : key),
  async load(keys, { client, ctx, loaders }) {
    const guids = keys.filter((k) => k.startsWith('erp:')).map((k) => k.slice(4));
    const ids = keys.filter((k) => k.startsWith('crm:')).map((k) => k.slice(4));
    const [linked, byId] = await Promise.all([
      guids.length > 0 ? client.accountsByErpCustomerIds(guids, ctx) : [],
      ids.length > 0 ? client.accountsByIds(ids, ctx) : [],
    ]);
    const groups = new Map(guids.map((guid) => [lower(guid), [] as CrmAccount[]]));
    for (const account of linked) groups.get(lower(account.erpCustomerId ?? ''))?.push(account);
    for (const [guid, group] of groups) loaders.accountsByErpId.prime(guid, group);
    primeAccounts([...linked, ...byId], loaders);
    const found = new Map(byId.map((a) => [a.crmAccountId, a]));
    return keys.map((k) =>
      k.startsWith('erp:') ? (groups.get(lower(k.slice(4)))?.[0] ?? null) : (found.get(k.slice(4)) ?? null),
    );
  },
};

/**
 * The per-request loaders, by name: which client read answers them, how their keys compare, and
 * how their answers are cached. TTLs are the shared cache's kinds of record (CacheTtls).
 */
const LOADERS = {
  accountById: oneByKey<CrmAccount>({
    cache: { type: 'crm.account', ttl: 'customer', generationsOf: (id) => [CRM_GENERATIONS.account(id)] },
    read: (client, ids, ctx) => client.accountsByIds(ids, ctx),
    keyOfValue: (account) => account.crmAccountId,
  }),
  /** Every account linked to an ERP customer, oldest first (the first is the one read). */
  accountsByErpId: allByKey<CrmAccount>({
    cache: {
      type: 'crm.accounts-by-erp-id',
      ttl: 'customer',
      generationsOf: () => [CRM_GENERATIONS.accounts],
    },
    keyOf: lower,
    read: (client, erpIds, ctx) => client.accountsByErpCustomerIds(erpIds, ctx),
    keyOfValue: (account) => account.erpCustomerId,
    prime: primeAccounts,
  }),
  customerAccount,
  childList: {
    cache: { type: 'crm.child-list', ttl: 'activity', generationsOf: childListGenerations },
    keyOf: childListKey,
    load: (reads, { client, ctx }) => client.childListReads(reads, ctx),
  } satisfies LoaderSpec<ChildListRead, ChildListRow[]>,
  interactionById: oneByKey<CrmInteraction>({
    cache: { type: 'crm.interaction', ttl: 'activity' },
    read: (client, ids, ctx) => client.interactionsByIds(ids, ctx),
    keyOfValue: (interaction) => interaction.id,
  }),
  userByEmail: oneByKey<CrmUser>({
    cache: { type: 'crm.user-by-email', ttl: 'master' },
    keyOf: lower,
    read: (client, emails, ctx) => client.usersByEmails(emails, ctx),
    keyOfValue: (user) => user.email,
  }),
  contactById: oneByKey<CrmContact>({
    cache: { type: 'crm.contact', ttl: 'activity', generationsOf: (id) => [CRM_GENERATIONS.contact(id)] },
    read: (client, ids, ctx) => client.contactsByIds(ids, ctx),
    keyOfValue: (contact) => contact.id,
  }),
  opportunityById: oneByKey<CrmOpportunity>({
    cache: {
      type: 'crm.opportunity',
      ttl: 'activity',
      generationsOf: (id) => [CRM_GENERATIONS.opportunity(id)],
    },
    read: (client, ids, ctx) => client.opportunitiesByIds(ids, ctx),
    keyOfValue: (opportunity) => opportunity.id,
  }),
  quoteById: oneByKey<CrmQuote>({
    cache: { type: 'crm.quote', ttl: 'activity', generationsOf: (id) => [CRM_GENERATIONS.quote(id)] },
    read: (client, ids, ctx) => client.quotesByIds(ids, ctx),
    keyOfValue: (quote) => quote.id,
  }),
  quoteByOrderNumber: oneByKey<CrmQuote>({
    cache: {
      type: 'crm.quote-of-order',
      ttl: 'activity',
      generationsOf: (number) => [CRM_GENERATIONS.quoteOfOrder(number)],
    },
    read: (client, numbers, ctx) => client.quotesByOrderNumbers(numbers, ctx),
    keyOfValue: (quote) => quote.orderNumber,
  }),
  quotesByOpportunityId: allByKey<CrmQuote>({
    cache: {
      type: 'crm.quotes-of-opportunity',
      ttl: 'activity',
      generationsOf: (id) => [CRM_GENERATIONS.opportunity(id), CRM_GENERATIONS.lists],
    },
    read: (client, ids, ctx) => client.quotesByOpportunityIds(ids, ctx),
    keyOfValue: (quote) => quote.opportunityId,
  }),
  supportCaseById: oneByKey<CrmSupportCase>({
    cache: { type: 'crm.case', ttl: 'activity' },
    read: (client, ids, ctx) => client.supportCasesByIds(ids, ctx),
    keyOfValue: (supportCase) => supportCase.id,
  }),
  supportCaseByNumber: oneByKey<CrmSupportCase>({
    cache: { type: 'crm.case-by-number', ttl: 'activity' },
    read: (client, numbers, ctx) => client.supportCasesByNumbers(numbers, ctx),
    keyOfValue: (supportCase) => supportCase.number,
  }),
  productBySku: oneByKey<CrmProduct>({
    cache: { type: 'crm.product', ttl: 'master' },
    read: (client, skus, ctx) => client.productsBySkus(skus, ctx),
    keyOfValue: (product) => product.sku,
  }),
};

export type CrmLoaders = {
  [N in keyof typeof LOADERS]: (typeof LOADERS)[N] extends LoaderSpec<infer K, infer V>
    ? DataLoader<K, V, string>
    : never;
};

/**
 * The per-request DataLoaders: created for each request by the context factory, never shared
 * between requests (each caller sees only what its own calls returned). With `batching` off
 * every loader makes one call per key: the naive baseline the benchmark compares against.
 */
export function createLoaders(
  client: CrmClient,
  ctx: CallContext,
  batching: boolean,
  cache?: CacheScope,
): CrmLoaders {
  const loaders: Record<string, DataLoader<unknown, unknown, string>> = {};
  const env: LoaderEnv = { client, ctx, loaders: loaders as CrmLoaders };
  for (const [name, spec] of Object.entries(LOADERS) as [string, LoaderSpec<unknown, unknown>][]) {
    loaders[name] = new DataLoader(
      readThroughCache<unknown, unknown>(cache, {
        type: spec.cache.type,
        ttlMs: (ttl) => ttl[spec.cache.ttl],
        ...(spec.cache.generationsOf ? { generationsOf: spec.cache.generationsOf } : {}),
        ...(spec.keyOf ? { keyOf: spec.keyOf } : {}),
        load: (keys) => spec.load(keys, env),
      }),
      {
        batch: batching,
        ...(spec.keyOf ? { cacheKeyFn: spec.keyOf } : {}),
      },
    );
  }
  return env.loaders;
}

function childListKey(read: ChildListRead): string {
  return JSON.stringify([read.parentId, read.list, read.limit, read.after ?? null]);
}

/**
 * A page of accounts, read through the shared cache keyed by everything that decides its
 * statement (search, keyset position, limit, read-ahead): the cached answer holds the child
 * lists read ahead too. What it holds primes the loaders, so the page's accounts and the first
 * pages of their lists cost no further call.
 */
export async function readAccountsPage(
  args: Parameters<CrmClient['accountsPage']>[0],
  { client, loaders, cache, requestId }: CrmContext,
): Promise<AccountsPage> {
  const readAhead = args.readAhead ?? [];
  const page = await readOneThroughCache(
    cache,
    {
      type: 'crm.accounts-page',
      ttlMs: (ttl) => (readAhead.length > 0 ? Math.min(ttl.customer, ttl.activity) : ttl.customer),
      generationsOf: () => [CRM_GENERATIONS.accounts, CRM_GENERATIONS.lists],
    },
    JSON.stringify([args.search ?? null, args.after ?? null, args.limit, readAhead]),
    () => client.accountsPage(args, { requestId }),
  );
  for (const { read, rows } of page.readAhead) loaders.childList.prime(read, rows);
  primeAccounts(
    page.accounts.map(({ node }) => node),
    loaders,
  );
  return page;
}
