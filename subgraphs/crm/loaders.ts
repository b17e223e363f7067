import type DataLoader from 'dataloader';
import { anyCase, exact } from '../../lib/byKey.js';
import type { CacheTtls } from '../../lib/cacheConfig.js';
import { readOneThroughCache } from '../../lib/cachedBatch.js';
import { type LoaderScope, type LoaderSpec, type LoadersOf, loadersOf } from '../../lib/loaderTable.js';
import { CRM_GENERATIONS, childListGenerations } from './client/cacheGenerations.js';
import type { ChildListRead, RootListRead } from './client/lists.js';
import type { CrmAccount } from './client/models.js';
import type { AccountsPage, CrmReads, DuplicateGroups } from './client/reads.js';
import type { CrmContext } from './context.js';

/**
 * The per-request DataLoaders (lib/loaderTable.ts): every lookup the resolvers make goes through
 * one, so a query over many customers costs a constant number of CRM calls.
 */

/** The loaders a read hands what it found besides its own answers. */
interface PrimedLoaders {
  accountById: DataLoader<string, CrmAccount | null, string>;
  accountsOfErpCustomer: DataLoader<string, CrmAccount[], string>;
}

const loader = <K, V>(spec: LoaderSpec<CrmReads, K, V, PrimedLoaders>) => spec;

const customerTtl = (ttl: CacheTtls) => ttl.customer;
const activityTtl = (ttl: CacheTtls) => ttl.activity;
const masterTtl = (ttl: CacheTtls) => ttl.master;

function primeAccounts(accounts: readonly CrmAccount[], loaders: PrimedLoaders): void {
  for (const account of accounts) loaders.accountById.prime(account.crmAccountId, account);
}

function childListKey(read: ChildListRead): string {
  return JSON.stringify([read.parentId, read.list, read.limit, read.after ?? null]);
}

/**
 * The account a Customer.id reads from: `erp:<guid>` (the oldest linked account) or
 * `crm:<account id>`. Both kinds are looked up in one batch (two statements in parallel), so
 * customers of either kind resolve together and their child lists batch together.
 */
const customerAccount = loader<string, CrmAccount | null>({
  async read(crm, keys, { requestId, loaders }) {
    const guids = keys.filter((k) => k.startsWith('erp:')).map((k) => k.slice(4));
    const ids = keys.filter((k) => k.startsWith('crm:')).map((k) => k.slice(4));
    // A read of no keys makes no call.
    const [linked, byId] = await Promise.all([
      crm.accountsOfErpCustomers(guids, requestId),
      crm.accountsById(ids, requestId),
    ]);
    guids.forEach((guid, i) => {
      loaders.accountsOfErpCustomer.prime(guid, linked[i] ?? []);
    });
    primeAccounts([...linked.flat(), ...byId.filter((account) => account !== null)], loaders);
    const oldest = new Map(guids.map((guid, i) => [anyCase(guid), linked[i]?.[0] ?? null]));
    const found = new Map(ids.map((id, i) => [id, byId[i] ?? null]));
    return keys.map((k) =>
      k.startsWith('erp:') ? (oldest.get(anyCase(k.slice(4))) ?? null) : (found.get(k.slice(4)) ?? null),
    );
  },
  keyOf: (key) => (key.startsWith('erp:') ? anyCase(key) : key),
  cache: {
    type: 'crm.customer-account',
    ttlMs: customerTtl,
    generationsOf: (key) =>
      key.startsWith('crm:')
        ? [CRM_GENERATIONS.accounts, CRM_GENERATIONS.account(key.slice(4))]
        : [CRM_GENERATIONS.accounts],
  },
});

/** The loaders by name: which read answers them, how their keys compare, how their answers are cached. */
const LOADERS = {
  accountById: loader({
    read: (crm, ids, { requestId }) => crm.accountsById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.account', ttlMs: customerTtl, generationsOf: (id) => [CRM_GENERATIONS.account(id)] },
  }),
  /** Every account linked to an ERP customer, oldest first (the first is the one read). */
  accountsOfErpCustomer: loader({
    async read(crm, erpIds, { requestId, loaders }) {
      const linked = await crm.accountsOfErpCustomers(erpIds, requestId);
      primeAccounts(linked.flat(), loaders);
      return linked;
    },
    keyOf: anyCase,
    cache: {
      type: 'crm.accounts-by-erp-id',
      ttlMs: customerTtl,
      generationsOf: () => [CRM_GENERATIONS.accounts],
    },
  }),
  customerAccount,
  childList: loader({
    read: (crm, reads, { requestId }) => crm.childListReads(reads, requestId),
    keyOf: childListKey,
    cache: { type: 'crm.child-list', ttlMs: activityTtl, generationsOf: childListGenerations },
  }),
  /**
   * Pages of the lists over every account (opportunities, cases, interactions' streams,
   * campaigns): each its own statement, all of a tick in parallel, cached as child lists are.
   * Any account's record may be on any page, so every CRM write through the graph (each bumps
   * `accounts`) drops them, not only those that name no account (`lists`).
   */
  rootListPage: loader({
    read: (crm, reads: readonly RootListRead[], { requestId }) =>
      Promise.all(reads.map((read) => crm.rootListPage(read, requestId))),
    keyOf: (read: RootListRead) => JSON.stringify([read.list, read.filter, read.limit, read.after ?? null]),
    cache: {
      type: 'crm.list-page',
      ttlMs: activityTtl,
      generationsOf: () => [CRM_GENERATIONS.accounts, CRM_GENERATIONS.lists],
    },
  }),
  /** Campaigns by id: every campaign a request names (members' pages, opportunities') in one statement. */
  campaignById: loader({
    read: (crm, ids, { requestId }) => crm.campaignsById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.campaign', ttlMs: activityTtl },
  }),
  interactionById: loader({
    read: (crm, ids, { requestId }) => crm.interactionsById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.interaction', ttlMs: activityTtl },
  }),
  userByEmail: loader({
    read: (crm, emails, { requestId }) => crm.usersByEmail(emails, requestId),
    keyOf: anyCase,
    cache: { type: 'crm.user-by-email', ttlMs: masterTtl },
  }),
  contactById: loader({
    read: (crm, ids, { requestId }) => crm.contactsById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.contact', ttlMs: activityTtl, generationsOf: (id) => [CRM_GENERATIONS.contact(id)] },
  }),
  opportunityById: loader({
    read: (crm, ids, { requestId }) => crm.opportunitiesById(ids, requestId),
    keyOf: exact,
    cache: {
      type: 'crm.opportunity',
      ttlMs: activityTtl,
      generationsOf: (id) => [CRM_GENERATIONS.opportunity(id)],
    },
  }),
  quoteById: loader({
    read: (crm, ids, { requestId }) => crm.quotesById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.quote', ttlMs: activityTtl, generationsOf: (id) => [CRM_GENERATIONS.quote(id)] },
  }),
  quoteByOrderNumber: loader({
    read: (crm, numbers, { requestId }) => crm.quotesByOrderNumber(numbers, requestId),
    keyOf: exact,
    cache: {
      type: 'crm.quote-of-order',
      ttlMs: activityTtl,
      generationsOf: (number) => [CRM_GENERATIONS.quoteOfOrder(number)],
    },
  }),
  quotesOfOpportunity: loader({
    read: (crm, ids, { requestId }) => crm.quotesOfOpportunities(ids, requestId),
    keyOf: exact,
    cache: {
      type: 'crm.quotes-of-opportunity',
      ttlMs: activityTtl,
      generationsOf: (id) => [CRM_GENERATIONS.opportunity(id), CRM_GENERATIONS.lists],
    },
  }),
  supportCaseById: loader({
    read: (crm, ids, { requestId }) => crm.supportCasesById(ids, requestId),
    keyOf: exact,
    cache: { type: 'crm.case', ttlMs: activityTtl, generationsOf: (id) => [CRM_GENERATIONS.supportCase(id)] },
  }),
  supportCaseByNumber: loader({
    read: (crm, numbers, { requestId }) => crm.supportCasesByNumber(numbers, requestId),
    keyOf: exact,
    cache: {
      type: 'crm.case-by-number',
      ttlMs: activityTtl,
      generationsOf: (number) => [CRM_GENERATIONS.supportCaseNumber(number)],
    },
  }),
  /** Assets by serial number: Salesforce compares them case-insensitively, and so do the keys. */
  assetBySerialNumber: loader({
    read: (crm, serials, { requestId }) => crm.assetsBySerialNumber(serials, requestId),
    keyOf: anyCase,
    cache: { type: 'crm.asset-by-serial', ttlMs: activityTtl, generationsOf: () => [CRM_GENERATIONS.lists] },
  }),
  /** An asset's entitlements: what its warranty is judged on (a case opened uses one up, so: lists). */
  entitlementsOfAsset: loader({
    read: (crm, assetIds, { requestId }) => crm.entitlementsOfAssets(assetIds, requestId),
    keyOf: exact,
    cache: {
      type: 'crm.entitlements-of-asset',
      ttlMs: activityTtl,
      generationsOf: () => [CRM_GENERATIONS.lists],
    },
  }),
  supportCasesOfAsset: loader({
    read: (crm, assetIds, { requestId }) => crm.supportCasesOfAssets(assetIds, requestId),
    keyOf: exact,
    cache: { type: 'crm.cases-of-asset', ttlMs: activityTtl, generationsOf: () => [CRM_GENERATIONS.lists] },
  }),
  productBySku: loader({
    read: (crm, skus, { requestId }) => crm.productsBySku(skus, requestId),
    keyOf: exact,
    cache: { type: 'crm.product', ttlMs: masterTtl },
  }),
};

export type CrmLoaders = LoadersOf<typeof LOADERS>;

export function createLoaders(scope: LoaderScope<CrmReads>): CrmLoaders {
  return loadersOf(LOADERS, scope);
}

/**
 * A page of accounts, read through the shared cache keyed by everything that decides its
 * statement (search, keyset position, limit, read-ahead): the cached answer holds the child
 * lists read ahead too. What it holds primes the loaders, so the page's accounts and the first
 * pages of their lists cost no further call.
 */
export async function readAccountsPage(
  args: Parameters<CrmReads['accountsPage']>[0],
  { crm, loaders, cache, requestId }: CrmContext,
): Promise<AccountsPage> {
  const readAhead = args.readAhead ?? [];
  const page = await readOneThroughCache(
    cache,
    {
      type: 'crm.accounts-page',
      ttlMs: (ttl) => (readAhead.length > 0 ? Math.min(ttl.customer, ttl.activity) : ttl.customer),
      generationsOf: () => [CRM_GENERATIONS.accounts, CRM_GENERATIONS.lists],
    },
    JSON.stringify([args.search ?? null, args.after ?? null, args.limit, readAhead, args.ownerId ?? null]),
    () => crm.accountsPage(args, requestId),
  );
  for (const { read, rows } of page.readAhead) loaders.childList.prime(read, rows);
  primeAccounts(
    page.accounts.map(({ node }) => node),
    loaders,
  );
  return page;
}

/**
 * The ERP customers several accounts are linked to (reads.ts duplicateGroups), read through the
 * shared cache beside each accounts page: one aggregate whatever the page, so the entry serves
 * every page, search and cursor of the caller's visibility until an account changes.
 */
export function readDuplicateGroups({ crm, cache, requestId }: CrmContext): Promise<DuplicateGroups> {
  return readOneThroughCache(
    cache,
    {
      type: 'crm.duplicate-groups',
      ttlMs: customerTtl,
      generationsOf: () => [CRM_GENERATIONS.accounts],
    },
    'all',
    () => crm.duplicateGroups(requestId),
  );
}
