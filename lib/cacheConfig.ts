import { ConfigError, type Env, integer, oneOf, redisUrl as readRedisUrl } from './env.js';
import { createLegacyCache, type LegacyCache, visibilityScope } from './legacyCache.js';
import type { Logger } from './logger.js';
import { type RefreshAheadConfig, refreshAheadConfigFromEnv } from './refreshAhead.js';

/**
 * How the subgraphs cache legacy answers, read from the environment once (each subgraph's
 * config.ts calls {@link readLegacyCacheConfig}; a bad variable is a ConfigError naming it, so
 * main.ts exits 2).
 */
export type LegacyCacheMode = 'memory' | 'redis' | 'off';

/** Time to live per kind of legacy record, in ms; 0 means that kind is not cached. */
export interface CacheTtls {
  /** Products/items, bills of materials, employees, users: CACHE_TTL_MASTER_S (300). */
  master: number;
  /** Customers / accounts: CACHE_TTL_CUSTOMER_S (60). */
  customer: number;
  /** Balances, financial details, stock: CACHE_TTL_VOLATILE_S (10). */
  volatile: number;
  /** Orders, invoices, lines, shipments, payments: CACHE_TTL_DOCUMENT_S (30). */
  document: number;
  /** CRM lists and records: interactions, contacts, opportunities, quotes, cases: CACHE_TTL_ACTIVITY_S (30). */
  activity: number;
}

/**
 * The shared cache as one subgraph reads it: the store, the visibility scope its entries are
 * kept under (erpCacheScope / crmCacheScope: what decides which records a caller may see), and
 * the configured TTLs.
 */
export interface CacheScope {
  cache: LegacyCache;
  scope: string;
  /** A request's narrower visibility (see CachedBatchOptions.visibility); absent: the scope's. */
  visibility?: string;
  ttlMs: CacheTtls;
}

export interface LegacyCacheConfig {
  mode: LegacyCacheMode;
  redisUrl?: string;
  /** Bound of the in-memory store: LEGACY_CACHE_MAX_BYTES (64 MiB). */
  maxBytes: number;
  ttlMs: CacheTtls;
  /**
   * Refresh ahead of expiry of the entries read through it: CACHE_REFRESH_AHEAD_PERCENT and
   * CACHE_REFRESH_MAX_CONCURRENT, read as the gateway reads them for its response cache.
   */
  refreshAhead: RefreshAheadConfig;
}

export const DEFAULT_CACHE_TTL_SECONDS: Readonly<CacheTtls> = {
  master: 300,
  customer: 60,
  volatile: 10,
  document: 30,
  activity: 30,
};

const TTL_VARIABLES: Readonly<Record<keyof CacheTtls, string>> = {
  master: 'CACHE_TTL_MASTER_S',
  customer: 'CACHE_TTL_CUSTOMER_S',
  volatile: 'CACHE_TTL_VOLATILE_S',
  document: 'CACHE_TTL_DOCUMENT_S',
  activity: 'CACHE_TTL_ACTIVITY_S',
};

const CACHE_MODES: readonly LegacyCacheMode[] = ['memory', 'redis', 'off'];

export function readLegacyCacheConfig(env: Env): LegacyCacheConfig {
  const redisUrl = readRedisUrl(env, 'REDIS_URL');
  const mode = oneOf(env, 'LEGACY_CACHE', CACHE_MODES, redisUrl ? 'redis' : 'memory');
  if (mode === 'redis' && redisUrl === undefined) {
    throw new ConfigError('REDIS_URL', 'must be set when LEGACY_CACHE=redis');
  }
  const maxBytes = integer(env, 'LEGACY_CACHE_MAX_BYTES', 64 * 1024 * 1024, 1024, 2 ** 40);
  const ttlMs = {} as CacheTtls;
  for (const kind of Object.keys(TTL_VARIABLES) as (keyof CacheTtls)[]) {
    ttlMs[kind] = integer(env, TTL_VARIABLES[kind], DEFAULT_CACHE_TTL_SECONDS[kind], 0, 86_400) * 1000;
  }
  return {
    mode,
    ...(mode === 'redis' ? { redisUrl } : {}),
    maxBytes,
    ttlMs,
    refreshAhead: refreshAheadConfigFromEnv(env),
  };
}

/** The default settings (memory, default TTLs): what an empty environment gives. */
export function defaultLegacyCacheConfig(): LegacyCacheConfig {
  return readLegacyCacheConfig({});
}

/** The cache the settings ask for; undefined when it is off. The caller closes it. */
export function createConfiguredCache(config: LegacyCacheConfig, logger?: Logger): LegacyCache | undefined {
  if (config.mode === 'off') return undefined;
  return createLegacyCache({
    ...(config.mode === 'redis' && config.redisUrl ? { redisUrl: config.redisUrl } : {}),
    maxMemoryBytes: config.maxBytes,
    refreshAhead: config.refreshAhead,
    name: 'legacy',
    ...(logger ? { logger } : {}),
  });
}

/**
 * The legacy cache a subgraph reads through. `given` is a cache shared with other subgraphs (one
 * process running several, or tests sharing one Redis): its caller owns and closes it. Absent: the
 * subgraph makes its own from its settings and must close it (`owned`). `null`: no cache, whatever
 * the settings say.
 */
export function subgraphCache(
  config: LegacyCacheConfig,
  given: LegacyCache | null | undefined,
  logger: Logger,
): { cache: LegacyCache | undefined; owned: boolean } {
  if (given === null) return { cache: undefined, owned: false };
  if (given) return { cache: given, owned: false };
  return { cache: createConfiguredCache(config, logger.child({ component: 'legacy-cache' })), owned: true };
}

/**
 * The scope a subgraph reads the cache through (`scope` from erpCacheScope / crmCacheScope):
 * none when it has no cache, or when its settings turn the cache off, a shared one given included.
 */
export function readCacheScope(
  cache: LegacyCache | undefined,
  config: LegacyCacheConfig,
  scope: string,
): CacheScope | undefined {
  return cache && config.mode !== 'off' ? { cache, scope, ttlMs: config.ttlMs } : undefined;
}

/** A URL written the same way whoever configured it (trailing slash, case of the host). */
function canonicalUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
  } catch {
    return url;
  }
}

/**
 * The shape of what the clients cache (their domain models). Part of every scope, so replicas of
 * different versions sharing one Redis during a rolling deploy never read each other's entries:
 * raise it whenever a cached model changes shape (models-4: each entry keeps its expiry beside its
 * value, which refresh ahead reads; an older replica's entries have none).
 */
const CACHED_MODEL_VERSION = 'models-4';

/**
 * The visibility scope of ERP entries: the service, the company (configured id, else the name
 * that picks it) and whose view of the data the credentials give (`visibility`: the token
 * source's, e.g. 'integration' for the gateway's own credentials, whatever token it holds now).
 * Never a token: tokens rotate, and replicas holding different tokens must share entries. The
 * ERP and workflows subgraphs compute it alike, so a write invalidates exactly what the reads
 * cached.
 */
export function erpCacheScope(options: {
  url: string;
  companyId?: string;
  companyName?: string;
  visibility: string;
}): string {
  const company = options.companyId
    ? `id:${options.companyId.toLowerCase()}`
    : `name:${options.companyName ?? ''}`;
  return visibilityScope('erp', CACHED_MODEL_VERSION, canonicalUrl(options.url), company, options.visibility);
}

/**
 * The visibility scope of CRM entries: the instance, the API version and whose view the
 * credentials give (`visibility`: 'integration', or `user:<username>` for a per-user token,
 * whose sharing rules show other records).
 */
export function crmCacheScope(options: { url: string; apiVersion: string; visibility: string }): string {
  return visibilityScope(
    'crm',
    CACHED_MODEL_VERSION,
    canonicalUrl(options.url),
    options.apiVersion,
    options.visibility,
  );
}
