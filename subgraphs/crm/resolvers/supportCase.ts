import type { SupportCaseResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { customerOf, isoDateTime } from './common.js';

export const SupportCase: SupportCaseResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.caseById.load(id) : null;
  },
  id: (c) => c.Id,
  number: (c) => c.CaseNumber,
  subject: (c) => c.Subject,
  description: (c) => c.Description,
  status: (c) => c.Status,
  priority: (c) => c.Priority,
  origin: (c) => c.Origin,
  type: (c) => c.Type,
  isClosed: (c) => c.IsClosed,
  openedAt: (c) => isoDateTime(c.CreatedDate) ?? c.CreatedDate,
  closedAt: (c) => isoDateTime(c.ClosedDate),
  customer: (c) => customerOf(c.AccountId, c.Account),
  contact: (c, _args, ctx) => (c.ContactId ? ctx.loaders.contactById.load(c.ContactId) : null),
};
