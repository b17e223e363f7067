import type { ErpClient } from './erpClient.js';
import { type ListSlice, offsetRequest, offsetSlice, type PagePosition } from './lists.js';

/**
 * One page of a BC collection that pages by `@odata.nextLink`, after a position of lists.ts's
 * kind (a BC request's query plus the rows of its answer already shown), read as lists.ts reads
 * a customer's documents: what the reporting and data-quality lists page with, so a cursor of
 * one list never continues another.
 */

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
): Promise<ListSlice<T> | undefined> {
  const request = offsetRequest(firstLink, size, after);
  if (request === undefined) return undefined;
  const page = await client.getPage<T>({ link: request.link, pageSize: request.pageSize }, label, requestId);
  return offsetSlice(request, page);
}
