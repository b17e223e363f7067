import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createIndexesSql, createTablesSql, ERP_TABLES, type ErpTableName } from '../generator/model.js';
import { type Fault, readBody, type SimConfig, Simulator } from '../sim/simulator.js';
import {
  COMPANY_SET,
  COMPANY_TABLE,
  CUSTOM_API_PREFIX,
  ENTITY_SETS,
  type EntitySetDef,
  entitySet,
  type NavigationDef,
  STANDARD_API_PREFIX,
} from './entities.js';
import {
  badRequest,
  dialog,
  ErpError,
  errorBody,
  invalidToken,
  methodNotAllowed,
  notFound,
  segmentNotFound,
} from './errors.js';
import { GUID_ONLY_RE } from './odata.js';
import {
  filterNamesDocument,
  parseReadOptions,
  QueryEngine,
  type ReadOptions,
  type ReadTarget,
  type Scope,
} from './query.js';
import { type Row, Store } from './store.js';
import { type Body, parseBody, Writer } from './writes.js';

export interface ErpLogger {
  error(obj: unknown, msg?: string): void;
  warn?(obj: unknown, msg?: string): void;
}

export interface ErpStandInOptions {
  db: Database;
  companyId: string;
  companyName?: string;
  /** Bearer token clients must present. Default `erp-dev-token`, as the ERP subgraph assumes. */
  token?: string;
  /** Server-side maximum page size; BC's default is 20,000. Tests force small pages with it. */
  maxPageSize?: number;
  sim?: Partial<SimConfig>;
  logger?: ErpLogger;
}

export interface ErpStandIn {
  /** Not listening: the caller decides host and port. */
  server: http.Server;
  sim: Simulator;
}

/** At most this many operations in one `$batch`, as Business Central enforces. */
export const MAX_BATCH_REQUESTS = 100;

const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8';

interface ErpRequest {
  method: string;
  pathname: string;
  /** Raw query string (without `?`), kept to rebuild `@odata.nextLink`. */
  search: string;
  headers: Record<string, string | undefined>;
  body: string;
  /** `http://host:port` the client used, for absolute links. */
  origin: string;
}

interface ErpResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

interface Route {
  pattern: string;
  handle: (req: ErpRequest) => ErpResponse;
}

/** A parsed path segment: `salesOrders(…)` → name + key. */
interface Segment {
  name: string;
  key?: string;
  raw: string;
}

function parseSegment(raw: string): Segment {
  const match = /^([A-Za-z$][\w.]*)(?:\(([^()]*)\))?$/.exec(raw);
  if (!match) throw segmentNotFound(raw);
  const [, name, key] = match;
  return key === undefined ? { name: name!, raw } : { name: name!, key, raw };
}

function parseKey(segment: Segment): string {
  let key = segment.key!.trim();
  if (key.startsWith("'") && key.endsWith("'") && key.length >= 2) key = key.slice(1, -1);
  if (!GUID_ONLY_RE.test(key)) {
    throw invalidToken(
      `Bad Request - Error in query syntax: '${segment.key}' is not a valid key for '${segment.name}'.`,
    );
  }
  return key.toLowerCase();
}

function queryMap(search: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (map.has(name)) throw badRequest(`The query parameter '${name}' is specified more than once.`);
    map.set(name, value);
  }
  return map;
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): ErpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'odata-version': '4.0', ...headers }, body };
}

function noContent(): ErpResponse {
  return { status: 204, headers: { 'odata-version': '4.0' } };
}

function errorResponse(error: ErpError): ErpResponse {
  return json(error.status, errorBody(error.code, error.message), error.headers);
}

function maxPageSizePreference(prefer: string | undefined): number | undefined {
  if (!prefer) return undefined;
  for (const part of prefer.split(',')) {
    const m = /^\s*odata\.maxpagesize\s*=\s*(\S+)\s*$/i.exec(part);
    if (m) {
      if (!/^\d{1,9}$/.test(m[1]!) || Number(m[1]) === 0) {
        throw badRequest(
          `The value '${m[1]}' of the preference 'odata.maxpagesize' is not a positive integer.`,
        );
      }
      return Number(m[1]);
    }
  }
  return undefined;
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
  const serverMaxPageSize = options.maxPageSize ?? 20_000;
  if (!Number.isInteger(serverMaxPageSize) || serverMaxPageSize < 1)
    throw new Error('maxPageSize must be a positive integer');
  const companyId = options.companyId.toLowerCase();
  const companyName = options.companyName ?? 'CRONUS USA, Inc.';
  // A data file generated before an index joined the model gets it now (idempotent).
  if (!options.db.readonly) options.db.exec(createIndexesSql(ERP_TABLES));
  const store = new Store(options.db);
  const engine = new QueryEngine(store);
  const writer = new Writer(store);
  const sim = new Simulator(renderFault, options.sim);

  // The company list is served by the same engine from a one-row table of its own.
  const companyDb = new BetterSqlite3(':memory:');
  companyDb.exec(createTablesSql({ companies: COMPANY_TABLE }));
  const created = new Date().toISOString();
  companyDb
    .prepare(
      'INSERT INTO companies (id, systemVersion, timestamp, name, displayName, businessProfileId, systemCreatedAt, systemCreatedBy, systemModifiedAt, systemModifiedBy) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    )
    .run(companyId, '24.0.16410.18056', 1, companyName, companyName, '', created, null, created, null);
  const companyEngine = new QueryEngine(new Store(companyDb));

  // ---------------------------------------------------------------- responses

  function contextUrl(req: ErpRequest, apiPrefix: string, fragment: string): string {
    return `${req.origin}${apiPrefix}/$metadata#${fragment}`;
  }

  function nextLink(req: ErpRequest, skiptoken: string): string {
    const params = new URLSearchParams(req.search);
    params.delete('$skiptoken');
    params.set('$skiptoken', skiptoken);
    const query = [...params].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
    return `${req.origin}${req.pathname}?${query}`;
  }

  function collection(
    req: ErpRequest,
    engineFor: QueryEngine,
    target: ReadTarget,
    scope: Scope[],
    context: string,
    readOptions: ReadOptions,
  ): ErpResponse {
    const preferred = maxPageSizePreference(req.headers.prefer);
    const pageSize = Math.min(preferred ?? serverMaxPageSize, serverMaxPageSize);
    const result = engineFor.readCollection(target, readOptions, scope, pageSize);
    const body: Record<string, unknown> = { '@odata.context': context };
    if (result.count !== undefined) body['@odata.count'] = result.count;
    body.value = result.entities;
    if (result.nextSkipToken) body['@odata.nextLink'] = nextLink(req, result.nextSkipToken);
    return json(
      200,
      body,
      preferred === undefined ? {} : { 'preference-applied': `odata.maxpagesize=${pageSize}` },
    );
  }

  function singleOptions(req: ErpRequest, target: ReadTarget): ReadOptions {
    const map = queryMap(req.search);
    for (const name of map.keys()) {
      if (['$filter', '$orderby', '$top', '$skip', '$count', '$skiptoken'].includes(name)) {
        throw badRequest(`The query option '${name}' cannot be applied to a single entity.`);
      }
    }
    return parseReadOptions(map, target);
  }

  function entity(
    req: ErpRequest,
    target: ReadTarget,
    row: Row,
    context: string,
    readOptions?: ReadOptions,
  ): ErpResponse {
    const opts = readOptions ?? singleOptions(req, target);
    const [value] = (target === COMPANY_SET ? companyEngine : engine).materialise(target, [row], opts);
    return json(200, { '@odata.context': context, ...value });
  }

  function written(
    req: ErpRequest,
    def: EntitySetDef,
    row: Row,
    status: number,
    context: string,
  ): ErpResponse {
    // The answer to a write honours $select/$expand like a GET of the entity would.
    const opts = singleOptions(req, def);
    const [value] = engine.materialise(def, [row], opts);
    return json(status, { '@odata.context': context, ...value }, { etag: String(value!['@odata.etag']) });
  }

  // ---------------------------------------------------------------- routing

  function requireParent(def: EntitySetDef, key: string): Row {
    const row = engine.readRow(def, key);
    if (!row) throw notFound(`The ${def.typeName} with id '${key}' does not exist.`);
    return row;
  }

  function resolveCompanyRoute(
    method: string,
    api: 'v2.0' | 'custom',
    prefix: string,
    segments: Segment[],
  ): Route {
    const [first, second, third, ...rest] = segments;
    if (!first || rest.length > 0) throw segmentNotFound(rest[0]?.raw ?? '');
    const def = entitySet(api, first.name);
    if (!def) throw segmentNotFound(first.raw);
    const companyFragment = `companies(${companyId})`;

    // <set>
    if (first.key === undefined && !second) {
      const pattern = `${method} /${def.name}`;
      if (method === 'GET') {
        return {
          pattern,
          handle: (req) => {
            const opts = parseReadOptions(queryMap(req.search), def);
            if (def.linesOf && !filterNamesDocument(opts.filter)) {
              throw dialog('You must specify an Id or a Document Id to get the lines.');
            }
            return collection(
              req,
              engine,
              def,
              [],
              contextUrl(req, prefix, `${companyFragment}/${def.name}`),
              opts,
            );
          },
        };
      }
      if (method === 'POST' && def.insertable) {
        return {
          pattern,
          handle: (req) => {
            const body = parseBody(req.body);
            const row = create(def, body);
            return written(
              req,
              def,
              row,
              201,
              contextUrl(req, prefix, `${companyFragment}/${def.name}/$entity`),
            );
          },
        };
      }
      throw methodNotAllowed(method, def.name);
    }
    if (first.key === undefined) throw segmentNotFound(second!.raw);
    const key = parseKey(first);

    // <set>({id})
    if (!second) {
      const pattern = `${method} /${def.name}({id})`;
      const context = (req: ErpRequest) => contextUrl(req, prefix, `${companyFragment}/${def.name}/$entity`);
      if (method === 'GET') {
        return {
          pattern,
          handle: (req) => {
            const opts = singleOptions(req, def);
            return entity(req, def, requireParent(def, key), context(req), opts);
          },
        };
      }
      if (method === 'PATCH' && def.updatable) {
        return {
          pattern,
          handle: (req) =>
            written(
              req,
              def,
              update(def, key, parseBody(req.body), req.headers['if-match']),
              200,
              context(req),
            ),
        };
      }
      if (method === 'DELETE' && def.deletable) {
        return {
          pattern,
          handle: (req) => {
            remove(def, key, req.headers['if-match']);
            return noContent();
          },
        };
      }
      throw methodNotAllowed(method, def.name);
    }

    // <set>({id})/Microsoft.NAV.<action>
    if (second.name.startsWith('Microsoft.NAV.')) {
      if (third || second.key !== undefined) throw segmentNotFound((third ?? second).raw);
      const pattern = `${method} /${def.name}({id})/${second.name}`;
      const action = `${def.name}/${second.name}`;
      if (
        action !== 'salesQuotes/Microsoft.NAV.makeOrder' &&
        action !== 'salesOrders/Microsoft.NAV.shipAndInvoice'
      ) {
        throw segmentNotFound(second.raw);
      }
      if (method !== 'POST') throw methodNotAllowed(method, second.name);
      return {
        pattern,
        handle: () => {
          store.transaction(() => {
            if (def.name === 'salesQuotes') writer.makeOrder(key);
            else writer.shipAndInvoice(key);
          });
          return noContent();
        },
      };
    }

    // <set>({id})/<navigation>[({id})]
    const navigation = def.navigation;
    if (!Object.hasOwn(navigation, second.name)) throw segmentNotFound(second.raw);
    const nav: NavigationDef = navigation[second.name]!;
    const target = ENTITY_SETS[nav.target];
    if (third) throw segmentNotFound(third.raw);
    const navFragment = (_req: ErpRequest) => `${companyFragment}/${def.name}(${key})/${nav.name}`;
    if (!nav.many) {
      if (second.key !== undefined) throw segmentNotFound(second.raw);
      if (method !== 'GET') throw methodNotAllowed(method, nav.name);
      return {
        pattern: `${method} /${def.name}({id})/${nav.name}`,
        handle: (req) => {
          const opts = singleOptions(req, target);
          const parent = requireParent(def, key);
          const [row] = engine.readRowsBy(target, nav.to, parent[nav.from]);
          if (!row) throw notFound(`The ${target.typeName} of ${def.typeName} '${key}' does not exist.`);
          return entity(req, target, row, contextUrl(req, prefix, `${navFragment(req)}/$entity`), opts);
        },
      };
    }
    if (second.key === undefined) {
      const pattern = `${method} /${def.name}({id})/${nav.name}`;
      if (method === 'GET') {
        return {
          pattern,
          handle: (req) => {
            const opts = parseReadOptions(queryMap(req.search), target);
            const parent = requireParent(def, key);
            return collection(
              req,
              engine,
              target,
              [{ column: nav.to, value: parent[nav.from] }],
              contextUrl(req, prefix, navFragment(req)),
              opts,
            );
          },
        };
      }
      if (method === 'POST' && target.insertable && target.name === 'salesOrderLines') {
        return {
          pattern,
          handle: (req) => {
            const body = parseBody(req.body);
            requireParent(def, key);
            const row = store.transaction(() => writer.createOrderLine(body, key));
            return written(req, target, row, 201, contextUrl(req, prefix, `${navFragment(req)}/$entity`));
          },
        };
      }
      throw methodNotAllowed(method, nav.name);
    }
    const childKey = parseKey(second);
    const pattern = `${method} /${def.name}({id})/${nav.name}({id})`;
    const childContext = (req: ErpRequest) => contextUrl(req, prefix, `${navFragment(req)}/$entity`);
    if (method === 'GET') {
      return {
        pattern,
        handle: (req) => {
          const opts = singleOptions(req, target);
          const parent = requireParent(def, key);
          const row = engine.readRow(target, childKey, [{ column: nav.to, value: parent[nav.from] }]);
          if (!row) throw notFound(`The ${target.typeName} with id '${childKey}' does not exist.`);
          return entity(req, target, row, childContext(req), opts);
        },
      };
    }
    if (target.name === 'salesOrderLines' && method === 'PATCH') {
      return {
        pattern,
        handle: (req) => {
          const body = parseBody(req.body);
          const row = store.transaction(() =>
            writer.updateOrderLine(childKey, body, req.headers['if-match'], key),
          );
          return written(req, target, row, 200, childContext(req));
        },
      };
    }
    if (target.name === 'salesOrderLines' && method === 'DELETE') {
      return {
        pattern,
        handle: (req) => {
          store.transaction(() => writer.deleteOrderLine(childKey, req.headers['if-match'], key));
          return noContent();
        },
      };
    }
    throw methodNotAllowed(method, nav.name);
  }

  function create(def: EntitySetDef, body: Body): Row {
    return store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return writer.createCustomer(body);
        case 'salesOrders':
          return writer.createSalesOrder(body);
        case 'salesOrderLines':
          return writer.createOrderLine(body);
        default:
          throw methodNotAllowed('POST', def.name);
      }
    });
  }

  function update(def: EntitySetDef, key: string, body: Body, ifMatch: string | undefined): Row {
    return store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return writer.updateCustomer(key, body, ifMatch);
        case 'salesOrders':
          return writer.updateSalesOrder(key, body, ifMatch);
        case 'salesOrderLines':
          return writer.updateOrderLine(key, body, ifMatch);
        default:
          throw methodNotAllowed('PATCH', def.name);
      }
    });
  }

  function remove(def: EntitySetDef, key: string, ifMatch: string | undefined): void {
    store.transaction(() => {
      switch (def.name as ErpTableName) {
        case 'customers':
          return writer.deleteCustomer(key, ifMatch);
        case 'salesOrders':
          return writer.deleteSalesOrder(key, ifMatch);
        case 'salesOrderLines':
          return writer.deleteOrderLine(key, ifMatch);
        case 'salesQuotes':
          return writer.deleteSalesQuote(key, ifMatch);
        default:
          throw methodNotAllowed('DELETE', def.name);
      }
    });
  }

  /** Maps a path to its route; throws BC's 404/405 for paths the API does not have. */
  function resolve(method: string, pathname: string): Route {
    let prefix: string;
    let api: 'v2.0' | 'custom';
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
      return {
        pattern: 'POST /$batch',
        handle: () => {
          throw new Error('$batch is handled by the HTTP layer');
        },
      };
    }
    if (first.name !== 'companies') throw segmentNotFound(first.raw);
    if (first.key === undefined) {
      if (rest.length > 0) throw segmentNotFound(rest[0]!.raw);
      if (method !== 'GET') throw methodNotAllowed(method, 'companies');
      return {
        pattern: 'GET /companies',
        handle: (req) =>
          collection(
            req,
            companyEngine,
            COMPANY_SET,
            [],
            contextUrl(req, prefix, 'companies'),
            parseReadOptions(queryMap(req.search), COMPANY_SET),
          ),
      };
    }
    const key = parseKey(first);
    if (key !== companyId) throw notFound(`The company with id '${key}' does not exist.`);
    if (rest.length === 0) {
      if (method !== 'GET') throw methodNotAllowed(method, 'companies');
      return {
        pattern: 'GET /companies({id})',
        handle: (req) => {
          const opts = singleOptions(req, COMPANY_SET);
          return entity(
            req,
            COMPANY_SET,
            companyEngine.readRow(COMPANY_SET, key)!,
            contextUrl(req, prefix, 'companies/$entity'),
            opts,
          );
        },
      };
    }
    return resolveCompanyRoute(method, api, prefix, rest);
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

  // ---------------------------------------------------------------- $batch

  function runBatch(req: ErpRequest): ErpResponse {
    const body = parseBody(req.body);
    const requests = body.requests;
    if (!Array.isArray(requests)) throw badRequest("A JSON batch request body must have a 'requests' array.");
    if (requests.length > MAX_BATCH_REQUESTS) {
      throw badRequest(
        `The batch request contains ${requests.length} operations; at most ${MAX_BATCH_REQUESTS} are allowed.`,
      );
    }
    const snapshot = (req.headers.isolation ?? '').trim().toLowerCase() === 'snapshot';
    const ids = new Set<string>();
    const parts = requests.map((raw, index) => {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
        throw badRequest(`Batch request ${index} is not a JSON object.`);
      const r = raw as Record<string, unknown>;
      const id = r.id === undefined ? String(index + 1) : String(r.id);
      if (ids.has(id)) throw badRequest(`The batch request id '${id}' is used more than once.`);
      ids.add(id);
      if (
        typeof r.method !== 'string' ||
        !['GET', 'POST', 'PATCH', 'DELETE'].includes(r.method.toUpperCase())
      ) {
        throw badRequest(`Batch request '${id}' has no valid 'method' (GET, POST, PATCH or DELETE).`);
      }
      if (typeof r.url !== 'string' || r.url === '') throw badRequest(`Batch request '${id}' has no 'url'.`);
      if (r.atomicityGroup !== undefined) {
        throw badRequest(
          "'atomicityGroup' is not supported; send the header 'Isolation: snapshot' to make the batch atomic.",
        );
      }
      const headers: Record<string, string | undefined> = {
        ...req.headers,
        'if-match': undefined,
        prefer: undefined,
      };
      if (r.headers !== undefined) {
        if (typeof r.headers !== 'object' || r.headers === null)
          throw badRequest(`Batch request '${id}' has invalid 'headers'.`);
        for (const [name, value] of Object.entries(r.headers)) headers[name.toLowerCase()] = String(value);
      }
      let url: URL;
      try {
        const relative =
          r.url.startsWith('/') || /^https?:/i.test(r.url) ? r.url : `${STANDARD_API_PREFIX}/${r.url}`;
        url = new URL(relative, req.origin);
      } catch {
        throw badRequest(`Batch request '${id}' has an invalid 'url'.`);
      }
      const sub: ErpRequest = {
        method: r.method.toUpperCase(),
        pathname: url.pathname,
        search: url.search.slice(1),
        headers,
        body: r.body === undefined ? '' : JSON.stringify(r.body),
        origin: req.origin,
      };
      return { id, sub };
    });

    const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
    const runPart = (part: (typeof parts)[number]): ErpResponse => {
      let route: Route;
      try {
        route = resolve(part.sub.method, part.sub.pathname);
      } catch (error) {
        sim.count(`${part.sub.method} (unmatched)`);
        if (error instanceof ErpError) return errorResponse(error);
        throw error;
      }
      sim.count(route.pattern);
      if (route.pattern === 'POST /$batch')
        return errorResponse(badRequest('A batch request cannot contain another batch.'));
      return execute(route, part.sub);
    };

    if (!snapshot) {
      for (const part of parts) responses.push({ id: part.id, ...runPart(part) });
    } else {
      // All-or-nothing: one transaction; the first failure rolls everything back.
      class Rollback extends Error {}
      let failed: { id: string; response: ErpResponse } | undefined;
      const done: { id: string; response: ErpResponse }[] = [];
      try {
        store.transaction(() => {
          for (const part of parts) {
            const response = runPart(part);
            done.push({ id: part.id, response });
            if (response.status >= 400) {
              failed = { id: part.id, response };
              throw new Rollback();
            }
          }
        });
      } catch (error) {
        if (!(error instanceof Rollback)) throw error;
      }
      for (const part of parts) {
        if (failed && part.id === failed.id) {
          responses.push({ id: part.id, ...failed.response });
        } else if (failed) {
          const rolledBack = json(
            424,
            errorBody(
              'BadRequest_FailedDependency',
              `The operation was not applied because operation '${failed.id}' of the same 'Isolation: snapshot' batch failed; the whole batch was rolled back.`,
            ),
          );
          responses.push({ id: part.id, ...rolledBack });
        } else {
          responses.push({ id: part.id, ...done.find((d) => d.id === part.id)!.response });
        }
      }
    }
    return json(200, { responses });
  }

  // ---------------------------------------------------------------- HTTP boundary

  function authorised(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match !== null && match[1] === token;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const pathname = q === -1 ? rawUrl : rawUrl.slice(0, q);
    const search = q === -1 ? '' : rawUrl.slice(q + 1);
    if (await sim.handleControl(req, res, pathname)) return;

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
            'www-authenticate': 'Bearer realm="Business Central stand-in"',
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
    const response =
      route.pattern === 'POST /$batch'
        ? execute({ pattern: route.pattern, handle: runBatch }, erpReq)
        : execute(route, erpReq);
    writeResponse(res, response);
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
  server.on('close', () => companyDb.close());
  return { server, sim };
}
