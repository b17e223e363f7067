import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CrmStandIn, createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { CRM_DEV_APP } from '../../legacy/crm/oauth.js';
import { createErpStandIn, type ErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { ERP_DEV_APP } from '../../legacy/erp/entra.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import { LegacyError } from '../../lib/errors.js';
import { type AccessTokenSource, OAuthTokenSource } from '../../lib/legacyCredentials.js';
import { createLogger } from '../../lib/logger.js';
import { crmStandInCredentials, erpStandInCredentials } from '../../scripts/standInSignIn.js';
import {
  CrmUserTokens,
  crmTokenSource,
  crmUserTokens,
  readCrmCredentials,
} from '../../subgraphs/crm/client/credentials.js';
import { CrmClient } from '../../subgraphs/crm/client/crmClient.js';
import { erpTokenSource } from '../../subgraphs/erp/client/credentials.js';
import { ErpClient } from '../../subgraphs/erp/client/erpClient.js';
import { closeServer, listen } from '../helpers/servers.js';
import { type Stack, startStack } from '../helpers/stack.js';

// The subgraphs' side of the legacy sign-in, against the stand-ins' real token endpoints:
// one token request however many callers need a token, a refresh ahead of expiry, one renewal
// when a system refuses a token, and a coded error naming the system when it cannot be renewed.
// Counted through the stand-ins' /__sim/stats, never timed.

const ERP_TOKEN_ROUTE = 'POST /{tenant}/oauth2/v2.0/token';
const CRM_TOKEN_ROUTE = 'POST /services/oauth2/token';
const asRequest = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;

describe('token sources against the stand-ins', () => {
  let dataset: Dataset;
  let erp: ErpStandIn;
  let crm: CrmStandIn;
  let erpUrl: string;
  let crmUrl: string;
  let keyDir: string;
  let users: string[];
  const appKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

  beforeAll(async () => {
    dataset = openDataset({ customers: 30 });
    users = (
      dataset.crm.prepare('SELECT Username FROM "User" ORDER BY Id').all() as { Username: string }[]
    ).map((u) => u.Username);
    erp = createErpStandIn({ db: dataset.erp, companyId: dataset.summary.companyId });
    crm = createCrmStandIn({ db: dataset.crm, connectedApp: { certificate: appKey.publicKey } });
    erpUrl = await listen(erp.server);
    crmUrl = await listen(crm.server);
    keyDir = mkdtempSync(join(tmpdir(), 'legacy-credentials-'));
  });
  afterAll(async () => {
    await closeServer(erp.server);
    await closeServer(crm.server);
    dataset.close();
    rmSync(keyDir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const sim of [erp.sim, crm.sim]) {
      sim.setConfig({ tokenLifetimeS: 3599, refuseTokens: false });
      sim.reset();
    }
  });
  const erpTokenRequests = () => erp.sim.getStats().byRoute[ERP_TOKEN_ROUTE] ?? 0;
  const crmTokenRequests = () => crm.sim.getStats().byRoute[CRM_TOKEN_ROUTE] ?? 0;

  it('concurrent callers share one token request', async () => {
    const source = erpTokenSource(erpStandInCredentials(erpUrl), { timeoutMs: 5000 });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => source.token()));
    expect(new Set(tokens).size).toBe(1);
    expect(erpTokenRequests()).toBe(1);
    expect(erp.sessionOf(asRequest(tokens[0]!))).toMatchObject({ clientId: ERP_DEV_APP.clientId });
    await source.token();
    expect(erpTokenRequests()).toBe(1);
  });

  it('refreshes ahead of expiry (a minute early, at most half the lifetime), by its clock', async () => {
    let now = 1_000_000;
    const source = erpTokenSource(erpStandInCredentials(erpUrl), { timeoutMs: 5000, now: () => now });
    const first = await source.token();
    now += (3599 - 61) * 1000;
    expect(await source.token()).toBe(first);
    expect(erpTokenRequests()).toBe(1);
    now += 2000;
    const second = await source.token();
    expect(second).not.toBe(first);
    expect(erpTokenRequests()).toBe(2);

    erp.sim.setConfig({ tokenLifetimeS: 60 });
    now += 10_000_000;
    const short = await source.token();
    now += 29_000;
    expect(await source.token()).toBe(short);
    now += 2000;
    await source.token();
    expect(erpTokenRequests()).toBe(4);
  });

  it('renews a refused token once, however many callers saw it refused', async () => {
    const source = erpTokenSource(erpStandInCredentials(erpUrl), { timeoutMs: 5000 });
    const old = await source.token();
    const renewed = await Promise.all(Array.from({ length: 10 }, () => source.renew(old)));
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(old);
    // A late caller holding the old token gets the current one, without another request.
    expect(await source.renew(old)).toBe(renewed[0]);
    expect(erpTokenRequests()).toBe(2);
  });

  it('a data call refused for its token renews it once and is sent again (reads and writes alike)', async () => {
    const credentials = erpTokenSource(erpStandInCredentials(erpUrl), { timeoutMs: 5000 });
    const client = new ErpClient(
      { url: erpUrl, credentials, timeoutMs: 5000, maxRetries: 0, maxConnections: 4 },
      createLogger({ name: 'test', level: 'silent' }),
    );
    try {
      expect(await client.resolveCompanyId()).toBe(dataset.summary.companyId.toLowerCase());
      await fetch(`${erpUrl}/__sim/expire-tokens`, { method: 'POST' });
      erp.sim.reset();
      const page = await client.getPage({ link: '/api/v2.0/companies' }, 'companies');
      expect(page.rows).toHaveLength(1);
      expect(erp.sim.getStats().byRoute).toEqual({ 'GET /companies': 2, [ERP_TOKEN_ROUTE]: 1 });
      expect(client.http.callCount).toBe(3);
    } finally {
      await client.close();
    }
  });

  it('a refused refresh is LEGACY_AUTH_FAILED naming the system, with no secret in the error or the logs', async () => {
    const lines: string[] = [];
    const logger = createLogger({
      name: 'test',
      level: 'debug',
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    const credentials = erpTokenSource(erpStandInCredentials(erpUrl), { timeoutMs: 5000, logger });
    const client = new ErpClient(
      { url: erpUrl, credentials, timeoutMs: 5000, maxRetries: 2, maxConnections: 4 },
      logger,
    );
    try {
      const token = await credentials.token();
      await fetch(`${erpUrl}/__sim/expire-tokens`, { method: 'POST' });
      erp.sim.setConfig({ refuseTokens: true });
      erp.sim.reset();
      const failure = await client
        .getPage({ link: '/api/v2.0/companies' }, 'companies')
        .catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(LegacyError);
      expect((failure as LegacyError).toGraphQLError().extensions).toEqual({
        code: 'LEGACY_AUTH_FAILED',
        system: 'ERP',
      });
      // One data call, one refused token request: no retries of a refusal.
      expect(erp.sim.getStats().byRoute).toEqual({ 'GET /companies': 1, [ERP_TOKEN_ROUTE]: 1 });
      const shown = JSON.stringify({ message: (failure as Error).message, lines });
      expect(shown).not.toContain(ERP_DEV_APP.clientSecret);
      expect(shown).not.toContain(token);
      expect(lines.join('')).toContain('AADSTS7000222');

      // The provider answering again: the next call signs in afresh.
      erp.sim.setConfig({ refuseTokens: false });
      expect((await client.getPage({ link: '/api/v2.0/companies' }, 'companies')).rows).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('a token endpoint that does not answer is LEGACY_UNAVAILABLE, not an auth failure', async () => {
    const source = erpTokenSource(erpStandInCredentials('http://127.0.0.1:1'), { timeoutMs: 2000 });
    const failure = (await source.token().catch((e: unknown) => e)) as LegacyError;
    expect(failure.code).toBe('LEGACY_UNAVAILABLE');
    expect(failure.system).toBe('ERP');
  });

  it('CRM client credentials: a token kept until refused (Salesforce gives no lifetime), then renewed once', async () => {
    const credentials = crmTokenSource(crmStandInCredentials(crmUrl), {
      timeoutMs: 5000,
      instanceUrl: crmUrl,
    });
    const client = new CrmClient({
      crmUrl,
      credentials,
      apiVersion: 'v62.0',
      timeoutMs: 5000,
      maxRetries: 0,
      maxConnections: 4,
    });
    try {
      const soql = 'SELECT Id FROM Account LIMIT 2';
      expect((await client.query(soql, 'accounts', {})).records).toHaveLength(2);
      await fetch(`${crmUrl}/__sim/expire-tokens`, { method: 'POST' });
      crm.sim.reset();
      const again = await Promise.all([1, 2, 3].map(() => client.query(soql, 'accounts', {})));
      expect(again.every((page) => page.records.length === 2)).toBe(true);
      expect(crmTokenRequests()).toBe(1);
      expect(crm.sessionOf(asRequest(await credentials.token()))).toMatchObject({
        grant: 'client_credentials',
      });

      crm.sim.setConfig({ refuseTokens: true });
      await fetch(`${crmUrl}/__sim/expire-tokens`, { method: 'POST' });
      const failure = (await client.query(soql, 'accounts', {}).catch((e: unknown) => e)) as LegacyError;
      expect(failure.toGraphQLError().extensions).toEqual({ code: 'LEGACY_AUTH_FAILED', system: 'CRM' });
      expect(failure.message).not.toContain(CRM_DEV_APP.clientSecret);
    } finally {
      await client.close();
    }
  });

  it('a write refused for its token is sent again once with the renewed token (the system did nothing with it)', async () => {
    const credentials = crmTokenSource(crmStandInCredentials(crmUrl), { timeoutMs: 5000 });
    const client = new CrmClient({
      crmUrl,
      credentials,
      apiVersion: 'v62.0',
      timeoutMs: 5000,
      maxRetries: 2,
      maxConnections: 2,
    });
    try {
      await credentials.token();
      await fetch(`${crmUrl}/__sim/expire-tokens`, { method: 'POST' });
      crm.sim.reset();
      const answer = await client.http.send<{ compositeResponse: { httpStatusCode: number }[] }>({
        method: 'POST',
        path: 'composite',
        body: {
          allOrNone: false,
          compositeRequest: [
            {
              method: 'GET',
              url: `/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`,
              referenceId: 'one',
            },
          ],
        },
        label: 'composite',
      });
      expect(answer.body.compositeResponse[0]?.httpStatusCode).toBe(200);
      // The envelope twice (refused, then answered), its part once, one token request.
      expect(crm.sim.getStats().byRoute).toEqual({ composite: 2, query: 1, [CRM_TOKEN_ROUTE]: 1 });
    } finally {
      await client.close();
    }
  });

  it('CRM JWT bearer from the environment (CRM_CLIENT_ID, CRM_USERNAME, CRM_PRIVATE_KEY_FILE)', async () => {
    const keyFile = join(keyDir, 'connected-app.key');
    writeFileSync(keyFile, appKey.privateKey.export({ type: 'pkcs1', format: 'pem' }));
    const config = readCrmCredentials({
      CRM_CLIENT_ID: CRM_DEV_APP.clientId,
      CRM_USERNAME: users[2],
      CRM_PRIVATE_KEY_FILE: keyFile,
      CRM_LOGIN_URL: crmUrl,
    });
    expect(config.flow).toBe('jwtBearer');
    const source = crmTokenSource(config, { timeoutMs: 5000 });
    const token = await source.token();
    expect(crm.sessionOf(asRequest(token))).toMatchObject({ username: users[2], grant: 'jwt_bearer' });
    expect(source.visibility).toBe('integration');
    expect(crmTokenRequests()).toBe(1);
  });

  it('per-user tokens: one JWT-bearer source per user, kept in a bounded LRU, its own visibility', async () => {
    const config = readCrmCredentials({
      CRM_CLIENT_ID: CRM_DEV_APP.clientId,
      CRM_CLIENT_SECRET: CRM_DEV_APP.clientSecret,
      CRM_PRIVATE_KEY_FILE: join(keyDir, 'connected-app.key'),
      CRM_LOGIN_URL: crmUrl,
    });
    expect(config.flow).toBe('clientCredentials');
    const perUser = crmUserTokens(config, { timeoutMs: 5000, maxUsers: 2 });
    expect(perUser).toBeInstanceOf(CrmUserTokens);
    const tokens = perUser as CrmUserTokens;
    const [alice, bob, carol] = users as [string, string, string];
    const aliceSource = tokens.forUser(alice);
    expect(tokens.forUser(alice.toUpperCase())).toBe(aliceSource);
    expect(aliceSource.visibility).toBe(`user:${alice.toLowerCase()}`);
    const [a1, a2, b] = await Promise.all([
      aliceSource.token(),
      tokens.forUser(alice).token(),
      tokens.forUser(bob).token(),
    ]);
    expect(a1).toBe(a2);
    expect(crm.sessionOf(asRequest(a1))).toMatchObject({ username: alice });
    expect(crm.sessionOf(asRequest(b))).toMatchObject({ username: bob });
    expect(crmTokenRequests()).toBe(2);

    // A per-user source on a call: the call runs as that user and renews that user's token.
    const client = new CrmClient({
      crmUrl,
      credentials: crmTokenSource(config, { timeoutMs: 5000 }),
      apiVersion: 'v62.0',
      timeoutMs: 5000,
      maxRetries: 0,
      maxConnections: 2,
    });
    try {
      await fetch(`${crmUrl}/__sim/expire-tokens`, { method: 'POST' });
      const answer = await client.http.send<{ records: unknown[] }>({
        method: 'GET',
        path: `query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`,
        label: 'one account',
        credentials: aliceSource,
      });
      expect(answer.body.records).toHaveLength(1);
      expect(crmTokenRequests()).toBe(3);
      expect(crm.sessionOf(asRequest(await aliceSource.token()))).toMatchObject({ username: alice });
    } finally {
      await client.close();
    }

    tokens.forUser(carol);
    expect(tokens.size).toBe(2);
    const unknown = (await tokens
      .forUser('nobody@example.com')
      .token()
      .catch((e: unknown) => e)) as LegacyError;
    expect(unknown.code).toBe('LEGACY_AUTH_FAILED');
    expect(unknown.detail).toMatchObject({ legacyCode: 'invalid_grant' });
  });

  it('no per-user tokens without the connected app key', () => {
    expect(crmUserTokens(crmStandInCredentials(crmUrl), { timeoutMs: 5000 })).toBeUndefined();
  });

  it('an OAuth source never hands out a token the fetch did not give (failure is not cached)', async () => {
    let calls = 0;
    const source: AccessTokenSource = new OAuthTokenSource({
      system: 'CRM',
      fetchToken: async () => {
        calls += 1;
        if (calls === 1) throw new Error('down');
        return { accessToken: `t${calls}` };
      },
    });
    await expect(source.token()).rejects.toThrow('down');
    expect(await source.token()).toBe('t2');
    expect(await source.renew('t2')).toBe('t3');
  });
});

describe('the whole stack signs in by OAuth', () => {
  const QUERY = '{ customers(first: 5) { edges { node { id name balance { amount } } } } }';
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ customers: 30, legacyCache: 'off' });
  });
  afterAll(async () => {
    await stack?.close();
  });
  const tokenRequests = async () => {
    const calls = await stack.legacyCalls();
    return { erp: calls.erp.byRoute[ERP_TOKEN_ROUTE] ?? 0, crm: calls.crm.byRoute[CRM_TOKEN_ROUTE] ?? 0 };
  };
  const expireAll = () =>
    Promise.all(
      [stack.erpLegacyUrl, stack.crmLegacyUrl].map((base) =>
        fetch(`${base}/__sim/expire-tokens`, { method: 'POST' }),
      ),
    );

  it('signed in before the first query: the query costs no token request', async () => {
    const answer = await stack.query(QUERY);
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data.customers.edges).toHaveLength(5);
    expect(await tokenRequests()).toEqual({ erp: 0, crm: 0 });
  });

  it('expired legacy tokens: concurrent queries succeed after one renewal per system', async () => {
    await expireAll();
    await stack.resetCounts();
    const answers = await Promise.all(Array.from({ length: 5 }, () => stack.query(QUERY)));
    for (const answer of answers) {
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.customers.edges).toHaveLength(5);
    }
    expect(await tokenRequests()).toEqual({ erp: 1, crm: 1 });
    await stack.resetCounts();
    expect((await stack.query(QUERY)).body.errors).toBeUndefined();
    expect(await tokenRequests()).toEqual({ erp: 0, crm: 0 });
  });

  it('the workflows subgraph writes with the same credentials logic: renewed once after expiry', async () => {
    const first = (await stack.query(QUERY)).body.data.customers.edges[0].node.id as string;
    await expireAll();
    await stack.resetCounts();
    const logged = await stack.query(
      'mutation ($input: LogInteractionInput!) { logInteraction(input: $input) { outcomes { system status code } } }',
      { input: { customerId: first, type: 'TASK', subject: 'Signed in again' } },
    );
    expect(logged.body.errors).toBeUndefined();
    expect(logged.body.data.logInteraction.outcomes).toContainEqual({
      system: 'CRM',
      status: 'DONE',
      code: null,
    });
    // Only the workflows subgraph reached the CRM (the payload expands nothing): its own source, renewed once.
    expect((await tokenRequests()).crm).toBe(1);
  });

  it('a refused refresh answers LEGACY_AUTH_FAILED naming each system, without secrets', async () => {
    await expireAll();
    stack.erpSim.setConfig({ refuseTokens: true });
    stack.crmSim.setConfig({ refuseTokens: true });
    try {
      const answer = await stack.query(QUERY);
      const codes = new Set(
        (answer.body.errors as { extensions: { code: string; system?: string } }[]).map(
          (e) => `${e.extensions.code}:${e.extensions.system}`,
        ),
      );
      expect(codes).toContain('LEGACY_AUTH_FAILED:CRM');
      const text = JSON.stringify(answer.body);
      for (const secret of [ERP_DEV_APP.clientSecret, CRM_DEV_APP.clientSecret, 'AADSTS', 'invalid_grant'])
        expect(text).not.toContain(secret);
      // The ERP's fields are asked for only once the CRM answered; asked directly, the ERP refuses too.
      const erpOnly = await stack.query('{ customerByNumber(number: "C00010") { id balance { amount } } }');
      expect(erpOnly.body.errors?.[0]?.extensions).toMatchObject({
        code: 'LEGACY_AUTH_FAILED',
        system: 'ERP',
      });
    } finally {
      stack.erpSim.setConfig({ refuseTokens: false });
      stack.crmSim.setConfig({ refuseTokens: false });
    }
    expect((await stack.query(QUERY)).body.errors).toBeUndefined();
  });
});

describe('the fixed development tokens still work', () => {
  it('startStack({ legacyAuth: "fixed" }) asks no token endpoint', async () => {
    const stack = await startStack({ customers: 30, legacyCache: 'off', legacyAuth: 'fixed' });
    try {
      const answer = await stack.query(
        '{ customers(first: 3) { edges { node { id name balance { amount } } } } }',
      );
      expect(answer.body.errors).toBeUndefined();
      const calls = await stack.legacyCalls();
      expect(calls.erp.byRoute[ERP_TOKEN_ROUTE]).toBeUndefined();
      expect(calls.crm.byRoute[CRM_TOKEN_ROUTE]).toBeUndefined();
      expect(calls.erp.total).toBeGreaterThan(0);
    } finally {
      await stack.close();
    }
  });
});
