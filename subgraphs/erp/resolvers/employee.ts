import type { EmployeeResolvers } from '../__generated__/resolvers-types.js';
import type { ErpEmployee } from '../client/models.js';
import type { ErpContext } from '../context.js';
import type { EmployeeModel } from '../models.js';
import { MAX_ID_LENGTH, referenceKey } from './input.js';

async function employeeRecord(parent: EmployeeModel, ctx: ErpContext): Promise<ErpEmployee | null> {
  if (parent.record !== undefined) return parent.record;
  return ctx.loaders.employeeByEmail.load(parent.email);
}

/** A field of the employee's ERP record; null when the ERP holds none for the e-mail. */
const fromRecord =
  <T>(pick: (record: ErpEmployee) => T) =>
  async (parent: EmployeeModel, _args: unknown, ctx: ErpContext): Promise<T | null> => {
    const record = await employeeRecord(parent, ctx);
    return record ? pick(record) : null;
  };

/** An e-mail the ERP does not know still resolves (its HR fields null): the CRM may know the user. */
export const Employee: EmployeeResolvers = {
  __resolveReference: async (reference) => ({
    email: referenceKey(reference, 'email', 'Employee', MAX_ID_LENGTH),
  }),
  email: (parent) => parent.email,
  employeeId: fromRecord((record) => record.id),
  employeeNumber: fromRecord((record) => record.number),
  name: fromRecord((record) => record.name),
  jobTitle: fromRecord((record) => record.jobTitle),
  phone: fromRecord((record) => record.phone),
  employmentStatus: fromRecord((record) => record.employmentStatus),
};
