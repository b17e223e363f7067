import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * CORS for browser front ends: only the configured origins get CORS headers; a preflight is
 * answered by the gateway itself (no token needed) with the methods, headers and max-age a front
 * end needs; without configuration no origin gets any.
 */

const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch: fetch may not let a test set `Origin` freely. */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function preflight(url: string, origin: string): Promise<RawAnswer> {
  return send(url, 'OPTIONS', {
    origin,
    'access-control-request-method': 'POST',
    'access-control-request-headers': 'content-type, authorization, apollo-require-preflight',
  });
}

const corsHeaders = (answer: RawAnswer) =>
  Object.keys(answer.headers).filter((name) => name.startsWith('access-control-'));

describe('CORS with allowed origins', () => {
  let stack: Stack;
  let token: string;
  beforeAll(async () => {
    stack = await startStack({ customers: 10, gateway: { cors: { origins: [APP], maxAgeS: 600 } } });
    token = await stack.tokenFor();
  });
  afterAll(() => stack?.close());

  it('answers an allowed preflight without a token: origin, methods, headers, max-age', async () => {
    const answer = await preflight(stack.gatewayUrl, APP);
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe(APP);
    expect(answer.headers['access-control-allow-methods']).toMatch(/\bPOST\b/);
    expect(answer.headers['access-control-allow-methods']).toMatch(/\bGET\b/);
    const allowed = String(answer.headers['access-control-allow-headers']).split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'x-request-id', 'apollo-require-preflight']),
    );
    expect(answer.headers['access-control-max-age']).toBe('600');
    expect(answer.headers['access-control-allow-credentials']).toBeUndefined();
    expect(answer.headers.vary).toMatch(/origin/i);
    expect(answer.body).toBe('');
  });

  it('gives a disallowed origin no CORS header, on the preflight and on the request', async () => {
    const refused = await preflight(stack.gatewayUrl, OTHER);
    expect(corsHeaders(refused)).toEqual([]);

    const served = await send(
      stack.gatewayUrl,
      'POST',
      { origin: OTHER, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      JSON.stringify({ query: '{ __typename }' }),
    );
    // CORS is the browser's to enforce: the server answers, the page cannot read it.
    expect(served.status).toBe(200);
    expect(corsHeaders(served)).toEqual([]);
  });

  it('marks an allowed request, its refusals included, so the page can read them', async () => {
    const ok = await send(
      stack.gatewayUrl,
      'POST',
      { origin: APP, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      JSON.stringify({ query: '{ customers(first: 1) { edges { node { id } } } }' }),
    );
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body).data.customers.edges).toHaveLength(1);
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(String(ok.headers['access-control-expose-headers'])).toMatch(/x-request-id/);
    expect(String(ok.headers['access-control-expose-headers'])).toMatch(/retry-after/);

    const unauthenticated = await send(
      stack.gatewayUrl,
      'POST',
      { origin: APP, 'content-type': 'application/json' },
      JSON.stringify({ query: '{ __typename }' }),
    );
    expect(unauthenticated.status).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(APP);
  });
});

describe('CORS by default', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ customers: 10 });
  });
  afterAll(() => stack?.close());

  it('no origin gets CORS headers', async () => {
    const answer = await preflight(stack.gatewayUrl, APP);
    expect(corsHeaders(answer)).toEqual([]);
    const token = await stack.tokenFor();
    const served = await send(
      stack.gatewayUrl,
      'POST',
      { origin: APP, 'content-type': 'application/json', authorization: `Bearer ${token}` },
      JSON.stringify({ query: '{ __typename }' }),
    );
    expect(served.status).toBe(200);
    expect(corsHeaders(served)).toEqual([]);
  });
});
