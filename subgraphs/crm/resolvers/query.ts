import { type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { seesOnlyOwnCustomers } from '../../../lib/auth/principal.js';
import { anyCase } from '../../../lib/byKey.js';
import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import { withDeadlineShare } from '../../../lib/deadline.js';
import { appError, LegacyError } from '../../../lib/errors.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import type { KeysetPosition } from '../client/keyset.js';
import { isAccountPosition } from '../client/lists.js';
import type { CrmAccount } from '../client/models.js';
import type { DuplicateGroups } from '../client/reads.js';
import type { CrmContext } from '../context.js';
import { duplicateVerdict } from '../duplicates.js';
import { crmPositionOfErpCursor, customersFromErp, erpListPossible, mayListFromErp } from '../erpFallback.js';
import { readAccountsPage, readDuplicateGroups } from '../loaders.js';
import { childListsAhead } from '../selectionLookahead.js';
import { loadAsset, serialNumberArgument } from './asset.js';
import { customerFromAccount, loadCustomer } from './customer.js';
import {
  campaignFilter,
  campaignId,
  interactionFilter,
  opportunityFilter,
  supportCaseFilter,
} from './listFilters.js';
import { interactionsConnection, rootListConnection } from './rootLists.js';
import { CASE_NUMBER } from './supportCase.js';

/**
 * The part of what is left of the operation's deadline the CRM's customer page may use when the
 * ERP's list could stand in for it: the rest is for that list and the ERP fields after it.
 */
const CRM_SHARE_OF_BUDGET = 0.6;

const MAX_SEARCH_LENGTH = 200;

function crmRecordIdArgument(id: string, argument: string): string {
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
 * others show in its duplicateCrmAccountIds). Which those are is read beside the page, not after
 * it (the duplicate groups, one aggregate: duplicates.ts), so a cold page costs one round trip;
 * only what that leaves undecided (ties, a group cut at the page's edge) takes a lookup of those
 * ERP ids' accounts after it, one batched call whatever the page size.
 */
export async function customersPage(
  args: { search?: string | null; first?: number | null; after?: string | null },
  ctx: CrmContext,
  info: GraphQLResolveInfo,
  /** An employee's customers: only the accounts this CRM user owns, under cursors of their own kind. */
  owned?: { ownerId: string; kind: string },
) {
  const kind = owned?.kind ?? 'customers';
  const size = pageSize(args.first);
  const after = owned ? decodeCursor(args.after, kind, isAccountPosition) : customersAfter(args.after);
  const search = searchArgument(args.search);
  // Child lists the selection asks for on every customer come in the same call. A few
  // accounts more than the page are read so that hidden duplicates rarely leave the page short.
  const readAhead = ctx.batching ? childListsAhead(info) : [];
  const limit = size + 1 + duplicateSlack(size);
  const [{ accounts }, duplicates] = await Promise.all([
    readAccountsPage({ search, after, limit, readAhead, ...(owned ? { ownerId: owned.ownerId } : {}) }, ctx),
    // Batching off (the naive baseline) looks every ERP id up after the page, as it always did.
    ctx.batching ? duplicateGroupsOrNone(ctx) : undefined,
  ]);
  const hidden = await hiddenDuplicates(
    accounts.map(({ node }) => node),
    duplicates ?? { groups: [], complete: false },
    ctx,
  );
  const visible = accounts.filter(({ node }) => !hidden.has(node.crmAccountId));
  const edges = visible.slice(0, size).map(({ node, position }) => ({
    cursor: encodeCursor(kind, position),
    node: customerFromAccount(node),
  }));
  const moreInCrm = accounts.length === limit;
  const connection = connectionOf(edges, {
    hasNextPage: visible.length > size || moreInCrm,
    hasPreviousPage: after !== undefined,
  });
  // A short page (only duplicates followed) continues after the last account read, not shown.
  const last = accounts.at(-1);
  if (visible.length <= size && moreInCrm && last) {
    connection.pageInfo.endCursor = encodeCursor(kind, last.position);
  }
  return connection;
}

/** `search` trimmed, checked; undefined when not given. */
function searchArgument(given: string | null | undefined): string | undefined {
  if (given === null || given === undefined) return undefined;
  const search = given.trim();
  if (search.length === 0 || search.length > MAX_SEARCH_LENGTH) {
    throw appError('BAD_USER_INPUT', `"search" must be 1 to ${MAX_SEARCH_LENGTH} characters.`, {
      argument: 'search',
    });
  }
  return search;
}

/**
 * Where `customers` continues: after a cursor of its own, or after the name in a cursor of the
 * list the ERP gave while the CRM was down (erpFallback.ts), so a client paging through the
 * outage goes on when the CRM is back.
 */
function customersAfter(cursor: string | null | undefined): KeysetPosition | undefined {
  try {
    return decodeCursor(cursor, 'customers', isAccountPosition);
  } catch (error) {
    try {
      return crmPositionOfErpCursor(cursor);
    } catch {
      throw error;
    }
  }
}

/**
 * The duplicate groups, or none when the CRM could not answer them (the accounts page may still
 * have been read: the lookup after it then decides, as it did before the groups were read).
 */
async function duplicateGroupsOrNone(ctx: CrmContext): Promise<DuplicateGroups | undefined> {
  try {
    return await readDuplicateGroups(ctx);
  } catch (error) {
    if (!(error instanceof LegacyError)) throw error;
    ctx.logger.warn(
      { code: error.code, detail: error.detail },
      'duplicate groups not read: looked up instead',
    );
    return undefined;
  }
}

/**
 * The page's accounts that are not their ERP customer's oldest: decided from the groups where
 * they settle it, else by the accounts of those ERP ids, oldest first (one batched lookup). An
 * ERP id whose only account is the page's primes that lookup's loader with it, so
 * duplicateCrmAccountIds of such a customer costs no call.
 */
async function hiddenDuplicates(
  page: readonly CrmAccount[],
  duplicates: DuplicateGroups,
  ctx: CrmContext,
): Promise<Set<string>> {
  const { hidden, undecided, single } = duplicateVerdict(page, duplicates);
  for (const [erpId, account] of single) ctx.loaders.accountsOfErpCustomer.prime(erpId, [account]);
  if (undecided.length === 0) return hidden;
  const groups = await ctx.loaders.accountsOfErpCustomer.loadMany(undecided);
  const oldestOf = new Map<string, string>();
  groups.forEach((group, i) => {
    if (group instanceof Error) throw group;
    const oldest = group[0];
    if (oldest) oldestOf.set(undecided[i]!, oldest.crmAccountId);
  });
  for (const account of page) {
    const erpId = account.erpCustomerId && anyCase(account.erpCustomerId);
    const oldest = erpId ? oldestOf.get(erpId) : undefined;
    if (oldest !== undefined && oldest !== account.crmAccountId) hidden.add(account.crmAccountId);
  }
  return hidden;
}

/** Extra accounts read per page to make up for duplicates hidden from it (about 2% are). */
function duplicateSlack(size: number): number {
  return Math.ceil(size / 10) + 1;
}

export const Query: QueryResolvers = {
  async customer(_parent, { id }, ctx) {
    const customer = await loadCustomer(id, ctx, 'null');
    // For a caller who sees only their own customers, one the CRM shows them no account of is
    // not theirs (or does not exist: the two are not told apart, so ids reveal nothing).
    if (seesOnlyOwnCustomers(ctx.principal) && !customer?.account) {
      throw appError(
        'UNAUTHORIZED_FIELD_OR_TYPE',
        'This customer is not one of the customers you own in the CRM.',
        {
          argument: 'id',
        },
      );
    }
    return customer;
  },
  async customers(_parent, args, ctx, info) {
    try {
      // A caller who may get the ERP's list instead keeps part of the operation's budget back for
      // it: a CRM slower than the whole budget would otherwise leave the fallback no time at all.
      return await (erpListPossible(ctx)
        ? withDeadlineShare(CRM_SHARE_OF_BUDGET, () => customersPage(args, ctx, info))
        : customersPage(args, ctx, info));
    } catch (error) {
      // The CRM failed: the ERP's customers, for a caller who may see them all (erpFallback.ts).
      if (!mayListFromErp(error, ctx)) throw error;
      const page = { search: searchArgument(args.search), size: pageSize(args.first), after: args.after };
      return customersFromErp(page, error, responsePathAsArray(info.path), ctx);
    }
  },
  quote: (_parent, { id }, ctx) => ctx.loaders.quoteById.load(crmRecordIdArgument(id, 'id')),
  opportunity: (_parent, { id }, ctx) => ctx.loaders.opportunityById.load(crmRecordIdArgument(id, 'id')),
  contact: (_parent, { id }, ctx) => ctx.loaders.contactById.load(crmRecordIdArgument(id, 'id')),
  supportCase(_parent, { number }, ctx) {
    if (!CASE_NUMBER.test(number)) {
      throw appError('BAD_USER_INPUT', '"number" must be a case number such as 00001001.', {
        argument: 'number',
      });
    }
    return ctx.loaders.supportCaseByNumber.load(number);
  },
  asset: (_parent, { serialNumber }, ctx) =>
    loadAsset(serialNumberArgument(serialNumber, 'serialNumber'), ctx),
  // The lists over every account: a sales:own caller's statements carry Account.OwnerId (reads.ts).
  opportunities: (_parent, { filter, ...args }, ctx) =>
    rootListConnection('opportunities', 'allOpportunities', opportunityFilter(filter), args, ctx),
  supportCases: (_parent, { filter, ...args }, ctx) =>
    rootListConnection('cases', 'allSupportCases', supportCaseFilter(filter), args, ctx),
  interactions: (_parent, { filter, ...args }, ctx) =>
    interactionsConnection('allInteractions', interactionFilter(filter), args, ctx),
  campaigns: (_parent, { filter, ...args }, ctx) =>
    rootListConnection('campaigns', 'campaigns', campaignFilter(filter), args, ctx),
  campaign: (_parent, { id }, ctx) => ctx.loaders.campaignById.load(campaignId(id, 'id')),
};
