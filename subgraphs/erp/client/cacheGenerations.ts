/**
 * The generations a write through the graph bumps (see cachedBatch's `generationsOf`); the
 * workflows subgraph calls these same functions, so names cannot drift apart.
 */
export const ERP_GENERATIONS = {
  /** The customer's record (with its financial details) and every list of its documents. */
  customer: (id: string) => `customer:${id.toLowerCase()}`,
  /** The lists of every customer's documents (a new order is in them). */
  documents: 'documents',
  /** Customers looked up by number (a write knows the id, not always the number). */
  customers: 'customers',
  /** An order looked up by number (a known-missing number may since have been created). */
  orderNumber: (number: string) => `order-number:${number}`,
  /** An order read by id, and its lines: a change of its lines makes both stale. */
  order: (id: string) => `order:${id.toLowerCase()}`,
};
