import { createHmac, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CrmStandIn, createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { CRM_DEV_APP } from '../../legacy/crm/oauth.js';
import { createErpStandIn, type ErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { ERP_DEV_APP } from '../../legacy/erp/entra.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import type { SimStats } from '../../legacy/sim/simulator.js';
import { closeServer, listen } from '../helpers/servers.js';

// The stand-ins' token endpoints answer as Microsoft Entra ID and Salesforce do, and their APIs
// accept only tokens they issued that have not expired (besides the fixed development token).

let dataset: Dataset;
let erp: ErpStandIn;
let crm: CrmStandIn;
let erpUrl: string;
let crmUrl: string;
const connectedAppKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
let activeUser: string;
let inactiveUser: string;

beforeAll(async () => {
  dataset = openDataset({ customers: 30 });
  const users = dataset.crm.prepare('SELECT Username FROM "User" ORDER BY Id').all() as {
    Username: string;
  }[];
  activeUser = users[0]!.Username;
  inactiveUser = users[1]!.Username;
  dataset.crm.prepare('UPDATE "User" SET IsActive = 0 WHERE Username = ?').run(inactiveUser);
  erp = createErpStandIn({ db: dataset.erp, companyId: dataset.summary.companyId });
  crm = createCrmStandIn({ db: dataset.crm, connectedApp: { certificate: connectedAppKey.publicKey } });
  erpUrl = await listen(erp.server);
  crmUrl = await listen(crm.server);
});

afterAll(async () => {
  await closeServer(erp.server);
  await closeServer(crm.server);
  dataset.close();
});

beforeEach(() => {
  erp.sim.setConfig({ tokenLifetimeS: 3599, refuseTokens: false });
  crm.sim.setConfig({ tokenLifetimeS: 3599, refuseTokens: false });
});

async function post(url: string, form: Record<string, string>) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const stats = async (base: string) => (await (await fetch(`${base}/__sim/stats`)).json()) as SimStats;
const expireTokens = async (base: string) =>
  (await (await fetch(`${base}/__sim/expire-tokens`, { method: 'POST' })).json()) as { expired: number };
const setSim = (base: string, patch: Record<string, unknown>) =>
  fetch(`${base}/__sim/config`, { method: 'POST', body: JSON.stringify(patch) });
const asRequest = (token: string) => ({ headers: { authorization: `Bearer ${token}` } }) as IncomingMessage;

describe('ERP stand-in: Entra client credentials', () => {
  const tokenUrl = () => `${erpUrl}/${ERP_DEV_APP.tenantId}/oauth2/v2.0/token`;
  const good = {
    grant_type: 'client_credentials',
    client_id: ERP_DEV_APP.clientId,
    client_secret: ERP_DEV_APP.clientSecret,
    scope: 'https://api.businesscentral.dynamics.com/.default',
  };
  const companies = (token: string) =>
    fetch(`${erpUrl}/api/v2.0/companies`, { headers: { authorization: `Bearer ${token}` } });

  it('issues a bearer token the API accepts until it expires or is revoked; the fixed token still works', async () => {
    await fetch(`${erpUrl}/__sim/reset`, { method: 'POST' });
    const issued = await post(tokenUrl(), good);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const token = issued.body.access_token as string;
    expect(token.split('.')).toHaveLength(3);
    expect(erp.sessionOf(asRequest(token))).toEqual({
      tenantId: ERP_DEV_APP.tenantId,
      clientId: ERP_DEV_APP.clientId,
    });
    expect((await companies(token)).status).toBe(200);
    expect((await companies('erp-dev-token')).status).toBe(200);
    expect((await stats(erpUrl)).byRoute['POST /{tenant}/oauth2/v2.0/token']).toBe(1);

    expect(await expireTokens(erpUrl)).toEqual({ expired: 1 });
    const refused = await companies(token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: { code: 'Authentication_InvalidCredentials', message: expect.any(String) },
    });
    expect(refused.headers.get('www-authenticate')).toContain('invalid_token');
    expect((await companies('erp-dev-token')).status).toBe(200);
    expect((await companies('never-issued')).status).toBe(401);
  });

  it('takes the token lifetime from the sim settings at issue', async () => {
    await setSim(erpUrl, { tokenLifetimeS: 0 });
    const issued = await post(tokenUrl(), good);
    expect(issued.body.expires_in).toBe(0);
    expect((await companies(issued.body.access_token as string)).status).toBe(401);
  });

  it('refuses as Entra does', async () => {
    const wrongSecret = await post(tokenUrl(), { ...good, client_secret: 'nope' });
    expect(wrongSecret.status).toBe(401);
    expect(wrongSecret.body).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
    expect(wrongSecret.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided/);

    const unknownApp = await post(tokenUrl(), { ...good, client_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknownApp.status).toBe(400);
    expect(unknownApp.body).toMatchObject({ error: 'unauthorized_client', error_codes: [700016] });

    const wrongGrant = await post(tokenUrl(), { ...good, grant_type: 'password' });
    expect(wrongGrant.status).toBe(400);
    expect(wrongGrant.body.error).toBe('unsupported_grant_type');

    const wrongTenant = await post(`${erpUrl}/contoso.onmicrosoft.com/oauth2/v2.0/token`, good);
    expect(wrongTenant.status).toBe(400);
    expect(wrongTenant.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });

    const noDefault = await post(tokenUrl(), {
      ...good,
      scope: 'https://api.businesscentral.dynamics.com/user_impersonation',
    });
    expect(noDefault.body.error).toBe('invalid_scope');

    await setSim(erpUrl, { refuseTokens: true });
    const refused = await post(tokenUrl(), good);
    expect(refused.status).toBe(401);
    expect(refused.body).toMatchObject({ error: 'invalid_client', error_codes: [7000222] });
  });
});

describe('CRM stand-in: Salesforce OAuth', () => {
  const tokenUrl = () => `${crmUrl}/services/oauth2/token`;
  const query = (token: string) =>
    fetch(`${crmUrl}/services/data/v62.0/query?q=${encodeURIComponent('SELECT Id FROM Account LIMIT 1')}`, {
      headers: { authorization: `Bearer ${token}` },
    });
  const clientCredentials = {
    grant_type: 'client_credentials',
    client_id: CRM_DEV_APP.clientId,
    client_secret: CRM_DEV_APP.clientSecret,
  };
  async function assertion(
    claims: { sub?: string; iss?: string; aud?: string; expInS?: number },
    key: KeyObject = connectedAppKey.privateKey,
  ): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer(claims.iss ?? CRM_DEV_APP.clientId)
      .setSubject(claims.sub ?? activeUser)
      .setAudience(claims.aud ?? crmUrl)
      .setExpirationTime(now + (claims.expInS ?? 120))
      .sign(key);
  }
  const jwtGrant = async (claims: Parameters<typeof assertion>[0], key?: KeyObject) =>
    post(tokenUrl(), {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: await assertion(claims, key),
    });

  it('client credentials: a signed answer naming the instance; the token acts as the run-as user', async () => {
    await fetch(`${crmUrl}/__sim/reset`, { method: 'POST' });
    const issued = await post(tokenUrl(), clientCredentials);
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ token_type: 'Bearer', instance_url: crmUrl, scope: 'api' });
    expect(issued.body.expires_in).toBeUndefined();
    const { id, issued_at: issuedAt, signature } = issued.body as Record<string, string>;
    expect(signature).toBe(
      createHmac('sha256', CRM_DEV_APP.clientSecret)
        .update(id! + issuedAt!)
        .digest('base64'),
    );
    const token = issued.body.access_token as string;
    expect(crm.sessionOf(asRequest(token))).toMatchObject({ grant: 'client_credentials' });
    expect(id).toContain(`/${crm.sessionOf(asRequest(token))!.userId}`);
    expect((await query(token)).status).toBe(200);
    expect((await stats(crmUrl)).byRoute['POST /services/oauth2/token']).toBe(1);

    await expireTokens(crmUrl);
    const expired = await query(token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    expect(crm.sessionOf(asRequest(token))).toBeUndefined();
    expect((await query('crm-dev-token')).status).toBe(200);
  });

  it('client credentials refusals', async () => {
    expect(await post(tokenUrl(), { ...clientCredentials, client_secret: 'nope' })).toEqual({
      status: 400,
      body: { error: 'invalid_client', error_description: 'invalid client credentials' },
    });
    expect(await post(tokenUrl(), { ...clientCredentials, client_id: 'someone-else' })).toEqual({
      status: 400,
      body: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
    });
    expect(await post(tokenUrl(), { ...clientCredentials, grant_type: 'password' })).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
    });
    await setSim(crmUrl, { refuseTokens: true });
    expect((await post(tokenUrl(), clientCredentials)).body.error).toBe('invalid_grant');
  });

  it('JWT bearer: a token for the user the assertion names', async () => {
    const issued = await jwtGrant({});
    expect(issued.status).toBe(200);
    expect(issued.body.signature).toBeUndefined();
    const token = issued.body.access_token as string;
    expect(crm.sessionOf(asRequest(token))).toMatchObject({ username: activeUser, grant: 'jwt_bearer' });
    expect((await query(token)).status).toBe(200);
    // Usernames are case-insensitive, as in Salesforce.
    expect((await jwtGrant({ sub: activeUser.toUpperCase() })).status).toBe(200);
  });

  it('JWT bearer refusals: signature, user, expiry, audience, issuer', async () => {
    const invalidGrant = (description: string) => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: description },
    });
    expect(await jwtGrant({}, otherKey.privateKey)).toEqual(invalidGrant('invalid assertion'));
    expect(await jwtGrant({ sub: 'nobody@example.com' })).toEqual(
      invalidGrant("user hasn't approved this consumer"),
    );
    expect(await jwtGrant({ sub: inactiveUser })).toEqual(invalidGrant('inactive user'));
    expect(await jwtGrant({ expInS: -60 })).toEqual(invalidGrant('expired authorization code'));
    expect(await jwtGrant({ expInS: 600 })).toEqual(invalidGrant('invalid assertion'));
    expect(await jwtGrant({ aud: 'https://evil.example' })).toEqual(invalidGrant('audience is invalid'));
    expect((await jwtGrant({ iss: 'another-app' })).body.error).toBe('invalid_client_id');
    expect(
      await post(tokenUrl(), {
        grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
        assertion: 'not.a.jwt',
      }),
    ).toEqual(invalidGrant('invalid assertion'));
    await setSim(crmUrl, { refuseTokens: true });
    expect(await jwtGrant({})).toEqual(invalidGrant('authentication failure'));
  });

  it('sim settings are validated', async () => {
    expect((await setSim(crmUrl, { tokenLifetimeS: -1 })).status).toBe(400);
    expect((await setSim(crmUrl, { refuseTokens: 'yes' })).status).toBe(400);
  });
});
