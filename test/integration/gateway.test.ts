import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../gateway/config.js';
import { createGateway, type Gateway } from '../../gateway/createGateway.js';
import { silentLogger } from '../../lib/logger.js';
import { CRM_SUBGRAPH_DEFAULTS } from '../../subgraphs/crm/config.js';
import { createCrmSubgraph } from '../../subgraphs/crm/createCrmSubgraph.js';
import { readErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import { createErpSubgraph } from '../../subgraphs/erp/createErpSubgraph.js';
import { testAuth } from '../helpers/auth.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { closeServer, listen } from '../helpers/servers.js';
import { type GraphQLAnswer, type Stack, startStack } from '../helpers/stack.js';

/**
 * The gateway's own duties over the real stack: liveness and readiness, request ids carried
 * to the subgraphs, errors masked to the catalogue, operation limits enforced before any
 * subgraph or legacy call.
 */

let stack: Stack;
const extras: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  stack = await startStack({ customers: 60, production: true });
});
afterAll(async () => {
  for (const extra of extras.reverse()) await extra.close();
  await stack?.close();
});

/** Listens on loopback; closed after the file's tests. */
async function listenUntilEnd(server: Server): Promise<string> {
  const url = await listen(server);
  extras.push({ close: () => closeServer(server) });
  return url;
}

/** A port that was just free: nothing answers on it. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/graphql`;
}

/** A gateway of its own over the given subgraph URLs (the stack's unless replaced). */
async function gatewayOver(
  urls: Partial<Record<'erp' | 'crm' | 'workflows' | 'reports', string>>,
  overrides: Parameters<typeof gatewayConfig>[0] = {},
): Promise<{ url: string; gateway: Gateway }> {
  const gateway = createGateway(
    gatewayConfig({
      subgraphUrls: {
        erp: stack.erpSubgraphUrl,
        crm: stack.crmSubgraphUrl,
        workflows: stack.workflowsSubgraphUrl,
        reports: stack.reportsSubgraphUrl,
        ...urls,
      },
      production: true,
      auth: testAuth().config,
      subgraphTimeoutMs: 2000,
      readyProbeTimeoutMs: 500,
      ...overrides,
    }),
    { logger: silentLogger },
  );
  extras.push(gateway);
  await gateway.ready();
  return { url: await listenUntilEnd(gateway.server), gateway };
}

async function post(
  url: string,
  query: string,
  variables?: unknown,
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${await testAuth().tokenFor()}`,
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: response.status,
    body: (await response.json()) as GraphQLAnswer['body'],
    headers: response.headers,
  };
}

const origin = () => stack.gatewayUrl.replace(/\/graphql$/, '');

describe('health and readiness', () => {
  it('GET /health answers 200 {"status":"ok"}', async () => {
    const response = await fetch(`${origin()}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /ready answers 200 when the supergraph is loaded and every subgraph answers', async () => {
    const response = await fetch(`${origin()}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      status: 'ready',
      subgraphs: { erp: 'ok', crm: 'ok', workflows: 'ok', reports: 'ok' },
      // Each subgraph's legacy breakers, as its own /ready reports them.
      breakers: {
        erp: { ERP: 'closed' },
        crm: { CRM: 'closed' },
        workflows: { ERP: 'closed', CRM: 'closed' },
        reports: { ERP: 'closed', CRM: 'closed' },
      },
    });
  });

  it('GET /ready answers 503 naming the subgraph that does not answer, and no address', async () => {
    const { url } = await gatewayOver({ erp: await deadUrl() });
    const response = await fetch(`${url}/ready`);
    expect(response.status).toBe(503);
    const body = await response.json();
    expect(body).toEqual({
      status: 'not ready',
      notReady: ['erp'],
      subgraphs: { erp: 'could not be reached', crm: 'ok', workflows: 'ok', reports: 'ok' },
      breakers: {
        crm: { CRM: 'closed' },
        workflows: { ERP: 'closed', CRM: 'closed' },
        reports: { ERP: 'closed', CRM: 'closed' },
      },
    });
    expect((await fetch(`${url}/health`)).status).toBe(200);
  });

  it('GET /ready answers 503 until the supergraph is loaded', async () => {
    const gateway = createGateway(
      gatewayConfig({
        subgraphUrls: {
          erp: stack.erpSubgraphUrl,
          crm: stack.crmSubgraphUrl,
          workflows: stack.workflowsSubgraphUrl,
          reports: stack.reportsSubgraphUrl,
        },
      }),
      { logger: silentLogger },
    );
    extras.push(gateway);
    const url = await listenUntilEnd(gateway.server);
    const before = await fetch(`${url}/ready`);
    expect(before.status).toBe(503);
    expect(await before.json()).toEqual({ status: 'not ready', notReady: ['supergraph'] });
    await gateway.ready();
    expect((await fetch(`${url}/ready`)).status).toBe(200);
  });
});

interface Hop {
  subgraph: string;
  requestId: string | undefined;
}

/** A recording hop in front of a real server: notes each request's x-request-id, forwards it unchanged. */
function recordingHop(seen: Hop[], name: string, target: string): Promise<string> {
  return listenUntilEnd(
    createServer((req: IncomingMessage, res) => {
      seen.push({ subgraph: name, requestId: req.headers['x-request-id'] as string | undefined });
      const upstream = httpRequest(
        new URL(req.url ?? '/', target),
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    }),
  );
}

describe('request ids', () => {
  it("the caller's x-request-id is echoed and passed on to every subgraph call", async () => {
    const seen: Hop[] = [];
    const recordingProxy = (subgraph: string, target: string) => recordingHop(seen, subgraph, target);
    const { url } = await gatewayOver({
      erp: `${await recordingProxy('erp', stack.erpSubgraphUrl)}/graphql`,
      crm: `${await recordingProxy('crm', stack.crmSubgraphUrl)}/graphql`,
    });
    const answer = await post(
      url,
      '{ customers(first: 3) { edges { node { id name balance { amount } } } } }',
      undefined,
      { 'x-request-id': 'ticket-4711' },
    );
    expect(answer.body.errors).toBeUndefined();
    expect(answer.headers.get('x-request-id')).toBe('ticket-4711');
    expect(seen.map((call) => call.subgraph).sort()).toEqual(['crm', 'erp']);
    for (const call of seen) expect(call.requestId).toBe('ticket-4711');
  });

  it('…and the subgraphs pass it on to every legacy call', async () => {
    const seen: Hop[] = [];
    const erpLegacy = await recordingHop(seen, 'ERP', stack.erpLegacyUrl);
    const crmLegacy = await recordingHop(seen, 'CRM', stack.crmLegacyUrl);
    const erp = createErpSubgraph(
      {
        ...readErpSubgraphConfig({}),
        auth: testAuth().config,
        erpUrl: erpLegacy,
        companyId: stack.dataset.summary.companyId,
        maxRetries: 0,
      },
      { logger: silentLogger },
    );
    const crm = createCrmSubgraph(
      { ...CRM_SUBGRAPH_DEFAULTS, auth: testAuth().config, crmUrl: crmLegacy, maxRetries: 0 },
      { logger: silentLogger },
    );
    extras.push(erp, crm);
    const { url } = await gatewayOver({
      erp: `${await listenUntilEnd(erp.server)}/graphql`,
      crm: `${await listenUntilEnd(crm.server)}/graphql`,
    });
    const answer = await post(url, CUSTOMER_360, { first: 3 }, { 'x-request-id': 'ticket-4712' });
    expect(answer.body.errors).toBeUndefined();
    expect(new Set(seen.map((hop) => hop.subgraph))).toEqual(new Set(['ERP', 'CRM']));
    for (const hop of seen) expect(hop.requestId, hop.subgraph).toBe('ticket-4712');
  });
});

describe('error masking (production)', () => {
  it('a misspelt field is a validation error without suggestions', async () => {
    const answer = await post(origin(), '{ customers(first: 1) { edges { node { nme } } } }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toHaveLength(1);
    const [error] = answer.body.errors;
    expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toContain('nme');
    expect(error.message).not.toMatch(/did you mean/i);
    expect(error.extensions.stacktrace).toBeUndefined();
  });

  it('introspection is off in production', async () => {
    const answer = await post(origin(), '{ __schema { queryType { name } } }');
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('a subgraph that cannot be reached is SUBGRAPH_UNAVAILABLE naming it and the missing fields, no address', async () => {
    const dead = await deadUrl();
    const { url } = await gatewayOver({ erp: dead });
    const answer = await post(
      url,
      '{ customers(first: 2) { edges { node { id name balance { amount } } } } }',
    );
    expect(answer.status).toBe(200);
    expect(answer.body.data.customers.edges).toHaveLength(2);
    for (const edge of answer.body.data.customers.edges) {
      expect(edge.node.name).toEqual(expect.any(String));
      expect(edge.node.balance).toBeNull();
    }
    expect(answer.body.errors).toHaveLength(1);
    const [error] = answer.body.errors;
    expect(error.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'erp' });
    expect(error.extensions.missingFields).toContain('balance');
    expect(error.message).toMatch(/ERP subgraph could not be reached.*balance/);
    expect(error.extensions.requestId).toEqual(expect.any(String));
    const text = JSON.stringify(answer.body);
    expect(text).not.toContain(new URL(dead).port);
    expect(text).not.toMatch(/127\.0\.0\.1|https?:|ECONNREFUSED|stacktrace/);
  });

  it('outside production too, an error carries no stack trace and no address', async () => {
    const { url } = await gatewayOver({ erp: await deadUrl() }, { production: false });
    const answer = await post(url, '{ customers(first: 1) { edges { node { id balance { amount } } } } }');
    expect(answer.body.errors?.[0]?.extensions.code).toBe('SUBGRAPH_UNAVAILABLE');
    expect(JSON.stringify(answer.body)).not.toMatch(/stacktrace|127\.0\.0\.1|https?:|\bat [\w.]+ \(/);
  });

  it('a subgraph slower than SUBGRAPH_TIMEOUT_MS leaves the other fields, with the error naming it', async () => {
    const slow = await listenUntilEnd(createServer(() => undefined)); // accepts, never answers
    const { url } = await gatewayOver({ crm: `${slow}/graphql` }, { subgraphTimeoutMs: 300 });
    const number = (
      stack.dataset.erp.prepare('SELECT number FROM customers LIMIT 1').get() as { number: string }
    ).number;
    const answer = await post(url, `{ customerByNumber(number: "${number}") { number name } }`);
    expect(answer.body.data.customerByNumber).toEqual({ number, name: null });
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', subgraph: 'crm' });
    expect(answer.body.errors[0].message).toContain('did not answer within 300 ms');
  });

  it('uncatalogued errors become INTERNAL_SERVER_ERROR with the request id; URLs are cut from catalogued ones', async () => {
    // A subgraph that breaks its contract: an uncatalogued code whose text leaks an address.
    const broken = await listenUntilEnd(
      createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            data: { salesOrder: null, product: null },
            errors: [
              {
                message: 'connect ECONNREFUSED http://10.9.8.7:5432/erp?password=hunter2',
                path: ['salesOrder'],
                extensions: { code: 'DATABASE_ERROR', detail: 'pg: relation missing' },
              },
              {
                message: 'The ERP is unavailable (see http://erp.internal.example/api/v2.0).',
                path: ['product'],
                extensions: { code: 'LEGACY_UNAVAILABLE', system: 'ERP', legacyMessage: 'raw legacy text' },
              },
            ],
          }),
        );
      }),
    );
    const { url } = await gatewayOver({ erp: `${broken}/graphql` });
    const answer = await post(
      url,
      '{ salesOrder(number: "S1") { number } product(sku: "1") { sku } }',
      undefined,
      {
        'x-request-id': 'masking-1',
      },
    );
    expect(answer.status).toBe(200);
    const byPath = Object.fromEntries(answer.body.errors.map((e: { path: string[] }) => [e.path[0], e]));
    expect(byPath.salesOrder).toEqual({
      message: 'Internal server error.',
      path: ['salesOrder'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'masking-1' },
    });
    expect(byPath.product.extensions).toEqual({
      code: 'LEGACY_UNAVAILABLE',
      system: 'ERP',
      subgraph: 'erp',
      requestId: 'masking-1',
    });
    expect(byPath.product.message).toBe('The ERP is unavailable (see [address hidden]).');
    expect(JSON.stringify(answer.body)).not.toMatch(/10\.9\.8\.7|hunter2|pg:|raw legacy|erp\.internal/);
  });
});

describe('malformed requests', () => {
  const json = { 'content-type': 'application/json' };
  const cases: [string, RequestInit][] = [
    ['a body that is not JSON', { method: 'POST', headers: json, body: '{"query":' }],
    ['a query that is not a string', { method: 'POST', headers: json, body: '{"query":5}' }],
    ['an empty body', { method: 'POST', headers: json, body: '' }],
    ['a batch of operations', { method: 'POST', headers: json, body: '[{"query":"{__typename}"}]' }],
    [
      'a form post (CSRF)',
      { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"query":"{__typename}"}' },
    ],
    ['a PUT', { method: 'PUT', headers: json, body: '{"query":"{__typename}"}' }],
    ['a syntax error', { method: 'POST', headers: json, body: JSON.stringify({ query: '{ customers(' }) }],
    [
      'a variable of the wrong type',
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          query: 'query ($f: Int!) { customers(first: $f) { edges { node { id } } } }',
          variables: { f: 'ten' },
        }),
      },
    ],
    [
      'a missing variable',
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({
          query: 'query ($f: Int!) { customers(first: $f) { edges { node { id } } } }',
        }),
      },
    ],
    [
      'several operations and no operationName',
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: 'query A { __typename } query B { __typename }' }),
      },
    ],
    [
      'an unknown operationName',
      {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ query: 'query A { __typename }', operationName: 'C' }),
      },
    ],
  ];
  for (const [name, init] of cases) {
    it(`${name} is a 4xx with a catalogued code, never a 500, and costs no legacy call`, async () => {
      await stack.resetCounts();
      // An authenticated caller: the refusal under test is of the request, not of who sent it.
      const authorization = `Bearer ${await stack.tokenFor()}`;
      const response = await fetch(stack.gatewayUrl, {
        ...init,
        headers: { ...(init.headers as Record<string, string>), authorization },
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      const body = (await response.json()) as GraphQLAnswer['body'];
      expect(body.errors.length).toBeGreaterThan(0);
      for (const error of body.errors) {
        expect(['BAD_USER_INPUT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']).toContain(
          error.extensions.code,
        );
        expect(error.extensions.stacktrace).toBeUndefined();
      }
      const calls = await stack.legacyCalls();
      expect(calls.erp.total + calls.crm.total).toBe(0);
    });
  }
});

describe('operation limits, before any subgraph or legacy call', () => {
  async function expectRefusedWithoutCalls(query: string, limit: string): Promise<void> {
    await stack.resetCounts();
    const answer = await post(origin(), query);
    expect(answer.status).toBe(400);
    expect(answer.body.data).toBeUndefined();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit });
    const calls = await stack.legacyCalls();
    expect(calls.erp.total + calls.crm.total).toBe(0);
  }

  it('too deep (13 > 12 levels), also when the depth hides in fragments', async () => {
    // 13 levels: customers edges node orders edges node customer orders edges node customer orders edges ...
    const deep =
      '{ customers { edges { node { orders { edges { node { customer { orders { edges { node { customer { orders { edges { node { number } } } } } } } } } } } } } } }';
    await expectRefusedWithoutCalls(deep, 'depth');
    await expectRefusedWithoutCalls(
      `query { customers { ...A } }
       fragment A on CustomerConnection { edges { node { orders { ...B } } } }
       fragment B on SalesOrderConnection { edges { node { customer { orders { ...C } } } } }
       fragment C on SalesOrderConnection { edges { node { customer { invoices { edges { node { number } } } } } } }`,
      'depth',
    );
  });

  it('too many aliases (31 > 30), counted through fragments', async () => {
    const aliases = Array.from({ length: 31 }, (_, i) => `a${i}: sku`).join(' ');
    await expectRefusedWithoutCalls(`{ product(sku: "1") { ${aliases} } }`, 'aliases');
    const sixteen = Array.from({ length: 16 }, (_, i) => `x${i}: sku`).join(' ');
    await expectRefusedWithoutCalls(
      `{ a: product(sku: "1") { ...P } b: product(sku: "2") { ...P } } fragment P on Product { ${sixteen} }`,
      'aliases',
    );
  });

  it('too many tokens', async () => {
    await expectRefusedWithoutCalls(`{ ${'__typename '.repeat(3100)} }`, 'tokens');
  });

  it('within the limits the Customer360 shape passes, and page sizes are bounded by the subgraphs', async () => {
    const ok = await post(origin(), '{ customers(first: 2) { edges { node { id } } } }');
    expect(ok.body.errors).toBeUndefined();
    await stack.resetCounts();
    const tooMany = await post(origin(), '{ customers(first: 1000) { edges { node { id } } } }');
    expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const calls = await stack.legacyCalls();
    expect(calls.crm.total).toBe(0);
  });
});
