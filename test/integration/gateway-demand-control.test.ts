import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/config.js';
import { createGateway, type Gateway } from '../../gateway/createGateway.js';
import { DEFAULT_DEMAND_CONTROL, type DemandControlConfig } from '../../gateway/demandControlConfig.js';
import type { RateLimitSettings } from '../../gateway/rateLimit.js';
import { createLogger, silentLogger } from '../../lib/logger.js';
import { DEFAULT_REFRESH_AHEAD } from '../../lib/refreshAhead.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { redisAvailable } from '../helpers/redis.js';
import { listen } from '../helpers/servers.js';
import { type GraphQLAnswer, type Stack, startStack } from '../helpers/stack.js';

/**
 * The gateway's demand control over the real stack: a caller over its rate limit gets 429 with
 * Retry-After, an operation over the cost limit 400 with OPERATION_LIMIT_EXCEEDED — both before
 * any subgraph or legacy call; in report mode both are served and logged; with Redis the rate is
 * counted across gateway replicas.
 */

const SMALL = '{ customers(first: 2) { edges { node { id name } } } }';
/** 100 customers × 100 orders × 100 interactions of each order's customer. */
const HUNDRED_CUBED = `{ customers(first: 100) { edges { node { orders(first: 100) { edges { node {
  customer { interactions(first: 100) { edges { node { subject } } } } } } } } } } }`;

function demandControl(
  overrides: Partial<Omit<DemandControlConfig, 'rateLimit'>> & {
    rateLimit?: Partial<RateLimitSettings>;
  } = {},
): DemandControlConfig {
  return {
    ...DEFAULT_DEMAND_CONTROL,
    ...overrides,
    rateLimit: {
      ...DEFAULT_DEMAND_CONTROL.rateLimit,
      // Each test's own counters, also in a Redis other runs share.
      keyPrefix: `test:gateway-rate:${randomUUID()}`,
      ...overrides.rateLimit,
    },
  };
}

async function post(url: string, query: string, token: string, variables?: unknown): Promise<GraphQLAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

async function legacyTotal(stack: Stack): Promise<number> {
  const calls = await stack.legacyCalls();
  return calls.erp.total + calls.crm.total;
}

describe('rate limit per caller (memory)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      customers: 20,
      gateway: { demandControl: demandControl({ rateLimit: { requests: 3, windowS: 60 } }) },
    });
  });
  afterAll(() => stack?.close());

  it('the request over the limit is 429 with Retry-After, before any legacy call; another caller is not affected', async () => {
    const alice = await stack.tokenFor({ sub: 'alice' });
    for (let i = 0; i < 3; i++) {
      const answer = await post(stack.gatewayUrl, SMALL, alice);
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    await stack.resetCounts();
    const refused = await post(stack.gatewayUrl, SMALL, alice);
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      limit: 'rate',
      maximum: 3,
    });
    expect(refused.body.errors[0].message).toMatch(/at most 3 every 60 s/);
    expect(await legacyTotal(stack)).toBe(0);

    const bob = await stack.tokenFor({ sub: 'bob' });
    const other = await post(stack.gatewayUrl, SMALL, bob);
    expect(other.status).toBe(200);
    expect(other.body.data.customers.edges).toHaveLength(2);
  });
});

describe('cost limit', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ customers: 20, gateway: { demandControl: demandControl() } });
  });
  afterAll(() => stack?.close());

  it('Customer360 for 100 customers is served; 100 × 100 × 100 is 400 before any legacy call', async () => {
    const served = await stack.query(CUSTOMER_360, { first: 100 });
    expect(served.status).toBe(200);
    expect(served.body.errors).toBeUndefined();
    expect(served.body.data.customers.edges.length).toBeGreaterThan(0);

    await stack.resetCounts();
    const refused = await stack.query(HUNDRED_CUBED);
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0].extensions).toMatchObject({
      code: 'OPERATION_LIMIT_EXCEEDED',
      limit: 'cost',
      maximum: DEFAULT_DEMAND_CONTROL.maxCost,
      actual: 2_131_210,
    });
    expect(await legacyTotal(stack)).toBe(0);
  });

  it('the cost follows the variables: the same document is served or refused by `first`', async () => {
    const query = `query Nested($first: Int!) { customers(first: $first) { edges { node {
      orders(first: $first) { edges { node { number lines { quantity } } } } } } } }`;
    const small = await stack.query(query, { first: 5 });
    expect(small.status).toBe(200);
    expect(small.body.errors).toBeUndefined();
    await stack.resetCounts();
    const big = await stack.query(query, { first: 100 });
    expect(big.status).toBe(400);
    expect(big.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit: 'cost' });
    expect(await legacyTotal(stack)).toBe(0);
  });
});

describe('report-only mode', () => {
  let stack: Stack;
  const logged: Record<string, unknown>[] = [];
  beforeAll(async () => {
    const logger = createLogger({
      name: 'test',
      level: 'info',
      destination: { write: (line: string) => void logged.push(JSON.parse(line)) },
    });
    stack = await startStack({
      customers: 20,
      logger,
      gateway: {
        demandControl: demandControl({
          mode: 'report',
          maxCost: 100,
          rateLimit: { requests: 1, windowS: 60 },
        }),
      },
    });
  });
  afterAll(() => stack?.close());

  it('serves what it would refuse and logs who, with the figures', async () => {
    const carol = await stack.tokenFor({ sub: 'carol' });
    const first = await post(stack.gatewayUrl, CUSTOMER_360, carol, { first: 10 });
    const second = await post(stack.gatewayUrl, CUSTOMER_360, carol, { first: 10 });
    for (const answer of [first, second]) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.customers.edges).toHaveLength(10);
    }
    const overCost = logged.filter(
      (entry) => entry.msg === 'over the cost limit; served (GATEWAY_LIMITS_MODE=report)',
    );
    expect(overCost).toHaveLength(2);
    expect(overCost[0]).toMatchObject({
      subject: 'carol',
      operationName: 'Customer360',
      limit: 'cost',
      maximum: 100,
      actual: 1741,
    });
    const overRate = logged.filter(
      (entry) => entry.msg === 'over the rate limit; served (GATEWAY_LIMITS_MODE=report)',
    );
    expect(overRate).toHaveLength(1);
    expect(overRate[0]).toMatchObject({ subject: 'carol', limit: 'rate', maximum: 1, windowS: 60, used: 2 });
  });
});

describe('rate limit shared through Redis by two gateways', async () => {
  const REDIS_URL = 'redis://127.0.0.1:6379';
  const haveRedis = await redisAvailable(REDIS_URL);
  if (!haveRedis) console.warn(`no Redis at ${REDIS_URL}: the shared rate limit test is skipped`);

  let stack: Stack;
  let second: Gateway;
  let secondUrl: string;
  const shared = demandControl({ rateLimit: { requests: 4, windowS: 60 } });
  beforeAll(async () => {
    if (!haveRedis) return;
    stack = await startStack({ customers: 20, gateway: { redisUrl: REDIS_URL, demandControl: shared } });
    second = createGateway(
      gatewayConfig({
        subgraphUrls: {
          erp: stack.erpSubgraphUrl,
          crm: stack.crmSubgraphUrl,
          workflows: stack.workflowsSubgraphUrl,
          reports: stack.reportsSubgraphUrl,
        },
        auth: stack.auth.config,
        responseCache: { enabled: false, ttlMs: 0, refreshAhead: DEFAULT_REFRESH_AHEAD },
        redisUrl: REDIS_URL,
        demandControl: shared,
      }),
      { logger: silentLogger },
    );
    await second.ready();
    secondUrl = `${await listen(second.server)}/graphql`;
  });
  afterAll(async () => {
    await second?.close();
    await stack?.close();
  });

  it.skipIf(!haveRedis)('requests through either gateway count against one limit', async () => {
    const dave = await stack.tokenFor({ sub: `dave-${randomUUID()}` });
    expect((await post(stack.gatewayUrl, SMALL, dave)).status).toBe(200);
    expect((await post(secondUrl, SMALL, dave)).status).toBe(200);
    expect((await post(stack.gatewayUrl, SMALL, dave)).status).toBe(200);
    expect((await post(secondUrl, SMALL, dave)).status).toBe(200);
    await stack.resetCounts();
    for (const url of [stack.gatewayUrl, secondUrl]) {
      const refused = await post(url, SMALL, dave);
      expect(refused.status).toBe(429);
      expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(await legacyTotal(stack)).toBe(0);
  });
});

describe('rate limit while Redis is unreachable', () => {
  let stack: Stack;
  beforeAll(async () => {
    // A port that was just free: no Redis answers there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    stack = await startStack({
      customers: 10,
      gateway: {
        redisUrl: `redis://127.0.0.1:${port}`,
        demandControl: demandControl({ rateLimit: { requests: 2 } }),
      },
    });
  });
  afterAll(() => stack?.close());

  it('counts in the gateway memory instead: served within the limit, 429 over it, never a 500', async () => {
    const erin = await stack.tokenFor({ sub: 'erin' });
    expect((await post(stack.gatewayUrl, SMALL, erin)).status).toBe(200);
    expect((await post(stack.gatewayUrl, SMALL, erin)).status).toBe(200);
    const refused = await post(stack.gatewayUrl, SMALL, erin);
    expect(refused.status).toBe(429);
    expect(refused.body.errors[0].extensions.code).toBe('RATE_LIMITED');
  });
});
