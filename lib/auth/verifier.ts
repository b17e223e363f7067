import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  type JWTPayload,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import { LRUCache } from 'lru-cache';
import { ConfigError } from '../env.js';
import type { AuthConfig } from './config.js';
import { FULL_ACCESS_SCOPES, type Principal } from './principal.js';

/** Why a request is refused before any GraphQL work; the description is safe to show (no token text). */
export class AuthenticationError extends Error {
  constructor(
    /** `invalid_request` (no or malformed header), `invalid_token`, or `unavailable` (the issuer's keys could not be fetched). */
    readonly reason: 'invalid_request' | 'invalid_token' | 'unavailable',
    message: string,
  ) {
    super(message);
    this.name = 'AuthenticationError';
  }
}

export interface Authenticator {
  /** The caller of this request, from its `Authorization` header; throws AuthenticationError. */
  authenticate(req: IncomingMessage): Promise<Principal>;
}

/** Who every caller is when AUTH_MODE=off (development only). */
export const DEVELOPMENT_PRINCIPAL: Principal = {
  subject: 'development',
  scopes: new Set(FULL_ACCESS_SCOPES),
  token: '',
};

/** Verified tokens are kept this long at most (and never past their `exp`): a gateway request is verified again by each subgraph. */
const VERIFIED_TTL_MS = 60_000;

/**
 * Verifies bearer JWTs with jose: signature against the issuer's keys (a JWKS URL, cached and
 * refetched on an unknown `kid` at most once per cooldown, or a JWKS file), issuer, audience,
 * exp / nbf with the configured skew, algorithms from the allow-list only. A verified token is
 * remembered by its hash until it expires (at most a minute), so the gateway and the subgraphs
 * behind it pay for one signature check per token and minute, not per request.
 */
export function createAuthenticator(config: AuthConfig): Authenticator {
  if (config.mode === 'off') {
    // Development only (refused in production): every caller is the development principal.
    return { authenticate: async () => DEVELOPMENT_PRINCIPAL };
  }
  const keySet =
    config.keys.kind === 'jwks-url'
      ? createRemoteJWKSet(new URL(config.keys.url), {
          cooldownDuration: config.jwksCooldownMs,
          cacheMaxAge: 10 * 60_000,
          timeoutDuration: 5000,
        })
      : createLocalJWKSet(readJwksFile(config.keys.path));
  const verified = new LRUCache<string, Principal>({ max: 10_000, ttlAutopurge: false });

  async function verify(token: string): Promise<Principal> {
    const cacheKey = createHash('sha256').update(token).digest('base64url');
    const known = verified.get(cacheKey);
    if (known) return known;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keySet, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: config.clockSkewS,
        requiredClaims: ['sub', 'exp'],
      }));
    } catch (error) {
      throw refusalOf(error);
    }
    const principal = principalOf(payload, token, config.crmUserClaim);
    const remainingMs = (payload.exp as number) * 1000 - Date.now();
    verified.set(cacheKey, principal, { ttl: Math.max(1, Math.min(VERIFIED_TTL_MS, remainingMs)) });
    return principal;
  }

  return {
    async authenticate(req) {
      const header = req.headers.authorization;
      if (header === undefined || header === '') {
        throw new AuthenticationError(
          'invalid_request',
          'No bearer token: send Authorization: Bearer <token>.',
        );
      }
      const match = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
      if (!match) {
        throw new AuthenticationError('invalid_request', 'The Authorization header is not a bearer token.');
      }
      return verify(match[1]!);
    },
  };
}

function readJwksFile(path: string): JSONWebKeySet {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const why =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not a JSON document';
    throw new ConfigError(
      'AUTH_JWKS_FILE',
      `${path} ${why}${path.includes('.data') ? ' (in development, `npm start` or `npm run token` creates it)' : ''}`,
    );
  }
  if (!parsed || typeof parsed !== 'object' || !Array.isArray((parsed as { keys?: unknown }).keys)) {
    throw new ConfigError('AUTH_JWKS_FILE', `${path} is not a JWKS document ({"keys": [...]})`);
  }
  return parsed as JSONWebKeySet;
}

/** The caller from a verified payload: scopes from `scope` (OAuth, space-separated) or `scp` (Entra ID: text or list). */
export function principalOf(payload: JWTPayload, token: string, crmUserClaim: string): Principal {
  const scopes = new Set<string>();
  for (const claim of [payload.scope, payload.scp]) {
    if (typeof claim === 'string') for (const scope of claim.split(' ')) if (scope) scopes.add(scope);
    if (Array.isArray(claim)) for (const scope of claim) if (typeof scope === 'string') scopes.add(scope);
  }
  const crmUser = payload[crmUserClaim];
  return {
    subject: payload.sub!,
    scopes,
    ...(typeof crmUser === 'string' && crmUser !== '' ? { crmUser } : {}),
    token,
  };
}

/** jose's refusal as ours: a description safe to send back (RFC 6750 error_description), never the token. */
function refusalOf(error: unknown): AuthenticationError {
  if (error instanceof joseErrors.JWTExpired)
    return new AuthenticationError('invalid_token', 'The token has expired.');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const what =
      claim === 'iss'
        ? 'was not issued by the configured issuer'
        : claim === 'aud'
          ? 'is not meant for this audience'
          : claim === 'nbf'
            ? 'is not valid yet'
            : `has an unacceptable '${claim}' claim`;
    return new AuthenticationError('invalid_token', `The token ${what}.`);
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed || error instanceof joseErrors.JOSENotSupported) {
    return new AuthenticationError(
      'invalid_token',
      'The token is signed with an algorithm that is not accepted.',
    );
  }
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWKSMultipleMatchingKeys) {
    return new AuthenticationError(
      'invalid_token',
      "The token's signing key is not one of the issuer's keys.",
    );
  }
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AuthenticationError('invalid_token', "The token's signature does not verify.");
  }
  if (error instanceof joseErrors.JWKSTimeout || (error instanceof Error && error.name === 'TypeError')) {
    return new AuthenticationError(
      'unavailable',
      "The identity provider's keys could not be fetched; try again.",
    );
  }
  if (error instanceof joseErrors.JOSEError) {
    return new AuthenticationError('invalid_token', 'The token is malformed or invalid.');
  }
  return new AuthenticationError(
    'unavailable',
    "The identity provider's keys could not be fetched; try again.",
  );
}

/** Compares the gateway secret in constant time (hashing first makes the lengths equal). */
export function secretMatches(given: string | string[] | undefined, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
