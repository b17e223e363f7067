import { CHILD_LISTS, type ChildListName, ROOT_LISTS, type RootListName } from './fields.js';
import { isKeysetFor, type KeysetPosition } from './keyset.js';
import type { RootListFilters } from './listFilters.js';
import type {
  CrmAsset,
  CrmCampaignMember,
  CrmContact,
  CrmInteraction,
  CrmOpportunity,
  CrmQuote,
  CrmQuoteOfProduct,
  CrmSupportCase,
} from './models.js';
import type { FilterField, OrderKey } from './soql.js';
import type { ChildListModel } from './toModels.js';

/**
 * The lists the CRM keeps of an account (and of a product), as the graph pages them, and how a
 * position in one is written down: a SOQL keyset position (the order-key values of the last row
 * shown), for interactions one per stream — Salesforce keeps tasks and events apart, and the
 * graph merges them into one list. (The cursor envelope around a position, and the answer to a
 * foreign one, are lib/connections.ts's.)
 */

/** The order of the accounts page (the graph's `customers`). */
export const ACCOUNT_PAGE_ORDER: readonly OrderKey[] = [
  { field: 'Name', direction: 'ASC' },
  { field: 'Id', direction: 'ASC' },
];
/** Whether a cursor's position is one in the accounts page order. */
export const isAccountPosition = isKeysetFor(ACCOUNT_PAGE_ORDER);

/** A row with the position after it. */
export interface Positioned<N, P = KeysetPosition> {
  node: N;
  position: P;
}

/**
 * One page of one parent's child list, as the client reads it: the first `limit` rows, or those
 * after `after`. The per-request loader batches these (first pages of many parents and lists
 * in one statement).
 */
export interface ChildListRead {
  /** The account id, or the SKU for a product's quote lines (CHILD_LISTS[list].parentKey). */
  parentId: string;
  list: ChildListName;
  limit: number;
  after?: KeysetPosition;
}

export type ChildListRow = Positioned<ChildListModel>;

/** The first page of a child list for every parent read, in the parents' own statement. */
export interface ChildListRequest {
  list: ChildListName;
  /** Rows per parent to read: the page size plus one, to know whether more follow. */
  limit: number;
}

/** Reads child list pages: the per-request loader, so reads of one tick share statements. */
export type ReadChildList = (read: ChildListRead) => Promise<ChildListRow[]>;

/** What a page of a list holds for the graph: each row with the position after it, and whether more follow. */
export interface ListSlice<N, P> {
  edges: Positioned<N, P>[];
  hasMore: boolean;
}

/** The first `size` of rows read one past the page (`limit: size + 1`): the extra row only says more follow. */
export function sliceOf<N, P>(rows: readonly Positioned<N, P>[], size: number): ListSlice<N, P> {
  return { edges: rows.slice(0, size), hasMore: rows.length > size };
}

/** A list the graph pages: its cursor kind, its positions, and how a page of one parent's is read. */
export interface CrmList<N, P> {
  /** Names the list in its cursors, so one list's cursor is refused by another. */
  kind: string;
  isPosition(value: unknown): value is P;
  page(parentId: string, size: number, after: P | undefined, read: ReadChildList): Promise<ListSlice<N, P>>;
  /** What an accounts page may read in its own statement for a first page of `size` of this list. */
  readAhead(size: number): ChildListRequest[];
}

/** A list that is one child list: its rows, in its order. */
function childList<N>(kind: string, list: ChildListName): CrmList<N, KeysetPosition> {
  return {
    kind,
    isPosition: isKeysetFor(CHILD_LISTS[list].orderBy),
    async page(parentId, size, after, read) {
      return sliceOf((await read({ parentId, list, limit: size + 1, after })) as Positioned<N>[], size);
    },
    readAhead: (size) => [{ list, limit: size + 1 }],
  };
}

/** Where the interactions list stands in each of its streams (null: nothing shown of it yet). */
export interface InteractionPosition {
  t: KeysetPosition | null;
  e: KeysetPosition | null;
}

const isTaskPosition = isKeysetFor(CHILD_LISTS.tasks.orderBy);
const isEventPosition = isKeysetFor(CHILD_LISTS.events.orderBy);

/**
 * Milliseconds of a row's place in its stream, from its first order key (a task's
 * ActivityDate, counted from midnight UTC; an event's ActivityDateTime): the merge must follow
 * the order each stream was read in.
 */
function timeOf(list: 'tasks' | 'events', position: KeysetPosition): number {
  const [value] = position;
  const iso =
    list === 'tasks' ? value && `${value}T00:00:00.000Z` : value?.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

/** Reads `limit` rows of one interaction stream after a position in it (none: from its start). */
export type ReadInteractionStream = (
  stream: InteractionStream,
  limit: number,
  after: KeysetPosition | undefined,
) => Promise<Positioned<CrmInteraction>[]>;

export type InteractionStream = 'tasks' | 'events';

/** Whether a cursor's position is one of the interactions lists (an account's or everyone's). */
export function isInteractionPosition(value: unknown): value is InteractionPosition {
  if (typeof value !== 'object' || value === null) return false;
  const { t, e } = value as Record<string, unknown>;
  return (t === null || isTaskPosition(t)) && (e === null || isEventPosition(e));
}

/**
 * Tasks and events newest first, whoever's they are: each stream read is size + 1 rows after
 * where the last page left it, and the two are merged; a position holds where each stream
 * stopped, so the next page continues each there.
 */
export async function mergeInteractions(
  size: number,
  after: InteractionPosition | undefined,
  read: ReadInteractionStream,
): Promise<ListSlice<CrmInteraction, InteractionPosition>> {
  const [tasks, events] = await Promise.all([
    read('tasks', size + 1, after?.t ?? undefined),
    read('events', size + 1, after?.e ?? undefined),
  ]);
  const position: InteractionPosition = { t: after?.t ?? null, e: after?.e ?? null };
  const edges: Positioned<CrmInteraction, InteractionPosition>[] = [];
  let ti = 0;
  let ei = 0;
  while (edges.length < size && (ti < tasks.length || ei < events.length)) {
    const task = tasks[ti];
    const event = events[ei];
    if (
      task !== undefined &&
      (event === undefined || timeOf('tasks', task.position) >= timeOf('events', event.position))
    ) {
      ti += 1;
      position.t = task.position;
      edges.push({ node: task.node, position: { ...position } });
    } else if (event !== undefined) {
      ei += 1;
      position.e = event.position;
      edges.push({ node: event.node, position: { ...position } });
    }
  }
  return { edges, hasMore: ti < tasks.length || ei < events.length };
}

/** Tasks and events of an account, newest first: its two child lists merged. */
const interactions: CrmList<CrmInteraction, InteractionPosition> = {
  kind: 'interactions',
  isPosition: isInteractionPosition,
  page: (accountId, size, after, read) =>
    mergeInteractions(
      size,
      after,
      async (list, limit, position) =>
        (await read({ parentId: accountId, list, limit, after: position })) as Positioned<CrmInteraction>[],
    ),
  readAhead: (size) => [
    { list: 'tasks', limit: size + 1 },
    { list: 'events', limit: size + 1 },
  ],
};

/** One parent's list (`parentId` null: the CRM holds no such parent, so there is no list). */
export interface ParentList<N, P> {
  list: CrmList<N, P>;
  parentId: string | null;
}

/** The lists of a customer's account, by the Customer field that pages each. */
export const ACCOUNT_LISTS = {
  contacts: childList<CrmContact>('contacts', 'contacts'),
  interactions,
  opportunities: childList<CrmOpportunity>('opportunities', 'opportunities'),
  quotes: childList<CrmQuote>('quotes', 'quotes'),
  supportCases: childList<CrmSupportCase>('cases', 'cases'),
  assets: childList<CrmAsset>('assets', 'assets'),
};

/** The quotes that include a product (by SKU): its quote lines, newest first. */
export const PRODUCT_QUOTES = childList<CrmQuoteOfProduct>('productQuotes', 'productQuoteLines');

/** The lists of a campaign, by the Campaign field that pages each. */
export const CAMPAIGN_LISTS = {
  members: childList<CrmCampaignMember>('campaignMembers', 'campaignMembers'),
  influencedOpportunities: childList<CrmOpportunity>('campaignOpportunities', 'campaignOpportunities'),
};

/**
 * A condition of a root list's statement, as data: a fixed field and a checked value
 * (listFilters.ts derives them from a list's filter), written by reads.ts with soql.ts's literal
 * for the field's kind.
 */
export type ListCondition =
  | { field: FilterField; op: '=' | '<' | '<=' | '>='; value: string | boolean }
  | { field: FilterField; op: 'IN' | 'NOT IN'; values: readonly string[] }
  | { field: FilterField; op: 'CONTAINS'; text: string };

/** One page of a list of every account's records (or of campaigns): its filter, size and position. */
export interface RootListRead<L extends RootListName = RootListName> {
  list: L;
  /** In the graph's words (listFilters.ts); plain JSON, so the read is its own cache key. */
  filter: RootListFilters[L];
  /** Rows to read: the page size plus one, to know whether more follow. */
  limit: number;
  after?: KeysetPosition;
}

/** Whether a cursor's position is one in a root list's order. */
export const isRootListPosition = (list: RootListName) => isKeysetFor(ROOT_LISTS[list].orderBy);
