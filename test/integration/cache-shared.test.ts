import { createServer, request as httpRequest, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../legacy/generator/open.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { createLegacyCache } from '../../lib/legacyCache.js';
import { fixedCredentials } from '../../lib/legacyCredentials.js';
import { redisAvailable } from '../helpers/redis.js';
import { closeServer, listen } from '../helpers/servers.js';
import { startStack } from '../helpers/stack.js';
import {
  type RunningStandIn,
  type RunningSubgraph,
  startStandIn,
  startSubgraph,
} from './erp-subgraph-harness.js';

// Two ERP subgraph instances over one cache: with the same credentials the second is served
// by what the first read (over Redis, as two replicas would be); with other credentials it
// never is. Counts come from the ERP stand-in and from a proxy in front of it.

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const hasRedis = await redisAvailable(REDIS_URL);
if (!hasRedis)
  console.warn(`[cache-shared] no Redis at ${REDIS_URL}: the shared Redis cache test is skipped`);

const dataset = openDataset({ customers: 30 });
const companyId = dataset.summary.companyId;
const customerNumber = (
  dataset.erp.prepare('SELECT number FROM customers ORDER BY number LIMIT 1').get() as {
    number: string;
  }
).number;
const itemNumber = (
  dataset.erp.prepare('SELECT number FROM items ORDER BY number LIMIT 1').get() as {
    number: string;
  }
).number;

const QUERY = /* GraphQL */ `
  query ($number: String!, $sku: String!) {
    customerByNumber(number: $number) { id number balance { amount } orders(first: 3) { edges { node { number } } } }
    product(sku: $sku) { sku name }
  }
`;
const variables = { number: customerNumber, sku: itemNumber };

const ADDRESS_QUERY = /* GraphQL */ `
  query ($id: ID!) {
    customer(id: $id) { id erpBillingAddress { street city } addresses { purpose street } }
  }
`;
const UPDATE_ADDRESS = /* GraphQL */ `
  mutation ($input: UpdateCustomerAddressInput!) {
    updateCustomerAddress(input: $input) { outcomes { system status } }
  }
`;

const cacheOn = readLegacyCacheConfig({ LEGACY_CACHE: 'memory' });

let standIn: RunningStandIn;
beforeAll(async () => {
  standIn = await startStandIn(dataset.erp, companyId);
});
afterAll(async () => {
  await standIn?.close();
  dataset.close();
});

async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  await standIn.resetStats();
  await run();
  return (await standIn.stats()).roundTrips;
}

/**
 * An ERP that accepts two users' tokens: it forwards each request to the stand-in with the
 * stand-in's token and counts the requests per caller token.
 */
async function twoUserErp(target: string, tokens: readonly string[]) {
  const seen = new Map<string, number>(tokens.map((t) => [t, 0]));
  const server: Server = createServer((req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!seen.has(token)) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'Authentication_InvalidCredentials', message: 'bad token' } }));
      return;
    }
    seen.set(token, (seen.get(token) ?? 0) + 1);
    const url = new URL(req.url ?? '/', target);
    const forward = httpRequest(
      url,
      {
        method: req.method,
        headers: { ...req.headers, host: url.host, authorization: 'Bearer erp-dev-token' },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(forward);
  });
  const url = await listen(server);
  return { url, seen, close: () => closeServer(server) };
}

describe('the cache is keyed on what credentials see, not on tokens', () => {
  it('a replica holding another token of the same integration credentials is served the same entries', async () => {
    const erp = await twoUserErp(standIn.base, ['token-a', 'token-b']);
    const cache = createLegacyCache();
    const subgraphs: RunningSubgraph[] = [];
    try {
      const asA = await startSubgraph(
        erp.url,
        { erpCredentials: fixedCredentials('token-a'), companyId, cache: cacheOn },
        { cache },
      );
      subgraphs.push(asA);
      const asB = await startSubgraph(
        erp.url,
        { erpCredentials: fixedCredentials('token-b'), companyId, cache: cacheOn },
        { cache },
      );
      subgraphs.push(asB);

      const first = await asA.gql(QUERY, variables);
      expect(first.body.errors).toBeUndefined();
      expect(first.body.data.customerByNumber.number).toBe(customerNumber);
      const callsOfA = erp.seen.get('token-a') ?? 0;
      expect(callsOfA).toBeGreaterThan(0);
      // A again: served from the cache.
      await asA.gql(QUERY, variables);
      expect(erp.seen.get('token-a')).toBe(callsOfA);

      // B, same question, same cache, same visibility (tokens rotate; replicas hold different ones): served from the cache.
      // Callers who see other records are kept apart by the scope's visibility (test/unit/cache-config.test.ts).
      const second = await asB.gql(QUERY, variables);
      expect(second.body).toEqual(first.body);
      expect(erp.seen.get('token-b')).toBe(0);
      expect(erp.seen.get('token-a')).toBe(callsOfA);
    } finally {
      for (const subgraph of subgraphs) await subgraph.close();
      await cache.close();
      await erp.close();
    }
  });
});

describe.skipIf(!hasRedis)('the Redis cache shared by two subgraph instances', () => {
  it('instance 1 warms it, instance 2 makes zero ERP calls for the same query', async () => {
    const namespace = `cache-shared-test-${process.pid}-${Date.now()}`;
    const first = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    const second = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    const redisOn = readLegacyCacheConfig({ REDIS_URL });
    expect(redisOn.mode).toBe('redis');
    const one = await startSubgraph(standIn.base, { companyId, cache: redisOn }, { cache: first });
    const two = await startSubgraph(standIn.base, { companyId, cache: redisOn }, { cache: second });
    try {
      let warmed: unknown;
      const cold = await roundTrips(async () => {
        warmed = (await one.gql(QUERY, variables)).body;
      });
      expect(cold).toBeGreaterThan(0);
      let served: unknown;
      const fromRedis = await roundTrips(async () => {
        served = (await two.gql(QUERY, variables)).body;
      });
      expect(fromRedis).toBe(0);
      expect(served).toEqual(warmed);
      expect(second.stats.hits).toBeGreaterThan(0);
    } finally {
      await one.close();
      await two.close();
      await first.close();
      await second.close();
    }
  });
});

describe.skipIf(!hasRedis)('invalidation through Redis between separate cache clients', () => {
  it("a write in the workflows subgraph's client makes the readers' entries stale", async () => {
    // The readers (ERP and CRM subgraphs) and the writer (workflows) each hold their own Redis
    // client on one namespace, as separate processes would.
    const namespace = `cache-invalidation-test-${process.pid}-${Date.now()}`;
    const readers = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    const writer = createLegacyCache({ redisUrl: REDIS_URL, namespace });
    const stack = await startStack({ customers: 30, legacyCache: readers, workflowsDeps: { cache: writer } });
    try {
      const target = stack.dataset.crm
        .prepare(
          `SELECT ERP_Customer_Id__c AS id FROM Account WHERE ERP_Customer_Id__c IS NOT NULL
           GROUP BY ERP_Customer_Id__c HAVING COUNT(*) = 1 ORDER BY ERP_Customer_Id__c LIMIT 1`,
        )
        .get() as { id: string };
      const read = () => stack.query(ADDRESS_QUERY, { id: target.id });
      await read();
      await stack.resetCounts();
      await read();
      const warm = await stack.legacyCalls();
      expect([warm.erp.roundTrips, warm.crm.roundTrips]).toEqual([0, 0]);

      const written = await stack.query(UPDATE_ADDRESS, {
        input: {
          customerId: target.id,
          purpose: 'BILLING',
          address: { street: '5 Redis Row', city: 'Trondheim', postalCode: '7010', country: 'NO' },
        },
      });
      expect(written.body.errors).toBeUndefined();
      const after = await read();
      expect(after.body.data.customer.erpBillingAddress).toMatchObject({
        street: '5 Redis Row',
        city: 'Trondheim',
      });
      expect(writer.stats.writes).toBeGreaterThan(0);
    } finally {
      await stack.close();
      await readers.close();
      await writer.close();
    }
  });
});
