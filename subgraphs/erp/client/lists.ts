import type {
  ErpCreditMemo,
  ErpInvoice,
  ErpPayment,
  ErpProduct,
  ErpPurchase,
  ErpSalesOrder,
  ErpShipment,
} from './models.js';
import type { Page } from './types.js';

/**
 * The ERP's paged lists and how a position in one is written down. Paging is Business
 * Central's own: a list is the BC request of its first page, and a position holds the query
 * string of a BC request — the `@odata.nextLink` of the page it ends, or for a row in the middle
 * of a page the request of that page plus how many of its rows come before the position — and
 * never a host or a path: the path always comes from the list the position is used on, so a
 * position can only ever continue the list it was taken from. (The cursor envelope around a
 * position, and the answer to a foreign one, are lib/connections.ts's.)
 */

/** A customer's documents (and what was shipped to it: the item ledger's sales), listed newest first. */
export type DocumentKind = 'orders' | 'invoices' | 'payments' | 'shipments' | 'creditMemos' | 'purchases';
export type ListKind = DocumentKind | 'products';

export interface ListModels {
  orders: ErpSalesOrder;
  invoices: ErpInvoice;
  payments: ErpPayment;
  shipments: ErpShipment;
  creditMemos: ErpCreditMemo;
  purchases: ErpPurchase;
  products: ErpProduct;
}

/** A list the ERP pages, as ErpReads hands it out: outside the client only carried, and its kind names its cursors. */
export interface ErpList<K extends ListKind = ListKind> {
  kind: K;
  /** Same-origin path with query of the BC request for the first page. */
  link: string;
  /** The customer whose documents the list holds: a write for that customer makes it stale. */
  customerId?: string;
}

export interface PagePosition {
  /** `?…` query of the BC request that yields the rows after this position. */
  query: string;
  /** Rows at the start of that request's answer that are before this position (0 for a page end). */
  skip: number;
}

/** One page of a list to read: the BC request, sized to cover the rows skipped and the page. */
export interface ListPageRequest<K extends ListKind = ListKind> extends ErpList<K> {
  /** Sent as `Prefer: odata.maxpagesize`. */
  pageSize: number;
  /** Rows of the answer before the page. */
  skip: number;
}

/** What a page holds for the graph: each row with the position after it, and where the list goes on. */
export interface ListSlice<T> {
  edges: { node: T; position: PagePosition }[];
  /** Where the list continues after this page; null at its end. */
  next: PagePosition | null;
}

/** BC's answer to one ListPageRequest, its rows already the list's models (ErpReads.readPages). */
export type ListPage = Page<unknown>;

/** Rows of one legacy page a position may point past: BC's largest server page. */
export const MAX_POSITION_SKIP = 20_000;
/**
 * Parameters besides the list's own options that a BC nextLink may carry and that change nothing
 * about which rows come back (`aid=FIN` is BC's own hint in some next links).
 */
const NEUTRAL_PARAMETERS: ReadonlySet<string> = new Set(['$skiptoken', 'aid']);

/** Whether a value read back from a cursor has the shape of a position (of any list). */
export function isPagePosition(value: unknown): value is PagePosition {
  if (typeof value !== 'object' || value === null) return false;
  const { query, skip } = value as Record<string, unknown>;
  return (
    typeof query === 'string' &&
    (query === '' || query.startsWith('?')) &&
    !query.includes('#') &&
    typeof skip === 'number' &&
    Number.isInteger(skip) &&
    skip >= 0 &&
    skip <= MAX_POSITION_SKIP
  );
}

/** The `?…` part of a same-origin link. */
function queryOf(link: string): string {
  return new URL(link, 'http://link.invalid').search;
}

/**
 * The BC request a position stands for on the list whose first page is `firstLink`: that
 * list's path with the position's query, provided the query holds exactly the list's own
 * options (same filter, order, expansion) plus only BC's neutral paging parameters; undefined
 * for any other query (a forged position, or another list's).
 */
export function continuationLink(position: PagePosition, firstLink: string): string | undefined {
  const first = new URL(firstLink, 'http://link.invalid');
  const given = new URLSearchParams(position.query);
  const wanted = new URLSearchParams(first.search);
  for (const name of new Set([...given.keys(), ...wanted.keys()])) {
    const a = given.getAll(name);
    const b = wanted.getAll(name);
    if (NEUTRAL_PARAMETERS.has(name) && b.length === 0) {
      if (a.length > 1) return undefined;
      continue;
    }
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) return undefined;
  }
  return first.pathname + position.query;
}

/**
 * The request for `size` rows of `list` after `position` (from the start without one);
 * undefined when the position is not one of this list's.
 */
export function pageRequest<K extends ListKind>(
  list: ErpList<K>,
  size: number,
  position?: PagePosition,
): ListPageRequest<K> | undefined {
  if (position === undefined) return { ...list, pageSize: size, skip: 0 };
  const link = continuationLink(position, list.link);
  if (link === undefined) return undefined;
  // BC pages from the start of the request: the rows the position passed come first.
  return { ...list, link, pageSize: size + position.skip, skip: position.skip };
}

/**
 * The page `request` asked for out of BC's answer: the last row's position is BC's next link,
 * the others' the same request with more rows skipped.
 */
export function sliceOf<K extends ListKind>(
  request: ListPageRequest<K>,
  page: ListPage,
): ListSlice<ListModels[K]> {
  const size = request.pageSize - request.skip;
  const next = page.nextLink === null ? null : { query: queryOf(page.nextLink), skip: 0 };
  const rows = page.rows.slice(request.skip, request.skip + size) as ListModels[K][];
  return {
    edges: rows.map((node, index) => ({
      node,
      position:
        index === rows.length - 1 && next !== null
          ? next
          : { query: queryOf(request.link), skip: request.skip + index + 1 },
    })),
    next,
  };
}
