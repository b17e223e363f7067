import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import { type LegacyCacheConfig, readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import {
  ConfigError,
  type Env,
  flag,
  GUID_PATTERN,
  httpUrl,
  integer,
  logLevel,
  matching,
  serviceRoot,
  text,
} from '../../lib/env.js';
import { type ResilienceConfig, readResilienceConfig } from '../../lib/legacyResilience.js';
import { type ErpCredentialsConfig, readErpCredentials } from './client/credentials.js';

/**
 * The ERP subgraph's configuration, read from the environment once. A missing or malformed
 * variable is a {@link ConfigError} naming it; main.ts turns that into exit code 2.
 */
export interface ErpSubgraphConfig {
  /** Business Central service root; the client appends `/api/v2.0/…`. */
  erpUrl: string;
  /** ERP_TOKEN, or Entra client credentials (ERP_CLIENT_ID, ERP_CLIENT_SECRET, ERP_TENANT_ID, …). */
  erpCredentials: ErpCredentialsConfig;
  /** When unset the client reads `companies` once and takes the only one (or `companyName`). */
  companyId?: string;
  companyName?: string;
  /** ISO 4217 code of the company's local currency: BC leaves currencyCode blank for it. */
  localCurrencyCode: string;
  timeoutMs: number;
  maxRetries: number;
  /** Business Central serves 5 requests at once per user. */
  maxConnections: number;
  /** The ERP's circuit breaker and the calls that may wait for a connection (ERP_BREAKER_*, ERP_MAX_QUEUED); absent: the defaults. */
  resilience?: ResilienceConfig;
  /** Off makes every DataLoader ask for one key at a time (the naive version, for benchmarks). */
  batching: boolean;
  /** The shared cache of ERP answers: LEGACY_CACHE, REDIS_URL, LEGACY_CACHE_MAX_BYTES, CACHE_TTL_*_S. */
  cache: LegacyCacheConfig;
  port: number;
  host: string;
  logLevel: string;
  /** Caller authentication and the gateway's secret, as the gateway reads them (AUTH_*, SUBGRAPH_SHARED_SECRET). */
  auth: AuthConfig;
}

export function readErpSubgraphConfig(env: Env = process.env): ErpSubgraphConfig {
  const erpUrl = httpUrl(env, 'ERP_URL', 'http://127.0.0.1:4101');
  if (erpUrl.search !== '' || erpUrl.hash !== '') {
    throw new ConfigError(
      'ERP_URL',
      `must be an http(s) URL without query or fragment; got '${erpUrl.href}'`,
    );
  }
  const companyId = matching(env, 'ERP_COMPANY_ID', GUID_PATTERN, 'a GUID');
  const companyName = text(env, 'ERP_COMPANY_NAME');
  return {
    erpUrl: serviceRoot(erpUrl),
    erpCredentials: readErpCredentials(env),
    ...(companyId ? { companyId } : {}),
    ...(companyName ? { companyName } : {}),
    localCurrencyCode: matching(
      env,
      'ERP_LOCAL_CURRENCY',
      /^[A-Z]{3}$/,
      'an ISO 4217 code such as USD',
      'USD',
    ),
    timeoutMs: integer(env, 'ERP_TIMEOUT_MS', 10_000, 1, 600_000),
    maxRetries: integer(env, 'ERP_MAX_RETRIES', 2, 0, 10),
    maxConnections: integer(env, 'ERP_MAX_CONNECTIONS', 5, 1, 256),
    resilience: readResilienceConfig(env, 'ERP'),
    batching: flag(env, 'ERP_BATCHING', true),
    cache: readLegacyCacheConfig(env),
    port: integer(env, 'ERP_SUBGRAPH_PORT', 4001, 0, 65_535),
    host: text(env, 'ERP_SUBGRAPH_HOST', '127.0.0.1'),
    logLevel: logLevel(env),
    auth: authConfigFromEnv(env, { production: env.NODE_ENV === 'production' }),
  };
}
