import { badLegacyResponse } from '../../../lib/errors.js';
import type { ErpClient } from './erpClient.js';
import { continuationLink, type PagePosition } from './lists.js';
import type { BcCustomer } from './types.js';

/**
 * The ERP's customers as a list of their own, by number, paged as Business Central pages
 * (`@odata.nextLink`), and how many there are (`$count`): what the data-quality reports read to
 * find the customers no CRM account is linked to. Positions are lists.ts's (a BC request's query
 * plus rows of it already shown), so a cursor can only continue this list.
 */

/** An ERP customer as the data-quality lists show it. */
export interface ErpCustomerEntry {
  id: string;
  number: string;
  name: string | null;
}

/** A customer of a page, with the position after it. */
export interface PositionedCustomer {
  customer: ErpCustomerEntry;
  position: PagePosition;
}

export interface CustomerPage {
  rows: PositionedCustomer[];
  /** Where BC goes on after this page; null at the end of the customers. */
  next: PagePosition | null;
}

const SELECTED: readonly (keyof BcCustomer)[] = ['id', 'number', 'displayName'];

/** The `?…` part of a same-origin link. */
function queryOf(link: string): string {
  return new URL(link, 'http://link.invalid').search;
}

function entryOf(row: Partial<BcCustomer>, label: string): ErpCustomerEntry {
  if (typeof row.id !== 'string' || typeof row.number !== 'string') {
    throw badLegacyResponse('ERP', label, 'a customer without id or number');
  }
  const name = typeof row.displayName === 'string' && row.displayName.trim() !== '' ? row.displayName : null;
  return { id: row.id.toLowerCase(), number: row.number, name };
}

export class ErpCustomerPages {
  constructor(private readonly client: ErpClient) {}

  /** The BC request of the first page: every customer, by number. */
  private firstLink(requestId?: string): Promise<string> {
    return this.client.collectionLink('customers', { select: SELECTED, orderby: 'number' }, requestId);
  }

  /**
   * `size` customers after `after` (from the first without it), in one request; undefined when
   * `after` is not a position of this list (a forged cursor or another list's).
   */
  async page(
    size: number,
    after: PagePosition | undefined,
    requestId?: string,
  ): Promise<CustomerPage | undefined> {
    const first = await this.firstLink(requestId);
    const link = after === undefined ? first : continuationLink(after, first);
    if (link === undefined) return undefined;
    const skip = after?.skip ?? 0;
    const label = 'customers by number';
    // BC pages from the start of the request: the rows the position passed come first.
    const page = await this.client.getPage<Partial<BcCustomer>>(
      { link, pageSize: size + skip },
      label,
      requestId,
    );
    const next = page.nextLink === null ? null : { query: queryOf(page.nextLink), skip: 0 };
    const rows = page.rows.slice(skip, skip + size).map((row) => entryOf(row, label));
    return {
      rows: rows.map((customer, index) => ({
        customer,
        position:
          index === rows.length - 1 && next !== null
            ? next
            : { query: queryOf(link), skip: skip + index + 1 },
      })),
      next,
    };
  }

  /** How many customers the ERP holds: one request (`$count=true`, no rows). */
  async count(requestId?: string): Promise<number> {
    const label = 'customer count';
    // collectionLink knows no $count/$top: they only size the answer, never choose its rows.
    const link = `${await this.client.collectionLink('customers', { select: ['id'] }, requestId)}&$count=true&$top=0`;
    const response = await this.client.http.send<{ '@odata.count'?: unknown }>({
      method: 'GET',
      path: link,
      label,
      requestId,
    });
    const count = response.body?.['@odata.count'];
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
      throw badLegacyResponse('ERP', label, 'no @odata.count');
    }
    return count;
  }
}
