import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LegacyError } from '../../lib/errors.js';
import { LegacyHttp, type LegacyHttpOptions, parseRetryAfter } from '../../lib/legacyHttp.js';

// A scripted legacy server: each test queues the answers; the server counts calls.
type Answer = (req: IncomingMessage, res: ServerResponse) => void;
let answers: Answer[] = [];
let calls: string[] = [];
let server: Server;
let base: string;

const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const answer = answers.shift() ?? json(200, { ok: true });
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2.0`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  answers = [];
  calls = [];
});

function client(overrides: Partial<LegacyHttpOptions> = {}) {
  const waits: number[] = [];
  const http = new LegacyHttp({
    system: 'ERP',
    baseUrl: base,
    headers: { authorization: 'Bearer t' },
    timeoutMs: 2000,
    maxRetries: 2,
    backoffMs: 10,
    maxRetryAfterMs: 5000,
    maxConnections: 4,
    random: () => 0.5,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...overrides,
  });
  return { http, waits };
}

describe('LegacyHttp', () => {
  it('resolves relative paths under the base, absolute paths on the origin, and refuses other hosts', () => {
    const { http } = client();
    expect(http.resolve('customers?$top=1')).toBe(`${base}/customers?$top=1`);
    expect(http.resolve('/services/data/v62.0/query/01g-200')).toBe(
      `${new URL(base).origin}/services/data/v62.0/query/01g-200`,
    );
    expect(() => http.resolve('http://169.254.169.254/latest')).toThrow(LegacyError);
  });

  it('retries a read on 503 and 429, waiting at least Retry-After, and gives up after maxRetries', async () => {
    const { http, waits } = client();
    answers = [json(503, {}), json(429, {}, { 'retry-after': '2' }), json(200, { value: [1] })];
    const response = await http.send<{ value: number[] }>({
      method: 'GET',
      path: 'customers',
      label: 'customers',
    });
    expect(response.body.value).toEqual([1]);
    expect(calls).toHaveLength(3);
    expect(waits[1]).toBeGreaterThanOrEqual(2000);

    answers = [json(503, {}), json(503, {}), json(503, {})];
    calls = [];
    const failure = await http.send({ method: 'GET', path: 'customers', label: 'customers' }).catch((e) => e);
    expect(failure).toBeInstanceOf(LegacyError);
    expect(failure.code).toBe('LEGACY_UNAVAILABLE');
    expect(calls).toHaveLength(3);
  });

  it('never retries a write', async () => {
    const { http } = client();
    answers = [json(503, {})];
    const failure = await http
      .send({ method: 'POST', path: 'salesOrders', body: {}, label: 'create order' })
      .catch((e) => e);
    expect(failure.code).toBe('LEGACY_UNAVAILABLE');
    expect(calls).toEqual(['POST /api/v2.0/salesOrders']);
  });

  it('does not wait for a Retry-After beyond its limit', async () => {
    const { http } = client({ maxRetryAfterMs: 1000 });
    answers = [json(429, {}, { 'retry-after': '120' })];
    const failure = await http.send({ method: 'GET', path: 'items', label: 'items' }).catch((e) => e);
    expect(failure.code).toBe('LEGACY_THROTTLED');
    expect(calls).toHaveLength(1);
  });

  it('classifies timeouts, malformed bodies and 4xx, keeping legacy text out of the message', async () => {
    const { http } = client({ timeoutMs: 100, maxRetries: 0 });
    answers = [() => undefined /* never answers */];
    const timeout = await http.send({ method: 'GET', path: 'slow', label: 'slow read' }).catch((e) => e);
    expect(timeout.code).toBe('LEGACY_TIMEOUT');

    answers = [
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"value": [');
      },
    ];
    const malformed = await http.send({ method: 'GET', path: 'x', label: 'x' }).catch((e) => e);
    expect(malformed.code).toBe('LEGACY_BAD_RESPONSE');

    const described = client({
      maxRetries: 0,
      describeFailure: (_status, body) => ({
        legacyCode: (body as { error: { code: string } }).error.code,
        legacyMessage: (body as { error: { message: string } }).error.message,
      }),
    }).http;
    answers = [json(400, { error: { code: 'BadRequest_InvalidFilter', message: 'secret internal detail' } })];
    const rejected = await described
      .send({ method: 'GET', path: 'x', label: 'customers by id' })
      .catch((e) => e);
    expect(rejected.code).toBe('LEGACY_REJECTED');
    expect(rejected.message).not.toContain('secret');
    expect(rejected.message).not.toContain('127.0.0.1');
    expect(rejected.detail.legacyCode).toBe('BadRequest_InvalidFilter');
    expect(rejected.toGraphQLError().extensions).toEqual({ code: 'LEGACY_REJECTED', system: 'ERP' });
  });

  it('shares one call among identical reads in flight, each caller getting its own copy', async () => {
    const { http } = client();
    answers = [
      (_req, res) =>
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ value: [3, 1, 2] }));
        }, 50),
    ];
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        http.send<{ value: number[] }>({ method: 'GET', path: 'items', label: 'items' }),
      ),
    );
    expect(calls).toHaveLength(1);
    expect(http.sharedReads).toBe(9);
    results[0]!.body.value.sort();
    expect(results[1]!.body.value).toEqual([3, 1, 2]);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(
      parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')),
    ).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});
