/**
 * The operations the benchmark sends, as GraphQL (configurations A-D) and as the kind of work
 * the direct REST client (configuration E) does for the same answer.
 */

export type OperationKind = 'customer360' | 'customer360Search' | 'customerDeep' | 'customerSearch';

/** The Customer360 query of the customer graph issue, as written there. */
export const CUSTOMER_360 = `query Customer360($first: Int!) {
  customers(first: $first) {
    edges { node {
      id name
      balance { amount currencyCode }
      orders(first: 5) { edges { node { number status total { amount currencyCode } lines { quantity product { sku name } } } } }
      invoices(first: 5) { edges { node { number dueDate remaining { amount currencyCode } } } }
      interactions(first: 5) { edges { node { type subject occurredAt } } }
    } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/**
 * The Customer360 selection over a name search: the warm-up runs it on customers the scenarios
 * do not read, so a fresh process has run the same code paths before it is measured.
 */
export const CUSTOMER_360_SEARCH = CUSTOMER_360.replace(
  'query Customer360($first: Int!)',
  'query Customer360Search($first: Int!, $search: String!)',
).replace('customers(first: $first)', 'customers(first: $first, search: $search)');

/** One customer deep: its orders, their lines, each line's product with stock and bill of materials. */
export const CUSTOMER_DEEP = `query CustomerDeep($id: ID!) {
  customer(id: $id) {
    id name
    orders(first: 5) { edges { node {
      number status orderDate
      total { amount currencyCode }
      lines { sequence quantity product { sku name inventory billOfMaterials { quantityPer product { sku name inventory } } } }
    } } }
  }
}`;

/** Customer search by name, with the ERP's balance next to the CRM's name. */
export const CUSTOMER_SEARCH = `query CustomerSearch($search: String!, $first: Int!) {
  customers(search: $search, first: $first) {
    edges { node { id name balance { amount currencyCode } overdue { amount currencyCode } } }
    pageInfo { hasNextPage }
  }
}`;

export const QUERIES: Record<OperationKind, string> = {
  customer360: CUSTOMER_360,
  customer360Search: CUSTOMER_360_SEARCH,
  customerDeep: CUSTOMER_DEEP,
  customerSearch: CUSTOMER_SEARCH,
};

export interface OperationInstance {
  kind: OperationKind;
  variables: Record<string, unknown>;
}

/** Identifies an instance across configurations (the reference answers are keyed by it). */
export function instanceKey(instance: OperationInstance): string {
  return `${instance.kind}:${JSON.stringify(instance.variables)}`;
}

/**
 * The reporting section's operations (issue 11). readAt is left out: it says when the figures
 * were read, which differs between any two answers.
 */
const SALES_FIGURES = `pipeline { amount currencyCode } weightedPipeline { amount currencyCode } openOpportunities
  won { amount currencyCode } wonOpportunities booked { amount currencyCode } orders
  invoiced { amount currencyCode } invoices paid { amount currencyCode } overdue { amount currencyCode }`;

export const SALES_SUMMARY = `query SalesSummary($from: String!, $to: String!, $groupBy: SalesSummaryGrouping!) {
  salesSummary(from: $from, to: $to, groupBy: $groupBy) {
    from to groupBy
    groups { key month figures { ${SALES_FIGURES} } }
    total { ${SALES_FIGURES} }
  }
}`;

/** One page of every customer's open invoices, earliest due date first. */
export const OPEN_INVOICES_PAGE = `query OpenInvoices($first: Int!, $after: String) {
  invoices(filter: { onlyOpen: true }, first: $first, after: $after) {
    edges { node { number dueDate remaining { amount currencyCode } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
