import { appError } from '../../lib/errors.js';

/**
 * Relay connection arguments and cursors. A cursor is an opaque base64url token around what
 * the CRM needs to continue (a keyset position; a nextRecordsUrl): never an offset computed
 * here. A cursor that does not decode to the expected shape is BAD_USER_INPUT.
 */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw appError('BAD_USER_INPUT', `"first" must be between 1 and ${MAX_PAGE_SIZE}; got ${size}.`, {
      argument: 'first',
    });
  }
  return size;
}

export function encodeCursor(kind: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position }), 'utf8').toString('base64url');
}

/**
 * The position inside a cursor of `kind`, checked by `isPosition`; BAD_USER_INPUT for anything
 * else (garbage, another list's cursor, a forged shape).
 */
export function decodeCursor<T>(
  cursor: string | null | undefined,
  kind: string,
  isPosition: (value: unknown) => value is T,
): T | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  const bad = () =>
    appError('BAD_USER_INPUT', `"after" is not a cursor this list handed out.`, { argument: 'after' });
  if (cursor.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw bad();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (typeof decoded !== 'object' || decoded === null) throw bad();
  const { k, p } = decoded as { k?: unknown; p?: unknown };
  if (k !== kind || !isPosition(p)) throw bad();
  return p;
}

export interface PageInfoModel {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export function connectionOf<N>(
  edges: { cursor: string; node: N }[],
  hasNextPage: boolean,
  hasPreviousPage: boolean,
): { edges: { cursor: string; node: N }[]; pageInfo: PageInfoModel } {
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
