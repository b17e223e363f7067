import { erpCacheScope, readCacheScope, subgraphCache } from '../../lib/cacheConfig.js';
import { breakerStates, legacySubgraphMetrics } from '../../lib/legacyMetrics.js';
import { silentLogger } from '../../lib/logger.js';
import { representationError } from '../../lib/subgraphErrors.js';
import {
  createSubgraphServer,
  type SystemSubgraph,
  type SystemSubgraphDeps,
} from '../../lib/subgraphServer.js';
import { erpTokenSource } from './client/credentials.js';
import { ErpClient } from './client/erpClient.js';
import { ErpReads } from './client/reads.js';
import type { ErpSubgraphConfig } from './config.js';
import { createContextFactory, type ErpContext } from './context.js';
import { resolvers } from './resolvers/index.js';

export const ERP_SCHEMA_PATH = new URL('../../schema/erp.graphql', import.meta.url);

export type ErpSubgraph = SystemSubgraph<ErpClient>;
export type ErpSubgraphDeps = SystemSubgraphDeps & {
  /** The clock overdue invoices are judged by (default: the system's); tests fix the day. */
  now?: () => Date;
};

export function createErpSubgraph(config: ErpSubgraphConfig, deps: ErpSubgraphDeps = {}): ErpSubgraph {
  const logger = deps.logger ?? silentLogger;
  const { cache, owned } = subgraphCache(config.cache, deps.cache, logger);
  const credentials = erpTokenSource(config.erpCredentials, {
    timeoutMs: config.timeoutMs,
    logger: logger.child({ component: 'erp-credentials' }),
  });
  const client = new ErpClient(
    {
      url: config.erpUrl,
      credentials,
      companyId: config.companyId,
      companyName: config.companyName,
      timeoutMs: config.timeoutMs,
      maxRetries: config.maxRetries,
      maxConnections: config.maxConnections,
      resilience: config.resilience,
    },
    logger,
  );
  const { server, close } = createSubgraphServer<ErpContext>({
    schemaPath: ERP_SCHEMA_PATH,
    resolvers,
    subgraph: 'ERP',
    reclassify: representationError,
    logger,
    auth: config.auth,
    authenticator: deps.authenticator,
    metrics: legacySubgraphMetrics(cache, [client.http]),
    readiness: () => ({ breakers: breakerStates([client.http]) }),
    context: createContextFactory({
      reads: new ErpReads(client, { localCurrencyCode: config.localCurrencyCode }),
      batching: config.batching,
      now: deps.now,
      cache: readCacheScope(
        cache,
        config.cache,
        erpCacheScope({
          url: config.erpUrl,
          companyId: config.companyId,
          companyName: config.companyName,
          visibility: credentials.visibility,
        }),
      ),
    }),
    async release() {
      // Refreshes ahead of expiry run in the background on this subgraph's clients: they finish first.
      await cache?.refreshAhead.settled();
      await client.close();
      if (owned) await cache?.close();
    },
  });
  return { server, client, cache, close };
}
