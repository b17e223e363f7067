import type { Principal } from '../../lib/auth/principal.js';
import type { CacheScope } from '../../lib/cacheConfig.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import type { CrmUserTokens } from './client/credentials.js';
import type { CrmReads } from './client/reads.js';
import type { FallbackNotice } from './erpFallback.js';
import { type CrmLoaders, createLoaders } from './loaders.js';
import { CrmOwners } from './owners.js';

/** What every CRM resolver receives (codegen `contextType`). */
export interface CrmContext {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  /** The authenticated caller (the gateway forwarded their token; this subgraph verified it). */
  principal: Principal;
  /** The CRM's reads that are no lookup of keys (the accounts page); lookups come through `loaders`. */
  crm: CrmReads;
  /** Fresh per request: a loader's cache must never outlive the request. */
  loaders: CrmLoaders;
  /** Off: the naive baseline, one CRM call per item (no look-ahead into child lists either). */
  batching: boolean;
  /** The shared cache, when on: the accounts page reads through it as the loaders do. */
  cache?: CacheScope;
  /** What time it is: warranties are judged as of today (a seam tests set). */
  now: () => Date;
  /** The ERP, read for the customer list while the CRM is down (erpFallback.ts); absent: no such list. */
  erp?: ErpClient;
  /** Lists this request answered from the ERP: their errors join the answer (erpFallback.ts). */
  fallbacks: FallbackNotice[];
}

export function createContextFactory(options: {
  reads: CrmReads;
  batching: boolean;
  /** The shared cache, when on: every request's loaders read through it. */
  cache?: CacheScope;
  /** Per-user mode (CRM_PER_USER): each caller's own Salesforce user's tokens. */
  userTokens?: CrmUserTokens | undefined;
  /** The clock (default: the system's). */
  now?: () => Date;
  /** The ERP the customer list is read from while the CRM is down. */
  erp?: ErpClient | undefined;
}): (scope: RequestScope) => Promise<CrmContext> {
  const { batching, cache } = options;
  const now = options.now ?? (() => new Date());
  const owners = new CrmOwners(options.reads, options.userTokens);
  return async ({ requestId, logger, principal }) => {
    // A sales:own caller's reads carry the ownership condition, a per-user caller's their own
    // token, and the cache entries of both their own visibility: never another caller's list.
    const { reads, visibility } = await owners.readsFor(principal, requestId);
    const requestCache = cache && visibility ? { ...cache, visibility } : cache;
    return {
      requestId,
      logger,
      principal,
      crm: reads,
      loaders: createLoaders({ reads, batching, requestId, cache: requestCache }),
      batching,
      cache: requestCache,
      now,
      ...(options.erp ? { erp: options.erp } : {}),
      fallbacks: [],
    };
  };
}
