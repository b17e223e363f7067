import './noTelemetry.js';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { readAccessRules } from '../lib/auth/requirements.js';
import { type Authenticator, createAuthenticator } from '../lib/auth/verifier.js';
import { Deadline } from '../lib/deadline.js';
import { createGraphQLHttpServer, sendJson } from '../lib/graphqlHttp.js';
import { InFlight } from '../lib/inFlight.js';
import { createLegacyCache, type LegacyCache } from '../lib/legacyCache.js';
import { createLogger, type Logger } from '../lib/logger.js';
import {
  cacheMetrics,
  createMetricsRegistry,
  type MetricSource,
  metricsRoute,
  refreshMetrics,
} from '../lib/metrics.js';
import { isDraining } from '../lib/runServer.js';
import { authorizingGateway, executableSupergraph } from './authorization.js';
import { coalescingGateway, type OperationSharingStats } from './coalescing.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { costModelFromSupergraph } from './cost.js';
import { maskError } from './errors.js';
import { operationLimitRules } from './limits.js';
import { demandControlPlugin } from './plugins/demandControl.js';
import { errorLoggingPlugin } from './plugins/errorLogging.js';
import { operationNamePlugin } from './plugins/operationName.js';
import { responseCachePlugin } from './plugins/responseCache.js';
import { createCallerRateLimiter } from './rateLimit.js';
import { subgraphReadyAnswer } from './readiness.js';
import { probeSubgraph, type SubgraphConnection, SubgraphDataSource, subgraphAgent } from './subgraphs.js';

export interface Gateway {
  /** Not listening: the caller picks host and port. */
  server: Server;
  /** Loads the supergraph and starts Apollo; call (and await) before listening. */
  ready(): Promise<void>;
  /** Stops answering, closes the server if it listens, and the subgraph connection pools. */
  close(): Promise<void>;
}

/**
 * The federation gateway over the committed supergraph (no introspection of the subgraphs at
 * run time): Apollo Server 5 + @apollo/gateway, served by lib/graphqlHttp.ts with /health and
 * /ready, errors masked to the catalogue, operation limits checked before planning. /ready answers
 * 503 `{status:'draining'}` once the process is stopping (lib/runServer.ts); otherwise it probes
 * each subgraph's GraphQL endpoint and its /ready (draining, breaker states).
 */
export function createGateway(
  config: GatewayConfig,
  deps: { logger?: Logger; responseCache?: LegacyCache; authenticator?: Authenticator } = {},
): Gateway {
  const authenticator = deps.authenticator ?? createAuthenticator(config.auth);
  const logger = deps.logger ?? createLogger({ name: 'gateway', level: config.logLevel });
  const cachesResponses = config.responseCache.enabled && config.responseCache.ttlMs > 0;
  // A cache handed in belongs to the caller; one made here is closed with the gateway.
  const ownsResponseCache = cachesResponses && deps.responseCache === undefined;
  const responseCache = cachesResponses
    ? (deps.responseCache ??
      createLegacyCache({
        ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
        logger,
        name: 'response',
        refreshAhead: config.responseCache.refreshAhead,
      }))
    : undefined;
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const rateLimiter =
    config.demandControl.rateLimit.requests > 0
      ? createCallerRateLimiter(config.demandControl.rateLimit, {
          ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
          logger,
        })
      : undefined;

  const subgraphNames = subgraphsOf(supergraphSdl);
  const connections = new Map<string, SubgraphConnection>();
  for (const name of subgraphNames) {
    const url = config.subgraphUrls[name];
    if (!url) {
      throw new Error(
        `The supergraph names a subgraph '${name}' the gateway has no URL for: set ${name.toUpperCase()}_SUBGRAPH_URL.`,
      );
    }
    connections.set(name, {
      name,
      url,
      timeoutMs: config.subgraphTimeoutMs,
      operationBudgetMs: config.operationBudgetMs,
      dispatcher: subgraphAgent(config.subgraphMaxConnections),
      ...(config.sharing.deduplicateFetches ? { fetchesInFlight: new InFlight() } : {}),
      fetchesSent: 0,
    });
  }

  // Access rules are read from the committed supergraph; the gateway loads a copy it accepts (see executableSupergraph).
  const accessRules = readAccessRules(supergraphSdl);
  const apolloGateway = new ApolloGateway({
    supergraphSdl: executableSupergraph(supergraphSdl),
    logger,
    buildService({ name }) {
      const connection = connections.get(name);
      if (!connection)
        throw new Error(`The supergraph names a subgraph '${name}' the gateway has no URL for.`);
      return new SubgraphDataSource(connection, config.auth.subgraphSecret);
    },
  });

  const operationStats: OperationSharingStats = { executed: 0, coalesced: 0 };
  const gateway = coalescingGateway(authorizingGateway(apolloGateway, accessRules), {
    coalesce: config.sharing.coalesceOperations,
    stats: operationStats,
  });

  const apollo: ApolloServer<GatewayContext> = new ApolloServer<GatewayContext>({
    gateway,
    logger,
    introspection: !config.production,
    // Stack traces go to the logs under the request id, never to a client, in any mode.
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: config.production,
    formatError: (formatted, original) => maskError(formatted, original, { production: config.production }),
    validationRules: operationLimitRules(config.limits),
    parseOptions: { maxTokens: config.limits.maxTokens },
    // Automatic persisted queries need their own protocol codes, which the catalogue does not
    // carry yet; off until the gateway has a shared store for them.
    persistedQueries: false,
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ...(config.production ? [ApolloServerPluginLandingPageDisabled()] : []),
      errorLoggingPlugin(),
      operationNamePlugin(),
      demandControlPlugin({
        config: config.demandControl,
        costModel: costModelFromSupergraph(supergraphSdl),
        ...(rateLimiter ? { rateLimiter } : {}),
      }),
      ...(responseCache
        ? [
            responseCachePlugin({
              cache: responseCache,
              ttlMs: config.responseCache.ttlMs,
              refresh: ({ query, variables, operationName }, contextValue) =>
                apollo.executeOperation(
                  { query, ...(variables ? { variables } : {}), ...(operationName ? { operationName } : {}) },
                  { contextValue },
                ),
            }),
          ]
        : []),
    ],
  });

  const metrics = createMetricsRegistry([
    ...sharingMetrics(operationStats, [...connections.values()]),
    ...cacheMetrics(responseCache, 'response'),
    ...refreshMetrics(responseCache?.refreshAhead, 'response'),
  ]);

  let started: Promise<void> | undefined;
  let loaded = false;

  const server = createGraphQLHttpServer<GatewayContext>({
    apollo,
    logger,
    ...(config.cors.origins.length > 0 ? { cors: config.cors } : {}),
    authenticate: (req) => authenticator.authenticate(req),
    context: async ({ requestId, logger: requestLogger, principal }) => ({
      requestId,
      logger: requestLogger,
      principal,
      // The operation's one deadline starts as its request reaches Apollo (gateway/subgraphs.ts sends what is left).
      deadline: Deadline.after(config.operationBudgetMs),
    }),
    routes: {
      '/health': (_req, res) => sendJson(res, 200, { status: 'ok' }),
      '/metrics': metricsRoute(metrics),
      '/ready': async (_req, res) => {
        if (isDraining(server)) return sendJson(res, 503, { status: 'draining' });
        if (!loaded) return sendJson(res, 503, { status: 'not ready', notReady: ['supergraph'] });
        const probes = await Promise.all(
          [...connections.values()].map(async (connection) => {
            const [problem, answer] = await Promise.all([
              probeSubgraph(connection, config.auth.subgraphSecret, config.readyProbeTimeoutMs),
              subgraphReadyAnswer(connection, config.readyProbeTimeoutMs),
            ]);
            return { name: connection.name, problem, ...answer };
          }),
        );
        // A draining subgraph still answers: it is named, but does not make the gateway unready
        // (its replacement, or another replica behind the same URL, takes over).
        const subgraphs = Object.fromEntries(
          probes.map(({ name, problem, draining }) => [name, problem ?? (draining ? 'draining' : 'ok')]),
        );
        const reported = probes.filter((probe) => probe.breakers !== undefined);
        const breakers =
          reported.length > 0
            ? { breakers: Object.fromEntries(reported.map(({ name, breakers }) => [name, breakers])) }
            : {};
        const notReady = probes.filter(({ problem }) => problem !== undefined).map(({ name }) => name);
        if (notReady.length > 0) {
          return sendJson(res, 503, { status: 'not ready', notReady, subgraphs, ...breakers });
        }
        return sendJson(res, 200, { status: 'ready', subgraphs, ...breakers });
      },
    },
  });

  return {
    server,
    ready() {
      started ??= apollo.start().then(() => {
        loaded = true;
        logger.info(
          { subgraphs: Object.fromEntries([...connections].map(([n, c]) => [n, c.url])) },
          'supergraph loaded',
        );
      });
      return started;
    },
    async close() {
      if (server.listening) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      if (started) await started.catch(() => undefined);
      // A refresh ahead runs through Apollo: let those under way finish before it stops.
      await responseCache?.refreshAhead.settled();
      if (loaded) await apollo.stop();
      loaded = false;
      await Promise.all([...connections.values()].map((connection) => connection.dispatcher.close()));
      if (ownsResponseCache) await responseCache?.close();
      await rateLimiter?.close();
    },
  };
}

/** Operations executed and coalesced, subgraph fetches sent and deduplicated. */
function sharingMetrics(stats: OperationSharingStats, connections: SubgraphConnection[]): MetricSource[] {
  const perSubgraph = (count: (connection: SubgraphConnection) => number) => () =>
    connections.map((connection) => ({ labels: { subgraph: connection.name }, value: count(connection) }));
  return [
    {
      name: 'customer_graph_operations_executed_total',
      help: 'Operations the gateway planned and fetched for.',
      type: 'counter',
      read: () => stats.executed,
    },
    {
      name: 'customer_graph_operations_coalesced_total',
      help: 'Queries answered by an identical one already in flight (same document, variables and caller view).',
      type: 'counter',
      read: () => stats.coalesced,
    },
    {
      name: 'customer_graph_subgraph_fetches_total',
      help: 'Fetches sent to each subgraph.',
      type: 'counter',
      labelNames: ['subgraph'],
      read: perSubgraph((connection) => connection.fetchesSent),
    },
    {
      name: 'customer_graph_subgraph_fetches_deduplicated_total',
      help: 'Subgraph fetches answered by an identical one already in flight, not sent.',
      type: 'counter',
      labelNames: ['subgraph'],
      read: perSubgraph((connection) => connection.fetchesInFlight?.shared ?? 0),
    },
  ];
}

/** The subgraph service names the supergraph declares (`join__Graph` values' `@join__graph(name:)`). */
export function subgraphsOf(supergraphSdl: string): string[] {
  return [...supergraphSdl.matchAll(/@join__graph\(name:\s*"([^"]+)"/g)].map((match) => match[1]!);
}
