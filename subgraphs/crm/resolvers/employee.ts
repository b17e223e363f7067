import { decodeCursor, pageSize } from '../../../lib/connections.js';
import type { EmployeeResolvers } from '../__generated__/resolvers-types.js';
import { isAccountPosition, isInteractionPosition, isRootListPosition } from '../client/lists.js';
import type { CrmUser } from '../client/models.js';
import type { CrmContext } from '../context.js';
import type { EmployeeModel } from '../models.js';
import { customersPage } from './query.js';
import { interactionsConnection, rootListConnection } from './rootLists.js';

/** A field of the CRM user: as already read with its record (an owner), or one batched lookup by e-mail. */
async function userField<F extends keyof CrmUser>(
  employee: EmployeeModel,
  field: F,
  ctx: CrmContext,
): Promise<NonNullable<CrmUser[F]> | null> {
  const read: Partial<CrmUser> = employee;
  if (read[field] !== undefined) return read[field] as NonNullable<CrmUser[F]> | null;
  const user = await ctx.loaders.userByEmail.load(employee.email);
  return user?.[field] ?? null;
}

type PagingArgs = { first?: number | null; after?: string | null };

/**
 * One of the lists of what an employee owns in the CRM, by their CRM user (found by e-mail, one
 * batched lookup for every employee of a request); null when the CRM knows no user by that
 * e-mail. Paging input is refused before that lookup. For a sales:own caller the statements
 * also carry their own ownership, so they see another employee's rows only on accounts they own.
 */
async function ownedList<T>(
  employee: EmployeeModel,
  args: PagingArgs,
  check: { kind: string; isPosition: (value: unknown) => value is unknown },
  ctx: CrmContext,
  read: (userId: string) => Promise<T>,
): Promise<T | null> {
  pageSize(args.first);
  decodeCursor(args.after, check.kind, check.isPosition);
  const userId = await userField(employee, 'crmUserId', ctx);
  return userId ? read(userId) : null;
}

const OWNED = {
  customers: { kind: 'employeeCustomers', isPosition: isAccountPosition },
  openCases: { kind: 'employeeOpenCases', isPosition: isRootListPosition('cases') },
  recentInteractions: { kind: 'employeeInteractions', isPosition: isInteractionPosition },
};

export const Employee: EmployeeResolvers = {
  __resolveReference: (reference) => ({ email: reference.email }),
  email: (e) => e.email,
  crmUserId: (e, _args, ctx) => userField(e, 'crmUserId', ctx),
  crmUsername: (e, _args, ctx) => userField(e, 'crmUsername', ctx),
  department: (e, _args, ctx) => userField(e, 'department', ctx),
  isActiveCrmUser: (e, _args, ctx) => userField(e, 'isActiveCrmUser', ctx),
  customers: (e, args, ctx, info) =>
    ownedList(e, args, OWNED.customers, ctx, (ownerId) =>
      customersPage({ first: args.first, after: args.after }, ctx, info, { ownerId, ...OWNED.customers }),
    ),
  openCases: (e, args, ctx) =>
    ownedList(e, args, OWNED.openCases, ctx, (ownerId) =>
      rootListConnection('cases', OWNED.openCases.kind, { ownerId, isClosed: false }, args, ctx),
    ),
  recentInteractions: (e, args, ctx) =>
    ownedList(e, args, OWNED.recentInteractions, ctx, (ownerId) =>
      interactionsConnection(OWNED.recentInteractions.kind, { ownerId }, args, ctx),
    ),
};
