import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { type JWK, SignJWT } from 'jose';
import { sendJson } from '../graphqlHttp.js';
import { DEV_AUDIENCE, DEV_ISSUER } from './config.js';
import { ensureDevKeys } from './devKeys.js';

/**
 * The local identity provider of development and tests: one ES256 key pair generated on first
 * start and kept in `.data/auth/` (the public half also as a JWKS file, which subgraphs started
 * alone read), a JWKS URL served on loopback by `npm start`, and tokens minted by
 * `npm run token`. It stands in for Entra ID, Okta, Auth0 or Keycloak: the gateway verifies its
 * tokens exactly as theirs, through the same AUTH_* settings.
 */
export interface DevIssuer {
  issuer: string;
  audience: string;
  /** The public keys, as a JWKS document. */
  jwks: { keys: JWK[] };
  mint(claims: DevTokenClaims): Promise<string>;
}

export interface DevTokenClaims {
  sub: string;
  scopes?: readonly string[];
  /** The caller's e-mail (their CRM username). */
  email?: string;
  /** Lifetime in seconds (default one hour); negative makes an already expired token. */
  expiresInS?: number;
  /** Defaults to the issuer's own; tests change them to check refusals. */
  issuer?: string;
  audience?: string;
  /** Further claims, e.g. `nbf`. */
  extra?: Record<string, unknown>;
}

/** The development issuer over the keys in `dataDir` (generated on first use). */
export function openDevIssuer(
  options: { dataDir?: string; issuer?: string; audience?: string } = {},
): DevIssuer {
  const { privateJwk, jwks } = ensureDevKeys(options.dataDir);
  const key = createPrivateKey({ key: privateJwk as JsonWebKey, format: 'jwk' });
  const issuer = options.issuer ?? DEV_ISSUER;
  const audience = options.audience ?? DEV_AUDIENCE;
  return {
    issuer,
    audience,
    jwks,
    mint(claims) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        ...(claims.scopes ? { scope: claims.scopes.join(' ') } : {}),
        ...(claims.email ? { email: claims.email } : {}),
        ...claims.extra,
      })
        .setProtectedHeader({ alg: 'ES256', kid: privateJwk.kid!, typ: 'JWT' })
        .setSubject(claims.sub)
        .setIssuer(claims.issuer ?? issuer)
        .setAudience(claims.audience ?? audience)
        .setIssuedAt(now)
        .setExpirationTime(now + (claims.expiresInS ?? 3600))
        .sign(key);
    },
  };
}

/** Serves the issuer's discovery document and JWKS (not listening: the caller picks the port). */
export function createDevIssuerServer(issuer: DevIssuer): Server {
  return createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (req.method === 'GET' && path === '/.well-known/jwks.json') return sendJson(res, 200, issuer.jwks);
    if (req.method === 'GET' && path === '/.well-known/openid-configuration') {
      const origin = `http://${req.headers.host ?? 'localhost'}`;
      return sendJson(res, 200, {
        issuer: issuer.issuer,
        jwks_uri: `${origin}/.well-known/jwks.json`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    return sendJson(res, 404, { error: 'not_found' });
  });
}
