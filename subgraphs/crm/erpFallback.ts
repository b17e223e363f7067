import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLFormattedError } from 'graphql';
import { seesOnlyOwnCustomers } from '../../lib/auth/principal.js';
import {
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  foreignCursor,
} from '../../lib/connections.js';
import { LegacyError } from '../../lib/errors.js';
import { type ErpCustomersByName, erpCustomersByName } from '../erp/client/customerPages.js';
import { GUID_RE } from '../erp/client/odata.js';
import type { KeysetPosition } from './client/keyset.js';
import { isAccountPosition } from './client/lists.js';
import type { CrmContext } from './context.js';
import type { CustomerModel } from './models.js';

/**
 * The customer list while the CRM is down: `customers` is the CRM's list, but the ERP knows the
 * customers too (not the CRM's prospects), so a caller who may see every customer still gets a
 * list — the ERP's customers by name, one BC request per page — with an error that says whose it
 * is (the CRM failure's code, `system: 'CRM'`, `fallback: 'ERP'`). Their CRM fields fail with the
 * same failure, without a call (customer.ts). A `sales:own` caller gets no such list: which
 * customers are theirs only the CRM knows.
 *
 * The list has cursors of its own kind: the last row's name and id, and how many rows of that name
 * the list has shown up to it (BC compares across fields with `or` only on one field, so a page
 * asks for the rows from that name on, that many more, and drops the ones up to the id). A CRM
 * cursor given during an outage continues after its account's name; this list's cursor given to
 * the CRM again continues the CRM's after its name (query.ts).
 */

export const ERP_LIST_KIND = 'customersFromErp';

/** Where the ERP's list stands: the last row's displayName and id, and the rows of that name up to it. */
interface ErpListPosition {
  n: string;
  i: string;
  s: number;
}

function isErpListPosition(value: unknown): value is ErpListPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { n, i, s } = value as Record<string, unknown>;
  return (
    typeof n === 'string' &&
    n.length <= 1000 &&
    typeof i === 'string' &&
    GUID_RE.test(i) &&
    Number.isInteger(s) &&
    (s as number) >= 1 &&
    (s as number) <= 100_000
  );
}

/** A position of this list in the CRM's terms: after every account of that name ([Name, null]). */
export function crmPositionOfErpCursor(cursor: string | null | undefined): KeysetPosition | undefined {
  const position = decodeCursor(cursor, ERP_LIST_KIND, isErpListPosition);
  return position && [position.n, null];
}

/** Where the ERP's list continues after `cursor`: one of its own, or (strictly after its name) a CRM one. */
function erpListAfter(
  cursor: string | null | undefined,
): { name: string; id?: string; skip: number } | undefined {
  try {
    const own = decodeCursor(cursor, ERP_LIST_KIND, isErpListPosition);
    return own && { name: own.n, id: own.i, skip: own.s };
  } catch {
    const name = decodeCursor(cursor, 'customers', isAccountPosition)?.[0];
    if (typeof name !== 'string') throw foreignCursor();
    return { name, skip: 0 };
  }
}

/**
 * Whether `customers` may be listed from the ERP instead: the CRM failed (any legacy failure of
 * it, a refusal on our side such as an open breaker too) and the caller may see every customer.
 */
export function mayListFromErp(error: unknown, ctx: CrmContext): error is LegacyError {
  return (
    erpListPossible(ctx) &&
    error instanceof LegacyError &&
    error.system === 'CRM' &&
    error.code.startsWith('LEGACY_')
  );
}

/** Whether this caller could be given the ERP's list at all (an ERP to read, every customer theirs to see). */
export function erpListPossible(ctx: CrmContext): boolean {
  return ctx.erp !== undefined && !seesOnlyOwnCustomers(ctx.principal);
}

/**
 * A page of the ERP's customers by name (then id), `search` as a name-contains filter, as
 * customers whose CRM part failed with `failure`; the failure is noted for the answer's errors.
 * Should the ERP fail too, the CRM's failure is what the caller hears.
 */
export async function customersFromErp(
  args: { search?: string; size: number; after?: string | null },
  failure: LegacyError,
  path: readonly (string | number)[],
  ctx: CrmContext,
): Promise<Connection<CustomerModel>> {
  const erp = ctx.erp!;
  const after = erpListAfter(args.after);
  let page: ErpCustomersByName;
  try {
    page = await erpCustomersByName(
      erp,
      {
        ...(args.search === undefined ? {} : { search: args.search }),
        ...(after ? { from: { name: after.name, inclusive: after.id !== undefined } } : {}),
        limit: args.size + 1 + (after?.skip ?? 0),
      },
      ctx.requestId,
    );
  } catch (error) {
    if (!(error instanceof LegacyError)) throw error;
    ctx.logger.warn(
      { code: error.code, detail: error.detail },
      'ERP call failed: no customer list from it either',
    );
    throw failure;
  }
  // Rows of the cursor's name up to its id were shown already (BC compares names as code points).
  const fresh = after?.id
    ? page.customers.filter((row) => row.name !== after.name || row.id > (after.id as string))
    : page.customers;
  // Each position counts the rows of its name shown up to it, those before the cursor included.
  let run = after?.id ? { name: after.name, count: after.skip } : undefined;
  const edges = fresh.slice(0, args.size).map((row) => {
    const count = run?.name === row.name ? run.count + 1 : 1;
    run = { name: row.name, count };
    const position: ErpListPosition = { n: row.name, i: row.id, s: count };
    const node: CustomerModel = { id: row.id, accountId: null, erpName: row.name || null, crmDown: failure };
    return { cursor: encodeCursor(ERP_LIST_KIND, position), node };
  });
  ctx.fallbacks.push({ failure, path });
  ctx.logger.warn(
    { code: failure.code, detail: failure.detail },
    'CRM call failed: customers listed from the ERP',
  );
  return connectionOf(edges, {
    // BC may answer fewer rows than asked (its own page size) and say where it goes on.
    hasNextPage: fresh.length > args.size || page.more,
    hasPreviousPage: args.after !== undefined && args.after !== null,
  });
}

/** A `customers` answered from the ERP: where in the answer, and the CRM failure that made it so. */
export interface FallbackNotice {
  failure: LegacyError;
  path: readonly (string | number)[];
}

/**
 * Adds the error of each list answered from the ERP to the answer, beside its data: graphql-js
 * puts an error at a field's path only by making the field null, and the list is not. What the
 * client sees is what the subgraph's formatError makes of a LegacyError, plus `fallback`.
 */
export function fallbackNotices(): ApolloServerPlugin<CrmContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          const notices = contextValue.fallbacks;
          if (notices.length === 0 || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const added: GraphQLFormattedError[] = notices.map(({ failure, path }) => {
            const error = failure.toGraphQLError();
            return {
              message: `${error.message} Customers are listed from the ERP instead.`,
              path: [...path],
              extensions: { ...error.extensions, fallback: 'ERP' },
            };
          });
          result.errors = [...(result.errors ?? []), ...added];
        },
      };
    },
  };
}
