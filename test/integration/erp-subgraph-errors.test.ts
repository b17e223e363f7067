import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import { encodeCursor } from '../../lib/connections.js';
import { createLogger } from '../../lib/logger.js';
import { closeServer, listen } from '../helpers/servers.js';
import {
  type Json,
  type RunningStandIn,
  type RunningSubgraph,
  routes,
  startStandIn,
  startSubgraph,
} from './erp-subgraph-harness.js';

/**
 * The ERP subgraph when things go wrong: small server pages, the ERP down or slow, bad input,
 * forged cursors, a misbehaving ERP. Every failure is a catalogued code, never a crash.
 */

let dataset: Dataset;
let erp: RunningStandIn;
let subgraph: RunningSubgraph;

beforeAll(async () => {
  dataset = openDataset({ customers: 30 });
  // Pages of 3 rows force every read to follow @odata.nextLink.
  erp = await startStandIn(dataset.erp, dataset.summary.companyId, { maxPageSize: 3 });
  subgraph = await startSubgraph(erp.base, { timeoutMs: 300 });
});
afterAll(async () => {
  await subgraph?.close();
  await erp?.close();
  dataset?.close();
});

type Row = Record<string, Json>;
const all = (sql: string, ...params: unknown[]) => dataset.erp.prepare(sql).all(...params) as Row[];
const customerIds = (n: number): string[] =>
  all('SELECT id FROM customers ORDER BY number LIMIT ?', n).map((r) => r.id as string);
const representations = (ids: string[]) => ids.map((id) => ({ __typename: 'Customer', id }));

const ORDERS = /* GraphQL */ `
  query ($r: [_Any!]!, $first: Int, $after: String) {
    _entities(representations: $r) { ... on Customer { id number orders(first: $first, after: $after) { edges { node { number } } pageInfo { endCursor hasNextPage } } } }
  }
`;

/** What no error may carry: stack traces, URLs, legacy error codes or text. */
function expectClean(errors: Json[]): void {
  const text = JSON.stringify(errors);
  expect(text).not.toMatch(
    /stacktrace|https?:\/\/|127\.0\.0\.1|BadRequest_|ServiceUnavailable|\bat [\w.]+ \(/,
  );
}

describe('company and paging', () => {
  it('reads the company once when ERP_COMPANY_ID is not set', async () => {
    await erp.resetStats();
    const ids = customerIds(2);
    const first = await subgraph.gql(ORDERS, { r: representations(ids), first: 1 });
    expect(first.body.errors).toBeUndefined();
    const second = await subgraph.gql(ORDERS, { r: representations(ids), first: 1 });
    expect(second.body.errors).toBeUndefined();
    expect(routes(await erp.stats())['GET /companies']).toBe(1);
  });

  it('follows the ERP’s nextLink when a lookup spans several server pages', async () => {
    const ids = customerIds(10);
    await erp.resetStats();
    const res = await subgraph.gql(ORDERS, { r: representations(ids), first: 1 });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities.map((c: Json) => c.number)).toEqual(
      all('SELECT number FROM customers ORDER BY number LIMIT 10').map((r) => r.number),
    );
    // 10 customers at 3 per page: one filtered request, followed over 4 pages.
    expect(routes(await erp.stats())['GET /customers']).toBe(4);
  });

  it('bounds each connection page by the ERP’s page size, with the nextLink as cursor', async () => {
    const busiest = all(
      'SELECT customerId AS id FROM salesOrders GROUP BY customerId ORDER BY COUNT(*) DESC LIMIT 1',
    )[0]!.id as string;
    const expected = all(
      'SELECT number FROM salesOrders WHERE customerId = ? ORDER BY orderDate DESC, number DESC, id DESC',
      busiest,
    ).map((r) => r.number);
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i += 1) {
      // first: 5 above the server's 3: BC's page size wins and the cursor carries on from there.
      const res: { body: Json } = await subgraph.gql(ORDERS, {
        r: representations([busiest]),
        first: 5,
        after,
      });
      expect(res.body.errors).toBeUndefined();
      const orders = res.body.data._entities[0].orders;
      expect(orders.edges.length).toBeLessThanOrEqual(3);
      seen.push(...orders.edges.map((e: Json) => e.node.number));
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });
});

describe('bad input', () => {
  const errorOf = (res: { body: Json }) => res.body.errors?.[0];

  it('refuses `first` outside 1..100', async () => {
    for (const first of [0, -1, 101]) {
      const res = await subgraph.gql(ORDERS, { r: representations(customerIds(1)), first });
      expect(errorOf(res).extensions.code).toBe('BAD_USER_INPUT');
      expect(res.body.data._entities[0].orders).toBeNull();
      expectClean(res.body.errors);
    }
    const products = await subgraph.gql('{ products(first: 1000) { edges { node { sku } } } }');
    expect(products.status).toBe(200);
    expect(errorOf(products).extensions.code).toBe('BAD_USER_INPUT');
  });

  it('refuses malformed and forged cursors', async () => {
    const [a, b] = all(
      'SELECT customerId AS id FROM salesOrders GROUP BY customerId HAVING COUNT(*) > 1 ORDER BY customerId LIMIT 2',
    ).map((r) => r.id as string);
    const firstPage = await subgraph.gql(ORDERS, { r: representations([a!]), first: 1 });
    const cursorOfA = firstPage.body.data._entities[0].orders.pageInfo.endCursor as string;
    expect(cursorOfA).toEqual(expect.any(String));
    const forged = [
      'not a cursor',
      'eyJmb28iOjF9', // {"foo":1}
      Buffer.from('[1,2]').toString('base64url'),
      // A cursor of customer A's orders used for customer B.
      cursorOfA,
      // Another filter, order or option on the same list.
      encodeCursor('orders', {
        query: '?$filter=customerId%20ne%2000000000-0000-4000-8000-000000000000',
        skip: 0,
      }),
      encodeCursor('orders', { query: `?$filter=customerId%20eq%20${b}&$orderby=number`, skip: 0 }),
      encodeCursor('orders', { query: '?$top=1', skip: 0 }),
      // Not a query at all: a path or a host.
      Buffer.from(JSON.stringify({ q: '/api/v2.0/companies', s: 0 })).toString('base64url'),
      Buffer.from(JSON.stringify({ q: 'http://169.254.169.254/latest/meta-data', s: 0 })).toString(
        'base64url',
      ),
      Buffer.from(JSON.stringify({ q: '?', s: -1 })).toString('base64url'),
    ];
    await erp.resetStats();
    for (const after of forged) {
      const res = await subgraph.gql(ORDERS, { r: representations([b!]), first: 2, after });
      expect(errorOf(res)?.extensions.code, after).toBe('BAD_USER_INPUT');
      expectClean(res.body.errors);
    }
    // Only the customers lookups reached the ERP: no forged link was followed.
    expect(Object.keys(routes(await erp.stats()))).toEqual(['GET /customers']);
  });

  it('refuses empty and over-long numbers and searches before any ERP call', async () => {
    await erp.resetStats();
    for (const query of [
      '{ salesOrder(number: "") { id } }',
      `{ invoice(number: "${'9'.repeat(21)}") { id } }`,
      '{ product(sku: "  ") { sku } }',
      `{ products(search: "${'a'.repeat(101)}") { edges { node { sku } } } }`,
      '{ customerByNumber(number: "") { id } }',
    ]) {
      const res = await subgraph.gql(query);
      expect(res.status, query).toBe(200);
      expect(errorOf(res).extensions.code, query).toBe('BAD_USER_INPUT');
    }
    expect((await erp.stats()).total).toBe(0);
  });

  it('refuses malformed entity representations, each on its own, before any ERP call', async () => {
    const query = `query ($r: [_Any!]!) { _entities(representations: $r) { __typename
      ... on Customer { id } ... on Product { sku } ... on SalesOrder { number } ... on Employee { email }
      ... on Invoice { number } ... on Shipment { number } ... on Payment { id } } }`;
    const bad = [
      { __typename: 'Customer' },
      { __typename: 'Customer', id: 123 },
      { __typename: 'Customer', id: 'x'.repeat(257) },
      { __typename: 'Product', sku: null },
      { __typename: 'Product', sku: '1'.repeat(21) },
      { __typename: 'SalesOrder' },
      { __typename: 'SalesOrder', id: 7 },
      { __typename: 'Employee', email: 5 },
      { __typename: 'Invoice', number: {} },
      { __typename: 'Shipment', number: '' },
      { __typename: 'Payment', id: [] },
    ];
    await erp.resetStats();
    const res = await subgraph.gql(query, {
      r: [...bad, { __typename: 'Customer', id: '001000000000009AAA' }],
    });
    expect(res.status).toBe(200);
    expect(res.body.data._entities).toEqual([
      ...bad.map(() => null),
      { __typename: 'Customer', id: '001000000000009AAA' },
    ]);
    expect(res.body.errors.map((e: Json) => [e.path, e.extensions.code])).toEqual(
      bad.map((_, i) => [['_entities', i], 'BAD_USER_INPUT']),
    );
    expect((await erp.stats()).total).toBe(0);

    for (const r of [[{ __typename: 'Nope', id: 'x' }], ['not an object']]) {
      const unknown = await subgraph.gql(query, { r });
      expect(unknown.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expectClean(unknown.body.errors);
    }
  });

  it('answers invalid GraphQL with the catalogue’s codes', async () => {
    const parse = await subgraph.gql('{ salesOrder(number: ');
    expect(errorOf(parse).extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    const validation = await subgraph.gql('{ salesOrder(number: "x") { nope } }');
    expect(errorOf(validation).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const variables = await subgraph.gql('query ($n: String!) { salesOrder(number: $n) { id } }', { n: 5 });
    expect(errorOf(variables).extensions.code).toBe('BAD_USER_INPUT');
    for (const res of [parse, validation, variables]) expectClean(res.body.errors);
  });

  it('treats values with quotes as data, never as filter syntax', async () => {
    await erp.resetStats();
    const res = await subgraph.gql(
      `{ salesOrder(number: "x' or number ne 'y") { id } customerByNumber(number: "') or (1 eq 1") { id } products(search: "'", first: 5) { edges { node { sku } } } }`,
    );
    expect(res.body).toEqual({ data: { salesOrder: null, customerByNumber: null, products: { edges: [] } } });
    expect((await erp.stats()).total).toBeGreaterThan(0);
  });
});

describe('the ERP failing', () => {
  it('fails the ERP fields with LEGACY_UNAVAILABLE naming the ERP when it is down', async () => {
    await erp.simConfig({ outage: true });
    try {
      const res = await subgraph.gql(ORDERS, { r: representations(customerIds(3)), first: 2 });
      expect(res.status).toBe(200);
      expect(res.body.errors.length).toBeGreaterThan(0);
      for (const error of res.body.errors) {
        expect(error.extensions).toEqual({ code: 'LEGACY_UNAVAILABLE', system: 'ERP' });
        expect(error.message).toMatch(/^The ERP is unavailable/);
      }
      expectClean(res.body.errors);
      const product = await subgraph.gql('{ product(sku: "1000") { sku } }');
      expect(product.body.data).toEqual({ product: null });
      expect(product.body.errors[0].extensions).toEqual({ code: 'LEGACY_UNAVAILABLE', system: 'ERP' });
    } finally {
      await erp.simConfig({ outage: false });
    }
    const recovered = await subgraph.gql(ORDERS, { r: representations(customerIds(1)), first: 1 });
    expect(recovered.body.errors).toBeUndefined();
  });

  it('fails with LEGACY_TIMEOUT when the ERP answers later than the configured timeout', async () => {
    await erp.simConfig({ latencyMs: 1000 });
    try {
      const res = await subgraph.gql('{ product(sku: "1000") { sku } }');
      expect(res.body.data).toEqual({ product: null });
      expect(res.body.errors[0].extensions).toEqual({ code: 'LEGACY_TIMEOUT', system: 'ERP' });
      expectClean(res.body.errors);
    } finally {
      await erp.simConfig({ latencyMs: 0 });
    }
  });

  it('fails with LEGACY_THROTTLED when the ERP keeps answering 429', async () => {
    await erp.simConfig({ throttleAfter: 0, throttleRetryAfterSeconds: null });
    try {
      const res = await subgraph.gql('{ product(sku: "1000") { sku } }');
      expect(res.body.errors[0].extensions).toEqual({ code: 'LEGACY_THROTTLED', system: 'ERP' });
    } finally {
      await erp.simConfig({ throttleAfter: null, throttleRetryAfterSeconds: 1 });
    }
  });

  it('fails one $batch part alone: the other customers’ lists still come back', async () => {
    // A fake ERP whose $batch answers one part with BC's error; everything else it refuses.
    const company = '11111111-1111-4111-8111-111111111111';
    const ids = [
      '22222222-2222-4222-8222-222222222221',
      '22222222-2222-4222-8222-222222222222',
      '22222222-2222-4222-8222-222222222223',
    ];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url?.includes('/customers?')) {
          res.end(JSON.stringify({ value: ids.map((id, i) => ({ id, number: `C${i}`, blocked: ' ' })) }));
          return;
        }
        if (req.url?.endsWith('/$batch')) {
          const parts = JSON.parse(body).requests as { id: string; url: string }[];
          res.end(
            JSON.stringify({
              responses: parts.map((part, i) => {
                if (i === 0) {
                  return {
                    id: part.id,
                    status: 500,
                    body: { error: { code: 'Internal_ServerError', message: 'secret detail' } },
                  };
                }
                const page = {
                  value: [
                    { id: `0000000${i}-0000-4000-8000-000000000000`, number: `SO${i}`, status: 'Open' },
                  ],
                };
                // A next page on another host must be neither followed nor handed out as a cursor.
                return {
                  id: part.id,
                  status: 200,
                  body: i === 2 ? { ...page, '@odata.nextLink': 'http://evil.example/api/v2.0/x' } : page,
                };
              }),
            }),
          );
          return;
        }
        res.statusCode = 404;
        res.end(JSON.stringify({ error: { code: 'BadRequest_NotFound', message: 'no' } }));
      });
    });
    const base = await listen(fake);
    const other = await startSubgraph(base, { companyId: company });
    try {
      const res = await other.gql(ORDERS, { r: representations(ids), first: 2 });
      const [first, second, third] = res.body.data._entities;
      expect(first).toEqual({ id: ids[0], number: 'C0', orders: null });
      expect(second).toEqual({
        id: ids[1],
        number: 'C1',
        orders: {
          edges: [{ node: { number: 'SO1' } }],
          pageInfo: { endCursor: expect.any(String), hasNextPage: false },
        },
      });
      expect(third).toEqual({ id: ids[2], number: 'C2', orders: null });
      const codes = res.body.errors.map((e: Json) => e.extensions.code).sort();
      expect(codes).toEqual(['LEGACY_BAD_RESPONSE', 'LEGACY_UNAVAILABLE']);
      expectClean(res.body.errors);
      expect(JSON.stringify(res.body)).not.toContain('secret detail');
    } finally {
      await other.close();
      await closeServer(fake);
    }
  });

  it('sends $batch parts BC throttled again, and only those, within the configured retries', async () => {
    const company = '11111111-1111-4111-8111-111111111111';
    const ids = [1, 2, 3].map((n) => `22222222-2222-4222-8222-22222222222${n}`);
    const seenParts = new Map<string, number>();
    const envelopes: number[] = [];
    const fake = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url?.includes('/customers?')) {
          res.end(JSON.stringify({ value: ids.map((id, i) => ({ id, number: `C${i}`, blocked: ' ' })) }));
          return;
        }
        const answer = (url: string) => {
          // $batch parts are relative to the batch endpoint; a lone GET has the whole path.
          const key = url.slice(url.indexOf('salesOrders'));
          const times = (seenParts.get(key) ?? 0) + 1;
          seenParts.set(key, times);
          // The first customer's list is throttled once; the third's always fails.
          if (url.includes(ids[0]!) && times === 1) {
            return {
              status: 429,
              body: { error: { code: 'Application_TooManyRequests', message: 'slow down' } },
            };
          }
          if (url.includes(ids[2]!)) {
            return { status: 503, body: { error: { code: 'ServiceUnavailable', message: 'down' } } };
          }
          return { status: 200, body: { value: [] } };
        };
        if (req.method === 'GET') {
          const { status, body: payload } = answer(req.url ?? '');
          res.statusCode = status;
          res.end(JSON.stringify(payload));
          return;
        }
        const parts = JSON.parse(body).requests as { id: string; url: string }[];
        envelopes.push(parts.length);
        res.end(JSON.stringify({ responses: parts.map((part) => ({ id: part.id, ...answer(part.url) })) }));
      });
    });
    const base = await listen(fake);
    const other = await startSubgraph(base, { companyId: company, maxRetries: 2 });
    try {
      const res = await other.gql(ORDERS, { r: representations(ids), first: 2 });
      const orders = res.body.data._entities.map((c: Json) => c.orders);
      expect(orders[0]).toEqual({ edges: [], pageInfo: { endCursor: null, hasNextPage: false } });
      expect(orders[1]).toEqual({ edges: [], pageInfo: { endCursor: null, hasNextPage: false } });
      expect(orders[2]).toBeNull();
      expect(res.body.errors.map((e: Json) => e.extensions)).toEqual([
        { code: 'LEGACY_UNAVAILABLE', system: 'ERP' },
      ]);
      // 3 parts; then the two that failed; then the one still failing alone, as a plain GET
      // (which LegacyHttp itself retries twice).
      expect(envelopes).toEqual([3, 2]);
      expect([...seenParts.values()]).toEqual([2, 1, 5]);
    } finally {
      await other.close();
      await closeServer(fake);
    }
  });

  it('masks an unexpected failure as INTERNAL_SERVER_ERROR and logs it, and legacy details, under the request id', async () => {
    const lines: Json[] = [];
    const logger = createLogger({
      name: 'erp-subgraph-test',
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    // An ERP that answers a customers lookup with a row that is not a record.
    const requestIds: unknown[] = [];
    const fake = createServer((req, res) => {
      requestIds.push(req.headers['x-request-id']);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ value: [null] }));
    });
    const base = await listen(fake);
    const other = await startSubgraph(
      base,
      { companyId: '11111111-1111-4111-8111-111111111111' },
      { logger },
    );
    try {
      const res = await other.gql(ORDERS, { r: representations(['22222222-2222-4222-8222-222222222222']) });
      expect(res.status).toBe(200);
      // The record and the orders page are read side by side: both fail the same way.
      expect(res.body.errors.length).toBeGreaterThan(0);
      for (const error of res.body.errors) {
        expect(error).toMatchObject({
          message: 'Internal server error.',
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        });
      }
      const logged = lines.find((line) => line.msg === 'unexpected error in the ERP subgraph');
      expect(logged).toMatchObject({ requestId: 'test-request', level: 50 });
      expect(logged.err.stack).toContain('TypeError');
      // The gateway's request id reaches the ERP, so its logs can be matched with ours.
      expect(requestIds.length).toBeGreaterThan(0);
      expect(new Set(requestIds)).toEqual(new Set(['test-request']));
    } finally {
      await other.close();
      await closeServer(fake);
    }

    lines.length = 0;
    const logged = await startSubgraph(erp.base, {}, { logger });
    await erp.simConfig({ outage: true });
    try {
      const res = await logged.gql('{ product(sku: "1000") { sku } }');
      expect(res.body.errors[0].extensions.code).toBe('LEGACY_UNAVAILABLE');
      const warning = lines.find((line) => line.code === 'LEGACY_UNAVAILABLE');
      expect(warning).toMatchObject({ requestId: 'test-request', level: 40, detail: { status: 503 } });
      expect(warning.detail.legacyCode).toBe('ServiceUnavailable');
    } finally {
      await erp.simConfig({ outage: false });
      await logged.close();
    }
  });
});
