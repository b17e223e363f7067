import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import { type DevIssuer, type DevTokenClaims, openDevIssuer } from '../../lib/auth/devIssuer.js';
import { ALL_SCOPES, SCOPES } from '../../lib/auth/principal.js';

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

/** Every scope but sales:own: a caller who may read and change everything. */
export const FULL_ACCESS = ALL_SCOPES.filter((scope) => scope !== SCOPES.salesOwn);

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
    tokenFor: (claims = {}) => issuer.mint({ sub: 'test-user', scopes: FULL_ACCESS, ...claims }),
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
