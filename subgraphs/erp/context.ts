import type { Principal } from '../../lib/auth/principal.js';
import type { CacheScope } from '../../lib/cacheConfig.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import type { ErpReads } from './client/reads.js';
import { createLoaders, type ErpLoaders } from './loaders.js';

/** What every ERP resolver receives (codegen `contextType`). */
export interface ErpContext {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  /** The authenticated caller (the gateway forwarded their token; this subgraph verified it). */
  principal: Principal;
  /** The ERP's reads that are no lookup of keys (the lists to page); lookups come through `loaders`. */
  erp: ErpReads;
  /** Fresh per request: a loader's cache must never outlive the request. */
  loaders: ErpLoaders;
  /** The clock "overdue" is judged by (today, UTC). */
  now: () => Date;
  /**
   * Off: the naive version benchmarks compare against, which also reads no list ahead of what
   * its rows' fields ask (each line's product is its own lookup).
   */
  batching: boolean;
}

export function createContextFactory(options: {
  reads: ErpReads;
  batching: boolean;
  /** The shared cache, when on: every request's loaders read through it. */
  cache?: CacheScope;
  now?: () => Date;
}): (scope: RequestScope) => Promise<ErpContext> {
  const { reads, batching, cache } = options;
  const now = options.now ?? (() => new Date());
  return async ({ requestId, logger, principal }) => ({
    requestId,
    logger,
    principal,
    erp: reads,
    loaders: createLoaders({ reads, batching, requestId, cache }),
    now,
    batching,
  });
}
