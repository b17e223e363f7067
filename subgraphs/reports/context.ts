import type { Principal } from '../../lib/auth/principal.js';
import type { CacheScope } from '../../lib/cacheConfig.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import type { CrmClient } from '../crm/client/crmClient.js';
import type { ErpClient } from '../erp/client/erpClient.js';

/** What the reports read with, shared by every request (clients hold no per-request state). */
export interface ReportsShared {
  erpClient: ErpClient;
  crmClient: CrmClient;
  /** The shared cache under the ERP's and the CRM's scopes (undefined when LEGACY_CACHE=off). */
  erpCache?: CacheScope;
  crmCache?: CacheScope;
  /** ERP_LOCAL_CURRENCY: what BC's blank currency code means. */
  localCurrencyCode: string;
  /** What time it is: periods, aging and "today" are judged by it (a seam tests set). */
  now: () => Date;
}

/** What every reports resolver receives (codegen `contextType`). */
export interface ReportsContext extends ReportsShared {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  /** The authenticated caller (the gateway forwarded their token; this subgraph verified it). */
  principal: Principal;
}

export function createContextFactory(
  shared: ReportsShared,
): (scope: RequestScope) => Promise<ReportsContext> {
  return async ({ requestId, logger, principal }) => ({ ...shared, requestId, logger, principal });
}
