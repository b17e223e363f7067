import type { EmployeeResolvers } from '../__generated__/resolvers-types.js';
import type { CrmUser } from '../client/models.js';
import type { CrmContext } from '../context.js';
import type { EmployeeModel } from '../models.js';

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

export const Employee: EmployeeResolvers = {
  __resolveReference: (reference) => ({ email: reference.email }),
  email: (e) => e.email,
  crmUserId: (e, _args, ctx) => userField(e, 'crmUserId', ctx),
  crmUsername: (e, _args, ctx) => userField(e, 'crmUsername', ctx),
  department: (e, _args, ctx) => userField(e, 'department', ctx),
  isActiveCrmUser: (e, _args, ctx) => userField(e, 'isActiveCrmUser', ctx),
};
