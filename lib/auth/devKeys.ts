import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { JWK } from 'jose';

/** Where development keeps what it generates on first start (the issuer's keys, the subgraph secret). */
export const DEV_DATA_DIR = '.data';
export const devJwksPath = (dataDir = DEV_DATA_DIR): string => join(dataDir, 'auth', 'jwks.json');
const devPrivateKeyPath = (dataDir: string): string => join(dataDir, 'auth', 'issuer-private.jwk.json');

/**
 * The development issuer's ES256 key: generated on first use and kept in `<dataDir>/auth/`, its
 * public half written beside it as a JWKS file (what a subgraph started alone verifies with).
 * Synchronous, because configurations are read synchronously at start.
 */
export function ensureDevKeys(dataDir = DEV_DATA_DIR): { privateJwk: JWK; jwks: { keys: JWK[] } } {
  const privatePath = devPrivateKeyPath(dataDir);
  let privateJwk: JWK;
  if (existsSync(privatePath)) {
    privateJwk = JSON.parse(readFileSync(privatePath, 'utf8')) as JWK;
  } else {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    privateJwk = {
      ...(pair.privateKey.export({ format: 'jwk' }) as JWK),
      kid: randomUUID(),
      alg: 'ES256',
      use: 'sig',
    };
    mkdirSync(dirname(privatePath), { recursive: true });
    writeFileSync(privatePath, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _secret, ...publicJwk } = privateJwk;
  const jwks = { keys: [publicJwk] };
  const publicPath = devJwksPath(dataDir);
  const text = JSON.stringify(jwks, null, 2);
  // Rewritten when it differs: the public file always matches the private key beside it.
  if (!existsSync(publicPath) || readFileSync(publicPath, 'utf8') !== text) writeFileSync(publicPath, text);
  return { privateJwk, jwks };
}
