import type { EmployeeResolvers } from '../__generated__/resolvers-types.js';
import type { BcEmployee } from '../client/types.js';
import type { ErpContext } from '../context.js';
import type { EmployeeModel } from '../models.js';
import { MAX_ID_LENGTH, referenceKey, textOf } from './shared.js';

async function employeeRecord(parent: EmployeeModel, ctx: ErpContext): Promise<BcEmployee | null> {
  if (parent.record !== undefined) return parent.record;
  return ctx.loaders.employeeByEmail.load(parent.email);
}

/** An e-mail the ERP does not know still resolves (its HR fields null): the CRM may know the user. */
export const Employee: EmployeeResolvers = {
  __resolveReference: async (reference) => ({
    email: referenceKey(reference, 'email', 'Employee', MAX_ID_LENGTH),
  }),
  email: (parent) => parent.email,
  employeeId: async (parent, _args, ctx) => (await employeeRecord(parent, ctx))?.id ?? null,
  employeeNumber: async (parent, _args, ctx) => (await employeeRecord(parent, ctx))?.number ?? null,
  name: async (parent, _args, ctx) => textOf((await employeeRecord(parent, ctx))?.displayName),
  jobTitle: async (parent, _args, ctx) => textOf((await employeeRecord(parent, ctx))?.jobTitle),
  phone: async (parent, _args, ctx) => textOf((await employeeRecord(parent, ctx))?.phoneNumber),
  employmentStatus: async (parent, _args, ctx) => textOf((await employeeRecord(parent, ctx))?.status),
};
