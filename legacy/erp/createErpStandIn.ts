import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import { createIndexesSql, ERP_TABLES } from '../generator/model.js';
import { bearerOf } from '../sim/accessTokens.js';
import { type Fault, readBody, type SimConfig, Simulator } from '../sim/simulator.js';
import { Answers } from './answers.js';
import { BATCH_PATTERN, type Batch, runBatch } from './batch.js';
import { Companies } from './companies.js';
import { type ApiRoute, CUSTOM_API_PREFIX, STANDARD_API_PREFIX } from './entities.js';
import { EntitySetRoutes } from './entitySetRoutes.js';
import {
  type EntraApp,
  EntraTokenEndpoint,
  ERP_DEV_APP,
  type ErpSession,
  TOKEN_PATH_PATTERN,
} from './entra.js';
import { ErpError, errorBody, invalidToken, methodNotAllowed, notFound, segmentNotFound } from './errors.js';
import {
  type ErpRequest,
  type ErpResponse,
  errorResponse,
  json,
  parseKey,
  parseSegment,
  type Route,
} from './protocol.js';
import { QueryEngine } from './query.js';
import { REPORTING_INDEXES_SQL, Reporting, reportSet } from './reporting.js';
import { Store } from './store.js';
import { Writer } from './writes.js';

export interface ErpLogger {
  error(obj: unknown, msg?: string): void;
  warn?(obj: unknown, msg?: string): void;
}

export interface ErpStandInOptions {
  db: Database;
  companyId: string;
  companyName?: string;
  /**
   * A fixed bearer token accepted besides the tokens the Entra endpoint issues (the simplest
   * development setup). Default `erp-dev-token`, as the ERP subgraph assumes without credentials.
   */
  token?: string;
  /** The tenant and app registration `POST /{tenant}/oauth2/v2.0/token` signs in (default ERP_DEV_APP). */
  entra?: Partial<EntraApp>;
  /** Server-side maximum page size; BC's default is 20,000. Tests force small pages with it. */
  maxPageSize?: number;
  sim?: Partial<SimConfig>;
  logger?: ErpLogger;
}

export interface ErpStandIn {
  /** Not listening: the caller decides host and port. */
  server: http.Server;
  sim: Simulator;
  /** Who a request's token was issued to; undefined for the fixed token or none valid. */
  sessionOf(req: IncomingMessage): ErpSession | undefined;
}

/** Renders a simulated fault as Business Central would answer it. */
function renderFault(res: ServerResponse, fault: Fault): void {
  let response: ErpResponse;
  if (fault.kind === 'outage') {
    response = json(
      503,
      errorBody('ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'),
    );
  } else if (fault.kind === 'throttle') {
    response = json(
      429,
      errorBody('Application_TooManyRequests', 'Too many requests reached. Actual (0). Maximum (0).'),
      fault.retryAfterSeconds === null ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
    );
  } else {
    const code =
      fault.status >= 500
        ? fault.status === 503
          ? 'ServiceUnavailable'
          : 'Internal_ServerError'
        : fault.status === 429
          ? 'Application_TooManyRequests'
          : fault.status === 404
            ? 'BadRequest_NotFound'
            : 'BadRequest';
    response = json(fault.status, errorBody(code, 'A simulated fault was injected by the stand-in.'));
  }
  writeResponse(res, response);
}

function writeResponse(res: ServerResponse, response: ErpResponse): void {
  if (res.headersSent) return;
  if (response.body === undefined) {
    res.writeHead(response.status, response.headers);
    res.end();
    return;
  }
  const text = JSON.stringify(response.body);
  res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export function createErpStandIn(options: ErpStandInOptions): ErpStandIn {
  const token = options.token ?? 'erp-dev-token';
  const maxPageSize = options.maxPageSize ?? 20_000;
  if (!Number.isInteger(maxPageSize) || maxPageSize < 1)
    throw new Error('maxPageSize must be a positive integer');
  const companyId = options.companyId.toLowerCase();
  // A data file generated before an index joined the model gets it now (idempotent).
  if (!options.db.readonly) {
    options.db.exec(createIndexesSql(ERP_TABLES));
    options.db.exec(REPORTING_INDEXES_SQL);
  }
  const store = new Store(options.db);
  const engine = new QueryEngine(store);
  const reporting = new Reporting(engine);
  // customers({id})/agedAccountsReceivable and its $expand read the live computation too.
  const aged = reportSet('v2.0', 'agedAccountsReceivables')!;
  engine.computed.set(aged.table.name, (_column, keys) => reporting.rowsByKey(aged, keys));
  const entitySets = new EntitySetRoutes(
    companyId,
    engine,
    new Writer(store),
    new Answers(engine, maxPageSize),
    reporting,
  );
  const companies = new Companies(companyId, options.companyName ?? 'CRONUS USA, Inc.', maxPageSize);
  const sim = new Simulator(renderFault, options.sim);
  const entra = new EntraTokenEndpoint({ ...ERP_DEV_APP, ...options.entra });
  sim.attachTokens(entra.tokens);

  /** Maps a path to its route; throws BC's 404/405 for paths the API does not have. */
  function resolve(method: string, pathname: string): Route {
    let prefix: string;
    let api: ApiRoute;
    if (pathname === STANDARD_API_PREFIX || pathname.startsWith(`${STANDARD_API_PREFIX}/`)) {
      prefix = STANDARD_API_PREFIX;
      api = 'v2.0';
    } else if (pathname === CUSTOM_API_PREFIX || pathname.startsWith(`${CUSTOM_API_PREFIX}/`)) {
      prefix = CUSTOM_API_PREFIX;
      api = 'custom';
    } else {
      throw segmentNotFound(pathname.split('/').filter(Boolean)[0] ?? '');
    }
    let rawSegments: string[];
    try {
      rawSegments = pathname
        .slice(prefix.length)
        .split('/')
        .filter((s) => s !== '')
        .map((s) => decodeURIComponent(s));
    } catch {
      throw invalidToken('The request URI is not valid.');
    }
    const segments = rawSegments.map(parseSegment);
    const [first, ...rest] = segments;
    if (!first) throw segmentNotFound('');
    if (first.name === '$batch' && first.key === undefined && rest.length === 0 && api === 'v2.0') {
      if (method !== 'POST') throw methodNotAllowed(method, '$batch');
      return { pattern: BATCH_PATTERN, handle: (req) => runBatch(batch, req) };
    }
    if (first.name !== 'companies') throw segmentNotFound(first.raw);
    if (first.key === undefined) {
      if (rest.length > 0) throw segmentNotFound(rest[0]!.raw);
      if (method !== 'GET') throw methodNotAllowed(method, 'companies');
      return companies.listRoute(prefix);
    }
    const key = parseKey(first);
    if (key !== companyId) throw notFound(`The company with id '${key}' does not exist.`);
    if (rest.length === 0) {
      if (method !== 'GET') throw methodNotAllowed(method, 'companies');
      return companies.entityRoute(prefix);
    }
    return entitySets.resolve(method, api, prefix, rest);
  }

  /** Runs one protocol request (top level or inside a batch) and returns its answer. */
  function execute(route: Route, req: ErpRequest): ErpResponse {
    try {
      return route.handle(req);
    } catch (error) {
      if (error instanceof ErpError) return errorResponse(error);
      options.logger?.error(
        { err: error, method: req.method, path: req.pathname },
        'ERP stand-in request failed',
      );
      return json(
        500,
        errorBody('Internal_ServerError', 'An unexpected error occurred while processing the request.'),
      );
    }
  }

  const batch: Batch = {
    resolve,
    execute,
    count: (pattern) => sim.count(pattern),
    transaction: (fn) => store.transaction(fn),
  };

  function sessionOf(req: IncomingMessage): ErpSession | undefined {
    const presented = bearerOf(req.headers.authorization);
    return presented === undefined ? undefined : entra.tokens.sessionOf(presented);
  }

  /** The fixed token, or a token the Entra endpoint issued that has not expired nor been revoked. */
  function authorised(req: IncomingMessage): boolean {
    const presented = bearerOf(req.headers.authorization);
    return presented !== undefined && (presented === token || sessionOf(req) !== undefined);
  }

  /** `POST /{tenant}/oauth2/v2.0/token`: Entra's answer, counted and faulted like any request. */
  async function handleToken(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    if (!(await sim.admit(req, res, 'POST /{tenant}/oauth2/v2.0/token'))) return;
    let body: string;
    try {
      body = await readBody(req, 64 * 1024);
    } catch {
      writeResponse(res, {
        status: 413,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: { error: 'invalid_request', error_description: 'The request is too large.' },
      });
      return;
    }
    const { tokenLifetimeS, refuseTokens } = sim.getConfig();
    const answer = await entra.answer(decodeURIComponent(tenant), body, {
      lifetimeS: tokenLifetimeS,
      refuse: refuseTokens,
    });
    writeResponse(res, {
      status: answer.status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store, no-cache' },
      body: answer.body,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? '' : rawUrl.slice(q + 1);
    if (await sim.handleControl(req, res, pathname)) return;
    const tokenPath = TOKEN_PATH_PATTERN.exec(pathname);
    if (tokenPath && method === 'POST') return handleToken(req, res, tokenPath[1]!);

    let route: Route | undefined;
    let routeError: ErpError | undefined;
    try {
      route = resolve(method, pathname);
    } catch (error) {
      if (!(error instanceof ErpError)) throw error;
      routeError = error;
    }
    if (!(await sim.admit(req, res, route?.pattern ?? `${method} (unmatched)`))) return;
    if (!authorised(req)) {
      writeResponse(
        res,
        json(
          401,
          errorBody('Authentication_InvalidCredentials', 'The server has rejected the client credentials.'),
          {
            'www-authenticate':
              'Bearer authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="invalid_token", error_description="The access token is missing, invalid or expired"',
          },
        ),
      );
      req.resume();
      return;
    }
    if (routeError || !route) {
      req.resume();
      writeResponse(res, errorResponse(routeError!));
      return;
    }
    let body = '';
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      try {
        body = await readBody(req);
      } catch {
        writeResponse(res, errorResponse(new ErpError(413, 'BadRequest', 'The request body is too large.')));
        return;
      }
    } else {
      req.resume();
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const erpReq: ErpRequest = {
      method,
      pathname,
      search,
      headers,
      body,
      origin: `http://${req.headers.host ?? 'localhost'}`,
    };
    writeResponse(res, execute(route, erpReq));
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'ERP stand-in request failed');
      if (!res.headersSent) {
        writeResponse(
          res,
          json(
            500,
            errorBody('Internal_ServerError', 'An unexpected error occurred while processing the request.'),
          ),
        );
      } else {
        res.destroy();
      }
    });
  });
  server.on('close', () => companies.close());
  return { server, sim, sessionOf };
}
