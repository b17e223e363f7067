import type {
  ErpCreditMemo,
  ErpInvoice,
  ErpPayment,
  ErpProduct,
  ErpPurchase,
  ErpSalesOrder,
  ErpShipment,
} from './models.js';
import { compareDate, type DateField, isDate } from './odata.js';
import type { Page } from './types.js';

/**
 * The ERP's paged lists and how a position in one is written down. Paging is Business
 * Central's own: a list is the BC request of its first page, and a position holds the query
 * string of a BC request — the `@odata.nextLink` of the page it ends, or for a row in the middle
 * of a page the request of that page plus how many of its rows come before the position — and
 * never a host or a path: the path always comes from the list the position is used on, so a
 * position can only ever continue the list it was taken from. (The cursor envelope around a
 * position, and the answer to a foreign one, are lib/connections.ts's.)
 *
 * The lists across all customers are paged by their own order instead (keyset): BC's next link
 * counts rows, so a document added before a position (a new order, newest first) would shift
 * every later page by one and repeat a row. Their position also holds the sort values of its
 * row; the request after it asks BC only for the rows from that row's day on, and the rows of
 * that day up to the row are dropped by value, not by count.
 */

/** A customer's documents (and what was shipped to it: the item ledger's sales), listed newest first. */
export type DocumentKind = 'orders' | 'invoices' | 'payments' | 'shipments' | 'creditMemos' | 'purchases';
/** Documents of every customer (the root lists), paged by keyset. */
export type LedgerKind = 'allOrders' | 'allInvoices' | 'allPayments';
export type ListKind = DocumentKind | 'products' | LedgerKind;

export interface ListModels {
  orders: ErpSalesOrder;
  invoices: ErpInvoice;
  payments: ErpPayment;
  shipments: ErpShipment;
  creditMemos: ErpCreditMemo;
  purchases: ErpPurchase;
  products: ErpProduct;
  allOrders: ErpSalesOrder;
  allInvoices: ErpInvoice;
  allPayments: ErpPayment;
}

/** BC's blank date, which is also how a document without the date sorts. */
const BLANK_DATE = '0001-01-01';

/**
 * The order of a keyset list: a day first (the field a continuation bounds in `$filter`), then
 * fields that break ties within a day, the last one unique; all in one direction.
 */
export interface KeysetOrder<T> {
  date: DateField;
  tieBreak: readonly string[];
  desc: boolean;
  /** The row's values of those fields, compared as BC compares them (code points). */
  valuesOf: (row: T) => string[];
}

export const KEYSET_ORDERS: { readonly [K in LedgerKind]: KeysetOrder<ListModels[K]> } = {
  allOrders: {
    date: 'orderDate',
    tieBreak: ['number'],
    desc: true,
    valuesOf: (order) => [order.orderDate ?? BLANK_DATE, order.number],
  },
  allInvoices: {
    date: 'dueDate',
    tieBreak: ['number'],
    desc: false,
    valuesOf: (invoice) => [invoice.dueDate ?? BLANK_DATE, invoice.number],
  },
  allPayments: {
    date: 'postingDate',
    tieBreak: ['id'],
    desc: true,
    valuesOf: (payment) => [payment.postingDate ?? BLANK_DATE, payment.id.toLowerCase()],
  },
};

export function isLedgerKind(kind: ListKind): kind is LedgerKind {
  return Object.hasOwn(KEYSET_ORDERS, kind);
}

/** The `$orderby` of a keyset list. */
export function orderbyOf(kind: LedgerKind): string {
  const order = KEYSET_ORDERS[kind];
  return [order.date, ...order.tieBreak].map((field) => (order.desc ? `${field} desc` : field)).join(',');
}

/** Negative when `a` comes before `b` in the list's order, 0 when they are the same row. */
function compareKeys(a: readonly string[], b: readonly string[], desc: boolean): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
  }
  return 0;
}

/** A list the ERP pages, as ErpReads hands it out: outside the client only carried, and its kind names its cursors. */
export interface ErpList<K extends ListKind = ListKind> {
  kind: K;
  /** Same-origin path with query of the BC request for the first page. */
  link: string;
  /** The customer whose documents the list holds: a write for that customer makes it stale. */
  customerId?: string;
  /** The rows' lines carry their products (read with the items expanded): a page holds stock. */
  withProducts?: boolean;
}

export interface PagePosition {
  /**
   * `?…` query of the BC request that yields the rows after this position; in a keyset list,
   * the list's own query, which the read bounds to `after`'s day.
   */
  query: string;
  /**
   * Rows at the start of that request's answer that are before this position (0 for a page end);
   * in a keyset list, the rows of the position's day up to it, which the next request asks for
   * on top of the page.
   */
  skip: number;
  /** Keyset lists only: the sort values of the row the position follows. */
  after?: string[];
}

/** One page of a list to read: the BC request, sized to cover the rows skipped and the page. */
export interface ListPageRequest<K extends ListKind = ListKind> extends ErpList<K> {
  /** Sent as `Prefer: odata.maxpagesize`. */
  pageSize: number;
  /** Rows of the answer before the page (keyset lists: at most; those up to `after` are dropped). */
  skip: number;
  /** Keyset lists: the list's own first link (what positions hold), and the row the page follows. */
  keyset?: { listLink: string; after?: readonly string[] };
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
/** Sort values a keyset position holds, each far longer than any day, number or id. */
const MAX_KEY_PARTS = 4;
const MAX_KEY_LENGTH = 256;
/**
 * Parameters besides the list's own options that a BC nextLink may carry and that change nothing
 * about which rows come back (`aid=FIN` is BC's own hint in some next links).
 */
const NEUTRAL_PARAMETERS: ReadonlySet<string> = new Set(['$skiptoken', 'aid']);
/**
 * What each row carries (`$expand`: the lines, and their items when the selection asks for the
 * products) is the list's reader's, not part of which rows come next: a position taken on a list
 * read with the items expanded continues the same list read without them, and the other way
 * round. The continuation carries the expansion of the list it is used on.
 */
const SHAPE_PARAMETER = '$expand';

/** Whether a value read back from a cursor has the shape of a position (of any list). */
export function isPagePosition(value: unknown): value is PagePosition {
  if (typeof value !== 'object' || value === null) return false;
  const { query, skip, after } = value as Record<string, unknown>;
  return (
    (after === undefined ||
      (Array.isArray(after) &&
        after.length > 0 &&
        after.length <= MAX_KEY_PARTS &&
        after.every((part) => typeof part === 'string' && part.length <= MAX_KEY_LENGTH))) &&
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

/** The `name=value` parts of a `?…` query as they are written (encoded), with their decoded names. */
function queryParts(query: string): { name: string; raw: string }[] {
  return query
    .replace(/^\?/, '')
    .split('&')
    .filter((raw) => raw !== '')
    .map((raw) => {
      const eq = raw.indexOf('=');
      const name = eq === -1 ? raw : raw.slice(0, eq);
      try {
        return { name: decodeURIComponent(name), raw };
      } catch {
        return { name, raw };
      }
    });
}

function joinQuery(parts: readonly { raw: string }[]): string {
  return parts.length === 0 ? '' : `?${parts.map(({ raw }) => raw).join('&')}`;
}

/** `query` without its expansion (see SHAPE_PARAMETER): which rows it asks for. */
function withoutShape(query: string): string {
  return joinQuery(queryParts(query).filter(({ name }) => name !== SHAPE_PARAMETER));
}

/** `query` with its expansion replaced by `from`'s, written as given otherwise. */
function withShapeOf(query: string, from: string): string {
  const kept = queryParts(query).filter(({ name }) => name !== SHAPE_PARAMETER);
  return joinQuery([...kept, ...queryParts(from).filter(({ name }) => name === SHAPE_PARAMETER)]);
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
    if ((NEUTRAL_PARAMETERS.has(name) && b.length === 0) || name === SHAPE_PARAMETER) {
      if (a.length > 1) return undefined;
      continue;
    }
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) return undefined;
  }
  return first.pathname + withShapeOf(position.query, first.search);
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
  if (isLedgerKind(list.kind)) return keysetRequest(list, size, position);
  if (position?.after !== undefined) return undefined;
  const request = offsetRequest(list.link, size, position);
  return request && { ...list, ...request };
}

/** A request of a list BC pages by nextLink: the BC request, sized to cover the rows skipped and the page. */
export interface OffsetRequest {
  link: string;
  pageSize: number;
  skip: number;
}

/**
 * The request for `size` rows of the nextLink-paged collection whose first request is
 * `firstLink`, after `position` (from the start without one); undefined when the position is
 * not one of this collection's.
 */
export function offsetRequest(
  firstLink: string,
  size: number,
  position: PagePosition | undefined,
): OffsetRequest | undefined {
  if (position === undefined) return { link: firstLink, pageSize: size, skip: 0 };
  const link = continuationLink(position, firstLink);
  if (link === undefined) return undefined;
  // BC pages from the start of the request: the rows the position passed come first.
  return { link, pageSize: size + position.skip, skip: position.skip };
}

/**
 * A keyset list's request after `position`: the list's own request (the position must hold
 * exactly its query) bounded to the position's day and beyond, sized for the rows of that day
 * up to the position plus the page.
 */
function keysetRequest<K extends ListKind>(
  list: ErpList<K>,
  size: number,
  position: PagePosition | undefined,
): ListPageRequest<K> | undefined {
  if (position === undefined) return { ...list, pageSize: size, skip: 0, keyset: { listLink: list.link } };
  const day = position.after?.[0];
  const sameList = withoutShape(position.query) === withoutShape(queryOf(list.link));
  if (!sameList || day === undefined || !isDate(day)) return undefined;
  const order = KEYSET_ORDERS[list.kind as LedgerKind];
  return {
    ...list,
    link: withCondition(list.link, compareDate(order.date, order.desc ? 'le' : 'ge', day)),
    pageSize: size + position.skip,
    skip: position.skip,
    keyset: { listLink: list.link, after: position.after },
  };
}

/** `link` with `condition` and-ed to its `$filter`, every option encoded as odata.ts's queryString does. */
function withCondition(link: string, condition: string): string {
  const url = new URL(link, 'http://link.invalid');
  const options = [...url.searchParams];
  const filter = options.find(([name]) => name === '$filter');
  const combined = filter ? `(${filter[1]}) and ${condition}` : condition;
  const rest = options.filter(([name]) => name !== '$filter');
  const query = [['$filter', combined], ...rest].map(
    ([name, value]) => `${name}=${encodeURIComponent(value!)}`,
  );
  return `${url.pathname}?${query.join('&')}`;
}

/**
 * The page of a keyset list out of BC's answer: rows up to the position dropped by value, then
 * the page's rows, each with its sort values and the rows of its day up to it in this answer
 * (the answer starts at the beginning of the position's day, or of the list).
 */
function keysetSliceOf<K extends ListKind>(
  request: ListPageRequest<K>,
  page: ListPage,
): ListSlice<ListModels[K]> {
  const order = KEYSET_ORDERS[request.kind as LedgerKind] as KeysetOrder<unknown>;
  const { listLink, after } = request.keyset!;
  const query = queryOf(listLink);
  const size = request.pageSize - request.skip;
  const rows = page.rows as ListModels[K][];
  const keys = rows.map((row) => order.valuesOf(row));
  let start = 0;
  if (after !== undefined) {
    while (start < rows.length && compareKeys(keys[start]!, after, order.desc) <= 0) start += 1;
  }
  const end = Math.min(rows.length, start + size);
  const edges: ListSlice<ListModels[K]>['edges'] = [];
  let day: string | undefined;
  let ofDay = 0;
  for (let index = 0; index < end; index += 1) {
    const key = keys[index]!;
    ofDay = key[0] === day ? ofDay + 1 : 1;
    day = key[0];
    if (index >= start) edges.push({ node: rows[index]!, position: { query, skip: ofDay, after: key } });
  }
  const more = end < rows.length || page.nextLink !== null;
  // Nothing after the position on this page (rows were added on its day): the same position,
  // asking for every row of the day this answer held before it.
  const last = edges.at(-1)?.position ?? (after ? { query, skip: start, after: [...after] } : null);
  return { edges, next: more ? last : null };
}

/** The page `request` asked for out of BC's answer (a keyset list's, or offsetSlice's). */
export function sliceOf<K extends ListKind>(
  request: ListPageRequest<K>,
  page: ListPage,
): ListSlice<ListModels[K]> {
  if (request.keyset !== undefined) return keysetSliceOf(request, page);
  return offsetSlice(request, page as Page<ListModels[K]>);
}

/**
 * The page an {@link OffsetRequest} asked for out of BC's answer: the last row's position is
 * BC's next link, the others' the same request with more rows skipped.
 */
export function offsetSlice<T>(request: OffsetRequest, page: Page<T>): ListSlice<T> {
  const size = request.pageSize - request.skip;
  const next = page.nextLink === null ? null : { query: queryOf(page.nextLink), skip: 0 };
  const rows = page.rows.slice(request.skip, request.skip + size);
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
