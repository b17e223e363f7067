import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Deadline, operationScope } from '../../lib/deadline.js';
import { LegacyError } from '../../lib/errors.js';
import { LegacyHttp, type LegacyHttpOptions } from '../../lib/legacyHttp.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

// A scripted legacy server that counts the calls it receives: what the client did not send, it
// did not receive.
type Answer = (req: IncomingMessage, res: ServerResponse) => void;
let answers: Answer[] = [];
let calls = 0;
let server: Server;
let base: string;

const json =
  (status: number, body: unknown = {}): Answer =>
  (_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
/** Answers after `ms` (>= 60 where timing decides, so a loaded machine does not). */
const slow =
  (ms: number, answer: Answer = json(200, { ok: true })): Answer =>
  (req, res) => {
    const timer = setTimeout(() => answer(req, res), ms);
    res.on('close', () => clearTimeout(timer));
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    calls += 1;
    (answers.shift() ?? json(200, { ok: true }))(req, res);
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
  calls = 0;
});

function client(overrides: Partial<LegacyHttpOptions> = {}): LegacyHttp {
  return new LegacyHttp({
    system: 'ERP',
    baseUrl: base,
    headers: {},
    timeoutMs: 5000,
    maxRetries: 2,
    backoffMs: 10,
    maxRetryAfterMs: 5000,
    maxConnections: 4,
    random: () => 0.5,
    ...overrides,
  });
}

const read = (http: LegacyHttp) => http.send({ method: 'GET', path: 'customers', label: 'customers' });

async function failure(promise: Promise<unknown>): Promise<LegacyError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(LegacyError);
  return error as LegacyError;
}

describe('LegacyHttp under an operation deadline', () => {
  it('a spent deadline: LEGACY_TIMEOUT naming the system, without a call', async () => {
    const http = client();
    const error = await failure(operationScope.run({ deadline: Deadline.after(0) }, () => read(http)));
    expect(error.code).toBe('LEGACY_TIMEOUT');
    expect(error.system).toBe('ERP');
    expect(calls).toBe(0);
    await http.close();
  });

  it('an attempt is cut at the deadline, not at the (longer) timeout, and not retried past it', async () => {
    const http = client({ timeoutMs: 10_000 });
    // A deadline well above the time it takes to reach the call on a loaded machine, well below
    // the answer's delay: the call is made, then cut by the deadline.
    answers = [slow(6000), slow(6000), slow(6000)];
    const error = await failure(operationScope.run({ deadline: Deadline.after(1500) }, () => read(http)));
    expect(error.code).toBe('LEGACY_TIMEOUT');
    expect(error.detail).toMatchObject({ cutByDeadline: true });
    expect(calls).toBe(1);
    await http.close();
  });

  it('a Retry-After longer than what is left of the deadline is not waited for: the call fails as throttled', async () => {
    const http = client();
    answers = [
      (_req, res) => {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '2' });
        res.end('{}');
      },
    ];
    const error = await failure(operationScope.run({ deadline: Deadline.after(1000) }, () => read(http)));
    expect(error.code).toBe('LEGACY_THROTTLED');
    expect(calls).toBe(1);
    await http.close();
  });

  it('without an operation (background work) only the call timeout and retries apply', async () => {
    const http = client();
    answers = [json(503), json(200, { value: [] })];
    const response = await read(http);
    expect(response.status).toBe(200);
    expect(calls).toBe(2);
    await http.close();
  });
});

describe('LegacyHttp circuit breaker', () => {
  it('opens after N failed attempts (retries count one each), then refuses without calling', async () => {
    const http = client({ maxRetries: 1, resilience: { breakerFailures: 3, breakerHalfOpenMs: 60_000 } });
    answers = [json(500), json(500), json(503), json(503)];
    expect((await failure(read(http))).code).toBe('LEGACY_UNAVAILABLE');
    expect(calls).toBe(2);
    // The third failed attempt opens the breaker; the retry after it is refused without a call.
    const second = await failure(read(http));
    expect(calls).toBe(3);
    expect(second.reason).toBe('CIRCUIT_OPEN');
    expect(http.breakerState).toBe('open');
    const third = await failure(read(http));
    expect(calls).toBe(3);
    expect(third.toGraphQLError().extensions).toMatchObject({
      code: 'LEGACY_UNAVAILABLE',
      system: 'ERP',
      reason: 'CIRCUIT_OPEN',
    });
    expect(http.refusals.circuitOpen).toBe(2);
    await http.close();
  });

  it('4xx answers, NOT_FOUND and throttling do not open it', async () => {
    const http = client({ maxRetries: 0, resilience: { breakerFailures: 2 } });
    answers = [json(400), json(404), json(429), json(400), json(404), json(429)];
    for (let i = 0; i < 6; i++) await failure(read(http));
    expect(calls).toBe(6);
    expect(http.breakerState).toBe('closed');
    await http.close();
  });

  it('connection resets and malformed answers count; after the pause one trial call closes it again', async () => {
    const http = client({ maxRetries: 0, resilience: { breakerFailures: 2, breakerHalfOpenMs: 80 } });
    answers = [
      (req) => req.socket.destroy(),
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"value": [');
      },
    ];
    expect((await failure(read(http))).code).toBe('LEGACY_UNAVAILABLE');
    expect((await failure(read(http))).code).toBe('LEGACY_BAD_RESPONSE');
    expect(http.breakerState).toBe('open');
    await failure(read(http));
    expect(calls).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const response = await read(http);
    expect(response.status).toBe(200);
    expect(calls).toBe(3);
    expect(http.breakerState).toBe('closed');
    await http.close();
  });
});

describe('through the gateway: the ERP down opens its breaker', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ legacyCache: 'off' });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
  });

  it('a query then makes no call to the ERP and answers LEGACY_UNAVAILABLE, CIRCUIT_OPEN; /ready names the breaker', async () => {
    stack.erpSim.setConfig({ outage: true });
    // The default is 5 consecutive failed calls: a few Customer360 queries fail that many.
    let opened = false;
    for (let i = 0; i < 6 && !opened; i++) {
      await stack.query(CUSTOMER_360, { first: 3 });
      const ready = await fetch(stack.erpSubgraphUrl.replace(/\/graphql$/, '/ready'));
      opened = ((await ready.json()) as { breakers?: { ERP?: string } }).breakers?.ERP === 'open';
    }
    expect(opened).toBe(true);

    await stack.resetCounts();
    const answer = await stack.query(CUSTOMER_360, { first: 3 });
    const { erp } = await stack.legacyCalls();
    expect(erp.total).toBe(0);
    expect(answer.status).toBe(200);
    expect(answer.body.data.customers.edges.length).toBe(3);
    for (const { node } of answer.body.data.customers.edges) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.balance).toBeNull();
    }
    const erpErrors = answer.body.errors.filter(
      (e: { extensions: { system?: string } }) => e.extensions.system === 'ERP',
    );
    expect(erpErrors.length).toBeGreaterThan(0);
    for (const error of erpErrors) {
      expect(error.extensions).toMatchObject({
        code: 'LEGACY_UNAVAILABLE',
        system: 'ERP',
        reason: 'CIRCUIT_OPEN',
      });
    }

    const subgraphReady = await fetch(stack.erpSubgraphUrl.replace(/\/graphql$/, '/ready'));
    expect(subgraphReady.status).toBe(200);
    expect(await subgraphReady.json()).toMatchObject({ status: 'ready', breakers: { ERP: 'open' } });
    const gatewayReady = await fetch(stack.gatewayUrl.replace(/\/graphql$/, '/ready'));
    const body = (await gatewayReady.json()) as { breakers?: Record<string, unknown> };
    expect(body.breakers?.erp).toEqual({ ERP: 'open' });

    const metrics = await (await fetch(stack.erpSubgraphUrl.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toMatch(/customer_graph_legacy_breaker_state\{system="erp",state="open"\} 1/);
    expect(metrics).toMatch(
      /customer_graph_legacy_calls_refused_total\{system="erp",reason="circuit_open"\} [1-9]/,
    );
    stack.erpSim.setConfig({ outage: false });
  });
});
