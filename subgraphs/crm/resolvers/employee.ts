import type { EmployeeResolvers } from '../__generated__/resolvers-types.js';
import type { UserRecord } from '../client/types.js';
import type { CrmContext } from '../context.js';
import type { EmployeeModel } from '../models.js';

/** The CRM user: what the Owner.* path already read, or one batched User-by-Email lookup. */
async function userOf<K extends keyof UserRecord>(
  employee: EmployeeModel,
  field: K,
  ctx: CrmContext,
): Promise<UserRecord[K] | null> {
  if (employee.user && employee.user[field] !== undefined) return employee.user[field] as UserRecord[K];
  const user = await ctx.loaders.userByEmail.load(employee.email);
  return user ? user[field] : null;
}

export const Employee: EmployeeResolvers = {
  __resolveReference: (reference) => ({ email: reference.email }),
  email: (e) => e.email,
  crmUserId: (e, _args, ctx) => userOf(e, 'Id', ctx),
  crmUsername: (e, _args, ctx) => userOf(e, 'Username', ctx),
  department: (e, _args, ctx) => userOf(e, 'Department', ctx),
  isActiveCrmUser: (e, _args, ctx) => userOf(e, 'IsActive', ctx),
};
