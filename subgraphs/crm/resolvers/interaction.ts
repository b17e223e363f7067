import type { InteractionResolvers, InteractionType } from '../__generated__/resolvers-types.js';
import { isoDateTime, ownerOf } from './common.js';

function typeOf(subtype: string | null): InteractionType {
  if (subtype === 'Call') return 'CALL';
  if (subtype === 'Email') return 'EMAIL';
  return 'TASK';
}

export const Interaction: InteractionResolvers = {
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
