import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import type { ErpClient } from './client/erpClient.js';
import { createLoaders, type ErpCacheScope, type ErpLoaders } from './loaders.js';

/** What every ERP resolver receives (codegen `contextType`). */
export interface ErpContext {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  client: ErpClient;
  /** Fresh per request: a loader's cache must never outlive the request. */
  loaders: ErpLoaders;
  /** ISO code for BC's blank currency code (the company's local currency). */
  localCurrencyCode: string;
}

export function createContextFactory(options: {
  client: ErpClient;
  batching: boolean;
  localCurrencyCode: string;
  /** The shared cache, when on: every request's loaders read through it. */
  cache?: ErpCacheScope;
}): (scope: RequestScope) => Promise<ErpContext> {
  return async ({ requestId, logger }) => ({
    requestId,
    logger,
    client: options.client,
    loaders: createLoaders({
      client: options.client,
      batching: options.batching,
      requestId,
      ...(options.cache ? { cache: options.cache } : {}),
    }),
    localCurrencyCode: options.localCurrencyCode,
  });
}
