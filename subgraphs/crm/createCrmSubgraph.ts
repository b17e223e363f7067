import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, parse } from 'graphql';
import { createConfiguredCache, crmCacheScope } from '../../lib/cacheConfig.js';
import { createGraphQLHttpServer, sendJson } from '../../lib/graphqlHttp.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
import { subgraphErrorHandling } from '../../lib/subgraphErrors.js';
import { CrmClient } from './client/crmClient.js';
import type { CrmSubgraphConfig } from './config.js';
import { type CrmContext, createCrmContext } from './context.js';
import type { CrmCacheScope } from './loaders.js';
import { resolvers } from './resolvers/index.js';

export const CRM_SCHEMA_PATH = new URL('../../schema/crm.graphql', import.meta.url);

/** buildSubgraphSchema's module shape (its resolver map type is not exported). */
type SchemaModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number],
  DocumentNode
>;

export interface CrmSubgraph {
  /** Not listening: the caller picks host and port. */
  server: Server;
  client: CrmClient;
  /** The shared cache of CRM answers (undefined when LEGACY_CACHE=off). */
  cache: LegacyCache | undefined;
  close(): Promise<void>;
}

/** The CRM subgraph: schema, resolvers and a per-request context around one CRM client. Never listens. */
export interface CrmSubgraphDeps {
  logger?: Logger;
  /**
   * A cache shared with other subgraphs (one process running several, or tests sharing one
   * Redis): the caller owns and closes it. Absent: the subgraph makes its own from
   * `config.cache` and closes it in close(). `null`: no cache, whatever the config says.
   */
  cache?: LegacyCache | null;
}

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
  const typeDefs = parse(readFileSync(CRM_SCHEMA_PATH, 'utf8'));
  const errors = subgraphErrorHandling<CrmContext>({ subgraph: 'CRM' }, logger);
  const apollo = new ApolloServer<CrmContext>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as SchemaModule['resolvers'] }]),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: errors.formatError,
    plugins: [
      errors.logging,
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  apollo.startInBackgroundHandlingStartupErrorsByLoggingAndFailingAllRequests();
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
