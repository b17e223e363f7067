import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import { ConfigError, type Env, httpUrl, serviceRoot, text } from '../../../lib/env.js';
import {
  type AccessTokenSource,
  accessTokenOf,
  fixedTokenSource,
  type IssuedToken,
  OAuthTokenSource,
  requestToken,
  Secret,
} from '../../../lib/legacyCredentials.js';
import type { Logger } from '../../../lib/logger.js';

/**
 * How the gateway signs in to Salesforce, through a connected app: the client credentials flow
 * (consumer key and secret; the app's "Run As" user is who the token acts as), the JWT bearer
 * flow (a JWT naming a user, signed with the key whose certificate the connected app holds), or
 * a fixed access token for the simplest development setup.
 *
 * Salesforce's token answer carries no lifetime: a session lasts until the org's session
 * timeout, so a token is kept until a call answers 401 INVALID_SESSION_ID, then renewed once.
 * Data calls go to CRM_URL (the org's My Domain), never to the answer's `instance_url`: a token
 * answer cannot send our calls elsewhere, and the cache scope stays put. A different
 * `instance_url` is logged as a warning, since it means CRM_URL names another org.
 */

/** The connected app the gateway signs in through. */
export interface CrmConnectedApp {
  /** Where tokens are asked for (CRM_LOGIN_URL): login.salesforce.com, test.salesforce.com or My Domain. */
  loginUrl: string;
  /** The consumer key (CRM_CLIENT_ID). */
  clientId: string;
  /** CRM_CLIENT_SECRET: the client credentials flow. */
  clientSecret?: Secret;
  /** CRM_PRIVATE_KEY_FILE: signs JWT bearer assertions (the integration user's and per-user tokens). */
  privateKey?: KeyObject;
}

export type CrmCredentialsConfig =
  /** CRM_TOKEN; also the development default (`crm-dev-token`) when nothing else is configured. */
  | { flow: 'fixed'; token: Secret }
  | { flow: 'clientCredentials'; app: CrmConnectedApp & { clientSecret: Secret } }
  | { flow: 'jwtBearer'; app: CrmConnectedApp & { privateKey: KeyObject }; username: string };

export const SALESFORCE_LOGIN_URL = 'https://login.salesforce.com';
/** What the CRM stand-in accepts without any sign-in (README "Pointing at real systems"). */
export const CRM_DEV_TOKEN = 'crm-dev-token';
/** Salesforce refuses an assertion whose `exp` is more than 3 minutes ahead. */
const ASSERTION_LIFETIME_S = 170;
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

function readPrivateKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'CRM_PRIVATE_KEY_FILE',
      `cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ConfigError('CRM_PRIVATE_KEY_FILE', `'${path}' is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw new ConfigError(
      'CRM_PRIVATE_KEY_FILE',
      `'${path}' must hold an RSA key (Salesforce signs with RS256)`,
    );
  return key;
}

/**
 * CRM_TOKEN (fixed), or a connected app: CRM_CLIENT_ID with CRM_CLIENT_SECRET (client
 * credentials) or with CRM_USERNAME + CRM_PRIVATE_KEY_FILE (JWT bearer); CRM_LOGIN_URL. A key
 * file beside a secret is kept for per-user tokens. Read once by the CRM and workflows
 * subgraphs' config.ts; a half-configured flow is a ConfigError naming what is missing.
 */
export function readCrmCredentials(env: Env): CrmCredentialsConfig {
  const token = text(env, 'CRM_TOKEN');
  const clientId = text(env, 'CRM_CLIENT_ID');
  const clientSecret = text(env, 'CRM_CLIENT_SECRET');
  const username = text(env, 'CRM_USERNAME');
  const keyFile = text(env, 'CRM_PRIVATE_KEY_FILE');
  if (token !== undefined) {
    if (clientId !== undefined)
      throw new ConfigError('CRM_TOKEN', 'set either CRM_TOKEN or CRM_CLIENT_ID (a connected app), not both');
    return { flow: 'fixed', token: new Secret(token) };
  }
  if (clientId === undefined) {
    const orphan = [
      ['CRM_CLIENT_SECRET', clientSecret],
      ['CRM_USERNAME', username],
      ['CRM_PRIVATE_KEY_FILE', keyFile],
    ].find(([, value]) => value !== undefined)?.[0];
    if (orphan) throw new ConfigError('CRM_CLIENT_ID', `must be set with ${orphan}`);
    return { flow: 'fixed', token: new Secret(CRM_DEV_TOKEN) };
  }
  const loginUrl = serviceRoot(httpUrl(env, 'CRM_LOGIN_URL', SALESFORCE_LOGIN_URL));
  const privateKey = keyFile === undefined ? undefined : readPrivateKey(keyFile);
  if (clientSecret !== undefined) {
    if (username !== undefined)
      throw new ConfigError(
        'CRM_USERNAME',
        'names the user of the JWT bearer flow; unset it or CRM_CLIENT_SECRET (client credentials)',
      );
    return {
      flow: 'clientCredentials',
      app: {
        loginUrl,
        clientId,
        clientSecret: new Secret(clientSecret),
        ...(privateKey ? { privateKey } : {}),
      },
    };
  }
  if (privateKey === undefined && username !== undefined)
    throw new ConfigError(
      'CRM_PRIVATE_KEY_FILE',
      'must be set with CRM_USERNAME (the key that signs its JWT)',
    );
  if (privateKey === undefined)
    throw new ConfigError(
      'CRM_CLIENT_ID',
      'needs CRM_CLIENT_SECRET (client credentials) or CRM_USERNAME and CRM_PRIVATE_KEY_FILE (JWT bearer)',
    );
  if (username === undefined)
    throw new ConfigError('CRM_USERNAME', 'must be set with CRM_PRIVATE_KEY_FILE (the user the JWT names)');
  return { flow: 'jwtBearer', app: { loginUrl, clientId, privateKey }, username };
}

export interface CrmTokenSourceOptions {
  /** Per token request. */
  timeoutMs: number;
  /** CRM_URL: a token answer naming another instance is logged. */
  instanceUrl?: string;
  logger?: Logger;
  /** The clock (tests move it). */
  now?: () => number;
}

/** A signed JWT bearer assertion for `username` (RFC 7523, as Salesforce checks it). */
export async function signAssertion(
  app: CrmConnectedApp & { privateKey: KeyObject },
  username: string,
  now: number = Date.now(),
): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(app.clientId)
    .setSubject(username)
    .setAudience(app.loginUrl)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ASSERTION_LIFETIME_S)
    .sign(app.privateKey);
}

function checkInstance(body: Record<string, unknown>, options: CrmTokenSourceOptions, label: string): void {
  const named = body.instance_url;
  if (typeof named !== 'string' || options.instanceUrl === undefined || !URL.canParse(named)) return;
  if (new URL(named).origin !== new URL(options.instanceUrl).origin) {
    options.logger?.warn(
      { label, instanceUrl: new URL(named).origin, configured: new URL(options.instanceUrl).origin },
      'the CRM token answer names another instance than CRM_URL; data calls still go to CRM_URL',
    );
  }
}

function oauthSource(
  options: CrmTokenSourceOptions,
  visibility: string | undefined,
  label: string,
  app: CrmConnectedApp,
  form: () => Promise<Record<string, string>>,
): OAuthTokenSource {
  return new OAuthTokenSource({
    system: 'CRM',
    ...(visibility ? { visibility } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.now ? { now: options.now } : {}),
    async fetchToken(): Promise<IssuedToken> {
      const body = await requestToken({
        system: 'CRM',
        url: `${app.loginUrl}/services/oauth2/token`,
        form: await form(),
        timeoutMs: options.timeoutMs,
        label,
      });
      checkInstance(body, options, label);
      // No expires_in from Salesforce: kept until refused.
      return { accessToken: accessTokenOf('CRM', label, body) };
    },
  });
}

/** The CRM's tokens for the configured flow (the gateway's own, integration visibility). */
export function crmTokenSource(
  config: CrmCredentialsConfig,
  options: CrmTokenSourceOptions,
): AccessTokenSource {
  switch (config.flow) {
    case 'fixed':
      return fixedTokenSource('CRM', config.token);
    case 'clientCredentials': {
      const { app } = config;
      return oauthSource(options, undefined, 'CRM token (client credentials)', app, async () => ({
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret.reveal(),
      }));
    }
    case 'jwtBearer': {
      const { app, username } = config;
      return oauthSource(options, undefined, 'CRM token (JWT bearer)', app, async () => ({
        grant_type: JWT_BEARER_GRANT,
        assertion: await signAssertion(app, username, (options.now ?? Date.now)()),
      }));
    }
  }
}

export interface CrmUserTokensOptions extends CrmTokenSourceOptions {
  /** Users whose tokens are kept (least recently used dropped first). Default 1,000. */
  maxUsers?: number;
}

/** The visibility of a per-user token: Salesforce usernames are case-insensitive. */
export function userVisibility(username: string): string {
  return `user:${username.toLowerCase()}`;
}

/**
 * Tokens that act as a given Salesforce user (JWT bearer flow), so the CRM applies that user's
 * sharing rules: one token source per user, kept in a bounded LRU, each refreshed and renewed
 * as the integration source is. Pass `forUser(name)` as a call's `credentials`; its visibility
 * (`user:<username>`) is what the cache scope of that call must carry.
 */
export class CrmUserTokens {
  private readonly sources: LRUCache<string, OAuthTokenSource>;

  constructor(
    private readonly app: CrmConnectedApp & { privateKey: KeyObject },
    private readonly options: CrmUserTokensOptions,
  ) {
    this.sources = new LRUCache({ max: options.maxUsers ?? 1000 });
  }

  /** The token source of one user; the token is fetched when first asked for. */
  forUser(username: string): AccessTokenSource {
    const visibility = userVisibility(username);
    let source = this.sources.get(visibility);
    if (!source) {
      source = oauthSource(
        this.options,
        visibility,
        'CRM token (JWT bearer, per user)',
        this.app,
        async () => ({
          grant_type: JWT_BEARER_GRANT,
          assertion: await signAssertion(this.app, username, (this.options.now ?? Date.now)()),
        }),
      );
      this.sources.set(visibility, source);
    }
    return source;
  }

  /** Users whose sources are kept now. */
  get size(): number {
    return this.sources.size;
  }
}

/** Per-user tokens when the configuration holds the connected app's key; undefined otherwise. */
export function crmUserTokens(
  config: CrmCredentialsConfig,
  options: CrmUserTokensOptions,
): CrmUserTokens | undefined {
  if (config.flow === 'fixed' || config.app.privateKey === undefined) return undefined;
  return new CrmUserTokens({ ...config.app, privateKey: config.app.privateKey }, options);
}
