/**
 * The six configurations the benchmark compares (issue 5, item 4; F from issue 12). A-D and F
 * answer the same GraphQL operations through a gateway over the two subgraphs; E is the front
 * end calling the two REST APIs itself.
 */

export type ConfigId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface BenchConfig {
  id: ConfigId;
  title: string;
  /** Which gateway process serves the graph; `none` for the direct client. */
  gateway: 'apollo' | 'hive' | 'none';
  /** Environment of both subgraph processes (on top of their URLs and ports). */
  subgraphEnv: Record<string, string>;
  /** Environment of the gateway process (Apollo only). */
  gatewayEnv: Record<string, string>;
  /**
   * Whether anything in the stack keeps answers between requests: such a stack is restarted
   * before every scenario, so each scenario's first (calibration) request is a cold one.
   */
  caches: boolean;
}

export const CONFIGS: Readonly<Record<ConfigId, BenchConfig>> = {
  A: {
    id: 'A',
    title: 'customer-graph as shipped (batched, cached)',
    gateway: 'apollo',
    subgraphEnv: { LEGACY_CACHE: 'memory' },
    gatewayEnv: { RESPONSE_CACHE: 'on' },
    caches: true,
  },
  B: {
    id: 'B',
    title: 'customer-graph, shared cache off (batching alone)',
    gateway: 'apollo',
    subgraphEnv: { LEGACY_CACHE: 'off' },
    gatewayEnv: { RESPONSE_CACHE: 'off' },
    caches: false,
  },
  C: {
    id: 'C',
    title: 'the same gateway over naive subgraphs (one legacy call per item)',
    gateway: 'apollo',
    // The bulkhead's queue (issue 12: 100 calls waiting beyond the connections) would refuse the
    // naive plan's hundreds of calls at once (LEGACY_THROTTLED on c360-100 and the dashboard):
    // C measures what one call per item costs, so its queue holds them all, as before issue 12.
    subgraphEnv: {
      LEGACY_CACHE: 'off',
      ERP_BATCHING: 'off',
      CRM_BATCHING: 'off',
      ERP_MAX_QUEUED: '100000',
      CRM_MAX_QUEUED: '100000',
    },
    gatewayEnv: { RESPONSE_CACHE: 'off' },
    caches: false,
  },
  D: {
    id: 'D',
    title: 'Hive Gateway 2.15 over the same subgraphs as A (legacy cache on)',
    gateway: 'hive',
    subgraphEnv: { LEGACY_CACHE: 'memory' },
    gatewayEnv: {},
    caches: true,
  },
  E: {
    id: 'E',
    title: 'the front end calling both REST APIs itself, in parallel',
    gateway: 'none',
    subgraphEnv: {},
    gatewayEnv: {},
    caches: false,
  },
  /**
   * Hive cold (issue 12): D keeps A's legacy cache in its subgraphs, so D against B compares a
   * cached stack with a cold one. F is Hive Gateway over B's subgraphs (cache off): B against F
   * is our gateway against Hive with the same work below both, every request cold.
   */
  F: {
    id: 'F',
    title: 'Hive Gateway 2.15 over the same subgraphs as B (cache off)',
    gateway: 'hive',
    subgraphEnv: { LEGACY_CACHE: 'off' },
    gatewayEnv: {},
    caches: false,
  },
};

export const CONFIG_IDS: readonly ConfigId[] = ['A', 'B', 'C', 'D', 'E', 'F'];

/** The configurations Hive Gateway serves: each gets a supergraph copy with its own subgraph ports. */
export const hiveConfigs = (ids: readonly ConfigId[]): ConfigId[] =>
  ids.filter((id) => CONFIGS[id].gateway === 'hive');

/** B answers first: its answers are the reference every configuration is checked against. */
export const REFERENCE_CONFIG: ConfigId = 'B';

/**
 * How a stack's processes authenticate callers. As shipped: JWT verification (AUTH_MODE=jwt) with
 * NODE_ENV=production. AUTH_MODE=off is refused with NODE_ENV=production, so a stack without
 * authentication runs with NODE_ENV=development.
 */
export interface AuthSetting {
  mode: 'jwt' | 'off';
  nodeEnv: 'production' | 'development';
}

export const SHIPPED_AUTH: Readonly<AuthSetting> = { mode: 'jwt', nodeEnv: 'production' };

export type AuthVariantId = 'jwt-production' | 'jwt-development' | 'off-development';

export interface AuthVariant {
  id: AuthVariantId;
  title: string;
  setting: AuthSetting;
}

/**
 * The cost of authentication is measured on configuration A three ways. NODE_ENV changes more
 * than whether AUTH_MODE=off is allowed (graphql-js and Apollo Server do fewer checks in
 * production), so A with tokens is measured under both NODE_ENVs: jwt vs off under development
 * is the cost of authentication alone, jwt-production vs off-development what the task names
 * (A as shipped vs A without authentication).
 */
export const AUTH_VARIANTS: readonly AuthVariant[] = [
  {
    id: 'jwt-production',
    title: 'A as shipped: tokens verified, NODE_ENV=production',
    setting: SHIPPED_AUTH,
  },
  {
    id: 'jwt-development',
    title: 'A, tokens verified, NODE_ENV=development',
    setting: { mode: 'jwt', nodeEnv: 'development' },
  },
  {
    id: 'off-development',
    title: 'A, AUTH_MODE=off (no token checked), NODE_ENV=development',
    setting: { mode: 'off', nodeEnv: 'development' },
  },
];

/**
 * Configuration A with issue 14's three mechanisms off, everything else as shipped (caches on):
 * identical queries in flight each executed (GATEWAY_COALESCING=off), identical subgraph fetches
 * in flight each sent (SUBGRAPH_FETCH_DEDUP=off), and no refresh ahead of expiry
 * (CACHE_REFRESH_AHEAD_PERCENT=0 on the gateway's response cache and the subgraphs' legacy
 * caches). Measured on the herd and the dashboard beside A, it shows what the sharing buys. The
 * subgraphs still share identical legacy reads in flight (LegacyHttp, from before issue 14: it
 * has no switch), so this is not the whole of the "before".
 */
export const A_WITHOUT_SHARING: Readonly<BenchConfig> = {
  ...CONFIGS.A,
  title: 'A without sharing: coalescing, fetch deduplication and refresh ahead off',
  subgraphEnv: { ...CONFIGS.A.subgraphEnv, CACHE_REFRESH_AHEAD_PERCENT: '0' },
  gatewayEnv: {
    ...CONFIGS.A.gatewayEnv,
    GATEWAY_COALESCING: 'off',
    SUBGRAPH_FETCH_DEDUP: 'off',
    CACHE_REFRESH_AHEAD_PERCENT: '0',
  },
};
