import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import { appError } from '../../../lib/errors.js';
import type { QueryResolvers, WriteBackStatus } from '../__generated__/resolvers-types.js';

/** The cursor kind of the write-back list; its position is the insertion sequence (a keyset). */
const WRITE_BACKS = 'writeBacks';
const isSequence = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export const Query: QueryResolvers = {
  pendingWriteBacks: async (_parent, args, ctx) => {
    const first = pageSize(args.first);
    const statuses: WriteBackStatus[] = [...new Set(args.status ?? ['PENDING', 'FAILED'])];
    const afterSeq = decodeCursor(args.after, WRITE_BACKS, isSequence) ?? 0;
    const rows = await ctx.store.listWriteBacks({ statuses, afterSeq, limit: first + 1 });
    const edges = rows.slice(0, first).map((node) => ({ cursor: encodeCursor(WRITE_BACKS, node.seq), node }));
    return connectionOf(edges, { hasNextPage: rows.length > first, hasPreviousPage: afterSeq > 0 });
  },
  writeBack: async (_parent, { id }, ctx) => {
    if (!/^[0-9a-f-]{36}$/.test(id)) {
      throw appError('BAD_USER_INPUT', 'id must be a write-back id as a payload gave it.', {
        field: 'id',
        reason: 'INVALID_ID',
      });
    }
    return (await ctx.store.getWriteBack(id)) ?? null;
  },
};
