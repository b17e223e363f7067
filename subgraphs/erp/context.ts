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
  /** The ERP's lists (a customer's documents, the products); single records come through `loaders`. */
  erp: ErpReads;
  /** Fresh per request: a loader's cache must never outlive the request. */
  loaders: ErpLoaders;
}

export function createContextFactory(options: {
  erp: ErpReads;
  batching: boolean;
  /** The shared cache, when on: every request's loaders read through it. */
  cache?: CacheScope;
}): (scope: RequestScope) => Promise<ErpContext> {
  return async ({ requestId, logger }) => ({
    requestId,
    logger,
    erp: options.erp,
    loaders: createLoaders({
      erp: options.erp,
      batching: options.batching,
      requestId,
      ...(options.cache ? { cache: options.cache } : {}),
    }),
  });
}
