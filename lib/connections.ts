import type { GraphQLError } from 'graphql';
import { appError } from './errors.js';

/**
 * Relay connections, the same for every subgraph: the `first` bound, the cursor envelope and the
 * connection shape. What a cursor holds inside the envelope (a BC request, a SOQL keyset position,
 * a Salesforce query locator) is the business of the client that pages; this module only makes
 * sure a client never sees a cursor that is not one of its own, and that every list answers bad
 * paging input with the same code and message.
 */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
/** Far above any cursor we issue (a BC query with a long filter), far below a request's size limit. */
const MAX_CURSOR_LENGTH = 8192;

/** `first` as the schema bounds it: 1..100, 20 when absent. */
export function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw appError('BAD_USER_INPUT', `\`first\` must be between 1 and ${MAX_PAGE_SIZE}; got ${size}.`, {
      ...paging('first', 'OUT_OF_RANGE'),
    });
  }
  return size;
}

/** The one answer to a cursor that is garbage, forged, or another list's. */
export function foreignCursor(): GraphQLError {
  return appError(
    'BAD_USER_INPUT',
    '`after` is not a cursor this list handed out.',
    paging('after', 'INVALID_FORMAT'),
  );
}

/**
 * The details of a paging refusal: `field` and `reason` as every input refusal of the graph gives
 * them (the gateway lets those through to clients), `argument` as the subgraphs log it.
 */
function paging(argument: 'first' | 'after', reason: 'OUT_OF_RANGE' | 'INVALID_FORMAT') {
  return { argument, field: argument, reason };
}

/** An opaque cursor: base64url JSON of the list kind and the client's position. */
export function encodeCursor(kind: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ k: kind, p: position }), 'utf8').toString('base64url');
}

/**
 * The position inside a cursor of `kind`, checked by `isPosition`; undefined when there is no
 * cursor; {@link foreignCursor} for anything else (garbage, another kind's cursor, a forged shape).
 */
export function decodeCursor<T>(
  cursor: string | null | undefined,
  kind: string,
  isPosition: (value: unknown) => value is T,
): T | undefined {
  if (cursor === null || cursor === undefined) return undefined;
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw foreignCursor();
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw foreignCursor();
  }
  if (typeof decoded !== 'object' || decoded === null) throw foreignCursor();
  const { k, p } = decoded as { k?: unknown; p?: unknown };
  if (k !== kind || !isPosition(p)) throw foreignCursor();
  return p;
}

export interface Edge<N> {
  cursor: string;
  node: N;
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

export interface Connection<N> {
  edges: Edge<N>[];
  pageInfo: PageInfo;
}

export function connectionOf<N>(
  edges: Edge<N>[],
  page: {
    hasNextPage: boolean;
    hasPreviousPage: boolean;
    /**
     * Where the list continues when this page has no edges (rows removed since the cursor was
     * issued): the list still goes on from there. Defaults to the last edge's cursor.
     */
    endCursor?: string | null;
  },
): Connection<N> {
  return {
    edges,
    pageInfo: {
      hasNextPage: page.hasNextPage,
      hasPreviousPage: page.hasPreviousPage,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? page.endCursor ?? null,
    },
  };
}

/**
 * A page of a list read up to `next` (where the list continues; null: it ends there) as a
 * connection of `kind`: each edge's cursor is its own position. With no edges left on the page
 * (rows removed since the cursor was issued) the list still continues from `next`.
 */
export function positionedConnection<N, P>(
  kind: string,
  page: { edges: readonly { node: N; position: P }[]; next: P | null },
  after: P | undefined,
): Connection<N> {
  return connectionOf(
    page.edges.map(({ node, position }) => ({ node, cursor: encodeCursor(kind, position) })),
    {
      hasNextPage: page.next !== null,
      hasPreviousPage: after !== undefined,
      endCursor: page.next === null ? null : encodeCursor(kind, page.next),
    },
  );
}
