import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError, type Env, integer, text } from './env.js';

/** Which browser front ends may call the server from another origin (CORS). */
export interface CorsConfig {
  /** Exact origins (`https://app.example.com`); none: no cross-origin browser access at all. */
  origins: string[];
  /** How long a browser may reuse a preflight's answer. */
  maxAgeS: number;
}

/** Methods the GraphQL endpoint serves (GET for queries, POST for everything). */
const ALLOWED_METHODS = 'GET, POST, OPTIONS';
/**
 * Request headers a front end may send: the JSON body's content type, the bearer token, its own
 * request id, and the headers Apollo's CSRF prevention accepts as proof of a preflight.
 */
const ALLOWED_HEADERS =
  'content-type, authorization, x-request-id, apollo-require-preflight, x-apollo-operation-name';
/** Response headers a front end may read besides the simple ones. */
const EXPOSED_HEADERS = 'x-request-id, retry-after, x-response-cache';

/**
 * CORS_ORIGINS (comma-separated exact origins: scheme, host and port, no path; none by default)
 * and CORS_MAX_AGE_S (default 600); a bad value throws ConfigError naming the variable.
 */
export function corsConfigFromEnv(env: Env): CorsConfig {
  const origins = (text(env, 'CORS_ORIGINS') ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins) {
    const parsed = URL.canParse(origin) ? new URL(origin) : undefined;
    // The URL parser takes `*` as a host character: a wildcard would silently never match.
    if (
      (parsed?.protocol !== 'http:' && parsed?.protocol !== 'https:') ||
      parsed.origin !== origin.replace(/\/$/, '').toLowerCase() ||
      origin.includes('*')
    ) {
      throw new ConfigError(
        'CORS_ORIGINS',
        `must be comma-separated origins like https://app.example.com (scheme, host, optional port; no path, no wildcard); got '${origin}'`,
      );
    }
  }
  return {
    origins: [...new Set(origins.map((origin) => new URL(origin).origin))],
    maxAgeS: integer(env, 'CORS_MAX_AGE_S', 600, 0, 86_400),
  };
}

/**
 * Applies the CORS policy to a request, before anything else answers it. A request from an
 * allowed origin gets `Access-Control-Allow-Origin` naming it (never `*`: the bearer token travels
 * in a header, no cookie, so no credentials flag either); any other origin gets no CORS header, so
 * the browser keeps the answer from the page. A preflight (OPTIONS with
 * `Access-Control-Request-Method`) is answered here, 204, with the allowed methods, headers and
 * max-age when its origin is allowed, and returns true: the caller sends nothing more.
 */
export function applyCors(config: CorsConfig, req: IncomingMessage, res: ServerResponse): boolean {
  const origin = req.headers.origin;
  const allowed = origin !== undefined && config.origins.includes(origin);
  // The answer differs by Origin: caches must not hand one origin's answer to another.
  res.setHeader('vary', 'origin');
  if (allowed) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  if (!preflight) return false;
  if (allowed) {
    res.setHeader('access-control-allow-methods', ALLOWED_METHODS);
    res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
    res.setHeader('access-control-max-age', String(config.maxAgeS));
    res.removeHeader('access-control-expose-headers');
  }
  res.writeHead(204, { 'content-length': '0' });
  res.end();
  return true;
}
