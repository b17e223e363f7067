import { describe, expect, it } from 'vitest';
import { cachedBatch, cacheKey } from '../../lib/cachedBatch.js';
import { createLegacyCache, visibilityScope } from '../../lib/legacyCache.js';

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
