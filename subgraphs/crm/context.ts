import type { CacheScope } from '../../lib/cacheConfig.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import type { CrmReads } from './client/reads.js';
import { type CrmLoaders, createLoaders } from './loaders.js';

/** What every CRM resolver receives (codegen `contextType`). */
export interface CrmContext {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  /** The CRM's reads that are no lookup of keys (the accounts page); lookups come through `loaders`. */
  crm: CrmReads;
  /** Fresh per request: a loader's cache must never outlive the request. */
  loaders: CrmLoaders;
  /** Off: the naive baseline, one CRM call per item (no look-ahead into child lists either). */
  batching: boolean;
  /** The shared cache, when on: the accounts page reads through it as the loaders do. */
  cache?: CacheScope;
}

export function createContextFactory(options: {
  reads: CrmReads;
  batching: boolean;
  /** The shared cache, when on: every request's loaders read through it. */
  cache?: CacheScope;
}): (scope: RequestScope) => Promise<CrmContext> {
  const { reads, batching, cache } = options;
  return async ({ requestId, logger }) => ({
    requestId,
    logger,
    crm: reads,
    loaders: createLoaders({ reads, batching, requestId, cache }),
    batching,
    cache,
  });
}
