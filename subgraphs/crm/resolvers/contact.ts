import type { ContactResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { crmAddress } from './address.js';
import { customerOf } from './customer.js';

export const Contact: ContactResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.contactById.load(id) : null;
  },
  id: (c) => c.id,
  customer: (c) => c.account && customerOf(c.account),
  firstName: (c) => c.firstName,
  lastName: (c) => c.lastName,
  name: (c) => c.name,
  title: (c) => c.title,
  email: (c) => c.email,
  phone: (c) => c.phone,
  mobilePhone: (c) => c.mobilePhone,
  role: (c) => c.role,
  mailingAddress: (c) => crmAddress('MAILING', c.mailingAddress),
};
