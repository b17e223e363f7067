import { appError } from '../../../lib/errors.js';
import type {
  PendingWriteBackResolvers,
  QueryResolvers,
  WriteBackStatus,
} from '../__generated__/resolvers-types.js';

const CURSOR_PREFIX = 'wb:';
const MAX_FIRST = 100;

/** Opaque to clients: the write-back's insertion sequence (a keyset, never an offset). */
export function encodeCursor(seq: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${seq}`).toString('base64url');
}

export function decodeCursor(cursor: string): number {
  const text = /^[A-Za-z0-9_-]{1,40}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  const match = /^wb:(\d{1,15})$/.exec(text);
  if (!match)
    throw appError('BAD_USER_INPUT', 'The cursor `after` is not one this list handed out.', {
      field: 'after',
      reason: 'INVALID_FORMAT',
    });
  return Number(match[1]);
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const Query: QueryResolvers = {
  pendingWriteBacks: async (_parent, args, ctx) => {
    const first = args.first ?? 20;
    if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
      throw appError('BAD_USER_INPUT', `first must be from 1 to ${MAX_FIRST}.`, {
        field: 'first',
        reason: 'OUT_OF_RANGE',
      });
    }
    const statuses: WriteBackStatus[] = [...new Set(args.status ?? ['PENDING', 'FAILED'])];
    const afterSeq = args.after ? decodeCursor(args.after) : 0;
    const rows = await ctx.store.listWriteBacks({ statuses, afterSeq, limit: first + 1 });
    const page = rows.slice(0, first);
    const edges = page.map((node) => ({ cursor: encodeCursor(node.seq), node }));
    return {
      edges,
      pageInfo: {
        hasNextPage: rows.length > first,
        hasPreviousPage: afterSeq > 0,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
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
