import type { CacheScope } from '../../lib/cacheConfig.js';
import type { Logger } from '../../lib/logger.js';
import type { CrmClient } from './client/crmClient.js';
import { type CrmLoaders, createLoaders } from './loaders.js';

/** What every CRM resolver receives: built fresh for each request. */
export interface CrmContext {
  requestId: string;
  logger: Logger;
  client: CrmClient;
  loaders: CrmLoaders;
  /** Off: the naive baseline, one CRM call per item (no look-ahead into child lists either). */
  batching: boolean;
  /** The shared cache, when on: loaders and the accounts page read through it. */
  cache?: CacheScope;
}

export function createCrmContext(options: {
  requestId: string;
  logger: Logger;
  client: CrmClient;
  batching: boolean;
  cache?: CacheScope;
}): CrmContext {
  const { requestId, logger, client, batching, cache } = options;
  return {
    requestId,
    logger,
    client,
    loaders: createLoaders(client, { requestId }, batching, cache),
    batching,
    ...(cache ? { cache } : {}),
  };
}
