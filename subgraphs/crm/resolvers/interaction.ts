import type { InteractionResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';

export const Interaction: InteractionResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.interactionById.load(id) : null;
  },
  id: (item) => item.id,
  type: (item) => item.type,
  subject: (item) => item.subject,
  description: (item) => item.description,
  occurredAt: (item) => item.occurredAt,
  status: (item) => item.status,
  contact: (item, _args, ctx) => (item.contactId ? ctx.loaders.contactById.load(item.contactId) : null),
  owner: (item) => item.owner,
};
