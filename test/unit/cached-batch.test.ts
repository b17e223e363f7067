import { Keyv } from 'keyv';
import { describe, expect, it } from 'vitest';
import { bumpGenerations, cachedBatch, cachedLoad, cacheKey } from '../../lib/cachedBatch.js';
import { createLegacyCache, LegacyCache, visibilityScope } from '../../lib/legacyCache.js';
import { silentLogger } from '../../lib/logger.js';
import { RefreshAhead } from '../../lib/refreshAhead.js';

function countingLoad() {
  const calls: string[][] = [];
  const load = async (keys: readonly string[]) => {
    calls.push([...keys]);
    return keys.map((key) =>
      key.startsWith('missing') ? null : key === 'boom' ? new Error('down') : { key },
    );
  };
  return { calls, load };
}

describe('cachedBatch', () => {
  it('asks the legacy system only for what the cache lacks, and caches known-missing records', async () => {
    const cache = createLegacyCache();
    const { calls, load } = countingLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 'erp.customer', ttlMs: 60_000, load });
    expect(await batch(['a', 'b', 'missing1'])).toEqual([{ key: 'a' }, { key: 'b' }, null]);
    expect(await batch(['b', 'c', 'missing1', 'a'])).toEqual([
      { key: 'b' },
      { key: 'c' },
      null,
      { key: 'a' },
    ]);
    expect(calls).toEqual([['a', 'b', 'missing1'], ['c']]);
    expect(await batch(['a', 'c'])).toEqual([{ key: 'a' }, { key: 'c' }]);
    expect(calls).toHaveLength(2);
  });

  it('never caches errors', async () => {
    const cache = createLegacyCache();
    const { calls, load } = countingLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: 60_000, load });
    expect((await batch(['boom']))[0]).toBeInstanceOf(Error);
    expect((await batch(['boom']))[0]).toBeInstanceOf(Error);
    expect(calls).toEqual([['boom'], ['boom']]);
  });

  it('keeps callers with different credentials apart', async () => {
    const cache = createLegacyCache();
    const first = countingLoad();
    const second = countingLoad();
    const scopeA = visibilityScope('http://erp', 'company-1', 'token-a');
    const scopeB = visibilityScope('http://erp', 'company-1', 'token-b');
    await cachedBatch({ cache, scope: scopeA, type: 't', ttlMs: 60_000, load: first.load })(['a']);
    await cachedBatch({ cache, scope: scopeB, type: 't', ttlMs: 60_000, load: second.load })(['a']);
    expect(first.calls).toEqual([['a']]);
    expect(second.calls).toEqual([['a']]);
  });

  it('loads again after the key is invalidated, and goes straight to the load when off', async () => {
    const cache = createLegacyCache();
    const { calls, load } = countingLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: 60_000, load });
    await batch(['a']);
    await cache.delete([cacheKey('s', 't', 'a')]);
    await batch(['a']);
    expect(calls).toEqual([['a'], ['a']]);

    const off = countingLoad();
    const uncached = cachedBatch({ cache: undefined, scope: 's', type: 't', ttlMs: 60_000, load: off.load });
    await uncached(['a']);
    await uncached(['a']);
    expect(off.calls).toEqual([['a'], ['a']]);
  });

  it('loaders that first need one generation at the same moment agree on it, so both entries stay readable', async () => {
    const cache = createLegacyCache();
    const record = countingLoad();
    const page = countingLoad();
    const options = { cache, scope: 's', ttlMs: 60_000, generationsOf: () => ['customer:1'] };
    const records = cachedBatch({ ...options, type: 'record', load: record.load });
    const pages = cachedBatch({ ...options, type: 'page', load: page.load });
    await Promise.all([records(['a']), pages(['a'])]);
    await Promise.all([records(['a']), pages(['a'])]);
    expect(record.calls).toEqual([['a']]);
    expect(page.calls).toEqual([['a']]);
  });
});

/**
 * Refresh ahead on a clock the test moves. Keyv expires entries by the real clock, so the TTL is
 * a minute the test never waits for, while the fake clock walks into its last 20 %.
 */
const TTL_MS = 60_000;
const BEFORE_WINDOW_MS = 40_000;
const IN_WINDOW_MS = 50_000;

function cacheWithClock(options: { percent?: number; maxConcurrent?: number } = {}) {
  let now = 1_000_000;
  const refreshAhead = new RefreshAhead({
    percent: options.percent ?? 20,
    maxConcurrent: options.maxConcurrent ?? 4,
    cache: 'legacy',
    logger: silentLogger,
    now: () => now,
  });
  const cache = new LegacyCache(new Keyv(), silentLogger, 1000, 'memory', refreshAhead);
  return {
    cache,
    refreshAhead,
    advance(ms: number) {
      now += ms;
    },
  };
}

/** A load whose answers say which call read them; a call may be held open until `release`d. */
function gatedLoad() {
  const calls: string[][] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  let fail: ((key: string) => boolean) | undefined;
  const load = async (keys: readonly string[]) => {
    calls.push([...keys]);
    const read = calls.length;
    if (gate) await gate;
    return keys.map((key) => (fail?.(key) ? new Error(`${key} down`) : { key, read }));
  };
  return {
    calls,
    load,
    hold() {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release() {
      gate = undefined;
      open?.();
    },
    failFor(predicate: (key: string) => boolean) {
      fail = predicate;
    },
  };
}

describe('cachedBatch refresh ahead', () => {
  it('serves an entry in its last part and reloads it once in the background, one load for the batch', async () => {
    const { cache, refreshAhead, advance } = cacheWithClock();
    const source = gatedLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: TTL_MS, load: source.load });
    await batch(['a', 'b']);

    advance(BEFORE_WINDOW_MS);
    expect(await batch(['a', 'b'])).toEqual([
      { key: 'a', read: 1 },
      { key: 'b', read: 1 },
    ]);
    expect(source.calls).toHaveLength(1);
    expect(refreshAhead.stats.started).toBe(0);

    advance(IN_WINDOW_MS - BEFORE_WINDOW_MS);
    source.hold();
    expect(await batch(['a', 'b'])).toEqual([
      { key: 'a', read: 1 },
      { key: 'b', read: 1 },
    ]);
    // Reads while the reload runs — the same set, a part of it — start no other.
    await batch(['a', 'b']);
    await batch(['b']);
    await batch(['a', 'b']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.calls).toEqual([
      ['a', 'b'],
      ['a', 'b'],
    ]);
    expect(refreshAhead.stats.started).toBe(1);

    source.release();
    await refreshAhead.settled();
    expect(refreshAhead.stats).toEqual({ started: 1, succeeded: 1, failed: 0, skipped: 0 });
    // The new values, with a fresh TTL: no longer due, so no further reload.
    expect(await batch(['a', 'b'])).toEqual([
      { key: 'a', read: 2 },
      { key: 'b', read: 2 },
    ]);
    await refreshAhead.settled();
    expect(source.calls).toHaveLength(2);
    expect(cache.stats.misses).toBe(2);
  });

  it('stores nothing a failing reload gave, keeps the old entry and counts the refresh failed', async () => {
    const { cache, refreshAhead, advance } = cacheWithClock();
    const source = gatedLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: TTL_MS, load: source.load });
    await batch(['a', 'b']);
    advance(IN_WINDOW_MS);
    source.failFor((key) => key === 'b');
    await batch(['a', 'b']);
    await refreshAhead.settled();
    expect(refreshAhead.stats).toEqual({ started: 1, succeeded: 0, failed: 1, skipped: 0 });
    source.failFor(() => false);
    // 'a' was refreshed (a new TTL: not due); 'b' is the old entry, still due, so it is reloaded again.
    expect(await batch(['a', 'b'])).toEqual([
      { key: 'a', read: 2 },
      { key: 'b', read: 1 },
    ]);
    await refreshAhead.settled();
    expect(source.calls).toEqual([['a', 'b'], ['a', 'b'], ['b']]);
  });

  it('skips and counts the refreshes beyond the cap; the entries stay as they are', async () => {
    const { cache, refreshAhead, advance } = cacheWithClock({ maxConcurrent: 1 });
    const source = gatedLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: TTL_MS, load: source.load });
    await batch(['a']);
    await batch(['b']);
    advance(IN_WINDOW_MS);
    source.hold();
    await batch(['a']);
    expect(await batch(['b'])).toEqual([{ key: 'b', read: 2 }]);
    expect(refreshAhead.stats).toMatchObject({ started: 1, skipped: 1 });
    source.release();
    await refreshAhead.settled();
    expect(source.calls).toEqual([['a'], ['b'], ['a']]);
  });

  it('never refreshes when the percent is 0', async () => {
    const { cache, refreshAhead, advance } = cacheWithClock({ percent: 0 });
    const source = gatedLoad();
    const batch = cachedBatch({ cache, scope: 's', type: 't', ttlMs: TTL_MS, load: source.load });
    await batch(['a']);
    advance(TTL_MS - 1);
    await batch(['a']);
    await refreshAhead.settled();
    expect(source.calls).toEqual([['a']]);
    expect(refreshAhead.stats.started).toBe(0);
  });

  it('refreshes what cachedLoad read; a refresh after a write lands under the old generation, never read', async () => {
    const { cache, refreshAhead, advance } = cacheWithClock();
    let loads = 0;
    const options = { cache, scope: 's', type: 'page', ttlMs: TTL_MS, generations: ['pages'] };
    const page = () => cachedLoad(options, 'p1', async () => ++loads);
    expect(await page()).toBe(1);
    advance(IN_WINDOW_MS);
    expect(await page()).toBe(1);
    await refreshAhead.settled();
    expect(await page()).toBe(2);
    expect(loads).toBe(2);

    advance(IN_WINDOW_MS);
    expect(await page()).toBe(2);
    // A write right after the read that started a refresh: what the refresh read may predate the
    // write, so whenever it is stored, it is under the old generation, where no read looks again.
    await bumpGenerations(cache, 's', ['pages']);
    await refreshAhead.settled();
    expect(loads).toBe(3);
    expect(await page()).toBe(4);
  });
});
