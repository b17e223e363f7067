import { describe, expect, it } from 'vitest';
import {
  createConfiguredCache,
  crmCacheScope,
  DEFAULT_CACHE_TTL_SECONDS,
  erpCacheScope,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';
import { bumpGenerations, cachedBatch, cachedLoad } from '../../lib/cachedBatch.js';
import { ConfigError } from '../../lib/env.js';
import { createLegacyCache } from '../../lib/legacyCache.js';
import { readCrmSubgraphConfig } from '../../subgraphs/crm/config.js';
import { readErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import { readWorkflowsSubgraphConfig } from '../../subgraphs/workflows/config.js';

describe('LEGACY_CACHE and its variables', () => {
  it('defaults to memory with the documented TTLs, and to redis when REDIS_URL is set', () => {
    const defaults = readLegacyCacheConfig({});
    expect(defaults).toEqual({
      mode: 'memory',
      maxBytes: 64 * 1024 * 1024,
      ttlMs: { master: 300_000, customer: 60_000, volatile: 10_000, document: 30_000, activity: 30_000 },
      refreshAhead: { percent: 20, maxConcurrent: 4 },
    });
    expect(DEFAULT_CACHE_TTL_SECONDS.master).toBe(300);
    expect(readLegacyCacheConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toMatchObject({
      mode: 'redis',
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(readLegacyCacheConfig({ REDIS_URL: 'redis://127.0.0.1:6379', LEGACY_CACHE: 'memory' }).mode).toBe(
      'memory',
    );
    expect(readLegacyCacheConfig({ LEGACY_CACHE: 'off' }).mode).toBe('off');
    expect(
      readLegacyCacheConfig({
        CACHE_TTL_MASTER_S: '3600',
        CACHE_TTL_VOLATILE_S: '0',
        LEGACY_CACHE_MAX_BYTES: '1048576',
      }),
    ).toMatchObject({ maxBytes: 1_048_576, ttlMs: { master: 3_600_000, volatile: 0 } });
  });

  it.each([
    [{ LEGACY_CACHE: 'disk' }, 'LEGACY_CACHE'],
    [{ LEGACY_CACHE: 'redis' }, 'REDIS_URL'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    [{ LEGACY_CACHE_MAX_BYTES: '12MB' }, 'LEGACY_CACHE_MAX_BYTES'],
    [{ LEGACY_CACHE_MAX_BYTES: '10' }, 'LEGACY_CACHE_MAX_BYTES'],
    [{ CACHE_TTL_MASTER_S: '-1' }, 'CACHE_TTL_MASTER_S'],
    [{ CACHE_TTL_CUSTOMER_S: '1.5' }, 'CACHE_TTL_CUSTOMER_S'],
    [{ CACHE_TTL_VOLATILE_S: 'ten' }, 'CACHE_TTL_VOLATILE_S'],
    [{ CACHE_TTL_DOCUMENT_S: '999999999' }, 'CACHE_TTL_DOCUMENT_S'],
    [{ CACHE_TTL_ACTIVITY_S: 'x' }, 'CACHE_TTL_ACTIVITY_S'],
    [{ CACHE_REFRESH_AHEAD_PERCENT: '91' }, 'CACHE_REFRESH_AHEAD_PERCENT'],
    [{ CACHE_REFRESH_AHEAD_PERCENT: '-5' }, 'CACHE_REFRESH_AHEAD_PERCENT'],
    [{ CACHE_REFRESH_AHEAD_PERCENT: '20%' }, 'CACHE_REFRESH_AHEAD_PERCENT'],
    [{ CACHE_REFRESH_MAX_CONCURRENT: '0' }, 'CACHE_REFRESH_MAX_CONCURRENT'],
    [{ CACHE_REFRESH_MAX_CONCURRENT: '65' }, 'CACHE_REFRESH_MAX_CONCURRENT'],
  ])('refuses %o naming %s, in every subgraph', (env, variable) => {
    expect(() => readLegacyCacheConfig(env)).toThrow(ConfigError);
    for (const read of [readErpSubgraphConfig, readCrmSubgraphConfig, readWorkflowsSubgraphConfig]) {
      let thrown: unknown;
      try {
        read(env);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as { variable: string }).variable).toBe(variable);
    }
  });
});

describe('refresh ahead of the legacy cache', () => {
  it('reads CACHE_REFRESH_AHEAD_PERCENT and CACHE_REFRESH_MAX_CONCURRENT into the cache it makes', async () => {
    const config = readLegacyCacheConfig({
      CACHE_REFRESH_AHEAD_PERCENT: '50',
      CACHE_REFRESH_MAX_CONCURRENT: '64',
    });
    expect(config.refreshAhead).toEqual({ percent: 50, maxConcurrent: 64 });
    const cache = createConfiguredCache(config);
    // Half of a 10 s TTL: due with 5 s left, not with 6 s.
    const now = cache?.refreshAhead.now() ?? 0;
    expect(cache?.refreshAhead.due(now + 5_000, 10_000)).toBe(true);
    expect(cache?.refreshAhead.due(now + 6_000, 10_000)).toBe(false);
    await cache?.close();

    const off = createConfiguredCache(readLegacyCacheConfig({ CACHE_REFRESH_AHEAD_PERCENT: '0' }));
    expect(off?.refreshAhead.enabled).toBe(false);
    await off?.close();
    expect(readLegacyCacheConfig({ CACHE_REFRESH_AHEAD_PERCENT: '90' }).refreshAhead.percent).toBe(90);
  });
});

describe('visibility scopes', () => {
  const erp = { url: 'http://erp.example/tenant/prod', companyId: 'ABC', visibility: 'integration' };
  it('differ per visibility (never per token), company and system, and ignore how the same URL is written', () => {
    expect(erpCacheScope(erp)).not.toBe(erpCacheScope({ ...erp, visibility: 'user:someone@example.com' }));
    expect(erpCacheScope(erp)).not.toBe(erpCacheScope({ ...erp, companyId: 'DEF' }));
    expect(erpCacheScope(erp)).toBe(
      erpCacheScope({ ...erp, url: 'http://ERP.example/tenant/prod/', companyId: 'abc' }),
    );
    expect(erpCacheScope(erp)).not.toBe(
      erpCacheScope({ url: erp.url, companyName: 'ABC', visibility: 'integration' }),
    );
    const crm = { url: 'https://org.my.salesforce.com', apiVersion: 'v62.0', visibility: 'integration' };
    expect(crmCacheScope(crm)).not.toBe(crmCacheScope({ ...crm, visibility: 'user:someone@example.com' }));
    expect(crmCacheScope(crm)).toBe(crmCacheScope({ ...crm, url: 'https://org.my.salesforce.com/' }));
  });
});

describe('generations', () => {
  function counting() {
    const calls: string[][] = [];
    const load = async (keys: readonly string[]) => {
      calls.push([...keys]);
      return keys.map((key) => ({ key, read: calls.length }));
    };
    return { calls, load };
  }

  it('a bumped generation makes the entries that depend on it unreadable, and only those', async () => {
    const cache = createLegacyCache();
    const { calls, load } = counting();
    const batch = cachedBatch({
      cache,
      scope: 's',
      type: 'list',
      ttlMs: 60_000,
      generationsOf: (key: string) => [`parent:${key.split('/')[0]}`],
      load,
    });
    await batch(['a/first10', 'a/first20', 'b/first10']);
    await batch(['a/first10', 'b/first10']);
    expect(calls).toHaveLength(1);
    await bumpGenerations(cache, 's', ['parent:a']);
    const after = await batch(['a/first10', 'a/first20', 'b/first10']);
    expect(calls).toEqual([
      ['a/first10', 'a/first20', 'b/first10'],
      ['a/first10', 'a/first20'],
    ]);
    expect(after[2]).toEqual({ key: 'b/first10', read: 1 });
    // A bump in another scope touches nothing here.
    await bumpGenerations(cache, 'other', ['parent:b']);
    await batch(['b/first10']);
    expect(calls).toHaveLength(2);
  });

  it('a generation the cache lost is replaced by a new one, never by an earlier one', async () => {
    const cache = createLegacyCache();
    const { calls, load } = counting();
    const batch = cachedBatch({
      cache,
      scope: 's',
      type: 't',
      ttlMs: 60_000,
      generationsOf: () => ['g'],
      load,
    });
    await batch(['k']);
    await cache.delete(['s:gen:g']);
    await batch(['k']);
    await batch(['k']);
    expect(calls).toEqual([['k'], ['k']]);
  });

  it('stores per-key TTLs and skips keys whose TTL is 0; cachedLoad throws errors uncached', async () => {
    const cache = createLegacyCache();
    const { calls, load } = counting();
    const batch = cachedBatch({
      cache,
      scope: 's',
      type: 't',
      ttlMs: (key: string) => (key.startsWith('never') ? 0 : 60_000),
      load,
    });
    await batch(['kept', 'never']);
    await batch(['kept', 'never']);
    expect(calls).toEqual([['kept', 'never'], ['never']]);

    let loads = 0;
    const options = { cache, scope: 's', type: 'page', ttlMs: 60_000, generations: ['pages'] };
    await expect(
      cachedLoad(options, 'p1', async () => {
        loads += 1;
        throw new Error('down');
      }),
    ).rejects.toThrow('down');
    expect(await cachedLoad(options, 'p1', async () => ++loads)).toBe(2);
    expect(await cachedLoad(options, 'p1', async () => ++loads)).toBe(2);
    await bumpGenerations(cache, 's', ['pages']);
    expect(await cachedLoad(options, 'p1', async () => ++loads)).toBe(3);
  });
});
