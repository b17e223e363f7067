import type { Server } from 'node:http';
import { createConfiguredCache, crmCacheScope } from '../../lib/cacheConfig.js';
import { createGraphQLHttpServer, sendJson } from '../../lib/graphqlHttp.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
import { createSubgraphApollo } from '../../lib/subgraphApollo.js';
import { CrmClient } from './client/crmClient.js';
import type { CrmSubgraphConfig } from './config.js';
import { type CrmContext, createCrmContext } from './context.js';
import type { CrmCacheScope } from './loaders.js';
import { resolvers } from './resolvers/index.js';

export const CRM_SCHEMA_PATH = new URL('../../schema/crm.graphql', import.meta.url);

export interface CrmSubgraph {
  /** Not listening: the caller picks host and port. */
  server: Server;
  client: CrmClient;
  /** The shared cache of CRM answers (undefined when LEGACY_CACHE=off). */
  cache: LegacyCache | undefined;
  close(): Promise<void>;
}

export interface CrmSubgraphDeps {
  logger?: Logger;
  /**
   * A cache shared with other subgraphs (one process running several, or tests sharing one
   * Redis): the caller owns and closes it. Absent: the subgraph makes its own from
   * `config.cache` and closes it in close(). `null`: no cache, whatever the config says.
   */
  cache?: LegacyCache | null;
}

/** The CRM subgraph: schema, resolvers and a per-request context around one CRM client. Never listens. */
export function createCrmSubgraph(config: CrmSubgraphConfig, deps: CrmSubgraphDeps = {}): CrmSubgraph {
  const logger = deps.logger ?? silentLogger;
  const ownsCache = deps.cache === undefined;
  const cache =
    deps.cache === null
      ? undefined
      : (deps.cache ?? createConfiguredCache(config.cache, logger.child({ component: 'legacy-cache' })));
  const cacheScope: CrmCacheScope | undefined =
    cache && config.cache.mode !== 'off'
      ? {
          cache,
          scope: crmCacheScope({ url: config.crmUrl, apiVersion: config.apiVersion, token: config.crmToken }),
          ttlMs: config.cache.ttlMs,
        }
      : undefined;
  const client = new CrmClient({
    crmUrl: config.crmUrl,
    token: config.crmToken,
    apiVersion: config.apiVersion,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    maxConnections: config.maxConnections,
  });
  const apollo = createSubgraphApollo<CrmContext>({
    schemaPath: CRM_SCHEMA_PATH,
    resolvers,
    subgraph: 'CRM',
    logger,
  });
  const server = createGraphQLHttpServer<CrmContext>({
    apollo,
    logger,
    context: async ({ requestId, logger: requestLogger }) =>
      createCrmContext({
        requestId,
        logger: requestLogger,
        client,
        batching: config.batching,
        ...(cacheScope ? { cache: cacheScope } : {}),
      }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    },
  });
  return {
    server,
    client,
    cache,
    async close() {
      await apollo.stop();
      await client.close();
      if (ownsCache) await cache?.close();
    },
  };
}
