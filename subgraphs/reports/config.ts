import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import {
  defaultLegacyCacheConfig,
  type LegacyCacheConfig,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';
import { type Env, integer, logLevel, text } from '../../lib/env.js';
import {
  LEGACY_SYSTEMS_DEFAULTS,
  type LegacySystemsConfig,
  readLegacySystemsConfig,
} from '../legacySystems.js';

/**
 * The reports subgraph's configuration, read from the environment once (main.ts). A missing or
 * malformed variable throws a ConfigError naming it; main.ts turns that into exit code 2.
 */
export interface ReportsSubgraphConfig extends LegacySystemsConfig {
  /** Read retries per legacy call. */
  maxRetries: number;
  maxConnections: number;
  /** The shared cache the figures are kept in: LEGACY_CACHE, REDIS_URL, CACHE_TTL_*_S. */
  cache: LegacyCacheConfig;
  port: number;
  host: string;
  logLevel: string;
  /** Caller authentication and the gateway's secret, as the gateway reads them (AUTH_*, SUBGRAPH_SHARED_SECRET). */
  auth: AuthConfig;
}

export const REPORTS_SUBGRAPH_DEFAULTS = {
  ...LEGACY_SYSTEMS_DEFAULTS,
  maxRetries: 2,
  maxConnections: 10,
  cache: defaultLegacyCacheConfig(),
  port: 4004,
  host: '127.0.0.1',
  logLevel: 'info',
} as const satisfies Omit<ReportsSubgraphConfig, 'auth'>;

export function readReportsSubgraphConfig(env: Env = process.env): ReportsSubgraphConfig {
  const d = REPORTS_SUBGRAPH_DEFAULTS;
  return {
    ...readLegacySystemsConfig(env),
    maxRetries: integer(env, 'REPORTS_MAX_RETRIES', d.maxRetries, 0, 10),
    maxConnections: integer(env, 'REPORTS_MAX_CONNECTIONS', d.maxConnections, 1, 1000),
    cache: readLegacyCacheConfig(env),
    port: integer(env, 'REPORTS_SUBGRAPH_PORT', d.port, 0, 65_535),
    host: text(env, 'REPORTS_SUBGRAPH_HOST', d.host),
    logLevel: logLevel(env),
    auth: authConfigFromEnv(env, { production: env.NODE_ENV === 'production' }),
  };
}
