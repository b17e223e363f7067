import type { SupportCaseResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { customerOf } from './customer.js';

export const SupportCase: SupportCaseResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.supportCaseById.load(id) : null;
  },
  id: (c) => c.id,
  number: (c) => c.number,
  subject: (c) => c.subject,
  description: (c) => c.description,
  status: (c) => c.status,
  priority: (c) => c.priority,
  origin: (c) => c.origin,
  type: (c) => c.type,
  isClosed: (c) => c.isClosed,
  openedAt: (c) => c.openedAt,
  closedAt: (c) => c.closedAt,
  customer: (c) => c.account && customerOf(c.account),
  contact: (c, _args, ctx) => (c.contactId ? ctx.loaders.contactById.load(c.contactId) : null),
};
