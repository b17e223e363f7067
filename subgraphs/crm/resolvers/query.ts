import type { GraphQLResolveInfo } from 'graphql';
import { cachedLoad } from '../../../lib/cachedBatch.js';
import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import { appError } from '../../../lib/errors.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { CRM_GENERATIONS } from '../client/cacheGenerations.js';
import { ACCOUNT_PAGE_ORDER } from '../client/crmClient.js';
import { toSalesforceId18 } from '../client/ids.js';
import { isKeysetFor, positionOf } from '../client/keyset.js';
import type { CrmContext } from '../context.js';
import { primeChildLists } from '../loaders.js';
import { childListsAhead } from '../lookahead.js';
import type { CustomerModel } from '../models.js';
import { customerFromAccount, loadCustomer } from './customer.js';

const MAX_SEARCH_LENGTH = 200;

function salesforceIdArgument(id: string, argument: string): string {
  const id18 = toSalesforceId18(id);
  if (!id18) {
    throw appError('BAD_USER_INPUT', `"${argument}" must be a CRM record id (15 or 18 characters).`, {
      argument,
    });
  }
  return id18;
}

/**
 * Customers as the CRM lists them, by (Name, Id) keyset. Accounts linked to an ERP customer
 * that another, older account also links to are duplicates: only the oldest is listed (the
 * others show in its duplicateCrmAccountIds). Finding them costs one batched lookup of the
 * page's ERP ids, whatever the page size.
 */
async function customersPage(
  args: { search?: string | null; first?: number | null; after?: string | null },
  ctx: CrmContext,
  info: GraphQLResolveInfo,
) {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, 'customers', isKeysetFor(ACCOUNT_PAGE_ORDER));
  let search: string | undefined;
  if (args.search !== null && args.search !== undefined) {
    search = args.search.trim();
    if (search.length === 0 || search.length > MAX_SEARCH_LENGTH) {
      throw appError('BAD_USER_INPUT', `"search" must be 1 to ${MAX_SEARCH_LENGTH} characters.`, {
        argument: 'search',
      });
    }
  }
  // Child lists the selection asks for on every customer come in the same statement. A few
  // rows more than the page are read so that hidden duplicates rarely leave the page short.
  const children = ctx.batching ? childListsAhead(info) : [];
  const limit = size + 1 + duplicateSlack(size);
  const rows = await accountsPage({ search, after, limit, children }, ctx);
  primeChildLists(ctx.loaders, rows, children);
  for (const account of rows) ctx.loaders.accountById.prime(account.Id, account);
  const linked = [...new Set(rows.flatMap((a) => (a.ERP_Customer_Id__c ? [a.ERP_Customer_Id__c] : [])))];
  const groups = await ctx.loaders.accountsByErpId.loadMany(linked);
  const oldestOf = new Map<string, string>();
  groups.forEach((group, i) => {
    if (group instanceof Error) throw group;
    const oldest = group[0];
    if (oldest) oldestOf.set(linked[i]!.toLowerCase(), oldest.Id);
  });
  const visible = rows.filter((account) => {
    const erpId = account.ERP_Customer_Id__c?.toLowerCase();
    const oldest = erpId ? oldestOf.get(erpId) : undefined;
    return oldest === undefined || oldest === account.Id;
  });
  const edges = visible.slice(0, size).map((account) => ({
    cursor: encodeCursor('customers', positionOf(account, ACCOUNT_PAGE_ORDER)),
    node: customerFromAccount(account) as CustomerModel,
  }));
  const moreInCrm = rows.length === limit;
  const connection = connectionOf(edges, {
    hasNextPage: visible.length > size || moreInCrm,
    hasPreviousPage: after !== undefined,
  });
  // A short page (only duplicates followed) continues after the last account read, not shown.
  const last = rows.at(-1);
  if (visible.length <= size && moreInCrm && last) {
    connection.pageInfo.endCursor = encodeCursor('customers', positionOf(last, ACCOUNT_PAGE_ORDER));
  }
  return connection;
}

/**
 * The page of accounts read through the shared cache, keyed by everything that decides its
 * statement (search, keyset position, limit, child subqueries): the cached answer holds the
 * read-ahead child lists too, so a repeated page primes its lists without a CRM call.
 */
function accountsPage(args: Parameters<CrmContext['client']['accountsPage']>[0], ctx: CrmContext) {
  const load = () => ctx.client.accountsPage(args, ctx);
  if (!ctx.cache) return load();
  const { ttlMs } = ctx.cache;
  return cachedLoad(
    {
      cache: ctx.cache.cache,
      scope: ctx.cache.scope,
      type: 'crm.accounts-page',
      ttlMs: (args.children ?? []).length > 0 ? Math.min(ttlMs.customer, ttlMs.activity) : ttlMs.customer,
      generations: [CRM_GENERATIONS.accounts, CRM_GENERATIONS.lists],
    },
    JSON.stringify([args.search ?? null, args.after ?? null, args.limit, args.children ?? []]),
    load,
  );
}

/** Extra accounts read per page to make up for duplicates hidden from it (about 2% are). */
function duplicateSlack(size: number): number {
  return Math.ceil(size / 10) + 1;
}

export const Query: QueryResolvers = {
  customer: (_parent, { id }, ctx) => loadCustomer(id, ctx, 'null'),
  customers: (_parent, args, ctx, info) => customersPage(args, ctx, info),
  quote: (_parent, { id }, ctx) => ctx.loaders.quoteById.load(salesforceIdArgument(id, 'id')),
  opportunity: (_parent, { id }, ctx) => ctx.loaders.opportunityById.load(salesforceIdArgument(id, 'id')),
  contact: (_parent, { id }, ctx) => ctx.loaders.contactById.load(salesforceIdArgument(id, 'id')),
  supportCase(_parent, { number }, ctx) {
    if (!/^[0-9A-Za-z-]{1,40}$/.test(number)) {
      throw appError('BAD_USER_INPUT', '"number" must be a case number such as 00001001.', {
        argument: 'number',
      });
    }
    return ctx.loaders.caseByNumber.load(number);
  },
};
