import { CacheConfigError, type LegacyCacheConfig, readLegacyCacheConfig } from '../../lib/cacheConfig.js';

/**
 * The ERP subgraph's configuration, read from the environment once. A missing or malformed
 * variable is a {@link ConfigError} naming it; main.ts turns that into exit code 2.
 */
export interface ErpSubgraphConfig {
  /** Business Central service root; the client appends `/api/v2.0/…`. */
  erpUrl: string;
  erpToken: string;
  /** When unset the client reads `companies` once and takes the only one (or `companyName`). */
  companyId?: string;
  companyName?: string;
  /** ISO 4217 code of the company's local currency: BC leaves currencyCode blank for it. */
  localCurrencyCode: string;
  timeoutMs: number;
  maxRetries: number;
  /** Business Central serves 5 requests at once per user. */
  maxConnections: number;
  /** Off makes every DataLoader ask for one key at a time (the naive version, for benchmarks). */
  batching: boolean;
  /** The shared cache of ERP answers: LEGACY_CACHE, REDIS_URL, LEGACY_CACHE_MAX_BYTES, CACHE_TTL_*_S. */
  cache: LegacyCacheConfig;
  port: number;
  host: string;
  logLevel: string;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return Number(raw);
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = raw.toLowerCase();
  if (['on', 'true', '1', 'yes'].includes(value)) return true;
  if (['off', 'false', '0', 'no'].includes(value)) return false;
  throw new ConfigError(name, `must be on or off; got '${raw}'`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function cacheConfig(env: Env): LegacyCacheConfig {
  try {
    return readLegacyCacheConfig(env);
  } catch (error) {
    if (error instanceof CacheConfigError) throw new ConfigError(error.variable, error.message);
    throw error;
  }
}

export function readErpSubgraphConfig(env: Env = process.env): ErpSubgraphConfig {
  const erpUrl = text(env, 'ERP_URL', 'http://127.0.0.1:4101');
  let parsed: URL;
  try {
    parsed = new URL(erpUrl);
  } catch {
    throw new ConfigError('ERP_URL', `must be an http(s) URL; got '${erpUrl}'`);
  }
  if (
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    parsed.search !== '' ||
    parsed.hash !== ''
  ) {
    throw new ConfigError('ERP_URL', `must be an http(s) URL without query or fragment; got '${erpUrl}'`);
  }
  const companyId = env.ERP_COMPANY_ID || undefined;
  if (companyId !== undefined && !GUID_RE.test(companyId)) {
    throw new ConfigError('ERP_COMPANY_ID', `must be a GUID; got '${companyId}'`);
  }
  const localCurrencyCode = text(env, 'ERP_LOCAL_CURRENCY', 'USD');
  if (!/^[A-Z]{3}$/.test(localCurrencyCode)) {
    throw new ConfigError(
      'ERP_LOCAL_CURRENCY',
      `must be an ISO 4217 code such as USD; got '${localCurrencyCode}'`,
    );
  }
  const logLevel = text(env, 'LOG_LEVEL', 'info');
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got '${logLevel}'`);
  }
  return {
    erpUrl,
    erpToken: text(env, 'ERP_TOKEN', 'erp-dev-token'),
    ...(companyId ? { companyId } : {}),
    ...(env.ERP_COMPANY_NAME ? { companyName: env.ERP_COMPANY_NAME } : {}),
    localCurrencyCode,
    timeoutMs: integer(env, 'ERP_TIMEOUT_MS', 10_000, 1, 600_000),
    maxRetries: integer(env, 'ERP_MAX_RETRIES', 2, 0, 10),
    maxConnections: integer(env, 'ERP_MAX_CONNECTIONS', 5, 1, 256),
    batching: flag(env, 'ERP_BATCHING', true),
    cache: cacheConfig(env),
    port: integer(env, 'ERP_SUBGRAPH_PORT', 4001, 0, 65_535),
    host: text(env, 'ERP_SUBGRAPH_HOST', '127.0.0.1'),
    logLevel,
  };
}
