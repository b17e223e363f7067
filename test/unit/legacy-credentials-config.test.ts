import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { CRM_DEV_APP } from '../../legacy/crm/oauth.js';
import { ERP_DEV_APP } from '../../legacy/erp/entra.js';
import { standInsConfigFromEnv } from '../../legacy/main.js';
import { ConfigError, type Env } from '../../lib/env.js';
import { Secret } from '../../lib/legacyCredentials.js';
import { standInSignIn } from '../../scripts/standInSignIn.js';
import { readCrmCredentials } from '../../subgraphs/crm/client/credentials.js';
import { readErpCredentials } from '../../subgraphs/erp/client/credentials.js';
import { readErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import { readWorkflowsSubgraphConfig } from '../../subgraphs/workflows/config.js';

const dir = mkdtempSync(join(tmpdir(), 'credentials-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const rsaFile = join(dir, 'rsa.pem');
writeFileSync(rsaFile, rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }));
const ecFile = join(dir, 'ec.pem');
writeFileSync(
  ecFile,
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
);
const notAKey = join(dir, 'not-a-key.pem');
writeFileSync(notAKey, 'hello');

function refusal(read: () => unknown): string | undefined {
  try {
    read();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).variable;
  }
  return undefined;
}

const TENANT = '11111111-2222-4333-8444-555555555555';

describe('ERP credentials', () => {
  it('the fixed development token when nothing is configured; ERP_TOKEN when set', () => {
    const none = readErpCredentials({});
    expect(none.flow === 'fixed' && none.token.reveal()).toBe('erp-dev-token');
    const fixed = readErpCredentials({ ERP_TOKEN: 'abc' });
    expect(fixed.flow === 'fixed' && fixed.token.reveal()).toBe('abc');
  });

  it('Entra client credentials with the tenant in the default token URL', () => {
    const config = readErpCredentials({
      ERP_CLIENT_ID: 'app',
      ERP_CLIENT_SECRET: 's3cret',
      ERP_TENANT_ID: TENANT,
    });
    expect(config).toMatchObject({
      flow: 'clientCredentials',
      tokenUrl: `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
      clientId: 'app',
      scope: 'https://api.businesscentral.dynamics.com/.default',
    });
    expect(config.flow === 'clientCredentials' && config.clientSecret.reveal()).toBe('s3cret');
    expect(
      readErpCredentials({
        ERP_CLIENT_ID: 'app',
        ERP_CLIENT_SECRET: 's',
        ERP_TOKEN_URL: 'http://127.0.0.1:4101/t/oauth2/v2.0/token',
        ERP_TOKEN_SCOPE: 'api://other/.default',
      }),
    ).toMatchObject({ tokenUrl: 'http://127.0.0.1:4101/t/oauth2/v2.0/token', scope: 'api://other/.default' });
  });

  it.each<[Env, string]>([
    [{ ERP_TOKEN: 't', ERP_CLIENT_ID: 'app' }, 'ERP_TOKEN'],
    [{ ERP_CLIENT_ID: 'app', ERP_TENANT_ID: TENANT }, 'ERP_CLIENT_SECRET'],
    [{ ERP_CLIENT_SECRET: 's' }, 'ERP_CLIENT_ID'],
    [{ ERP_TENANT_ID: TENANT }, 'ERP_CLIENT_ID'],
    [{ ERP_CLIENT_ID: 'app', ERP_CLIENT_SECRET: 's' }, 'ERP_TENANT_ID'],
    [{ ERP_CLIENT_ID: 'app', ERP_CLIENT_SECRET: 's', ERP_TENANT_ID: 'a/b' }, 'ERP_TENANT_ID'],
    [{ ERP_CLIENT_ID: 'app', ERP_CLIENT_SECRET: 's', ERP_TOKEN_URL: 'ftp://x' }, 'ERP_TOKEN_URL'],
  ])('refuses %j naming %s', (env, variable) => {
    expect(refusal(() => readErpCredentials(env))).toBe(variable);
  });

  it('both subgraphs that reach the ERP read the same variables and refuse alike', () => {
    const env = { ERP_CLIENT_ID: 'app', ERP_CLIENT_SECRET: 's', ERP_TENANT_ID: TENANT };
    expect(readErpSubgraphConfig(env).erpCredentials).toEqual(
      readWorkflowsSubgraphConfig(env).erpCredentials,
    );
    expect(refusal(() => readErpSubgraphConfig({ ERP_CLIENT_ID: 'app' }))).toBe('ERP_CLIENT_SECRET');
    expect(refusal(() => readWorkflowsSubgraphConfig({ ERP_CLIENT_ID: 'app' }))).toBe('ERP_CLIENT_SECRET');
  });
});

describe('CRM credentials', () => {
  it('the fixed development token, CRM_TOKEN, client credentials or JWT bearer', () => {
    const none = readCrmCredentials({});
    expect(none.flow === 'fixed' && none.token.reveal()).toBe('crm-dev-token');
    expect(readCrmCredentials({ CRM_CLIENT_ID: 'key', CRM_CLIENT_SECRET: 's' })).toMatchObject({
      flow: 'clientCredentials',
      app: { loginUrl: 'https://login.salesforce.com', clientId: 'key' },
    });
    const jwt = readCrmCredentials({
      CRM_CLIENT_ID: 'key',
      CRM_USERNAME: 'integration@example.com',
      CRM_PRIVATE_KEY_FILE: rsaFile,
      CRM_LOGIN_URL: 'https://test.salesforce.com/',
    });
    expect(jwt).toMatchObject({
      flow: 'jwtBearer',
      username: 'integration@example.com',
      app: { loginUrl: 'https://test.salesforce.com', clientId: 'key' },
    });
    // A key beside a secret is kept for per-user tokens.
    const both = readCrmCredentials({
      CRM_CLIENT_ID: 'key',
      CRM_CLIENT_SECRET: 's',
      CRM_PRIVATE_KEY_FILE: rsaFile,
    });
    expect(both.flow === 'clientCredentials' && both.app.privateKey?.asymmetricKeyType).toBe('rsa');
  });

  it.each<[Env, string]>([
    [{ CRM_TOKEN: 't', CRM_CLIENT_ID: 'key' }, 'CRM_TOKEN'],
    [{ CRM_CLIENT_SECRET: 's' }, 'CRM_CLIENT_ID'],
    [{ CRM_USERNAME: 'u' }, 'CRM_CLIENT_ID'],
    [{ CRM_PRIVATE_KEY_FILE: rsaFile }, 'CRM_CLIENT_ID'],
    [{ CRM_CLIENT_ID: 'key' }, 'CRM_CLIENT_ID'],
    [{ CRM_CLIENT_ID: 'key', CRM_USERNAME: 'u' }, 'CRM_PRIVATE_KEY_FILE'],
    [{ CRM_CLIENT_ID: 'key', CRM_PRIVATE_KEY_FILE: rsaFile }, 'CRM_USERNAME'],
    [{ CRM_CLIENT_ID: 'key', CRM_CLIENT_SECRET: 's', CRM_USERNAME: 'u' }, 'CRM_USERNAME'],
    [
      { CRM_CLIENT_ID: 'key', CRM_USERNAME: 'u', CRM_PRIVATE_KEY_FILE: join(dir, 'missing.pem') },
      'CRM_PRIVATE_KEY_FILE',
    ],
    [{ CRM_CLIENT_ID: 'key', CRM_USERNAME: 'u', CRM_PRIVATE_KEY_FILE: notAKey }, 'CRM_PRIVATE_KEY_FILE'],
    [{ CRM_CLIENT_ID: 'key', CRM_USERNAME: 'u', CRM_PRIVATE_KEY_FILE: ecFile }, 'CRM_PRIVATE_KEY_FILE'],
    [
      { CRM_CLIENT_ID: 'key', CRM_CLIENT_SECRET: 's', CRM_LOGIN_URL: 'login.salesforce.com' },
      'CRM_LOGIN_URL',
    ],
  ])('refuses %j naming %s', (env, variable) => {
    expect(refusal(() => readCrmCredentials(env))).toBe(variable);
  });
});

describe('secrets', () => {
  it('show as [redacted] however they are printed', () => {
    const secret = new Secret('hunter2');
    const config = readErpCredentials({
      ERP_CLIENT_ID: 'app',
      ERP_CLIENT_SECRET: 'hunter2',
      ERP_TENANT_ID: TENANT,
    });
    for (const shown of [
      JSON.stringify(config),
      String(secret),
      `${secret}`,
      inspect(config),
      inspect(secret),
    ])
      expect(shown).not.toContain('hunter2');
    expect(secret.reveal()).toBe('hunter2');
  });
});

describe('npm start signs in to the stand-ins it runs', () => {
  const running = {
    dataset: undefined as never,
    erpUrl: 'http://127.0.0.1:4101',
    crmUrl: 'http://127.0.0.1:4102',
    companyId: 'c',
    close: async () => undefined,
  };

  it('by client credentials with the stand-ins’ development apps when nothing is configured', () => {
    const standIns = standInsConfigFromEnv({});
    expect(standIns.erp?.entra).toEqual(ERP_DEV_APP);
    expect(standIns.crm?.connectedApp).toEqual(CRM_DEV_APP);
    const signIn = standInSignIn({}, standIns, running, { crm: readCrmCredentials({}) });
    expect(signIn.erp.erpCredentials).toMatchObject({
      flow: 'clientCredentials',
      tokenUrl: `http://127.0.0.1:4101/${ERP_DEV_APP.tenantId}/oauth2/v2.0/token`,
      clientId: ERP_DEV_APP.clientId,
    });
    expect(signIn.crm.crmCredentials).toMatchObject({
      flow: 'clientCredentials',
      app: { loginUrl: 'http://127.0.0.1:4102', clientId: CRM_DEV_APP.clientId },
    });
  });

  it('with the configured app, which the stand-in then knows; a fixed token stays fixed', () => {
    const env = {
      ERP_TOKEN: 'fixed',
      CRM_CLIENT_ID: 'key',
      CRM_USERNAME: 'rep@example.com',
      CRM_PRIVATE_KEY_FILE: rsaFile,
    };
    const standIns = standInsConfigFromEnv(env);
    expect(standIns.crm?.connectedApp).toMatchObject({ clientId: 'key' });
    expect(standIns.crm?.connectedApp.certificate).toBeDefined();
    const signIn = standInSignIn(env, standIns, running, { crm: readCrmCredentials(env) });
    expect(signIn.erp).toEqual({});
    expect(signIn.crm.crmCredentials).toMatchObject({
      flow: 'jwtBearer',
      username: 'rep@example.com',
      app: { loginUrl: 'http://127.0.0.1:4102', clientId: 'key' },
    });
  });

  it('not at all when the system is a real one', () => {
    const standIns = standInsConfigFromEnv({}, { erp: false, crm: false });
    expect(standInSignIn({}, standIns, undefined, { crm: readCrmCredentials({}) })).toEqual({
      erp: {},
      crm: {},
    });
  });
});
