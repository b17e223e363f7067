import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ApolloServer, BaseContext, HTTPGraphQLRequest } from '@apollo/server';
import { HeaderMap } from '@apollo/server';
import type { Principal } from './auth/principal.js';
import { AuthenticationError } from './auth/verifier.js';
import { applyCors, type CorsConfig } from './cors.js';
import {
  DEADLINE_HEADER,
  Deadline,
  type OperationScope,
  operationScope,
  parseDeadlineHeader,
} from './deadline.js';
import type { Logger } from './logger.js';

/** Requests larger than this are refused before parsing: no operation we serve is near it. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Taken off the budget the gateway sends (`x-deadline-ms`) for answering: the legacy calls give
 * up this long before the gateway would, so it hears LEGACY_TIMEOUT naming the system rather
 * than timing the whole subgraph out.
 */
export const ANSWER_RESERVE_MS = 50;

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface RequestScope {
  requestId: string;
  logger: Logger;
  req: IncomingMessage;
  /** The authenticated caller (see lib/auth/verifier.ts). */
  principal: Principal;
}

/**
 * A node:http server around an Apollo Server (no web framework needed): POST/GET on
 * `graphqlPath` go to Apollo, `routes` (e.g. /health, /ready) are answered directly, anything
 * else is a JSON 404. Every request gets an id — the caller's `x-request-id` when it sends a
 * sane one, else a new UUID — echoed in the answer and carried by the request's child logger.
 * The server is returned unstarted: the caller listens.
 */
export function createGraphQLHttpServer<TContext extends BaseContext>(options: {
  apollo: ApolloServer<TContext>;
  context: (scope: RequestScope) => Promise<TContext>;
  logger: Logger;
  graphqlPath?: string;
  routes?: Record<string, RouteHandler>;
  /** Cross-origin browser access (lib/cors.ts): preflights are answered before anything else, unauthenticated. */
  cors?: CorsConfig;
  /**
   * Who calls: every GraphQL request is authenticated before Apollo sees it; a refusal is a 401
   * (503 when the issuer's keys cannot be fetched) with `WWW-Authenticate` (RFC 6750) and a
   * GraphQL error coded UNAUTHENTICATED. Routes (/health, /ready) are not authenticated.
   */
  authenticate: (req: IncomingMessage) => Promise<Principal>;
  /** Names the realm in `WWW-Authenticate`. */
  realm?: string;
}): Server {
  const graphqlPath = options.graphqlPath ?? '/graphql';
  return createServer((req, res) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const logger = options.logger.child({ requestId });
    handle(req, res, requestId, logger).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed outside GraphQL execution');
      if (!res.headersSent)
        sendJson(res, 500, {
          errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
        });
      else res.end();
    });
  });

  async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    logger: Logger,
  ): Promise<void> {
    if (options.cors && applyCors(options.cors, req, res)) return;
    const url = new URL(req.url ?? '/', 'http://localhost');
    const route = options.routes?.[url.pathname];
    if (route) return route(req, res);
    if (url.pathname !== graphqlPath) {
      return sendJson(res, 404, {
        errors: [{ message: `No route ${url.pathname}.`, extensions: { code: 'NOT_FOUND' } }],
      });
    }
    let principal: Principal;
    try {
      principal = await options.authenticate(req);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      return refuseUnauthenticated(res, error, options.realm ?? 'customer-graph', logger);
    }
    let body: unknown;
    if (req.method === 'POST') {
      const text = await readBody(req);
      if (text === undefined) {
        return sendJson(res, 413, {
          errors: [
            {
              message: `Request body larger than ${MAX_BODY_BYTES} bytes.`,
              extensions: { code: 'BAD_USER_INPUT' },
            },
          ],
        });
      }
      try {
        body = text.length > 0 ? JSON.parse(text) : undefined;
      } catch {
        return sendJson(res, 400, {
          errors: [
            { message: 'The request body is not valid JSON.', extensions: { code: 'BAD_USER_INPUT' } },
          ],
        });
      }
    }
    const headers = new HeaderMap();
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method ?? 'GET',
      headers,
      search: url.search,
      body,
    };
    const response = await operationScope.run(scopeOf(req, logger), () =>
      options.apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest,
        context: () => options.context({ requestId, logger, req, principal }),
      }),
    );
    for (const [name, value] of response.headers) res.setHeader(name, value);
    res.statusCode = response.status ?? 200;
    if (response.body.kind === 'complete') {
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

function refuseUnauthenticated(
  res: ServerResponse,
  error: AuthenticationError,
  realm: string,
  logger: Logger,
): void {
  const unavailable = error.reason === 'unavailable';
  if (unavailable) logger.error({ err: error }, 'token not verifiable: identity provider keys unavailable');
  else logger.info({ reason: error.reason, why: error.message }, 'request refused: not authenticated');
  // RFC 6750: no error attribute when the request simply had no credentials.
  const challenge =
    error.reason === 'invalid_request' && error.message.startsWith('No bearer')
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="${unavailable ? 'temporarily_unavailable' : error.reason}", error_description="${error.message}"`;
  res.setHeader('www-authenticate', challenge);
  sendJson(res, unavailable ? 503 : 401, {
    errors: [{ message: error.message, extensions: { code: 'UNAUTHENTICATED', reason: error.reason } }],
  });
}

/**
 * The scope the request executes in (lib/deadline.ts): the gateway's remaining budget less
 * {@link ANSWER_RESERVE_MS}, read by every legacy call made for it. Only the gateway sends the
 * header (a subgraph refuses requests without its secret, and nothing at the gateway itself reads
 * the scope), so an unreadable value is ignored — the calls keep their own timeouts — and logged
 * at debug rather than refused: the caller could not fix it anyway.
 */
function scopeOf(req: IncomingMessage, logger: Logger): OperationScope {
  const given = req.headers[DEADLINE_HEADER];
  if (given === undefined) return {};
  const remainingMs = parseDeadlineHeader(given);
  if (remainingMs === undefined) {
    logger.debug({ [DEADLINE_HEADER]: given }, 'unreadable deadline header ignored');
    return {};
  }
  return { deadline: Deadline.after(remainingMs - ANSWER_RESERVE_MS) };
}

function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const value = Array.isArray(given) ? given[0] : given;
  return value && /^[A-Za-z0-9._:-]{1,128}$/.test(value) ? value : randomUUID();
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The body as text, or undefined when it exceeds MAX_BODY_BYTES. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
