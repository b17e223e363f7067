import { randomBytes } from 'node:crypto';
import type { CacheScope, CacheTtls } from './cacheConfig.js';
import type { LegacyCache } from './legacyCache.js';

/**
 * A DataLoader batch function that asks the shared cache first and the legacy system only for
 * what the cache does not hold, then stores what came back for `ttlMs`. Errors are never cached;
 * a record the legacy system does not have (null) is, so repeated lookups of a missing id cost
 * nothing either — a write through the graph deletes the key (see {@link cacheKey}). A hit in the
 * last part of its TTL is answered as it is and reloaded in the background (refresh ahead, the
 * cache's RefreshAhead), so a key read again and again never goes cold.
 *
 * Keys carry the caller's visibility scope (system, company, credentials: see
 * `visibilityScope`), so one caller's entries never answer another caller.
 */
export interface CachedBatchOptions<K, V> {
  /** Absent: the cache is off and `load` is called directly. */
  cache: LegacyCache | undefined;
  /** From visibilityScope(system URL, company, credentials): entries and the generations they depend on. */
  scope: string;
  /**
   * Narrower than `scope`, for entries only: what a restricted caller sees (e.g. `owner:<CRM
   * user>`). Generations stay per `scope`, so a write invalidates every caller's entries alike.
   */
  visibility?: string;
  /** What the values are, e.g. "erp.customer": part of the key and of the invalidation. */
  type: string;
  /** Per key when the values differ in how fast they go stale; 0 does not store. */
  ttlMs: number | ((key: K) => number);
  keyOf?: (key: K) => string;
  /**
   * Names of the generations an entry depends on (e.g. "customer:<id>"): a write bumps them
   * ({@link bumpGenerations}) and entries stored under an older generation are never read again.
   * This reaches lists keyed by page size and cursor, which no write could name one by one.
   */
  generationsOf?: (key: K) => readonly string[];
  load: (keys: readonly K[]) => Promise<readonly (V | Error)[]>;
}

/**
 * Entries are wrapped so that a cached null (known missing) differs from a miss, and keep when
 * they expire: a hit shortly before that is refreshed ahead ({@link refreshDueEntries}).
 */
interface Entry<V> {
  value: V;
  /** Absolute time (the cache's RefreshAhead clock) the entry expires. */
  expiresAt: number;
}

export function cacheKey(scope: string, type: string, key: string): string {
  return `${scope}:${type}:${key}`;
}

/** Generations outlive every entry that depends on them (the longest TTL is a day). */
const GENERATION_TTL_MS = 2 * 86_400_000;

/**
 * A generation is a random token, never a counter: one that was evicted or expired is replaced by
 * a new token, so an entry stored under an earlier one can never become readable again.
 */
function newGeneration(): string {
  return randomBytes(6).toString('base64url');
}

function generationKey(scope: string, name: string): string {
  return cacheKey(scope, 'gen', name);
}

/**
 * Generation reads in flight in this process, per cache: two loaders of one request that need
 * the same generation (a customer's record and its orders, read side by side) must agree on it.
 * Had each found it missing and made its own, the second token would orphan what the first
 * stored, and the next request would miss.
 */
const generationsInFlight = new WeakMap<LegacyCache, Map<string, Promise<string>>>();

/** The current generation of each name, creating those the cache does not hold. */
async function currentGenerations(
  cache: LegacyCache,
  scope: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  let inFlight = generationsInFlight.get(cache);
  if (inFlight === undefined) {
    inFlight = new Map();
    generationsInFlight.set(cache, inFlight);
  }
  const unique = [...new Set(names)];
  const toRead = unique.filter((name) => !inFlight.has(generationKey(scope, name)));
  if (toRead.length > 0) {
    const read = readOrCreateGenerations(cache, scope, toRead);
    for (const name of toRead) {
      const key = generationKey(scope, name);
      const one = read.then((values) => values.get(name) as string);
      inFlight.set(key, one);
      // The cache's operations never reject (a failing store is a miss), so neither does this.
      void one.then(() => inFlight.delete(key));
    }
  }
  const values = await Promise.all(
    unique.map((name) => inFlight.get(generationKey(scope, name)) as Promise<string>),
  );
  return new Map(unique.map((name, index) => [name, values[index] as string]));
}

async function readOrCreateGenerations(
  cache: LegacyCache,
  scope: string,
  names: readonly string[],
): Promise<Map<string, string>> {
  const values = await cache.getMany<string>(names.map((name) => generationKey(scope, name)));
  const current = new Map<string, string>();
  const created: { key: string; value: string; ttlMs: number }[] = [];
  names.forEach((name, index) => {
    let value = values[index];
    if (typeof value !== 'string') {
      value = newGeneration();
      created.push({ key: generationKey(scope, name), value, ttlMs: GENERATION_TTL_MS });
    }
    current.set(name, value);
  });
  await cache.setMany(created);
  return current;
}

/**
 * Makes every entry that depends on these generations unreadable (a write through the graph
 * calls it for what it changed). With a shared Redis this reaches every replica; with per-process
 * memory caches it reaches only this process, and the TTLs bound what the others serve.
 */
export async function bumpGenerations(
  cache: LegacyCache | undefined,
  scope: string,
  names: readonly string[],
): Promise<void> {
  if (cache === undefined || names.length === 0) return;
  await cache.setMany(
    [...new Set(names)].map((name) => ({
      key: generationKey(scope, name),
      value: newGeneration(),
      ttlMs: GENERATION_TTL_MS,
    })),
  );
}

export function cachedBatch<K, V>(
  options: CachedBatchOptions<K, V>,
): (keys: readonly K[]) => Promise<(V | Error)[]> {
  const { cache, scope, visibility, type, ttlMs, load, generationsOf } = options;
  const entryScope = visibility === undefined ? scope : `${scope}~${visibility}`;
  const keyOf = options.keyOf ?? ((key: K) => String(key));
  if (cache === undefined || (typeof ttlMs === 'number' && ttlMs <= 0))
    return async (keys) => [...(await load(keys))];
  const ttlOf = typeof ttlMs === 'number' ? () => ttlMs : ttlMs;

  return async (keys) => {
    let cacheKeys = keys.map((key) => cacheKey(entryScope, type, keyOf(key)));
    if (generationsOf) {
      const names = keys.map((key) => generationsOf(key));
      const current = await currentGenerations(cache, scope, names.flat());
      cacheKeys = cacheKeys.map((base, index) => {
        const depends = names[index] ?? [];
        return depends.length === 0 ? base : `${base}@${depends.map((name) => current.get(name)).join('.')}`;
      });
    }
    const cached = await cache.getMany<Entry<V>>(cacheKeys);
    const results: (V | Error)[] = new Array(keys.length);
    const missing: number[] = [];
    const due: number[] = [];
    cached.forEach((entry, index) => {
      if (entry === undefined) missing.push(index);
      else {
        results[index] = entry.value;
        if (cache.refreshAhead.due(entry.expiresAt, ttlOf(keys[index] as K))) due.push(index);
      }
    });
    if (due.length > 0)
      refreshDueEntries(
        cache,
        type,
        due.map((index) => ({ key: keys[index] as K, cacheKey: cacheKeys[index] as string })),
        ttlOf,
        load,
      );
    if (missing.length === 0) return results;

    const loaded = await load(missing.map((index) => keys[index] as K));
    const toStore = entriesToStore(
      cache,
      missing.map((index, position) => {
        const value = loaded[position] as V | Error;
        results[index] = value;
        return { cacheKey: cacheKeys[index] as string, ttlMs: ttlOf(keys[index] as K), value };
      }),
    );
    await cache.setMany(toStore);
    return results;
  };
}

/** What a load gave, as entries to store: errors and keys whose TTL is 0 are not. */
function entriesToStore<V>(
  cache: LegacyCache,
  answers: readonly { cacheKey: string; ttlMs: number; value: V | Error }[],
): { key: string; value: Entry<V>; ttlMs: number }[] {
  return answers
    .filter(({ value, ttlMs }) => !(value instanceof Error) && ttlMs > 0)
    .map(({ cacheKey: key, ttlMs, value }) => ({
      key,
      value: { value: value as V, expiresAt: cache.refreshAhead.expiresAt(ttlMs) },
      ttlMs,
    }));
}

/**
 * Reloads entries a read found in their refresh window, in the background, with one `load` of
 * those keys (one legacy call for a batch, as the miss was): the read has already been answered
 * with the entries as they are. The new values are stored with a fresh TTL under the same cache
 * keys — generations included, so a key whose generation a write bumped meanwhile lands where
 * no read looks any more. A key whose load fails keeps its entry until it expires, and the
 * refresh counts as failed.
 *
 * `load` is the request's own (a DataLoader batch function of lib/loaderTable.ts, a page read):
 * it still holds after the request has ended, because what it closes over lives as long as the
 * subgraph — the client with its connection pool and its token source (which renews its own
 * tokens; a per-user source stays valid when evicted from CrmUserTokens), the reads' ownership
 * condition and the request id (sent as X-Request-Id, naming the request that made the refresh
 * due). It logs nothing itself; RefreshAhead logs with the cache's logger. Priming the ended
 * request's loaders with what the reload found only fills a map nobody reads again.
 */
function refreshDueEntries<K, V>(
  cache: LegacyCache,
  type: string,
  due: readonly { key: K; cacheKey: string }[],
  ttlOf: (key: K) => number,
  load: (keys: readonly K[]) => Promise<readonly (V | Error)[]>,
): void {
  const byCacheKey = new Map(due.map((entry) => [entry.cacheKey, entry.key]));
  // A key already being refreshed (found due by another request) is left out by the schedule.
  cache.refreshAhead.schedule([...byCacheKey.keys()], async (cacheKeys) => {
    const keys = cacheKeys.map((cacheKey) => byCacheKey.get(cacheKey) as K);
    const loaded = await load(keys);
    const answers = keys.map((key, index) => ({
      cacheKey: cacheKeys[index] as string,
      ttlMs: ttlOf(key),
      value: loaded[index] as V | Error,
    }));
    await cache.setMany(entriesToStore(cache, answers));
    const failed = answers.filter(({ value }) => value instanceof Error);
    if (failed.length > 0) {
      throw new AggregateError(
        failed.map(({ value }) => value),
        `${failed.length} of ${answers.length} ${type} entries not refreshed`,
      );
    }
  });
}

/**
 * One value read through the cache (a statement that is not a DataLoader key, such as a page of
 * accounts): a hit is returned, a miss loaded and stored. Errors are thrown and not cached.
 */
export async function cachedLoad<V>(
  options: Omit<CachedBatchOptions<string, V>, 'load' | 'keyOf' | 'generationsOf'> & {
    generations?: readonly string[];
  },
  key: string,
  load: () => Promise<V>,
): Promise<V> {
  const { generations, ...rest } = options;
  const batch = cachedBatch<string, V>({
    ...rest,
    ...(generations ? { generationsOf: () => generations } : {}),
    load: async () => [await load()],
  });
  const [result] = await batch([key]);
  if (result instanceof Error) throw result;
  return result as V;
}

/** How one kind of answer is kept in a subgraph's cache. */
export interface CachePolicy<K> {
  /** What the answers are, e.g. "erp.customer": part of their cache key. */
  type: string;
  /** From the configured TTLs: one for every answer, or one per key. */
  ttlMs: (ttl: CacheTtls) => number | ((key: K) => number);
  /** The generations an answer depends on: a write that bumps one makes it stale. */
  generationsOf?: (key: K) => readonly string[];
}

/**
 * A DataLoader batch function reading through a subgraph's cache ({@link cachedBatch}), or
 * straight from `load` when the subgraph has none (LEGACY_CACHE=off).
 */
export function readThroughCache<K, V>(
  cache: CacheScope | undefined,
  options: CachePolicy<K> & Pick<CachedBatchOptions<K, V>, 'keyOf' | 'load'>,
): (keys: readonly K[]) => Promise<(V | Error)[]> {
  const { ttlMs, ...rest } = options;
  return cachedBatch<K, V>({ ...rest, ...inScope(cache, ttlMs) });
}

/** One value (not a DataLoader key) read through a subgraph's cache, or straight from `load` without one. */
export function readOneThroughCache<V>(
  cache: CacheScope | undefined,
  policy: CachePolicy<string>,
  key: string,
  load: () => Promise<V>,
): Promise<V> {
  const { ttlMs, generationsOf, ...rest } = policy;
  return cachedLoad(
    { ...rest, ...inScope(cache, ttlMs), ...(generationsOf ? { generations: generationsOf(key) } : {}) },
    key,
    load,
  );
}

/** Where and for how long in the subgraph's cache; no cache at all when it has none. */
function inScope<K>(cache: CacheScope | undefined, ttlMs: CachePolicy<K>['ttlMs']) {
  return {
    cache: cache?.cache,
    scope: cache?.scope ?? '',
    ...(cache?.visibility === undefined ? {} : { visibility: cache.visibility }),
    ttlMs: cache ? ttlMs(cache.ttlMs) : 0,
  };
}
