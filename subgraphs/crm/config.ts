import {
  CacheConfigError,
  defaultLegacyCacheConfig,
  type LegacyCacheConfig,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';

/**
 * The CRM subgraph's configuration, read from the environment once (main.ts). A missing or
 * malformed variable throws a ConfigError naming it; main.ts turns that into exit code 2.
 */
export interface CrmSubgraphConfig {
  /** Salesforce instance URL (origin); the client appends /services/data/{apiVersion}/. */
  crmUrl: string;
  crmToken: string;
  /** e.g. v62.0 */
  apiVersion: string;
  timeoutMs: number;
  maxRetries: number;
  maxConnections: number;
  /** Off makes every DataLoader `{ batch: false }`: one legacy call per item (the naive baseline). */
  batching: boolean;
  /** The shared cache of CRM answers: LEGACY_CACHE, REDIS_URL, LEGACY_CACHE_MAX_BYTES, CACHE_TTL_*_S. */
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

export const CRM_SUBGRAPH_DEFAULTS = {
  crmUrl: 'http://127.0.0.1:4102',
  crmToken: 'crm-dev-token',
  apiVersion: 'v62.0',
  timeoutMs: 10_000,
  maxRetries: 2,
  maxConnections: 10,
  batching: true,
  cache: defaultLegacyCacheConfig(),
  port: 4002,
  host: '127.0.0.1',
  logLevel: 'info',
} as const satisfies CrmSubgraphConfig;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function cacheConfig(env: NodeJS.ProcessEnv): LegacyCacheConfig {
  try {
    return readLegacyCacheConfig(env);
  } catch (error) {
    if (error instanceof CacheConfigError) throw new ConfigError(error.variable, error.message);
    throw error;
  }
}

export function readCrmSubgraphConfig(env: NodeJS.ProcessEnv = process.env): CrmSubgraphConfig {
  const text = (name: string): string | undefined => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === undefined) return fallback;
    if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) throw new ConfigError(name, `expected ${min}..${max}, got ${value}`);
    return value;
  };
  const crmUrl = text('CRM_URL') ?? CRM_SUBGRAPH_DEFAULTS.crmUrl;
  let parsed: URL;
  try {
    parsed = new URL(crmUrl);
  } catch {
    throw new ConfigError('CRM_URL', `expected an http(s) URL, got "${crmUrl}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError('CRM_URL', `expected an http(s) URL, got "${crmUrl}"`);
  }
  const apiVersion = text('CRM_API_VERSION') ?? CRM_SUBGRAPH_DEFAULTS.apiVersion;
  if (!/^v\d{2,3}\.\d$/.test(apiVersion)) {
    throw new ConfigError('CRM_API_VERSION', `expected a version like v62.0, got "${apiVersion}"`);
  }
  const batchingRaw = (text('CRM_BATCHING') ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(batchingRaw)) {
    throw new ConfigError('CRM_BATCHING', `expected on or off, got "${batchingRaw}"`);
  }
  const logLevel = text('LOG_LEVEL') ?? CRM_SUBGRAPH_DEFAULTS.logLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  return {
    crmUrl: parsed.origin + parsed.pathname.replace(/\/$/, ''),
    crmToken: text('CRM_TOKEN') ?? CRM_SUBGRAPH_DEFAULTS.crmToken,
    apiVersion,
    timeoutMs: integer('CRM_TIMEOUT_MS', CRM_SUBGRAPH_DEFAULTS.timeoutMs, 1, 600_000),
    maxRetries: integer('CRM_MAX_RETRIES', CRM_SUBGRAPH_DEFAULTS.maxRetries, 0, 10),
    maxConnections: integer('CRM_MAX_CONNECTIONS', CRM_SUBGRAPH_DEFAULTS.maxConnections, 1, 1000),
    batching: ['on', 'true', '1'].includes(batchingRaw),
    cache: cacheConfig(env),
    port: integer('CRM_SUBGRAPH_PORT', CRM_SUBGRAPH_DEFAULTS.port, 0, 65_535),
    host: text('CRM_SUBGRAPH_HOST') ?? CRM_SUBGRAPH_DEFAULTS.host,
    logLevel,
  };
}
