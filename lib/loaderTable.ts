import DataLoader from 'dataloader';
import type { CacheScope } from './cacheConfig.js';
import { type CachePolicy, readThroughCache } from './cachedBatch.js';
import type { LegacyError } from './errors.js';

/**
 * A subgraph's per-request DataLoaders, written as a table of specs: for each loader, which
 * client read answers a batch of its keys, when two keys are the same key, and how its answers
 * are cached. Every lookup a resolver makes goes through one, so a query over many parents costs
 * a constant number of legacy calls. Built fresh for each request (a loader caches, and one
 * caller must never see another's answers).
 */

/** What a loader's read is given besides its keys. */
export interface LoaderCall<Loaders> {
  requestId: string;
  /** The request's other loaders, to hand them what this read found too (`prime`). */
  loaders: Loaders;
}

export interface LoaderSpec<Reads, K, V, Loaders = unknown> {
  /** The client read: one answer per key, in the keys' order; an error answers its own key only. */
  read: (
    reads: Reads,
    keys: readonly K[],
    call: LoaderCall<Loaders>,
  ) => Promise<readonly (V | LegacyError)[]>;
  /** A key's identity, for the loader and the shared cache alike (e.g. lib/byKey.ts's anyCase). */
  keyOf: (key: K) => string;
  cache: CachePolicy<K>;
}

/** Any spec reading from `Reads` (the parameter positions take `never`, which every spec accepts). */
type SomeSpec<Reads> = LoaderSpec<Reads, never, unknown, never>;

/** The loaders a table makes, by the table's names. */
export type LoadersOf<T> = {
  [N in keyof T]: T[N] extends LoaderSpec<never, infer K, infer V, never> ? DataLoader<K, V, string> : never;
};

export interface LoaderScope<Reads> {
  /** The client's reads. */
  reads: Reads;
  requestId: string;
  /** Off: every loader asks for one key at a time, the naive version benchmarks compare against. */
  batching: boolean;
  /** Absent: the cache is off (LEGACY_CACHE=off) and every miss goes to the legacy system. */
  cache?: CacheScope;
}

/** One request's loaders: a DataLoader per spec of `table`, each reading through the cache. */
export function loadersOf<Reads, T extends Record<string, SomeSpec<Reads>>>(
  table: T,
  scope: LoaderScope<Reads>,
): LoadersOf<T> {
  const loaders: Record<string, DataLoader<never, unknown, string>> = {};
  const call: LoaderCall<never> = { requestId: scope.requestId, loaders: loaders as never };
  for (const [name, spec] of Object.entries(table)) {
    loaders[name] = new DataLoader<never, unknown, string>(
      readThroughCache(scope.cache, {
        ...spec.cache,
        keyOf: spec.keyOf,
        load: (keys) => spec.read(scope.reads, keys, call),
      }),
      { batch: scope.batching, cacheKeyFn: spec.keyOf },
    );
  }
  return loaders as LoadersOf<T>;
}
