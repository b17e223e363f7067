import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AuthConfig, authConfigFromEnv } from '../lib/auth/config.js';
import { type CorsConfig, corsConfigFromEnv } from '../lib/cors.js';
import { ConfigError, type Env, flag, httpUrl, integer, logLevel, redisUrl, text } from '../lib/env.js';
import { type RefreshAheadConfig, refreshAheadConfigFromEnv } from '../lib/refreshAhead.js';
import { type DemandControlConfig, demandControlConfigFromEnv } from './demandControlConfig.js';

/**
 * Subgraphs the gateway knows a URL variable for (`<NAME>_SUBGRAPH_URL`), by service name. The
 * gateway serves those the supergraph names (join__Graph); a name without a URL fails at start.
 */
export const SUBGRAPH_NAMES = ['erp', 'crm', 'workflows', 'reports'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const DEFAULT_SUBGRAPH_URLS: Record<SubgraphName, string> = {
  erp: 'http://127.0.0.1:4001/graphql',
  crm: 'http://127.0.0.1:4002/graphql',
  workflows: 'http://127.0.0.1:4003/graphql',
  reports: 'http://127.0.0.1:4004/graphql',
};

export interface OperationLimits {
  /** Deepest field nesting an operation may select (Customer360 needs 9). */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded: aliases multiply subgraph work. */
  maxAliases: number;
  /** Lexical tokens in the document, enforced while parsing so a huge document costs little. */
  maxTokens: number;
}

export interface GatewayConfig {
  port: number;
  host: string;
  /** Where each subgraph runs; the supergraph's own URLs are placeholders. */
  subgraphUrls: Record<string, string>;
  /** Whole subgraph fetch (connect, headers, body); a slower subgraph's fields come back null. */
  subgraphTimeoutMs: number;
  /**
   * One deadline per operation, from its start (GATEWAY_OPERATION_BUDGET_MS): each subgraph fetch
   * carries what is left (`x-deadline-ms`) and waits at most that plus a grace, so the legacy call
   * that cannot make it fails first, as LEGACY_TIMEOUT naming its system. Below subgraphTimeoutMs.
   */
  operationBudgetMs: number;
  /** Keep-alive connections per subgraph. */
  subgraphMaxConnections: number;
  /** `/ready` waits this long for each subgraph's answer. */
  readyProbeTimeoutMs: number;
  /** NODE_ENV=production: no landing page, no introspection, no field suggestions. */
  production: boolean;
  logLevel: string;
  supergraphPath: string;
  limits: OperationLimits;
  /**
   * Whole answers of identical queries (gateway/plugins/responseCache.ts); ttlMs 0 or enabled
   * false: off. A hot answer read in the last part of its TTL is refreshed in the background
   * (CACHE_REFRESH_AHEAD_PERCENT, CACHE_REFRESH_MAX_CONCURRENT).
   */
  responseCache: { enabled: boolean; ttlMs: number; refreshAhead: RefreshAheadConfig };
  /**
   * Identical work in flight done once (gateway/coalescing.ts): identical queries of callers who
   * see the same (GATEWAY_COALESCING) and identical subgraph fetches (SUBGRAPH_FETCH_DEDUP).
   */
  sharing: { coalesceOperations: boolean; deduplicateFetches: boolean };
  /** Per-caller rate limit and operation cost limit (gateway/plugins/demandControl.ts). */
  demandControl: DemandControlConfig;
  /** Browser front ends allowed to call from other origins (lib/cors.ts); none by default. */
  cors: CorsConfig;
  /** Caller authentication (AUTH_*) and the secret the gateway shows the subgraphs (SUBGRAPH_SHARED_SECRET). */
  auth: AuthConfig;
  /** Shares the response cache (and its invalidation by mutations) between gateway replicas. */
  redisUrl?: string;
}

export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../schema/supergraph.graphql', import.meta.url),
);

export const DEFAULT_LIMITS: Readonly<OperationLimits> = { maxDepth: 12, maxAliases: 30, maxTokens: 3000 };

/** Reads the gateway's configuration from the environment once; throws ConfigError naming the variable. */
export function gatewayConfigFromEnv(env: Env = process.env): GatewayConfig {
  const supergraphPath = text(env, 'SUPERGRAPH_PATH');
  const subgraphTimeoutMs = integer(env, 'SUBGRAPH_TIMEOUT_MS', 15_000, 100, 300_000);
  const operationBudgetMs = integer(
    env,
    'GATEWAY_OPERATION_BUDGET_MS',
    defaultOperationBudgetMs(subgraphTimeoutMs),
    10,
    300_000,
  );
  if (operationBudgetMs >= subgraphTimeoutMs) {
    throw new ConfigError(
      'GATEWAY_OPERATION_BUDGET_MS',
      `must be below SUBGRAPH_TIMEOUT_MS (${subgraphTimeoutMs}), so a legacy system's timeout reaches the caller before the gateway's own; got ${operationBudgetMs}`,
    );
  }
  return {
    port: integer(env, 'GATEWAY_PORT', 4000, 0, 65_535),
    host: text(env, 'GATEWAY_HOST', '127.0.0.1'),
    subgraphUrls: Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        httpUrl(env, `${name.toUpperCase()}_SUBGRAPH_URL`, DEFAULT_SUBGRAPH_URLS[name]).href,
      ]),
    ),
    subgraphTimeoutMs,
    operationBudgetMs,
    subgraphMaxConnections: integer(env, 'SUBGRAPH_MAX_CONNECTIONS', 64, 1, 10_000),
    readyProbeTimeoutMs: integer(env, 'READY_PROBE_TIMEOUT_MS', 1000, 50, 60_000),
    production: env.NODE_ENV === 'production',
    auth: authConfigFromEnv(env, { production: env.NODE_ENV === 'production' }),
    logLevel: logLevel(env),
    supergraphPath: supergraphPath
      ? isAbsolute(supergraphPath)
        ? supergraphPath
        : resolve(supergraphPath)
      : DEFAULT_SUPERGRAPH_PATH,
    limits: {
      maxDepth: integer(env, 'GATEWAY_MAX_DEPTH', DEFAULT_LIMITS.maxDepth, 1, 100),
      maxAliases: integer(env, 'GATEWAY_MAX_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 10_000),
      maxTokens: integer(env, 'GATEWAY_MAX_TOKENS', DEFAULT_LIMITS.maxTokens, 100, 1_000_000),
    },
    responseCache: {
      enabled: flag(env, 'RESPONSE_CACHE', true),
      ttlMs: integer(env, 'RESPONSE_CACHE_TTL_S', 10, 0, 86_400) * 1000,
      refreshAhead: refreshAheadConfigFromEnv(env),
    },
    sharing: {
      coalesceOperations: flag(env, 'GATEWAY_COALESCING', true),
      deduplicateFetches: flag(env, 'SUBGRAPH_FETCH_DEDUP', true),
    },
    demandControl: demandControlConfigFromEnv(env),
    cors: corsConfigFromEnv(env),
    ...optional('redisUrl', redisUrl(env, 'REDIS_URL')),
  };
}

/**
 * The budget when GATEWAY_OPERATION_BUDGET_MS is unset: a third of the subgraph timeout, at most
 * 5 s, less than it — 10000 with the default 15000, and still below a SUBGRAPH_TIMEOUT_MS set alone.
 */
export function defaultOperationBudgetMs(subgraphTimeoutMs: number): number {
  return subgraphTimeoutMs - Math.min(5000, Math.ceil(subgraphTimeoutMs / 3));
}

/**
 * A configuration for tests and in-process stacks: defaults, with the given parts replaced. A
 * subgraph timeout given without a budget brings its default budget with it.
 */
export function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  const budget =
    overrides.subgraphTimeoutMs !== undefined && overrides.operationBudgetMs === undefined
      ? { operationBudgetMs: defaultOperationBudgetMs(overrides.subgraphTimeoutMs) }
      : {};
  return { ...gatewayConfigFromEnv({}), ...budget, ...overrides };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
