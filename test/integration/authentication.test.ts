import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { badTokens } from '../helpers/auth.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Caller authentication over the real stack: every refused token is a 401 with
 * `WWW-Authenticate` and UNAUTHENTICATED before any GraphQL work, so it costs the legacy systems
 * nothing; the subgraphs refuse anyone but the gateway, and anyone the gateway would refuse.
 */

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ customers: 30 });
});
afterAll(async () => {
  await stack?.close();
});

describe('the gateway authenticates every GraphQL request', () => {
  it('serves a caller with a valid token', async () => {
    const answer = await stack.query(CUSTOMER_360, { first: 2 });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customers.edges).toHaveLength(2);
  });

  it('refuses a request without a token: 401, a challenge, UNAUTHENTICATED, no legacy call', async () => {
    await stack.resetCounts();
    const answer = await stack.query(CUSTOMER_360, { first: 2 }, { authorization: '' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="customer-graph"');
    expect(answer.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect(answer.body.data).toBeUndefined();
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('refuses every bad token the same way, saying why without echoing it', async () => {
    const tokens = await badTokens(stack.auth);
    await stack.resetCounts();
    for (const [name, token] of Object.entries(tokens)) {
      const answer = await stack.query(CUSTOMER_360, { first: 2 }, { authorization: `Bearer ${token}` });
      expect(answer.status, name).toBe(401);
      expect(answer.body.errors[0].extensions.code, name).toBe('UNAUTHENTICATED');
      expect(answer.body.data, name).toBeUndefined();
      const challenge = answer.headers.get('www-authenticate') ?? '';
      expect(challenge, name).toMatch(/^Bearer realm="customer-graph", error="invalid_(token|request)"/);
      expect(JSON.stringify(answer.body), name).not.toContain(token.slice(-20) || 'x'.repeat(30));
    }
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('refuses a header that is not a bearer token', async () => {
    const answer = await stack.query('{ __typename }', {}, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(answer.status).toBe(401);
    expect(answer.body.errors[0].extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      reason: 'invalid_request',
    });
  });

  it('leaves /health and /ready open (probes carry no token)', async () => {
    const origin = stack.gatewayUrl.replace(/\/graphql$/, '');
    expect((await fetch(`${origin}/health`)).status).toBe(200);
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      subgraphs: { erp: 'ok', crm: 'ok', workflows: 'ok' },
    });
  });
});

describe('a subgraph trusts only the gateway, and only for an authenticated caller', () => {
  const post = (url: string, headers: Record<string, string>) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: '{ __typename }' }),
    });

  it('refuses a request without the gateway secret, even with a valid token', async () => {
    const token = await stack.tokenFor();
    for (const url of [
      stack.erpSubgraphUrl,
      stack.crmSubgraphUrl,
      stack.workflowsSubgraphUrl,
      stack.reportsSubgraphUrl,
    ]) {
      for (const secret of [undefined, 'not-the-secret']) {
        const response = await post(url, {
          authorization: `Bearer ${token}`,
          ...(secret ? { 'x-gateway-secret': secret } : {}),
        });
        expect(response.status, url).toBe(401);
        const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
        expect(body.errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
      }
    }
  });

  it('refuses the right secret without a valid token', async () => {
    const tokens = await badTokens(stack.auth);
    await stack.resetCounts();
    for (const url of [
      stack.erpSubgraphUrl,
      stack.crmSubgraphUrl,
      stack.workflowsSubgraphUrl,
      stack.reportsSubgraphUrl,
    ]) {
      expect((await post(url, stack.auth.subgraphHeaders(''))).status, url).toBe(401);
      for (const [name, token] of Object.entries(tokens)) {
        expect((await post(url, stack.auth.subgraphHeaders(token))).status, `${url} ${name}`).toBe(401);
      }
    }
    const { erp, crm } = await stack.legacyCalls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('answers what another gateway sends: the forwarded Authorization and the secret header', async () => {
    // This is all Hive Gateway (or any federation gateway) needs to be configured to send.
    const token = await stack.tokenFor();
    for (const url of [
      stack.erpSubgraphUrl,
      stack.crmSubgraphUrl,
      stack.workflowsSubgraphUrl,
      stack.reportsSubgraphUrl,
    ]) {
      const response = await post(url, stack.auth.subgraphHeaders(token));
      expect(response.status, url).toBe(200);
      expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
    }
  });
});

describe('AUTH_MODE=off (development only)', () => {
  let open: Stack;
  beforeAll(async () => {
    open = await startStack({ customers: 30, auth: 'off' });
  });
  afterAll(async () => {
    await open?.close();
  });

  it('serves callers without a token as the development principal', async () => {
    const answer = await open.query(CUSTOMER_360, { first: 1 }, { authorization: '' });
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
  });
});
