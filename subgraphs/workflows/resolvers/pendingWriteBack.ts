import type { PendingWriteBackResolvers } from '../__generated__/resolvers-types.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const PendingWriteBack: PendingWriteBackResolvers = {
  __resolveReference: async (reference, ctx) => (await ctx.store.getWriteBack(String(reference.id))) ?? null,
  id: (w) => w.id,
  kind: (w) => w.kind,
  system: (w) => w.system,
  status: (w) => w.status,
  targetId: (w) => w.targetId,
  customer: (w) => (w.customerId ? { __typename: 'Customer', id: w.customerId } : null),
  order: (w) => (w.orderNumber ? { __typename: 'SalesOrder', number: w.orderNumber } : null),
  quote: (w) => (w.quoteId ? { __typename: 'Quote', id: w.quoteId } : null),
  attempts: (w) => w.attempts,
  lastErrorCode: (w) => w.lastErrorCode,
  createdAt: (w) => iso(w.createdAt)!,
  nextAttemptAt: (w) => (w.status === 'PENDING' ? iso(w.nextAttemptAt) : null),
  completedAt: (w) => iso(w.completedAt),
};
