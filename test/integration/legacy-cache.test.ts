import { describe, expect, it } from 'vitest';
import { createLegacyCache, visibilityScope } from '../../lib/legacyCache.js';
import { redisAvailable } from '../helpers/redis.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const hasRedis = await redisAvailable(REDIS_URL);
if (!hasRedis) console.warn(`[legacy-cache] no Redis at ${REDIS_URL}: the shared-cache tests are skipped`);

describe('LegacyCache in memory', () => {
  it('loads a miss once and serves hits until the TTL ends', async () => {
    const cache = createLegacyCache();
    let loads = 0;
    const load = async () => ({ n: ++loads });
    expect(await cache.getOrLoad('k', 60_000, load)).toEqual({ n: 1 });
    expect(await cache.getOrLoad('k', 60_000, load)).toEqual({ n: 1 });
    expect(loads).toBe(1);
    expect(cache.stats).toMatchObject({ hits: 1, misses: 1 });

    await cache.set('short', 'v', 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await cache.get('short')).toBeUndefined();
  });

  it('stays within its memory bound, evicting the least recently used', async () => {
    const cache = createLegacyCache({ maxMemoryBytes: 10_000 });
    const value = 'x'.repeat(900);
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, value, 60_000);
    const present = (await cache.getMany(Array.from({ length: 50 }, (_, i) => `k${i}`))).filter(Boolean);
    expect(present.length).toBeGreaterThan(0);
    expect(present.length).toBeLessThan(12);
    expect(await cache.get('k49')).toBe(value);
    expect(await cache.get('k0')).toBeUndefined();
  });

  it('forgets deleted keys and does not cache failed loads', async () => {
    const cache = createLegacyCache();
    await cache.set('a', 1, 60_000);
    await cache.delete(['a']);
    expect(await cache.get('a')).toBeUndefined();
    await expect(
      cache.getOrLoad('b', 60_000, async () => {
        throw new Error('legacy down');
      }),
    ).rejects.toThrow('legacy down');
    expect(await cache.getOrLoad('b', 60_000, async () => 2)).toBe(2);
  });

  it('scopes differ per credential', () => {
    expect(visibilityScope('http://erp', 'token-a')).not.toBe(visibilityScope('http://erp', 'token-b'));
    expect(visibilityScope('http://erp', 'token-a')).toBe(visibilityScope('http://erp', 'token-a'));
  });
});

describe.skipIf(!hasRedis)('LegacyCache in Redis', () => {
  it('is shared by two instances (two replicas)', async () => {
    const namespace = `test-${process.pid}-${Date.now()}`;
    const first = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    const second = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    try {
      let loads = 0;
      await first.getOrLoad('customer:1', 60_000, async () => ({ id: 1, loads: ++loads }));
      const seen = await second.getOrLoad('customer:1', 60_000, async () => ({ id: 1, loads: ++loads }));
      expect(seen).toEqual({ id: 1, loads: 1 });
      expect(loads).toBe(1);
      await second.delete(['customer:1']);
      expect(await first.get('customer:1')).toBeUndefined();
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('LegacyCache with an unreachable Redis', () => {
  it('treats the store as a miss and keeps answering', async () => {
    const cache = createLegacyCache({ redisUrl: 'redis://127.0.0.1:1', operationTimeoutMs: 300 });
    let loads = 0;
    expect(await cache.getOrLoad('k', 60_000, async () => ++loads)).toBe(1);
    expect(await cache.getOrLoad('k', 60_000, async () => ++loads)).toBe(2);
    expect(cache.stats.failures).toBeGreaterThan(0);
    await cache.close();
  });
});
