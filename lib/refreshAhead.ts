import { outsideOperation } from './deadline.js';
import { type Env, integer } from './env.js';
import type { Logger } from './logger.js';

/**
 * Refresh ahead: an entry read shortly before it expires is served as it is, and reloaded in
 * the background so that the next reads find a fresh one instead of a miss — a popular answer
 * never goes cold under load. Bounded: one refresh per key at a time, and at most
 * `maxConcurrent` refreshes at once in this process (more are skipped and counted: the entry
 * then expires and is loaded as a miss, as without refresh ahead).
 *
 * Written here rather than taken from a library: the caches (Keyv over memory or Redis) have no
 * refresh-ahead of their own, and the refresh must run the caller's own loader (a DataLoader
 * batch, a gateway operation) under the caller's visibility, which no generic cache knows.
 */
export interface RefreshAheadOptions extends RefreshAheadConfig {
  /** Which cache, in the logs and metrics: "response" or "legacy". */
  cache: string;
  logger: Logger;
  /** The clock; tests may move it. Default Date.now. */
  now?: () => number;
}

export interface RefreshStats {
  /** Refreshes started. */
  started: number;
  /** Refreshes that stored a new value. */
  succeeded: number;
  /** Refreshes whose load failed (the old value is kept until it expires; nothing is cached). */
  failed: number;
  /** Reads in the refresh window that found the cap of background work reached: no refresh. */
  skipped: number;
}

export const DEFAULT_REFRESH_AHEAD = { percent: 20, maxConcurrent: 4 } as const;

export interface RefreshAheadConfig {
  /**
   * The last part of each entry's TTL in which a read starts a refresh, in percent of the TTL
   * (CACHE_REFRESH_AHEAD_PERCENT, default 20: a 10 s entry is refreshed when read in its last
   * 2 s). 0 turns refresh ahead off.
   */
  percent: number;
  /** Refreshes running at once in this process and cache (CACHE_REFRESH_MAX_CONCURRENT, default 4). */
  maxConcurrent: number;
}

/**
 * CACHE_REFRESH_AHEAD_PERCENT (0..90, default 20; 0 = off) and CACHE_REFRESH_MAX_CONCURRENT
 * (1..64, default 4): read alike by the gateway (its response cache) and the subgraphs (their
 * legacy caches); a bad value is a ConfigError naming the variable.
 */
export function refreshAheadConfigFromEnv(env: Env): RefreshAheadConfig {
  return {
    percent: integer(env, 'CACHE_REFRESH_AHEAD_PERCENT', DEFAULT_REFRESH_AHEAD.percent, 0, 90),
    maxConcurrent: integer(env, 'CACHE_REFRESH_MAX_CONCURRENT', DEFAULT_REFRESH_AHEAD.maxConcurrent, 1, 64),
  };
}

export class RefreshAhead {
  readonly stats: RefreshStats = { started: 0, succeeded: 0, failed: 0, skipped: 0 };
  /** Keys being refreshed now: a key on its way is left out of any other refresh. */
  private readonly refreshingKeys = new Set<string>();
  /** Refreshes running now (one may cover several keys: a DataLoader batch is one legacy call). */
  private readonly running = new Set<Promise<void>>();
  readonly now: () => number;

  constructor(private readonly options: RefreshAheadOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.percent > 0 && this.options.maxConcurrent > 0;
  }

  /** The absolute time an entry stored now for `ttlMs` expires: what the entry keeps beside its value. */
  expiresAt(ttlMs: number): number {
    return this.now() + ttlMs;
  }

  /** True when an entry that expires at `expiresAt` (stored for `ttlMs`) is in its refresh window. */
  due(expiresAt: number | undefined, ttlMs: number): boolean {
    if (!this.enabled || expiresAt === undefined || ttlMs <= 0) return false;
    return expiresAt - this.now() <= (ttlMs * this.options.percent) / 100;
  }

  /**
   * Runs `refresh` in the background for those of `keys` not already being refreshed (all of
   * them at once: one refresh may reload a batch), unless every key is on its way or the cap of
   * refreshes running is reached. Never throws and never makes the reader wait; a failure is
   * logged and counted.
   */
  schedule(
    keys: readonly string[],
    refresh: (keys: readonly string[]) => Promise<void>,
  ): 'started' | 'running' | 'skipped' {
    const toRefresh = keys.filter((key) => !this.refreshingKeys.has(key));
    if (toRefresh.length === 0) return 'running';
    const { cache, logger, maxConcurrent } = this.options;
    if (this.running.size >= maxConcurrent) {
      this.stats.skipped += 1;
      logger.debug({ cache, keys: toRefresh }, 'refresh ahead skipped: at the cap');
      return 'skipped';
    }
    this.stats.started += 1;
    for (const key of toRefresh) this.refreshingKeys.add(key);
    // Started from a request, but not its work: outside its scope, so the request's deadline
    // (lib/deadline.ts) does not cut a refresh that outlives it.
    const work: Promise<void> = outsideOperation(() => Promise.resolve().then(() => refresh(toRefresh)))
      .then(
        () => {
          this.stats.succeeded += 1;
          logger.debug({ cache, keys: toRefresh }, 'refreshed ahead of expiry');
        },
        (error: unknown) => {
          this.stats.failed += 1;
          logger.warn({ cache, keys: toRefresh, err: error }, 'refresh ahead failed');
        },
      )
      .finally(() => {
        for (const key of toRefresh) this.refreshingKeys.delete(key);
        this.running.delete(work);
      });
    this.running.add(work);
    return 'started';
  }

  /** Waits for the refreshes running now (close, tests). */
  async settled(): Promise<void> {
    await Promise.all([...this.running]);
  }
}
