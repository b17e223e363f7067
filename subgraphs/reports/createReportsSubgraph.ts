import type { Authenticator } from '../../lib/auth/verifier.js';
import { readCacheScope, subgraphCache } from '../../lib/cacheConfig.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { breakerStates, legacySubgraphMetrics } from '../../lib/legacyMetrics.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
import { createSubgraphServer, type SubgraphServer } from '../../lib/subgraphServer.js';
import type { CrmClient } from '../crm/client/crmClient.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import { createLegacyClients } from '../legacySystems.js';
import type { ReportsSubgraphConfig } from './config.js';
import { createContextFactory, type ReportsContext } from './context.js';
import { resolvers } from './resolvers/index.js';

export const REPORTS_SCHEMA_PATH = new URL('../../schema/reports.graphql', import.meta.url);

export interface ReportsSubgraphDeps {
  logger?: Logger;
  /** One verifier for the gateway and the subgraphs of a process (they check the same tokens). */
  authenticator?: Authenticator;
  /** See subgraphCache: shared (the caller closes it), absent (the subgraph makes its own) or null (none). */
  cache?: LegacyCache | null;
  /** Test seam: the clock periods and aging are judged by. */
  now?: () => Date;
}

export interface ReportsSubgraph extends SubgraphServer {
  erpClient: ErpClient;
  crmClient: CrmClient;
}

/**
 * The reports subgraph: figures across both systems, each computed where its data is (SOQL
 * aggregates, Business Central's reporting sets) and joined here. Never listens.
 */
export function createReportsSubgraph(
  config: ReportsSubgraphConfig,
  deps: ReportsSubgraphDeps = {},
): ReportsSubgraph {
  const logger = deps.logger ?? silentLogger;
  const { erpClient, crmClient, erpScope, crmScope } = createLegacyClients(
    config,
    { maxRetries: config.maxRetries, maxConnections: config.maxConnections },
    logger,
  );
  const { cache, owned } = subgraphCache(config.cache, deps.cache, logger);
  const erpCache = readCacheScope(cache, config.cache, erpScope);
  const crmCache = readCacheScope(cache, config.cache, crmScope);
  const subgraph = createSubgraphServer<ReportsContext>({
    schemaPath: REPORTS_SCHEMA_PATH,
    resolvers,
    subgraph: 'reports',
    logger,
    auth: config.auth,
    authenticator: deps.authenticator,
    metrics: legacySubgraphMetrics(cache, [erpClient.http, crmClient.http]),
    readiness: () => ({ breakers: breakerStates([erpClient.http, crmClient.http]) }),
    context: createContextFactory({
      erpClient,
      crmClient,
      ...(erpCache ? { erpCache } : {}),
      ...(crmCache ? { crmCache } : {}),
      localCurrencyCode: config.erpLocalCurrencyCode,
      now: deps.now ?? (() => new Date()),
    }),
    async release() {
      // Refreshes ahead of expiry run in the background on this subgraph's clients: they finish first.
      await cache?.refreshAhead.settled();
      await Promise.all([erpClient.close(), crmClient.close()]);
      if (owned) await cache?.close();
    },
  });
  return { ...subgraph, erpClient, crmClient };
}
