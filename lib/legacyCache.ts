import { createHash } from 'node:crypto';
import KeyvRedis from '@keyv/redis';
import { Keyv } from 'keyv';
import { LRUCache } from 'lru-cache';
import { type Logger, silentLogger } from './logger.js';
import { DEFAULT_REFRESH_AHEAD, RefreshAhead, type RefreshAheadConfig } from './refreshAhead.js';

/**
 * The shared cache of legacy answers. In memory by default (bounded in bytes, least recently
 * used evicted first), in Redis when a URL is given so that every gateway and subgraph replica
 * shares it. The cache is an accelerator, never a dependency: a store that fails or is slow
 * counts as a miss and is logged, and the legacy system is asked instead.
 */
export interface LegacyCacheOptions {
  /** redis://host:port to share the cache between replicas; absent: this process's memory. */
  redisUrl?: string;
  /** Bound of the in-memory store (approximate: serialized size). Default 64 MiB. */
  maxMemoryBytes?: number;
  /** Prefix of every key, so several products can share one Redis. Default "customer-graph". */
  namespace?: string;
  /** A store operation slower than this counts as a miss. Default 250 ms. */
  operationTimeoutMs?: number;
  logger?: Logger;
  /**
   * Refresh ahead of expiry (lib/refreshAhead.ts) of what is read through this cache: the part of
   * the TTL in which a read refreshes (percent, 0 = off) and the background refreshes at once.
   * Default {@link DEFAULT_REFRESH_AHEAD}.
   */
  refreshAhead?: RefreshAheadConfig;
  /** Which cache this is, in logs and metrics. Default "legacy". */
  name?: 'legacy' | 'response';
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
  failures: number;
}

export class LegacyCache {
  readonly stats: CacheStats = { hits: 0, misses: 0, writes: 0, failures: 0 };

  constructor(
    private readonly keyv: Keyv,
    private readonly logger: Logger,
    private readonly operationTimeoutMs: number,
    /** Where the entries live, for logs and /ready: "memory" or "redis". */
    readonly kind: 'memory' | 'redis',
    /** The background refreshes of entries read shortly before they expire (one per process and cache). */
    readonly refreshAhead: RefreshAhead,
  ) {}

  async getMany<T>(keys: readonly string[]): Promise<(T | undefined)[]> {
    if (keys.length === 0) return [];
    const values = await this.guard(() => this.keyv.getMany<T>([...keys]), undefined);
    const result = values ?? keys.map(() => undefined);
    for (const value of result) {
      if (value === undefined) this.stats.misses += 1;
      else this.stats.hits += 1;
    }
    return result as (T | undefined)[];
  }

  async get<T>(key: string): Promise<T | undefined> {
    const [value] = await this.getMany<T>([key]);
    return value;
  }

  async setMany(entries: readonly { key: string; value: unknown; ttlMs: number }[]): Promise<void> {
    if (entries.length === 0) return;
    this.stats.writes += entries.length;
    await this.guard(
      () => this.keyv.setMany(entries.map(({ key, value, ttlMs }) => ({ key, value, ttl: ttlMs }))),
      undefined,
    );
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.setMany([{ key, value, ttlMs }]);
  }

  /** Forgets entries a write made stale. */
  async delete(keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.guard(() => this.keyv.deleteMany([...keys]), undefined);
  }

  /**
   * Reads through the cache: a hit is returned, a miss is loaded and stored for `ttlMs`.
   * Errors of `load` are not cached.
   */
  async getOrLoad<T>(key: string, ttlMs: number, load: () => Promise<T>): Promise<T> {
    const cached = await this.get<T>(key);
    if (cached !== undefined) return cached;
    const value = await load();
    await this.set(key, value, ttlMs);
    return value;
  }

  async close(): Promise<void> {
    await this.refreshAhead.settled();
    await this.guard(() => this.keyv.disconnect(), undefined);
  }

  private async guard<R>(operation: () => Promise<R>, fallback: R): Promise<R> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`cache store slower than ${this.operationTimeoutMs} ms`)),
            this.operationTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      this.stats.failures += 1;
      this.logger.warn({ err: error, store: this.kind }, 'cache store failed; treating as a miss');
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  }
}

export function createLegacyCache(options: LegacyCacheOptions = {}): LegacyCache {
  const logger = options.logger ?? silentLogger;
  const namespace = options.namespace ?? 'customer-graph';
  const timeout = options.operationTimeoutMs ?? 250;
  const refreshAhead = new RefreshAhead({
    ...(options.refreshAhead ?? DEFAULT_REFRESH_AHEAD),
    cache: options.name ?? 'legacy',
    logger,
  });
  if (options.redisUrl) {
    const store = new KeyvRedis(options.redisUrl, { throwOnConnectError: false, connectionTimeout: 2000 });
    const keyv = new Keyv({ store, namespace, useKeyPrefix: false });
    keyv.on('error', (error: unknown) => logger.warn({ err: error }, 'redis cache error'));
    return new LegacyCache(keyv, logger, timeout, 'redis', refreshAhead);
  }
  const lru = new LRUCache<string, string>({
    maxSize: options.maxMemoryBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (value) =>
      Math.max(1, typeof value === 'string' ? value.length : JSON.stringify(value).length),
  });
  // Keyv keeps the expiry inside each entry and passes its TTL as a third argument that
  // lru-cache would read as options, so the LRU is given only keys and values.
  const store = {
    get: (key: string) => lru.get(key),
    set: (key: string, value: string) => {
      lru.set(key, value);
      return true;
    },
    delete: (key: string) => lru.delete(key),
    clear: () => lru.clear(),
    has: (key: string) => lru.has(key),
  };
  return new LegacyCache(new Keyv({ store, namespace }), logger, timeout, 'memory', refreshAhead);
}

/**
 * A short, non-reversible name for whatever decides what a caller may see (system URL,
 * company, credentials), to put in cache keys: one caller's entries are never another's.
 */
export function visibilityScope(...parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16);
}
