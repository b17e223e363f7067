import type { InteractionResolvers, InteractionType } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { isoDateTime, ownerOf } from './common.js';

function typeOf(subtype: string | null): InteractionType {
  if (subtype === 'Call') return 'CALL';
  if (subtype === 'Email') return 'EMAIL';
  return 'TASK';
}

export const Interaction: InteractionResolvers = {
  /** Task ids start 00T, event ids 00U (Salesforce key prefixes). */
  async __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    if (id?.startsWith('00T')) {
      const record = await ctx.loaders.taskById.load(id);
      return record ? { kind: 'task', record } : null;
    }
    if (id?.startsWith('00U')) {
      const record = await ctx.loaders.eventById.load(id);
      return record ? { kind: 'event', record } : null;
    }
    return null;
  },
  id: (item) => item.record.Id,
  type: (item) => (item.kind === 'event' ? 'EVENT' : typeOf(item.record.TaskSubtype)),
  subject: (item) => item.record.Subject,
  description: (item) => item.record.Description,
  occurredAt: (item) =>
    item.kind === 'task'
      ? item.record.ActivityDate
      : isoDateTime(item.record.ActivityDateTime ?? item.record.StartDateTime),
  status: (item) => (item.kind === 'task' ? item.record.Status : null),
  contact: (item, _args, ctx) => (item.record.WhoId ? ctx.loaders.contactById.load(item.record.WhoId) : null),
  owner: (item) => ownerOf(item.record.Owner),
};
