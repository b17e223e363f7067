import {
  type Connection,
  decodeCursor,
  foreignCursor,
  pageSize,
  positionedConnection,
} from '../../../lib/connections.js';
import {
  type ErpList,
  isPagePosition,
  type ListKind,
  type ListModels,
  pageRequest,
  sliceOf,
} from '../client/lists.js';
import type { ErpContext } from '../context.js';

/**
 * One page of an ERP list as a Relay connection, read through the request's `pages` loader so
 * every list in the request shares `$batch` envelopes. `after` must be a cursor of this very
 * list; the last edge's cursor continues where the ERP's page ends.
 */
export async function listConnection<K extends ListKind>(
  list: ErpList<K>,
  args: { first?: number | null; after?: string | null },
  ctx: ErpContext,
): Promise<Connection<ListModels[K]>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, list.kind, isPagePosition);
  const request = pageRequest(list, size, after);
  if (request === undefined) throw foreignCursor();
  return positionedConnection(list.kind, sliceOf(request, await ctx.loaders.pages.load(request)), after);
}
