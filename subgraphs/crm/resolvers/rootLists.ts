import { type Connection, decodeCursor, pageSize } from '../../../lib/connections.js';
import type { RootListName } from '../client/fields.js';
import type { InteractionListFilter, RootListFilters } from '../client/listFilters.js';
import {
  isInteractionPosition,
  isRootListPosition,
  mergeInteractions,
  type Positioned,
  sliceOf,
} from '../client/lists.js';
import type { CrmInteraction } from '../client/models.js';
import type { RootListModel } from '../client/toModels.js';
import type { CrmContext } from '../context.js';
import { sliceConnection } from './connection.js';

/**
 * Pages of the lists over every account (and of campaigns) as Relay connections: one CRM
 * statement per page (per stream for interactions), read through the request's `rootListPage`
 * loader and the shared cache. Paging input is checked before any call; `kind` names the list
 * in its cursors, so one list's cursor is refused by another even when their orders match.
 */

interface PagingArgs {
  first?: number | null;
  after?: string | null;
}

export async function rootListConnection<L extends RootListName>(
  list: L,
  kind: string,
  filter: RootListFilters[L],
  args: PagingArgs,
  ctx: CrmContext,
): Promise<Connection<RootListModel<L>>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, kind, isRootListPosition(list));
  const rows = (await ctx.loaders.rootListPage.load({
    list,
    filter,
    limit: size + 1,
    ...(after ? { after } : {}),
  })) as Positioned<RootListModel<L>>[];
  return sliceConnection(kind, sliceOf(rows, size), after);
}

/** Tasks and events newest first: both streams' pages merged (a stream the filter's types leave out reads nothing). */
export async function interactionsConnection(
  kind: string,
  filter: InteractionListFilter,
  args: PagingArgs,
  ctx: CrmContext,
): Promise<Connection<CrmInteraction>> {
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, kind, isInteractionPosition);
  const page = await mergeInteractions(
    size,
    after,
    async (stream, limit, position) =>
      (await ctx.loaders.rootListPage.load({
        list: stream,
        filter,
        limit,
        ...(position ? { after: position } : {}),
      })) as Positioned<CrmInteraction>[],
  );
  return sliceConnection(kind, page, after);
}
