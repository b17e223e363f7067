import type { LegacyCache } from './legacyCache.js';

/**
 * A DataLoader batch function that asks the shared cache first and the legacy system only for
 * what the cache does not hold, then stores what came back for `ttlMs`. Errors are never cached;
 * a record the legacy system does not have (null) is, so repeated lookups of a missing id cost
 * nothing either — a write through the graph deletes the key (see {@link cacheKey}).
 *
 * Keys carry the caller's visibility scope (system, company, credentials: see
 * `visibilityScope`), so one caller's entries never answer another caller.
 */
export interface CachedBatchOptions<K, V> {
  /** Absent: the cache is off and `load` is called directly. */
  cache: LegacyCache | undefined;
  /** From visibilityScope(system URL, company, credentials). */
  scope: string;
  /** What the values are, e.g. "erp.customer": part of the key and of the invalidation. */
  type: string;
  ttlMs: number;
  keyOf?: (key: K) => string;
  load: (keys: readonly K[]) => Promise<readonly (V | Error)[]>;
}

/** Entries are wrapped so that a cached null (known missing) differs from a miss. */
interface Entry<V> {
  value: V;
}

export function cacheKey(scope: string, type: string, key: string): string {
  return `${scope}:${type}:${key}`;
}

export function cachedBatch<K, V>(
  options: CachedBatchOptions<K, V>,
): (keys: readonly K[]) => Promise<(V | Error)[]> {
  const { cache, scope, type, ttlMs, load } = options;
  const keyOf = options.keyOf ?? ((key: K) => String(key));
  if (cache === undefined || ttlMs <= 0) return async (keys) => [...(await load(keys))];

  return async (keys) => {
    const cacheKeys = keys.map((key) => cacheKey(scope, type, keyOf(key)));
    const cached = await cache.getMany<Entry<V>>(cacheKeys);
    const results: (V | Error)[] = new Array(keys.length);
    const missing: number[] = [];
    cached.forEach((entry, index) => {
      if (entry === undefined) missing.push(index);
      else results[index] = entry.value;
    });
    if (missing.length === 0) return results;

    const loaded = await load(missing.map((index) => keys[index] as K));
    const toStore: { key: string; value: Entry<V>; ttlMs: number }[] = [];
    missing.forEach((index, position) => {
      const value = loaded[position] as V | Error;
      results[index] = value;
      if (!(value instanceof Error))
        toStore.push({ key: cacheKeys[index] as string, value: { value }, ttlMs });
    });
    await cache.setMany(toStore);
    return results;
  };
}
