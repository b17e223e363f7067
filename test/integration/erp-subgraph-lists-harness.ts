import { expect } from 'vitest';
import type { Json, RunningStandIn, RunningSubgraph } from './erp-subgraph-harness.js';

/**
 * What the tests of the ERP's lists across all customers (`salesOrders`, `invoices`,
 * `payments`) share: their queries with the nested fields a report reads, and paging one to
 * its end.
 */

export type ListName = 'salesOrders' | 'invoices' | 'payments';

/** Each list with the row fields a report reads, nested documents and the customer included. */
export const NODE_FIELDS: Record<ListName, string> = {
  salesOrders: `id number status orderDate requestedDeliveryDate customer { id number }
    total { amount currencyCode } lines { sequence quantity product { sku } }`,
  invoices: `id number status dueDate invoiceDate isOverdue remaining { amount } customer { id number }
    lines { sequence product { sku } } payments { id }`,
  payments: `id documentNumber postingDate amount { amount } customer { id number } invoice { number }`,
};

const FILTER_TYPES: Record<ListName, string> = {
  salesOrders: 'SalesOrderFilter',
  invoices: 'InvoiceFilter',
  payments: 'PaymentFilter',
};

export function listQuery(list: ListName, fields = NODE_FIELDS[list]): string {
  return /* GraphQL */ `
    query ($filter: ${FILTER_TYPES[list]}, $first: Int, $after: String) {
      ${list}(filter: $filter, first: $first, after: $after) {
        edges { cursor node { ${fields} } }
        pageInfo { hasNextPage hasPreviousPage endCursor }
      }
    }
  `;
}

export interface Paged {
  nodes: Json[];
  pages: number;
}

/**
 * Every row of a list, page by page to its end; `between` runs after each page but the last
 * (records added while a client pages).
 */
export async function pageToEnd(
  subgraph: RunningSubgraph,
  list: ListName,
  options: { filter?: Json; first: number; fields?: string; between?: (page: number) => Promise<void> },
): Promise<Paged> {
  const nodes: Json[] = [];
  let after: string | null = null;
  for (let pages = 1; ; pages += 1) {
    const { body } = await subgraph.gql(listQuery(list, options.fields), {
      filter: options.filter,
      first: options.first,
      after,
    });
    expect(body.errors).toBeUndefined();
    const connection = body.data[list];
    expect(connection.edges.length).toBeLessThanOrEqual(options.first);
    nodes.push(...connection.edges.map((edge: Json) => edge.node));
    if (!connection.pageInfo.hasNextPage) return { nodes, pages };
    after = connection.pageInfo.endCursor;
    await options.between?.(pages);
    if (pages > 10_000) throw new Error('the list does not end');
  }
}

/** The ERP's calls for one query, counted afresh. */
export async function costOf(erp: RunningStandIn, run: () => Promise<void>) {
  await erp.resetStats();
  await run();
  return erp.stats();
}

/** Values that occur more than once. */
export function repeated(values: readonly string[]): string[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    if (seen.has(value)) return true;
    seen.add(value);
    return false;
  });
}
