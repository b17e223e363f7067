import {
  type Connection,
  connectionOf,
  decodeCursor,
  encodeCursor,
  pageSize,
} from '../../../lib/connections.js';
import type { ListSlice, ParentList } from '../client/lists.js';
import type { CrmContext } from '../context.js';

/**
 * One page of a list the CRM keeps of a parent (an account, a product) as a Relay connection,
 * read through the request's `childList` loader so first pages of many parents share one
 * statement. `after` must be a cursor of this very list. Null when the CRM holds no such parent;
 * bad paging input is refused all the same.
 */
export async function listConnection<N, P>(
  { list, parentId }: ParentList<N, P>,
  args: { first?: number | null; after?: string | null },
  ctx: CrmContext,
): Promise<Connection<N> | null> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, list.kind, list.isPosition);
  if (!parentId) return null;
  const page = await list.page(parentId, size, after, (read) => ctx.loaders.childList.load(read));
  return sliceConnection(list.kind, page, after);
}

/** A page the client read as a Relay connection: each row's position in a cursor of `kind`. */
export function sliceConnection<N, P>(
  kind: string,
  { edges, hasMore }: ListSlice<N, P>,
  after: P | undefined,
): Connection<N> {
  return connectionOf(
    edges.map(({ node, position }) => ({ node, cursor: encodeCursor(kind, position) })),
    { hasNextPage: hasMore, hasPreviousPage: after !== undefined },
  );
}
