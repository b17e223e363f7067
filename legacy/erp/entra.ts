import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { AccessTokens, formOf } from '../sim/accessTokens.js';

/**
 * The part of Microsoft Entra ID a Business Central integration meets: the v2.0 token endpoint
 * of a tenant (`POST /{tenant}/oauth2/v2.0/token`) with the client credentials grant for one app
 * registration, answering as Entra does (`{token_type, expires_in, ext_expires_in,
 * access_token}`, errors `{error, error_description: "AADSTS…", error_codes, …}`). Access
 * tokens are JWTs like Entra's (aud, iss, tid, appid, roles), signed with a key of this process;
 * the API checks them against the tokens it issued, not their signature.
 */

/** The app registration a client signs in as. */
export interface EntraApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/** Development defaults, also what `npm start` signs in with (legacy/README.md). */
export const ERP_DEV_APP: Readonly<EntraApp> = {
  tenantId: '8a1f5c2e-3b7d-4e9a-9c41-6d2b0f7e5a13',
  clientId: '3c9e7b21-54f8-4a6d-b0e2-91d7c4a8f605',
  clientSecret: 'erp-dev-client-secret',
};

/** What a token stands for (the lead's visibility rules may read it). */
export interface ErpSession {
  tenantId: string;
  clientId: string;
}

export const BUSINESS_CENTRAL_RESOURCE = 'https://api.businesscentral.dynamics.com';
export const TOKEN_PATH_PATTERN = /^\/([^/]+)\/oauth2\/v2\.0\/token$/;

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
}

function entraError(status: number, error: string, code: number, description: string): TokenAnswer {
  const timestamp = new Date().toISOString().replace('T', ' ').slice(0, 19);
  const traceId = randomUUID();
  const correlationId = randomUUID();
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}Z`,
      error_codes: [code],
      timestamp: `${timestamp}Z`,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${code}`,
    },
  };
}

const missing = (name: string) =>
  entraError(
    400,
    'invalid_request',
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );

export class EntraTokenEndpoint {
  readonly tokens: AccessTokens<ErpSession>;
  private readonly signingKey = randomBytes(32);

  constructor(
    private readonly app: EntraApp,
    now: () => number = Date.now,
  ) {
    this.tokens = new AccessTokens<ErpSession>(now);
  }

  /** Answers one token request for `tenant` (from the path) with its form body. */
  async answer(
    tenant: string,
    body: string,
    settings: { lifetimeS: number; refuse: boolean },
  ): Promise<TokenAnswer> {
    if (tenant.toLowerCase() !== this.app.tenantId.toLowerCase()) {
      return entraError(
        400,
        'invalid_request',
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
      );
    }
    const form = formOf(body);
    const grantType = form.get('grant_type');
    if (grantType === undefined) return missing('grant_type');
    if (grantType !== 'client_credentials') {
      return entraError(
        400,
        'unsupported_grant_type',
        70003,
        `The app requested an unsupported grant type '${grantType}'.`,
      );
    }
    const clientId = form.get('client_id');
    if (clientId === undefined) return missing('client_id');
    if (clientId.toLowerCase() !== this.app.clientId.toLowerCase()) {
      return entraError(
        400,
        'unauthorized_client',
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${this.app.tenantId}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );
    }
    const secret = form.get('client_secret');
    if (secret === undefined) {
      return entraError(
        401,
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    if (settings.refuse) {
      return entraError(
        401,
        'invalid_client',
        7000222,
        `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app.`,
      );
    }
    if (secret !== this.app.clientSecret) {
      return entraError(
        401,
        'invalid_client',
        7000215,
        `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      );
    }
    const scope = form.get('scope');
    if (scope === undefined) return missing('scope');
    if (!scope.endsWith('/.default')) {
      return entraError(
        400,
        'invalid_scope',
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    const resource = scope.slice(0, -'/.default'.length).replace(/\/$/, '');
    if (resource !== BUSINESS_CENTRAL_RESOURCE) {
      return entraError(
        400,
        'invalid_resource',
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${this.app.tenantId}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`,
      );
    }
    const issuedAt = Math.floor(Date.now() / 1000);
    const accessToken = await new SignJWT({
      tid: this.app.tenantId,
      appid: this.app.clientId,
      oid: randomUUID(),
      roles: ['API.ReadWrite.All', 'Automation.ReadWrite.All'],
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(BUSINESS_CENTRAL_RESOURCE)
      .setIssuer(`https://sts.windows.net/${this.app.tenantId}/`)
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(issuedAt + settings.lifetimeS)
      .setJti(randomUUID())
      .sign(this.signingKey);
    this.tokens.add(accessToken, settings.lifetimeS, {
      tenantId: this.app.tenantId,
      clientId: this.app.clientId,
    });
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: settings.lifetimeS,
        ext_expires_in: settings.lifetimeS,
        access_token: accessToken,
      },
    };
  }
}
