import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import { type DevIssuer, type DevTokenClaims, openDevIssuer } from '../../lib/auth/devIssuer.js';
import { FULL_ACCESS_SCOPES } from '../../lib/auth/principal.js';

/**
 * Tests authenticate as development does: the same dev issuer module, with keys generated once
 * per test process in a temporary directory (never the repository's `.data/`), and the
 * configuration read by the same authConfigFromEnv as the product.
 */
export interface TestAuth {
  config: AuthConfig;
  issuer: DevIssuer;
  /** A token for `sub` (default `test-user`) with every scope but sales:own, unless `scopes` says otherwise. */
  tokenFor(claims?: Partial<DevTokenClaims>): Promise<string>;
  /** What the gateway sends a subgraph: its secret and the caller's token. */
  subgraphHeaders(token: string): Record<string, string>;
  /** The same settings as environment variables, for a gateway or subgraph started as a process. */
  env: Record<string, string>;
}

let shared: TestAuth | undefined;

export function testAuth(): TestAuth {
  if (shared) return shared;
  const dataDir = mkdtempSync(join(tmpdir(), 'customer-graph-auth-'));
  const issuer = openDevIssuer({ dataDir });
  const config = authConfigFromEnv(
    { SUBGRAPH_SHARED_SECRET: randomBytes(32).toString('base64url') },
    { production: false, dataDir },
  );
  shared = {
    config,
    issuer,
    tokenFor: (claims = {}) => issuer.mint({ sub: 'test-user', scopes: FULL_ACCESS_SCOPES, ...claims }),
    env: {
      AUTH_JWKS_FILE: config.keys.kind === 'jwks-file' ? config.keys.path : '',
      SUBGRAPH_SHARED_SECRET: config.subgraphSecret,
    },
    subgraphHeaders: (token) => ({
      'x-gateway-secret': config.subgraphSecret,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    }),
  };
  return shared;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Tokens that must all be refused, each made the way an attacker or a misconfigured client
 * would: tampered, another issuer's key, expired, not yet valid, wrong issuer or audience, no
 * signature (`alg: none`), HMAC keyed with our public key (algorithm confusion), not a JWT.
 */
export async function badTokens(auth: TestAuth = testAuth()): Promise<Record<string, string>> {
  const { issuer } = auth;
  const good = await auth.tokenFor();
  const [header, payload, signature] = good.split('.') as [string, string, string];
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    sub: 'intruder',
    scope: 'customer:read finance:read',
    iss: issuer.issuer,
    aud: issuer.audience,
  };
  // Another issuer's keys (same issuer name and audience): its key is not one of ours.
  const stranger = openDevIssuer({ dataDir: mkdtempSync(join(tmpdir(), 'stranger-issuer-')) });
  const ourKid = (JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string }).kid;
  const hmac = await new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', kid: ourKid })
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0])));
  const tampered = base64url({
    ...JSON.parse(Buffer.from(payload, 'base64url').toString()),
    sub: 'someone-else',
  });
  return {
    'bad signature': `${header}.${tampered}.${signature}`,
    'signed by another issuer': await stranger.mint({
      sub: 'intruder',
      scopes: ['customer:read', 'finance:read'],
    }),
    expired: await auth.tokenFor({ expiresInS: -120 }),
    'not valid yet': await auth.tokenFor({ extra: { nbf: now + 600 } }),
    'wrong issuer': await auth.tokenFor({ issuer: 'https://evil.example' }),
    'wrong audience': await auth.tokenFor({ audience: 'another-api' }),
    'alg none': `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url({ ...claims, exp: now + 3600 })}.`,
    'HMAC with the public key': hmac,
    'not a JWT': 'opaque-session-cookie-value',
  };
}
