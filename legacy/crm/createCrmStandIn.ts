import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Database } from 'better-sqlite3';
import { bearerOf } from '../sim/accessTokens.js';
import { type Fault, readBody, type SimConfig, Simulator } from '../sim/simulator.js';
import { type Composite, runComposite } from './composite.js';
import { CHILD_BATCH_SIZE, clampBatchSize, QueryEngine } from './engine.js';
import { CrmError, notFound } from './errors.js';
import {
  type ConnectedApp,
  CRM_DEV_APP,
  type CrmSession,
  OAUTH_TOKEN_PATH,
  SalesforceTokenEndpoint,
} from './oauth.js';
import {
  API_PREFIX,
  API_VERSION,
  type CrmRequest,
  type CrmResponse,
  errorResponse,
  json,
  MAX_URI_LENGTH,
  methodNotAllowed,
  type Route,
} from './protocol.js';
import { Writer } from './writes.js';

export interface CrmLogger {
  error(obj: unknown, msg?: string): void;
  warn?(obj: unknown, msg?: string): void;
}

export interface CrmStandInOptions {
  db: Database;
  /**
   * A fixed bearer token accepted besides the tokens `POST /services/oauth2/token` issues (the
   * simplest development setup). Default `crm-dev-token`, as the CRM subgraph assumes without
   * credentials.
   */
  token?: string;
  /** The connected app the token endpoint signs in (default CRM_DEV_APP, no certificate). */
  connectedApp?: Partial<ConnectedApp>;
  /** API calls allowed before 403 REQUEST_LIMIT_EXCEEDED (the org's daily allocation). */
  dailyApiLimit?: number;
  /** Cap on `Sforce-Query-Options: batchSize` (tests force small pages with it); 2,000 as Salesforce. */
  maxBatchSize?: number;
  /** Query locators kept open (least recently used expire first). */
  maxQueryLocators?: number;
  /** Child records per parent answered inline by a subquery (200); the rest follow a nextRecordsUrl. */
  childBatchSize?: number;
  sim?: Partial<SimConfig>;
  logger?: CrmLogger;
}

export interface CrmStandIn {
  /** Not listening: the caller decides host and port. */
  server: http.Server;
  sim: Simulator;
  /** The user a request's token acts as; undefined for the fixed token or none valid. */
  sessionOf(req: IncomingMessage): CrmSession | undefined;
}

function renderFault(res: ServerResponse, fault: Fault): void {
  let response: CrmResponse;
  if (fault.kind === 'outage') {
    response = json(503, [
      {
        message: 'Salesforce is temporarily unavailable. Please try again later.',
        errorCode: 'SERVER_UNAVAILABLE',
      },
    ]);
  } else if (fault.kind === 'throttle') {
    response = json(
      429,
      [{ message: 'Too many concurrent requests.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
      fault.retryAfterSeconds === null ? {} : { 'retry-after': String(fault.retryAfterSeconds) },
    );
  } else {
    const code =
      fault.status === 503
        ? 'SERVER_UNAVAILABLE'
        : fault.status >= 500
          ? 'UNKNOWN_EXCEPTION'
          : fault.status === 429
            ? 'REQUEST_LIMIT_EXCEEDED'
            : fault.status === 404
              ? 'NOT_FOUND'
              : 'INVALID_REQUEST';
    response = json(fault.status, [
      { message: 'A simulated fault was injected by the stand-in.', errorCode: code },
    ]);
  }
  writeResponse(res, response);
}

function writeResponse(res: ServerResponse, response: CrmResponse): void {
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

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

export function createCrmStandIn(options: CrmStandInOptions): CrmStandIn {
  const token = options.token ?? 'crm-dev-token';
  const dailyApiLimit = options.dailyApiLimit ?? 1_000_000;
  const maxBatchSize = options.maxBatchSize ?? 2000;
  if (!Number.isInteger(dailyApiLimit) || dailyApiLimit < 0)
    throw new Error('dailyApiLimit must be an integer >= 0');
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)
    throw new Error('maxBatchSize must be a positive integer');
  const engine = new QueryEngine(
    options.db,
    API_PREFIX,
    options.maxQueryLocators ?? 500,
    options.childBatchSize ?? CHILD_BATCH_SIZE,
  );
  const writer = new Writer(engine);
  const sim = new Simulator(renderFault, options.sim);
  const oauth = new SalesforceTokenEndpoint({ ...CRM_DEV_APP, ...options.connectedApp }, options.db);
  sim.attachTokens(oauth.tokens);
  let apiUsage = 0;

  function batchSizeOf(req: CrmRequest): number {
    return Math.min(maxBatchSize, clampBatchSize(req.headers['sforce-query-options']));
  }

  /**
   * Whose sharing a query runs under: a JWT-bearer session acts as an ordinary user (owner-based
   * sharing, see compileSoql); the client-credentials run-as user and the fixed token are the
   * integration, which sees everything.
   */
  const sharingUserOf = (req: CrmRequest): string | undefined =>
    req.session?.grant === 'jwt_bearer' ? req.session.userId : undefined;

  function queryRoute(name: string, includeDeleted: boolean): Route {
    return {
      name,
      heavy: true,
      handle: (req) => {
        const q = req.query.get('q');
        if (q === null) {
          throw new CrmError(
            400,
            'MALFORMED_QUERY',
            "A query string has to be specified in the 'q' parameter",
          );
        }
        return json(200, engine.query(q, batchSizeOf(req), includeDeleted, sharingUserOf(req)));
      },
    };
  }

  const versions = [{ label: "Winter '25", url: API_PREFIX, version: API_VERSION }];
  const resources = {
    composite: `${API_PREFIX}/composite`,
    limits: `${API_PREFIX}/limits`,
    query: `${API_PREFIX}/query`,
    queryAll: `${API_PREFIX}/queryAll`,
    sobjects: `${API_PREFIX}/sobjects`,
  };

  /** Maps a path below the API prefix to its route; throws NOT_FOUND / METHOD_NOT_ALLOWED. */
  function resolve(method: string, path: string): Route {
    const segments = path === '' ? [] : path.split('/').map(decodeSegment);
    const [first, second, third] = segments;
    const only = (allowed: string[], route: Route): Route => {
      if (!allowed.includes(method)) throw methodNotAllowed(method, allowed);
      return route;
    };
    if (segments.length > 4) throw notFound();
    switch (first) {
      case undefined:
        return only(['GET'], { name: 'resources', handle: () => json(200, resources) });
      case 'limits':
        if (second !== undefined) throw notFound();
        return only(['GET'], {
          name: 'limits',
          handle: () =>
            json(200, {
              DailyApiRequests: { Max: dailyApiLimit, Remaining: Math.max(0, dailyApiLimit - apiUsage) },
            }),
        });
      case 'query':
      case 'queryAll': {
        if (third !== undefined) throw notFound();
        const all = first === 'queryAll';
        if (second === undefined) return only(['GET'], queryRoute(all ? 'queryAll' : 'query', all));
        return only(['GET'], {
          name: all ? 'queryAllMore' : 'queryMore',
          heavy: true,
          handle: () => json(200, engine.queryMore(second)),
        });
      }
      case 'sobjects':
        return writer.resolveSObjects(method, segments.slice(1));
      case 'composite':
        if (second === undefined) {
          if (method !== 'POST') throw methodNotAllowed(method, ['POST']);
          return { name: 'composite', handle: (req) => runComposite(composite, req) };
        }
        if (second === 'sobjects') return writer.resolveCollections(method, segments.slice(2));
        throw notFound();
      default:
        throw notFound();
    }
  }

  /** Runs one protocol request (top level or inside a composite) and returns its answer. */
  function execute(route: Route, req: CrmRequest): CrmResponse {
    try {
      return route.handle(req);
    } catch (error) {
      if (error instanceof CrmError) return errorResponse(error);
      options.logger?.error(
        { err: error, method: req.method, path: req.path },
        'CRM stand-in request failed',
      );
      return json(500, [
        {
          message: 'An unexpected error occurred. Please include this ErrorId if you contact support.',
          errorCode: 'UNKNOWN_EXCEPTION',
        },
      ]);
    }
  }

  const composite: Composite = {
    resolve,
    execute,
    count: (name) => sim.count(name),
    transaction: (fn) => engine.store.transaction(fn),
  };

  const presentedToken = (req: IncomingMessage) =>
    bearerOf(req.headers.authorization, /^(?:Bearer|OAuth)\s+(.+)$/i);

  /**
   * Who the request's token acts as: the client credentials' run-as user or the user a JWT
   * bearer assertion named (whose sharing its queries run under: sharingUserOf); the fixed token
   * has no session and sees all.
   */
  function sessionOf(req: IncomingMessage): CrmSession | undefined {
    const presented = presentedToken(req);
    return presented === undefined ? undefined : oauth.tokens.sessionOf(presented);
  }

  /** The fixed token, or a session the token endpoint issued that has not expired nor been revoked. */
  function authorised(req: IncomingMessage): boolean {
    const presented = presentedToken(req);
    return presented !== undefined && (presented === token || sessionOf(req) !== undefined);
  }

  /** `POST /services/oauth2/token`: counted and faulted like any request, outside the API limit. */
  async function handleToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!(await sim.admit(req, res, `POST ${OAUTH_TOKEN_PATH}`))) return;
    let body: string;
    try {
      body = await readBody(req, 64 * 1024);
    } catch {
      writeResponse(res, json(400, { error: 'invalid_request', error_description: 'request too large' }));
      return;
    }
    const { tokenLifetimeS, refuseTokens } = sim.getConfig();
    const answer = await oauth.answer(body, `http://${req.headers.host ?? 'localhost'}`, {
      lifetimeS: tokenLifetimeS,
      refuse: refuseTokens,
    });
    writeResponse(
      res,
      json(answer.status, answer.body, {
        'cache-control': 'no-cache,must-revalidate,max-age=0,no-store,private',
      }),
    );
  }

  function limitHeader(): Record<string, string> {
    return { 'sforce-limit-info': `api-usage=${apiUsage}/${dailyApiLimit}` };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? '' : rawUrl.slice(q + 1);
    if (method === 'POST' && pathname === '/__sim/reset') apiUsage = 0;
    if (await sim.handleControl(req, res, pathname)) return;
    if (method === 'POST' && pathname === OAUTH_TOKEN_PATH) return handleToken(req, res);

    if (rawUrl.length > MAX_URI_LENGTH) {
      req.resume();
      writeResponse(
        res,
        json(414, [
          {
            message: `The request URI is longer than ${MAX_URI_LENGTH} characters.`,
            errorCode: 'URI_TOO_LONG',
          },
        ]),
      );
      return;
    }

    let route: Route | undefined;
    let routeError: CrmError | undefined;
    let versionsList = false;
    if (pathname === '/services/data' || pathname === '/services/data/') {
      versionsList = true;
    } else if (pathname === API_PREFIX || pathname.startsWith(`${API_PREFIX}/`)) {
      try {
        route = resolve(method, pathname.slice(API_PREFIX.length + 1).replace(/\/$/, ''));
      } catch (error) {
        if (!(error instanceof CrmError)) throw error;
        routeError = error;
      }
    } else {
      routeError = notFound();
    }
    const routeName = versionsList ? 'versions' : (route?.name ?? `${method} (unmatched)`);
    if (!(await sim.admit(req, res, routeName))) return;
    if (versionsList) {
      // The version list is public in Salesforce: no session needed.
      req.resume();
      writeResponse(res, json(200, versions));
      return;
    }
    if (!authorised(req)) {
      req.resume();
      writeResponse(
        res,
        json(401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]),
      );
      return;
    }
    if (apiUsage >= dailyApiLimit) {
      req.resume();
      writeResponse(
        res,
        json(
          403,
          [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }],
          limitHeader(),
        ),
      );
      return;
    }
    apiUsage += 1;
    if (routeError || !route) {
      req.resume();
      const response = errorResponse(routeError ?? notFound());
      writeResponse(res, { ...response, headers: { ...response.headers, ...limitHeader() } });
      return;
    }
    let body = '';
    if (method === 'POST' || method === 'PATCH' || method === 'PUT') {
      try {
        body = await readBody(req);
      } catch {
        writeResponse(
          res,
          json(
            413,
            [{ message: 'The request body is too large.', errorCode: 'REQUEST_ENTITY_TOO_LARGE' }],
            limitHeader(),
          ),
        );
        return;
      }
    } else {
      req.resume();
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    const crmReq: CrmRequest = {
      method,
      path: pathname.slice(API_PREFIX.length + 1),
      query: new URLSearchParams(search),
      headers,
      body,
      // The user the token acts as: queries apply their sharing (sharingUserOf).
      ...(sessionOf(req) ? { session: sessionOf(req) } : {}),
    };
    const response = execute(route, crmReq);
    writeResponse(res, { ...response, headers: { ...response.headers, ...limitHeader() } });
  }

  // Long query strings must reach the handler so it can answer 414 itself.
  const server = http.createServer({ maxHeaderSize: 256 * 1024 }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      options.logger?.error({ err: error }, 'CRM stand-in request failed');
      if (!res.headersSent) {
        writeResponse(
          res,
          json(500, [{ message: 'An unexpected error occurred.', errorCode: 'UNKNOWN_EXCEPTION' }]),
        );
      } else {
        res.destroy();
      }
    });
  });
  return { server, sim, sessionOf };
}
