/**
 * The benchmark's callers authenticate as the product's do (issue 9): a development issuer whose
 * keys live in the bench's own work directory (never the developer's `.data/auth`), its public
 * JWKS file and a per-run subgraph secret given to every subgraph and gateway process, and one
 * full-access token, minted once, sent by every probe, reference check and load request.
 */
import { randomBytes } from 'node:crypto';
import { GATEWAY_SECRET_HEADER } from '../gateway/subgraphs.js';
import { openDevIssuer } from '../lib/auth/devIssuer.js';
import { devJwksPath } from '../lib/auth/devKeys.js';
import { FULL_ACCESS_SCOPES } from '../lib/auth/principal.js';

export { FULL_ACCESS_SCOPES };

/** The caller the benchmark is: one subject, so the gateway's per-caller limits see one caller. */
export const BENCH_SUBJECT = 'bench-load-generator';

/** Long enough for any run the flags allow to finish on one token (rows are bounded to an hour each). */
export const BENCH_TOKEN_LIFETIME_S = 7 * 24 * 3600;

export interface BenchAuth {
  /** The issuer's public keys, as the processes read them (AUTH_JWKS_FILE). */
  jwksPath: string;
  issuer: string;
  audience: string;
  /** SUBGRAPH_SHARED_SECRET of every process of the run. */
  subgraphSecret: string;
  /** The full-access bearer token every request carries. */
  token: string;
}

/** Generates (or reuses) the issuer's keys in `<workDir>/auth/`, a fresh secret, and mints the run's token. */
export async function openBenchAuth(workDir: string): Promise<BenchAuth> {
  const issuer = openDevIssuer({ dataDir: workDir });
  const token = await issuer.mint({
    sub: BENCH_SUBJECT,
    scopes: FULL_ACCESS_SCOPES,
    expiresInS: BENCH_TOKEN_LIFETIME_S,
  });
  return {
    jwksPath: devJwksPath(workDir),
    issuer: issuer.issuer,
    audience: issuer.audience,
    subgraphSecret: randomBytes(32).toString('base64url'),
    token,
  };
}

/** `jwt`: the product as shipped; `off`: AUTH_MODE=off, every caller the development principal. */
export type AuthMode = 'jwt' | 'off';

/**
 * The AUTH_* variables and the secret, the same for the gateway and every subgraph of a stack.
 * The issuer settings are given even with AUTH_MODE=off, so nothing falls back to `.data/`.
 */
export function authEnv(auth: BenchAuth, mode: AuthMode = 'jwt'): Record<string, string> {
  return {
    AUTH_MODE: mode,
    AUTH_JWKS_FILE: auth.jwksPath,
    AUTH_ISSUER: auth.issuer,
    AUTH_AUDIENCE: auth.audience,
    SUBGRAPH_SHARED_SECRET: auth.subgraphSecret,
  };
}

/** What a client of the gateway sends. */
export const callerHeaders = (auth: Pick<BenchAuth, 'token'>): Record<string, string> => ({
  authorization: `Bearer ${auth.token}`,
});

/** What a subgraph needs of whoever calls it: the caller's token and the gateway's secret. */
export const subgraphHeaders = (
  auth: Pick<BenchAuth, 'token' | 'subgraphSecret'>,
): Record<string, string> => ({
  ...callerHeaders(auth),
  [GATEWAY_SECRET_HEADER]: auth.subgraphSecret,
});
