import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import {
  type Json,
  type RunningStandIn,
  type RunningSubgraph,
  startStandIn,
  startSubgraph,
} from './erp-subgraph-harness.js';

// Refresh ahead through the ERP subgraph over the Business Central stand-in, on the real clock:
// customers read again and again across their TTL are answered from the cache every time after
// the first read; the read in the last 30 % of the TTL starts one background reload (one ERP
// call for the whole batch, as the miss was), so the entry never expires under the readers.

const TTL_S = 5;
const REFRESH_PERCENT = 30;

const CUSTOMERS = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer { id number erpName balance { amount currencyCode } }
    }
  }
`;

let dataset: Dataset;
let erp: RunningStandIn;
let subgraph: RunningSubgraph;

beforeAll(async () => {
  dataset = openDataset({ customers: 20 });
  erp = await startStandIn(dataset.erp, dataset.summary.companyId);
  subgraph = await startSubgraph(erp.base, {
    companyId: dataset.summary.companyId,
    // A customer carries its balance: it lives as long as the shorter of the two TTLs.
    cache: readLegacyCacheConfig({
      CACHE_TTL_CUSTOMER_S: String(TTL_S),
      CACHE_TTL_VOLATILE_S: String(TTL_S),
      CACHE_REFRESH_AHEAD_PERCENT: String(REFRESH_PERCENT),
    }),
  });
});

afterAll(async () => {
  await subgraph?.close();
  await erp?.close();
  dataset?.close();
});

describe('refresh ahead of the legacy cache', () => {
  it('reads across the TTL: one refresh, no miss after the first read, the ERP asked once more in all', async () => {
    const ids = (
      dataset.erp.prepare('SELECT id FROM customers ORDER BY number LIMIT 3').all() as { id: string }[]
    ).map((row) => row.id);
    const read = async (): Promise<Json> => {
      const res = await subgraph.gql(CUSTOMERS, {
        representations: ids.map((id) => ({ __typename: 'Customer', id })),
      });
      expect(res.body.errors).toBeUndefined();
      return res.body.data._entities;
    };
    const cache = subgraph.subgraph.cache;
    if (cache === undefined) throw new Error('the subgraph has no cache');

    await erp.resetStats();
    const first = await read();
    // The entries were stored before this: they expire at most a TTL from now.
    const storedBy = Date.now();
    const firstCalls = (await erp.stats()).roundTrips;
    expect(firstCalls).toBeGreaterThan(0);
    const missesOfFirstRead = cache.stats.misses;
    await erp.resetStats();

    // Past the first entries' expiry by a second, and before the refreshed ones reach their own
    // refresh window (the refresh starts at 70 % of the TTL, its entries' window at 140 %).
    let reads = 0;
    while (Date.now() < storedBy + TTL_S * 1000 + 1000) {
      expect(await read()).toEqual(first);
      reads += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await cache.refreshAhead.settled();

    expect(reads).toBeGreaterThan(10);
    expect(cache.stats.misses).toBe(missesOfFirstRead);
    expect(cache.refreshAhead.stats).toEqual({ started: 1, succeeded: 1, failed: 0, skipped: 0 });
    // The refresh read the batch's customers as the first read did, in as many calls.
    expect((await erp.stats()).roundTrips).toBe(firstCalls);
  }, 20_000);
});
