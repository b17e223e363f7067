import { badLegacyResponse } from '../../../lib/errors.js';
import type { ErpClient } from './erpClient.js';
import { readLinkPage } from './linkPages.js';
import type { PagePosition } from './lists.js';
import type { ErpCustomer } from './models.js';
import { allOf, contains, GUID_RE, stringLiteral } from './odata.js';
import { modelsOf } from './toModels.js';
import type { BcCustomer, Page } from './types.js';

/**
 * The ERP's customers as a list of their own, by number, paged as Business Central pages
 * (`@odata.nextLink`): what the data-quality reports read to find the customers no CRM account
 * is linked to, and to compare every linked pair. Paged as linkPages.ts reads, so a cursor can
 * only continue this list. Also the customers by name the CRM subgraph lists while the CRM is down.
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
  customers: PositionedCustomer[];
  /** Where BC goes on after this page; null at the end of the customers. */
  next: PagePosition | null;
}

const SELECTED: readonly (keyof BcCustomer)[] = ['id', 'number', 'displayName'];

function entryOf(row: Partial<BcCustomer>, label: string): ErpCustomerEntry {
  if (typeof row.id !== 'string' || typeof row.number !== 'string') {
    throw badLegacyResponse('ERP', label, 'a customer without id or number');
  }
  const name = typeof row.displayName === 'string' && row.displayName.trim() !== '' ? row.displayName : null;
  return { id: row.id.toLowerCase(), number: row.number, name };
}

export class ErpCustomerPages {
  private readonly customerOf: (record: BcCustomer) => ErpCustomer;

  constructor(
    private readonly client: ErpClient,
    /** ISO 4217 code of the company's local currency, which BC leaves blank. */
    localCurrencyCode: string,
  ) {
    this.customerOf = modelsOf(localCurrencyCode).customer;
  }

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
    const label = 'customers by number';
    const page = await readLinkPage<Partial<BcCustomer>>(
      this.client,
      await this.firstLink(requestId),
      size,
      after,
      label,
      requestId,
    );
    if (page === undefined) return undefined;
    return {
      customers: page.edges.map(({ node, position }) => ({ customer: entryOf(node, label), position })),
      next: page.next,
    };
  }

  /**
   * Every customer, `pageSize` at a time by number, as the graph's customer models (one request
   * per page, following BC's nextLink): what a comparison of every linked pair reads.
   */
  async *allCustomers(pageSize: number, requestId?: string): AsyncGenerator<ErpCustomer[]> {
    const label = 'all customers';
    let link: string | null = await this.client.collectionLink('customers', { orderby: 'number' }, requestId);
    while (link !== null) {
      const page: Page<BcCustomer> = await this.client.getPage<BcCustomer>(
        { link, pageSize },
        label,
        requestId,
      );
      yield page.rows.map(this.customerOf);
      link = page.nextLink;
    }
  }
}

export interface ErpCustomersByName {
  /** By displayName, then id (lower case), as BC orders them: code points. */
  customers: { id: string; name: string }[];
  /** BC goes on after these (it may answer fewer than asked: its own page size). */
  more: boolean;
}

/**
 * The ERP's customers by name, for the CRM subgraph's customer list while the CRM is down
 * (subgraphs/crm/erpFallback.ts): up to `limit` customers in one request, those whose name
 * contains `search` (as BC compares: `contains`), from the name `from` on (`inclusive`: that name
 * too).
 */
export async function erpCustomersByName(
  erp: ErpClient,
  args: { search?: string; from?: { name: string; inclusive: boolean }; limit: number },
  requestId: string,
): Promise<ErpCustomersByName> {
  const conditions = [
    ...(args.search === undefined ? [] : [contains('displayName', args.search)]),
    ...(args.from
      ? [`displayName ${args.from.inclusive ? 'ge' : 'gt'} ${stringLiteral(args.from.name)}`]
      : []),
  ];
  const link = await erp.collectionLink(
    'customers',
    { filter: allOf(conditions), select: ['id', 'displayName'], orderby: 'displayName,id' },
    requestId,
  );
  const page = await erp.getPage<{ id?: unknown; displayName?: unknown }>(
    { link, pageSize: args.limit },
    'customers by name',
    requestId,
  );
  const customers = page.rows.map((row) => {
    if (typeof row.id !== 'string' || !GUID_RE.test(row.id))
      throw badLegacyResponse('ERP', 'customers by name', 'a customer without id');
    return { id: row.id.toLowerCase(), name: typeof row.displayName === 'string' ? row.displayName : '' };
  });
  return { customers, more: page.nextLink !== null };
}
