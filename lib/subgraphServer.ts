import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { type DocumentNode, parse } from 'graphql';
import type { AuthConfig } from './auth/config.js';
import { enforceAccessRules } from './auth/subgraphAuthorization.js';
import {
  AuthenticationError,
  type Authenticator,
  createAuthenticator,
  secretMatches,
} from './auth/verifier.js';
import { createGraphQLHttpServer, type RequestScope, sendJson } from './graphqlHttp.js';
import type { LegacyCache } from './legacyCache.js';
import type { Logger } from './logger.js';
import { createMetricsRegistry, type MetricSource, metricsRoute } from './metrics.js';
import { isDraining } from './runServer.js';
import { type SubgraphErrorOptions, subgraphErrorHandling } from './subgraphErrors.js';

/** buildSubgraphSchema's module shape (its resolver map type is not exported). */
type SchemaModule = Exclude<
  Extract<Parameters<typeof buildSubgraphSchema>[0], unknown[]>[number],
  DocumentNode
>;

export interface SubgraphApolloOptions extends SubgraphErrorOptions {
  /** The subgraph's SDL file (schema/<name>.graphql). */
  schemaPath: URL;
  /** The subgraph's resolver map, typed by its own generated Resolvers type. */
  resolvers: object;
  logger: Logger;
}

/**
 * The Apollo server of a subgraph, built the same way for each: a federation schema from its SDL
 * file, introspection on (the gateway's composition reads it), nothing sent to Apollo's services,
 * errors formatted and logged by {@link subgraphErrorHandling}. Started in the background: a
 * startup failure is logged and fails every request rather than the process.
 */
function createSubgraphApollo<TContext extends { logger: Logger }>(
  options: SubgraphApolloOptions & Pick<SubgraphServerOptions<TContext>, 'plugins'>,
): ApolloServer<TContext> {
  const typeDefs = parse(readFileSync(options.schemaPath, 'utf8'));
  const errors = subgraphErrorHandling<TContext>(options, options.logger);
  const apollo = new ApolloServer<TContext>({
    // The schema's access rules are checked here too, not only at the gateway (see enforceAccessRules).
    schema: enforceAccessRules(
      buildSubgraphSchema([{ typeDefs, resolvers: options.resolvers as SchemaModule['resolvers'] }]),
      typeDefs,
    ),
    introspection: true,
    includeStacktraceInErrorResponses: false,
    formatError: errors.formatError,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      errors.logging,
      ...(options.plugins ?? []),
    ],
  });
  apollo.startInBackgroundHandlingStartupErrorsByLoggingAndFailingAllRequests();
  return apollo;
}

export interface SubgraphServerOptions<TContext extends object> extends SubgraphApolloOptions {
  /** Apollo plugins of the subgraph's own, after the shared ones (e.g. the CRM's fallback notice). */
  plugins?: readonly ApolloServerPlugin<TContext>[];
  /** Builds each request's context (its loaders, its child logger): never shared between requests. */
  context: (scope: RequestScope) => Promise<TContext>;
  /** Releases what the subgraph holds (clients, stores, its own cache), after Apollo has stopped. */
  release: () => Promise<void>;
  /** The same AUTH_* settings as the gateway's, and the secret only the gateway knows. */
  auth: AuthConfig;
  /** Shared with the gateway in one process (`npm start`, tests); else made from `auth`. */
  authenticator?: Authenticator | undefined;
  /**
   * What GET /metrics serves (Prometheus text, unauthenticated like /health): the subgraph's
   * cache, refreshes and legacy calls (lib/legacyMetrics.ts). Absent: no /metrics route.
   */
  metrics?: readonly MetricSource[];
  /**
   * What GET /ready tells besides being ready: the state of each legacy system's circuit
   * breaker. An open breaker does not make the replica unready (another replica would find the
   * same legacy system down): it is named here, logged and counted.
   */
  readiness?: () => SubgraphReadiness;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface SubgraphReadiness {
  /** By legacy system, e.g. `{ ERP: 'open' }`. */
  breakers?: Record<string, BreakerState>;
}

export interface SubgraphServer {
  /** Not listening: the caller picks host and port. */
  server: Server;
  /** Stops Apollo, then releases; a second call waits for the first. */
  close(): Promise<void>;
}

/**
 * The skeleton every subgraph factory shares: its Apollo server, a node:http server answering
 * GraphQL, `/health`, `/ready` and `/metrics`, and an ordered close. `/health` (liveness) answers
 * 200 until the process exits; `/ready` answers 503 `{status:'draining'}` once the process is
 * stopping (lib/runServer.ts), so the load balancer or gateway in front stops sending to it. A factory adds only what is its own:
 * clients, loaders, resolvers, background work, the metrics it keeps.
 */
export function createSubgraphServer<TContext extends { logger: Logger }>(
  options: SubgraphServerOptions<TContext>,
): SubgraphServer {
  const apollo = createSubgraphApollo<TContext>(options);
  const authenticator = options.authenticator ?? createAuthenticator(options.auth);
  const { subgraphSecret } = options.auth;
  const server: Server = createGraphQLHttpServer<TContext>({
    apollo,
    logger: options.logger,
    // Only the gateway may call, and only for an authenticated caller: reached directly (or through
    // a gateway that does not forward the caller's token), a subgraph is no open door.
    async authenticate(req) {
      if (!secretMatches(req.headers['x-gateway-secret'], subgraphSecret)) {
        throw new AuthenticationError(
          'invalid_request',
          'Only the gateway may call this subgraph: the x-gateway-secret header is missing or wrong.',
        );
      }
      return authenticator.authenticate(req);
    },
    realm: 'customer-graph-subgraph',
    context: options.context,
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/ready': (_req, res) =>
        isDraining(server)
          ? sendJson(res, 503, { status: 'draining' })
          : sendJson(res, 200, { status: 'ready', ...options.readiness?.() }),
      ...(options.metrics ? { '/metrics': metricsRoute(createMetricsRegistry(options.metrics)) } : {}),
    },
  });
  let closing: Promise<void> | undefined;
  return {
    server,
    close() {
      closing ??= (async () => {
        await apollo.stop();
        await options.release();
      })();
      return closing;
    },
  };
}

/** A subgraph over one legacy system: its server, its client and the cache it reads through. */
export interface SystemSubgraph<Client> extends SubgraphServer {
  client: Client;
  /** The shared cache of the system's answers (undefined when LEGACY_CACHE=off). */
  cache: LegacyCache | undefined;
}

/** What a system subgraph's factory may be given instead of making it. */
export interface SystemSubgraphDeps {
  logger?: Logger;
  /** One verifier for the gateway and the subgraphs of a process (they check the same tokens). */
  authenticator?: Authenticator;
  /** See subgraphCache: shared (the caller closes it), absent (the subgraph makes its own) or null (none). */
  cache?: LegacyCache | null;
}
