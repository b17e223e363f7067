import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, type GraphQLFormattedError, parse } from 'graphql';
import { createConfiguredCache, crmCacheScope } from '../../lib/cacheConfig.js';
import { appError, isCatalogued, LegacyError } from '../../lib/errors.js';
import { createGraphQLHttpServer, sendJson } from '../../lib/graphqlHttp.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
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

/**
 * Errors leave the subgraph with a catalogued `extensions.code` only: a classified CRM failure
 * becomes its code and system (never Salesforce's text or a URL), our own GraphQL errors and
 * Apollo's request errors pass without stack traces; anything else is masked. Logging is done
 * by `logErrors`, which knows the request's logger.
 */
export function formatCrmError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof LegacyError) {
    const mapped = original.toGraphQLError();
    return {
      message: mapped.message,
      path: formatted.path,
      locations: formatted.locations,
      extensions: mapped.extensions,
    };
  }
  const code = formatted.extensions?.code;
  if (isCatalogued(code) && code !== 'INTERNAL_SERVER_ERROR') {
    const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  const masked = appError('INTERNAL_SERVER_ERROR', 'Internal server error.');
  return {
    message: masked.message,
    path: formatted.path,
    locations: formatted.locations,
    extensions: masked.extensions,
  };
}

/** Logs each error with the request's logger (its id), with the detail a client never sees. */
function logErrors(): ApolloServerPlugin<CrmContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ contextValue, errors }) {
          for (const error of errors) {
            const original = unwrapResolverError(error);
            if (original instanceof LegacyError) {
              contextValue.logger.warn(
                { code: original.code, detail: original.detail, path: error.path },
                'CRM call failed',
              );
            } else if (
              !isCatalogued(error.extensions?.code) ||
              error.extensions?.code === 'INTERNAL_SERVER_ERROR'
            ) {
              contextValue.logger.error(
                { err: original, path: error.path },
                'unexpected error in the CRM subgraph',
              );
            }
          }
        },
      };
    },
  };
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
  const apollo = new ApolloServer<CrmContext>({
    schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers as SchemaModule['resolvers'] }]),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: formatCrmError,
    plugins: [
      logErrors(),
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
