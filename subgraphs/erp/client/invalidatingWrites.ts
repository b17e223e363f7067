import { bumpGenerations } from '../../../lib/cachedBatch.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { ERP_GENERATIONS } from './cacheGenerations.js';
import type { ErpClient } from './erpClient.js';
import type {
  ErpCustomerChanges,
  ErpCustomerForWrite,
  ErpOrderSummary,
  NewSalesOrder,
} from './writeModels.js';
import { ErpWrites } from './writes.js';

/**
 * The ERP writes, each followed by forgetting what it made stale in the shared cache: an order
 * created makes its customer's record (balance, financial details), its document lists and the
 * lists of every customer's documents stale and its number no longer missing; an address change makes the customer stale. The generations are
 * bumped whatever the outcome (a write that timed out may still have happened); a bump that was
 * not needed costs one cache miss.
 */
export class InvalidatingErpWrites extends ErpWrites {
  constructor(
    client: ErpClient,
    private readonly cache: LegacyCache | undefined,
    /** erpCacheScope(…) of the same ERP, company and token the ERP subgraph reads with. */
    private readonly scope: string,
  ) {
    super(client);
  }

  override async createSalesOrder(order: NewSalesOrder, requestId?: string): Promise<ErpOrderSummary> {
    let created: ErpOrderSummary | undefined;
    try {
      created = await super.createSalesOrder(order, requestId);
      return created;
    } finally {
      await bumpGenerations(this.cache, this.scope, [
        ERP_GENERATIONS.customer(order.customerId),
        ERP_GENERATIONS.customers,
        ERP_GENERATIONS.documents,
        ...(created ? [ERP_GENERATIONS.orderNumber(created.number)] : []),
      ]);
    }
  }

  override async updateCustomer(
    customerId: string,
    version: string,
    changes: ErpCustomerChanges,
    requestId?: string,
  ): Promise<ErpCustomerForWrite> {
    try {
      return await super.updateCustomer(customerId, version, changes, requestId);
    } finally {
      await bumpGenerations(this.cache, this.scope, [
        ERP_GENERATIONS.customer(customerId),
        ERP_GENERATIONS.customers,
      ]);
    }
  }
}
