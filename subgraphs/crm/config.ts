import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import {
  defaultLegacyCacheConfig,
  type LegacyCacheConfig,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';
import {
  ConfigError,
  type Env,
  flag,
  httpUrl,
  integer,
  logLevel,
  matching,
  serviceRoot,
  text,
} from '../../lib/env.js';
import { fixedCredentials } from '../../lib/legacyCredentials.js';
import {
  RESILIENCE_DEFAULTS,
  type ResilienceConfig,
  readResilienceConfig,
} from '../../lib/legacyResilience.js';
import { CRM_DEV_TOKEN, type CrmCredentialsConfig, readCrmCredentials } from './client/credentials.js';
import { CRM_API_VERSION_PATTERN } from './client/crmClient.js';

/**
 * The CRM subgraph's configuration, read from the environment once (main.ts). A missing or
 * malformed variable throws a ConfigError naming it; main.ts turns that into exit code 2.
 */
export interface CrmSubgraphConfig {
  /** Salesforce instance URL (origin); the client appends /services/data/{apiVersion}/. */
  crmUrl: string;
  /** CRM_TOKEN, or a connected app (CRM_CLIENT_ID with CRM_CLIENT_SECRET, or CRM_USERNAME + CRM_PRIVATE_KEY_FILE). */
  crmCredentials: CrmCredentialsConfig;
  /**
   * CRM_PER_USER: callers whose token names their Salesforce user read the CRM with a token of
   * that user (JWT bearer), so Salesforce's sharing decides what they see. Needs the connected
   * app's key (CRM_CLIENT_ID, CRM_PRIVATE_KEY_FILE).
   */
  perUser: boolean;
  /** e.g. v62.0 */
  apiVersion: string;
  timeoutMs: number;
  maxRetries: number;
  maxConnections: number;
  /** The CRM's circuit breaker and the calls that may wait for a connection (CRM_BREAKER_*, CRM_MAX_QUEUED); absent: the defaults. */
  resilience?: ResilienceConfig;
  /** Off makes every DataLoader `{ batch: false }`: one legacy call per item (the naive baseline). */
  batching: boolean;
  /** The shared cache of CRM answers: LEGACY_CACHE, REDIS_URL, LEGACY_CACHE_MAX_BYTES, CACHE_TTL_*_S. */
  cache: LegacyCacheConfig;
  port: number;
  host: string;
  logLevel: string;
  /** Caller authentication and the gateway's secret, as the gateway reads them (AUTH_*, SUBGRAPH_SHARED_SECRET). */
  auth: AuthConfig;
}

export const CRM_SUBGRAPH_DEFAULTS = {
  crmUrl: 'http://127.0.0.1:4102',
  crmCredentials: fixedCredentials(CRM_DEV_TOKEN),
  perUser: false,
  apiVersion: 'v62.0',
  timeoutMs: 10_000,
  maxRetries: 2,
  maxConnections: 10,
  resilience: RESILIENCE_DEFAULTS,
  batching: true,
  cache: defaultLegacyCacheConfig(),
  port: 4002,
  host: '127.0.0.1',
  logLevel: 'info',
} as const satisfies Omit<CrmSubgraphConfig, 'auth'>;

export function readCrmSubgraphConfig(env: Env = process.env): CrmSubgraphConfig {
  const d = CRM_SUBGRAPH_DEFAULTS;
  const crmCredentials = readCrmCredentials(env);
  const perUser = flag(env, 'CRM_PER_USER', d.perUser);
  if (perUser && (crmCredentials.flow === 'fixed' || crmCredentials.app.privateKey === undefined)) {
    throw new ConfigError(
      'CRM_PER_USER',
      "needs the connected app's key to sign each user's JWT: set CRM_CLIENT_ID and CRM_PRIVATE_KEY_FILE",
    );
  }
  return {
    crmUrl: serviceRoot(httpUrl(env, 'CRM_URL', d.crmUrl)),
    crmCredentials,
    perUser,
    apiVersion: matching(
      env,
      'CRM_API_VERSION',
      CRM_API_VERSION_PATTERN,
      'a version like v62.0',
      d.apiVersion,
    ),
    timeoutMs: integer(env, 'CRM_TIMEOUT_MS', d.timeoutMs, 1, 600_000),
    maxRetries: integer(env, 'CRM_MAX_RETRIES', d.maxRetries, 0, 10),
    maxConnections: integer(env, 'CRM_MAX_CONNECTIONS', d.maxConnections, 1, 1000),
    resilience: readResilienceConfig(env, 'CRM'),
    batching: flag(env, 'CRM_BATCHING', d.batching),
    cache: readLegacyCacheConfig(env),
    port: integer(env, 'CRM_SUBGRAPH_PORT', d.port, 0, 65_535),
    host: text(env, 'CRM_SUBGRAPH_HOST', d.host),
    logLevel: logLevel(env),
    auth: authConfigFromEnv(env, { production: env.NODE_ENV === 'production' }),
  };
}
