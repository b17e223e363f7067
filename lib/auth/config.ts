import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError, type Env, httpUrl, integer, oneOf, text } from '../env.js';
import { DEV_DATA_DIR, devJwksPath, ensureDevKeys } from './devKeys.js';

/**
 * How callers are authenticated, read alike by the gateway and every subgraph (a subgraph
 * verifies the caller's token itself, with the same settings, so it is no open door when reached
 * directly or under another gateway).
 */
export interface AuthConfig {
  /** `off` only outside production: every caller is the development principal (all scopes but sales:own). */
  mode: 'jwt' | 'off';
  /** Where the issuer's public keys come from: its JWKS URL (cached, refetched on an unknown `kid`) or a JWKS file. */
  keys: { kind: 'jwks-url'; url: string } | { kind: 'jwks-file'; path: string };
  issuer: string;
  audience: string;
  /** Signature algorithms accepted; asymmetric only (never `none`, never HMAC, so a public key cannot be used as an HMAC secret). */
  algorithms: string[];
  /** Tolerated clock difference for exp / nbf / iat, in seconds. */
  clockSkewS: number;
  /** The claim naming the caller's CRM user (Salesforce username), e.g. `email` or `preferred_username`. */
  crmUserClaim: string;
  /** Least time between two JWKS fetches triggered by unknown key ids (an attacker's made-up `kid`s cannot make us hammer the issuer). */
  jwksCooldownMs: number;
  /** The gateway's proof to the subgraphs (`x-gateway-secret`). */
  subgraphSecret: string;
}

export const DEV_ISSUER = 'customer-graph-dev-issuer';
export const DEV_AUDIENCE = 'customer-graph';
const devSecretPath = (dataDir = DEV_DATA_DIR): string => join(dataDir, 'subgraph-secret');

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const DEFAULT_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const MIN_SECRET_LENGTH = 32;

/**
 * Reads the AUTH_* variables and SUBGRAPH_SHARED_SECRET. Outside production, what is unset
 * falls back to the local development issuer (its keys in `.data/auth/`) and a secret generated
 * once in `.data/`; in production each must be given, and AUTH_MODE=off stops the process.
 */
export function authConfigFromEnv(env: Env, options: { production: boolean; dataDir?: string }): AuthConfig {
  const { production } = options;
  const dataDir = options.dataDir ?? DEV_DATA_DIR;
  const mode = oneOf(env, 'AUTH_MODE', ['jwt', 'off'] as const, 'jwt');
  if (mode === 'off' && production) {
    throw new ConfigError(
      'AUTH_MODE',
      'off is refused with NODE_ENV=production: every caller would read and change everything',
    );
  }
  const jwksUrl = text(env, 'AUTH_JWKS_URL');
  const jwksFile = text(env, 'AUTH_JWKS_FILE');
  if (jwksUrl && jwksFile)
    throw new ConfigError('AUTH_JWKS_FILE', 'set AUTH_JWKS_URL or AUTH_JWKS_FILE, not both');
  if (production && mode === 'jwt' && !jwksUrl && !jwksFile) {
    throw new ConfigError(
      'AUTH_JWKS_URL',
      "required with NODE_ENV=production (your identity provider's JWKS URL), or AUTH_JWKS_FILE",
    );
  }
  // Development without an identity provider: the local issuer's keys, made on first start.
  if (mode === 'jwt' && !jwksUrl && !jwksFile) ensureDevKeys(dataDir);
  const keys: AuthConfig['keys'] = jwksUrl
    ? { kind: 'jwks-url', url: httpUrl(env, 'AUTH_JWKS_URL', jwksUrl).href }
    : { kind: 'jwks-file', path: jwksFile ?? devJwksPath(dataDir) };
  const issuer = required(env, 'AUTH_ISSUER', production && mode === 'jwt', DEV_ISSUER);
  const audience = required(env, 'AUTH_AUDIENCE', production && mode === 'jwt', DEV_AUDIENCE);
  return {
    mode,
    keys,
    issuer,
    audience,
    algorithms: algorithmsOf(env),
    clockSkewS: integer(env, 'AUTH_CLOCK_SKEW_S', 30, 0, 600),
    crmUserClaim: text(env, 'AUTH_CRM_USER_CLAIM', 'email'),
    jwksCooldownMs: integer(env, 'AUTH_JWKS_COOLDOWN_S', 30, 1, 3600) * 1000,
    subgraphSecret: subgraphSecretOf(env, production, dataDir),
  };
}

function required(env: Env, name: string, isRequired: boolean, devDefault: string): string {
  const value = text(env, name);
  if (value !== undefined) return value;
  if (isRequired) throw new ConfigError(name, 'required with NODE_ENV=production');
  return devDefault;
}

function algorithmsOf(env: Env): string[] {
  const raw = text(env, 'AUTH_ALGORITHMS');
  if (raw === undefined) return DEFAULT_ALGORITHMS;
  const algorithms = raw
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const refused = algorithms.filter((algorithm) => !ASYMMETRIC.includes(algorithm));
  if (algorithms.length === 0 || refused.length > 0) {
    throw new ConfigError(
      'AUTH_ALGORITHMS',
      `only asymmetric signature algorithms are accepted (${ASYMMETRIC.join(', ')}); refused: '${refused.join(', ') || raw}'`,
    );
  }
  return algorithms;
}

function subgraphSecretOf(env: Env, production: boolean, dataDir: string): string {
  const given = text(env, 'SUBGRAPH_SHARED_SECRET');
  if (given !== undefined) {
    if (given.length < MIN_SECRET_LENGTH) {
      throw new ConfigError('SUBGRAPH_SHARED_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
    }
    return given;
  }
  if (production) {
    throw new ConfigError(
      'SUBGRAPH_SHARED_SECRET',
      'required with NODE_ENV=production (the same value for the gateway and every subgraph)',
    );
  }
  return devSubgraphSecret(dataDir);
}

/** The development secret: generated on first start and kept, so subgraphs started alone agree with the gateway. */
export function devSubgraphSecret(dataDir = DEV_DATA_DIR): string {
  const path = devSecretPath(dataDir);
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  // `wx`: when two processes start at once, the second one's write fails and it reads the first's.
  try {
    writeFileSync(path, `${secret}\n`, { flag: 'wx', mode: 0o600 });
    return secret;
  } catch {
    return readFileSync(path, 'utf8').trim();
  }
}
