import { afterAll, beforeAll, expect, it } from 'vitest';
import { RESPONSE_CACHE_HEADER } from '../../gateway/plugins/responseCache.js';
import { readMetrics } from '../helpers/metrics.js';
import { type Stack, startStack } from '../helpers/stack.js';

// Refresh ahead of the gateway's response cache (issue 14): an answer read in the last half of
// its 4 s TTL is served and refreshed in the background, so reads across its TTL never find it
// gone. The legacy cache is off: each refresh is a real execution, counted by the gateway.

const TTL_MS = 4000;
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    customers: 20,
    legacyCache: 'off',
    gateway: {
      responseCache: { enabled: true, ttlMs: TTL_MS, refreshAhead: { percent: 50, maxConcurrent: 4 } },
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

const NAMES = '{ customers(first: 5) { edges { node { id name } } } }';

it('refreshes an answer read across its TTL once, and never serves it cold', async () => {
  const before = await readMetrics(stack.gatewayUrl);
  const first = await stack.query(NAMES);
  expect(first.headers.get(RESPONSE_CACHE_HEADER)).toBe('miss');
  const storedAt = Date.now();
  const served: (string | null)[] = [];
  // Read until just before the first answer would have expired: the refresh (started in the
  // second half) has replaced it by then, and its own refresh window is another 2 s away.
  while (Date.now() - storedAt < TTL_MS - 300) {
    const answer = await stack.query(NAMES);
    expect(answer.body).toEqual(first.body);
    served.push(answer.headers.get(RESPONSE_CACHE_HEADER));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const after = await readMetrics(stack.gatewayUrl);
  const moved = (name: string, labels?: Record<string, string>) => after(name, labels) - before(name, labels);
  expect(served.length).toBeGreaterThan(10);
  expect(served.every((header) => header === 'hit')).toBe(true);
  expect(moved('customer_graph_response_cache_refreshes_total', { outcome: 'started' })).toBe(1);
  expect(moved('customer_graph_response_cache_refreshes_total', { outcome: 'succeeded' })).toBe(1);
  // The first answer and its one refresh: two executions in all.
  expect(moved('customer_graph_operations_executed_total')).toBe(2);

  // Past the first answer's expiry: the refreshed one is served.
  await new Promise((resolve) => setTimeout(resolve, storedAt + TTL_MS + 100 - Date.now()));
  const afterExpiry = await stack.query(NAMES);
  expect(afterExpiry.headers.get(RESPONSE_CACHE_HEADER)).toBe('hit');
  expect(afterExpiry.body).toEqual(first.body);
});
