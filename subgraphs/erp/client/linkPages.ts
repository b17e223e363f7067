import type { ErpClient } from './erpClient.js';
import { continuationLink, type PagePosition } from './lists.js';

/**
 * One page of a BC collection that pages by `@odata.nextLink`, after a position of lists.ts's
 * kind (a BC request's query plus the rows of its answer already shown): what the reporting and
 * data-quality lists page with, so a cursor of one list never continues another.
 */

export interface LinkPage<T> {
  edges: { node: T; position: PagePosition }[];
  /** Where BC goes on after this page; null at the end of the collection. */
  next: PagePosition | null;
}

/** The `?…` part of a same-origin link. */
function queryOf(link: string): string {
  return new URL(link, 'http://link.invalid').search;
}

/**
 * `size` rows of the collection whose first request is `firstLink`, after `after` (from the
 * start without it), in one request; undefined when `after` is not a position of this
 * collection (a forged cursor or another list's).
 */
export async function readLinkPage<T>(
  client: ErpClient,
  firstLink: string,
  size: number,
  after: PagePosition | undefined,
  label: string,
  requestId?: string,
): Promise<LinkPage<T> | undefined> {
  const link = after === undefined ? firstLink : continuationLink(after, firstLink);
  if (link === undefined) return undefined;
  const skip = after?.skip ?? 0;
  // BC pages from the start of the request: the rows the position passed come first.
  const page = await client.getPage<T>({ link, pageSize: size + skip }, label, requestId);
  const next = page.nextLink === null ? null : { query: queryOf(page.nextLink), skip: 0 };
  const rows = page.rows.slice(skip, skip + size);
  return {
    edges: rows.map((node, index) => ({
      node,
      // The last row's position is BC's next link; the others' the same request with more rows skipped.
      position:
        index === rows.length - 1 && next !== null ? next : { query: queryOf(link), skip: skip + index + 1 },
    })),
    next,
  };
}
