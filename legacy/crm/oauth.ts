import { createHmac, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { compactVerify, decodeJwt } from 'jose';
import { AccessTokens, formOf, randomToken } from '../sim/accessTokens.js';
import { idChecksum } from './ids.js';

/**
 * Salesforce's OAuth token endpoint (`POST /services/oauth2/token`) for one connected app, with
 * the two server-to-server flows an integration uses:
 *
 * - client credentials (`grant_type=client_credentials`, consumer key and secret): the token acts
 *   as the app's "Run As" user;
 * - JWT bearer (`grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer`, `assertion`): an RS256
 *   JWT whose `iss` is the consumer key, `sub` a username, `aud` the login URL and `exp` at most
 *   3 minutes ahead, checked with the certificate uploaded to the connected app; the token acts
 *   as that user, who must be an active User of the org.
 *
 * Answers and refusals are Salesforce's: `{access_token, signature?, scope, instance_url, id,
 * token_type, issued_at}` (no `expires_in`: a session lasts until the org's session timeout, here
 * the sim setting `tokenLifetimeS`), errors `{error, error_description}` with status 400.
 */

/** The connected app clients sign in through. */
export interface ConnectedApp {
  /** The consumer key. */
  clientId: string;
  /** The consumer secret (client credentials flow). */
  clientSecret: string;
  /** The uploaded certificate (PEM) or its public key, which JWT bearer assertions are checked with. */
  certificate?: string | KeyObject;
  /** The client credentials flow's "Run As" user; default: the first active User. */
  runAsUsername?: string;
}

/** Development defaults, also what `npm start` signs in with (legacy/README.md). */
export const CRM_DEV_APP: Readonly<ConnectedApp> = {
  clientId: '3MVG9dev.customerGraph.standIn.consumerKey',
  clientSecret: 'crm-dev-client-secret',
};

/** Who a token acts as: what the CRM's sharing rules would be applied to. */
export interface CrmSession {
  userId: string;
  username: string;
  /** How it was obtained: the integration's run-as user, or a user named by a JWT. */
  grant: 'client_credentials' | 'jwt_bearer';
}

export const OAUTH_TOKEN_PATH = '/services/oauth2/token';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Salesforce refuses an assertion that expires more than 3 minutes from now. */
const MAX_ASSERTION_LIFETIME_S = 180;
/** The org of the generated data set (Organization key prefix 00D). */
export const ORG_ID = `00D5J000000CuGr${idChecksum('00D5J000000CuGr')}`;

export interface OAuthAnswer {
  status: number;
  body: Record<string, unknown>;
}

const refusal = (error: string, description: string): OAuthAnswer => ({
  status: 400,
  body: { error, error_description: description },
});

function publicKeyOf(certificate: string | KeyObject): KeyObject {
  if (typeof certificate !== 'string') {
    return certificate.type === 'private' ? createPublicKey(certificate) : certificate;
  }
  if (certificate.includes('CERTIFICATE')) return new X509Certificate(certificate).publicKey;
  return createPublicKey(certificate);
}

export class SalesforceTokenEndpoint {
  readonly tokens: AccessTokens<CrmSession>;
  private readonly publicKey: KeyObject | undefined;
  private readonly findUser;
  private readonly firstActiveUser;

  constructor(
    private readonly app: ConnectedApp,
    db: Database,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = new AccessTokens<CrmSession>(now);
    this.publicKey = app.certificate === undefined ? undefined : publicKeyOf(app.certificate);
    this.findUser = db.prepare<[string], { Id: string; Username: string; IsActive: number }>(
      'SELECT Id, Username, IsActive FROM "User" WHERE Username = ? COLLATE NOCASE',
    );
    this.firstActiveUser = db.prepare<[], { Id: string; Username: string; IsActive: number }>(
      'SELECT Id, Username, IsActive FROM "User" WHERE IsActive = 1 ORDER BY Id LIMIT 1',
    );
  }

  /**
   * Answers one token request. `origin` is the stand-in's own (http://host:port): it is the
   * instance URL handed out and an audience accepted besides login/test.salesforce.com.
   */
  async answer(
    body: string,
    origin: string,
    settings: { lifetimeS: number; refuse: boolean },
  ): Promise<OAuthAnswer> {
    const form = formOf(body);
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') return this.clientCredentials(form, origin, settings);
    if (grant === JWT_BEARER_GRANT) return this.jwtBearer(form, origin, settings);
    return refusal('unsupported_grant_type', 'grant type not supported');
  }

  private clientCredentials(
    form: Map<string, string>,
    origin: string,
    settings: { lifetimeS: number; refuse: boolean },
  ): OAuthAnswer {
    if (form.get('client_id') !== this.app.clientId)
      return refusal('invalid_client_id', 'client identifier invalid');
    if (form.get('client_secret') !== this.app.clientSecret)
      return refusal('invalid_client', 'invalid client credentials');
    if (settings.refuse) return refusal('invalid_grant', 'authentication failure');
    const user =
      this.app.runAsUsername === undefined
        ? this.firstActiveUser.get()
        : this.findUser.get(this.app.runAsUsername);
    if (!user?.IsActive) return refusal('invalid_grant', 'no client credentials user enabled');
    return this.issue(
      { userId: user.Id, username: user.Username, grant: 'client_credentials' },
      origin,
      settings,
      true,
    );
  }

  private async jwtBearer(
    form: Map<string, string>,
    origin: string,
    settings: { lifetimeS: number; refuse: boolean },
  ): Promise<OAuthAnswer> {
    const assertion = form.get('assertion');
    if (assertion === undefined) return refusal('invalid_grant', 'invalid assertion');
    let claims: ReturnType<typeof decodeJwt>;
    try {
      claims = decodeJwt(assertion);
    } catch {
      return refusal('invalid_grant', 'invalid assertion');
    }
    if (claims.iss !== this.app.clientId) return refusal('invalid_client_id', 'client identifier invalid');
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    const accepted = new Set([origin, 'https://login.salesforce.com', 'https://test.salesforce.com']);
    if (!audiences.some((aud) => typeof aud === 'string' && accepted.has(aud.replace(/\/$/, ''))))
      return refusal('invalid_grant', 'audience is invalid');
    if (!this.publicKey) return refusal('invalid_grant', 'invalid assertion');
    try {
      const { protectedHeader } = await compactVerify(assertion, this.publicKey, { algorithms: ['RS256'] });
      if (protectedHeader.alg !== 'RS256') return refusal('invalid_grant', 'invalid assertion');
    } catch {
      return refusal('invalid_grant', 'invalid assertion');
    }
    const nowS = this.now() / 1000;
    if (typeof claims.exp !== 'number') return refusal('invalid_grant', 'invalid assertion');
    if (claims.exp <= nowS) return refusal('invalid_grant', 'expired authorization code');
    if (claims.exp > nowS + MAX_ASSERTION_LIFETIME_S) return refusal('invalid_grant', 'invalid assertion');
    if (settings.refuse) return refusal('invalid_grant', 'authentication failure');
    const user = typeof claims.sub === 'string' ? this.findUser.get(claims.sub) : undefined;
    if (!user) return refusal('invalid_grant', "user hasn't approved this consumer");
    if (user.IsActive !== 1) return refusal('invalid_grant', 'inactive user');
    return this.issue(
      { userId: user.Id, username: user.Username, grant: 'jwt_bearer' },
      origin,
      settings,
      false,
    );
  }

  private issue(
    session: CrmSession,
    origin: string,
    settings: { lifetimeS: number },
    signed: boolean,
  ): OAuthAnswer {
    const accessToken = `${ORG_ID.slice(0, 15)}!${randomToken(72)}`;
    this.tokens.add(accessToken, settings.lifetimeS, session);
    const id = `${origin}/id/${ORG_ID}/${session.userId}`;
    const issuedAt = String(this.now());
    return {
      status: 200,
      body: {
        access_token: accessToken,
        // HMAC-SHA256 of id + issued_at with the consumer secret, so a client can check the answer.
        ...(signed
          ? {
              signature: createHmac('sha256', this.app.clientSecret)
                .update(id + issuedAt)
                .digest('base64'),
            }
          : {}),
        scope: 'api',
        instance_url: origin,
        id,
        token_type: 'Bearer',
        issued_at: issuedAt,
      },
    };
  }
}
