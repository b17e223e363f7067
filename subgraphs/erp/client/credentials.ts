import { ConfigError, type Env, text } from '../../../lib/env.js';
import {
  type AccessTokenSource,
  accessTokenOf,
  expiresInOf,
  fixedTokenSource,
  OAuthTokenSource,
  requestToken,
  Secret,
} from '../../../lib/legacyCredentials.js';
import type { Logger } from '../../../lib/logger.js';

/**
 * How the gateway signs in to Business Central: Microsoft Entra ID's client credentials flow
 * (an app registration with a client secret, granted `API.ReadWrite.All` and registered in BC as
 * a Microsoft Entra application), or a fixed bearer token for the simplest development setup.
 */
export type ErpCredentialsConfig =
  /** ERP_TOKEN; also the development default (`erp-dev-token`) when nothing else is configured. */
  | { flow: 'fixed'; token: Secret }
  | {
      flow: 'clientCredentials';
      /** The tenant's v2.0 token endpoint (ERP_TOKEN_URL, `{tenant}` replaced by ERP_TENANT_ID). */
      tokenUrl: string;
      clientId: string;
      clientSecret: Secret;
      scope: string;
    };

export const ENTRA_TOKEN_URL = 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token';
export const BUSINESS_CENTRAL_SCOPE = 'https://api.businesscentral.dynamics.com/.default';
/** What the ERP stand-in accepts without any sign-in (README "Pointing at real systems"). */
export const ERP_DEV_TOKEN = 'erp-dev-token';

/** A tenant as Entra names it: its GUID or one of its domains (contoso.onmicrosoft.com). */
const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]*$/;

/**
 * ERP_TOKEN (fixed) or ERP_CLIENT_ID + ERP_CLIENT_SECRET (+ ERP_TENANT_ID, ERP_TOKEN_URL,
 * ERP_TOKEN_SCOPE): read once by the ERP and workflows subgraphs' config.ts. A half-configured
 * flow is a ConfigError naming what is missing.
 */
export function readErpCredentials(env: Env): ErpCredentialsConfig {
  const token = text(env, 'ERP_TOKEN');
  const clientId = text(env, 'ERP_CLIENT_ID');
  const clientSecret = text(env, 'ERP_CLIENT_SECRET');
  const tenantId = text(env, 'ERP_TENANT_ID');
  if (token !== undefined) {
    if (clientId !== undefined)
      throw new ConfigError(
        'ERP_TOKEN',
        'set either ERP_TOKEN or ERP_CLIENT_ID (client credentials), not both',
      );
    return { flow: 'fixed', token: new Secret(token) };
  }
  if (clientId === undefined) {
    const orphan =
      clientSecret !== undefined ? 'ERP_CLIENT_SECRET' : tenantId !== undefined ? 'ERP_TENANT_ID' : '';
    if (orphan) throw new ConfigError('ERP_CLIENT_ID', `must be set with ${orphan}`);
    return { flow: 'fixed', token: new Secret(ERP_DEV_TOKEN) };
  }
  if (clientSecret === undefined)
    throw new ConfigError('ERP_CLIENT_SECRET', 'must be set with ERP_CLIENT_ID');
  let tokenUrl = text(env, 'ERP_TOKEN_URL', ENTRA_TOKEN_URL);
  if (tokenUrl.includes('{tenant}')) {
    if (tenantId === undefined)
      throw new ConfigError('ERP_TENANT_ID', 'must be set with ERP_CLIENT_ID (the Entra tenant of the app)');
    if (!TENANT_PATTERN.test(tenantId))
      throw new ConfigError('ERP_TENANT_ID', `must be a tenant GUID or domain; got '${tenantId}'`);
    tokenUrl = tokenUrl.replaceAll('{tenant}', tenantId);
  }
  const parsed = URL.canParse(tokenUrl) ? new URL(tokenUrl) : undefined;
  if (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:')
    throw new ConfigError('ERP_TOKEN_URL', `must be an absolute http(s) URL; got '${tokenUrl}'`);
  return {
    flow: 'clientCredentials',
    tokenUrl: parsed.href,
    clientId,
    clientSecret: new Secret(clientSecret),
    scope: text(env, 'ERP_TOKEN_SCOPE', BUSINESS_CENTRAL_SCOPE),
  };
}

export interface TokenSourceOptions {
  /** Per token request. */
  timeoutMs: number;
  logger?: Logger;
  /** Refresh this long before expiry (default 60 s). */
  refreshMarginMs?: number;
  /** The clock (tests move it). */
  now?: () => number;
}

/** The ERP's tokens for the configured flow; client credentials are fetched on first use. */
export function erpTokenSource(config: ErpCredentialsConfig, options: TokenSourceOptions): AccessTokenSource {
  if (config.flow === 'fixed') return fixedTokenSource('ERP', config.token);
  const label = 'ERP token (client credentials)';
  return new OAuthTokenSource({
    system: 'ERP',
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.refreshMarginMs === undefined ? {} : { refreshMarginMs: options.refreshMarginMs }),
    ...(options.now ? { now: options.now } : {}),
    async fetchToken() {
      const body = await requestToken({
        system: 'ERP',
        url: config.tokenUrl,
        form: {
          grant_type: 'client_credentials',
          client_id: config.clientId,
          client_secret: config.clientSecret.reveal(),
          scope: config.scope,
        },
        timeoutMs: options.timeoutMs,
        label,
      });
      const expiresInS = expiresInOf(body);
      return {
        accessToken: accessTokenOf('ERP', label, body),
        ...(expiresInS === undefined ? {} : { expiresInS }),
      };
    },
  });
}
