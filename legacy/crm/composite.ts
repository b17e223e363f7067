import { CrmError, jsonParserError } from './errors.js';
import {
  API_PREFIX,
  type CrmRequest,
  type CrmResponse,
  json,
  parseJsonBody,
  type Route,
} from './protocol.js';

/**
 * `POST composite`: up to 25 subrequests in order, at most 5 of them queries or sObject
 * collections; `@{ref.path}` in a URL or body reads an earlier answer; with `allOrNone` the
 * writes are one transaction and any failure rolls them all back.
 */

export const MAX_SUBREQUESTS = 25;
export const MAX_HEAVY_SUBREQUESTS = 5;

export interface Composite {
  resolve(method: string, path: string): Route;
  execute(route: Route, req: CrmRequest): CrmResponse;
  count(routeName: string): void;
  transaction<T>(fn: () => T): T;
}

interface Subrequest {
  method: string;
  url: string;
  referenceId: string;
  body: unknown;
  headers: Record<string, string>;
}

interface SubResponse {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

const REFERENCE_RE = /@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}/g;

class Rollback extends Error {}

class UnresolvedReference extends Error {}

function parseSubrequests(body: unknown): { allOrNone: boolean; requests: Subrequest[] } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw jsonParserError('The composite request body must be a JSON object.');
  }
  const { allOrNone = false, compositeRequest } = body as Record<string, unknown>;
  if (typeof allOrNone !== 'boolean') throw jsonParserError("'allOrNone' must be true or false");
  if (!Array.isArray(compositeRequest) || compositeRequest.length === 0) {
    throw jsonParserError("'compositeRequest' must be a non-empty list of subrequests");
  }
  if (compositeRequest.length > MAX_SUBREQUESTS) {
    throw new CrmError(
      400,
      'LIMIT_EXCEEDED',
      `A composite request can contain at most ${MAX_SUBREQUESTS} subrequests; found ${compositeRequest.length}.`,
    );
  }
  const ids = new Set<string>();
  const requests = compositeRequest.map((raw, index): Subrequest => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw jsonParserError(`Subrequest ${index} must be a JSON object.`);
    }
    const r = raw as Record<string, unknown>;
    if (typeof r.referenceId !== 'string' || !/^[A-Za-z0-9_]+$/.test(r.referenceId)) {
      throw new CrmError(
        400,
        'INVALID_INPUT',
        `Subrequest ${index} needs a referenceId of letters, digits and underscores.`,
      );
    }
    if (ids.has(r.referenceId)) {
      throw new CrmError(
        400,
        'INVALID_INPUT',
        `Duplicate referenceId provided in the request: ${r.referenceId}`,
      );
    }
    ids.add(r.referenceId);
    if (
      typeof r.method !== 'string' ||
      !['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].includes(r.method.toUpperCase())
    ) {
      throw new CrmError(400, 'INVALID_INPUT', `Subrequest '${r.referenceId}' has no valid method.`);
    }
    if (typeof r.url !== 'string' || !r.url.startsWith('/services/data/')) {
      throw new CrmError(
        400,
        'INVALID_INPUT',
        `Subrequest '${r.referenceId}' needs a url starting with /services/data/.`,
      );
    }
    const headers: Record<string, string> = {};
    if (r.httpHeaders !== undefined) {
      if (typeof r.httpHeaders !== 'object' || r.httpHeaders === null) {
        throw jsonParserError(`Subrequest '${r.referenceId}' has invalid httpHeaders.`);
      }
      for (const [name, value] of Object.entries(r.httpHeaders)) headers[name.toLowerCase()] = String(value);
    }
    return { method: r.method.toUpperCase(), url: r.url, referenceId: r.referenceId, body: r.body, headers };
  });
  return { allOrNone, requests };
}

function lookup(results: Map<string, SubResponse>, ref: string, path: string): unknown {
  const earlier = results.get(ref);
  if (!earlier || earlier.httpStatusCode >= 400) throw new UnresolvedReference(ref);
  let value: unknown = earlier.body;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    const key = step.startsWith('.') ? step.slice(1) : Number(step.slice(1, -1));
    if (value === null || typeof value !== 'object') throw new UnresolvedReference(`${ref}${path}`);
    value = (value as Record<string | number, unknown>)[key];
  }
  if (value === undefined || (typeof value === 'object' && value !== null)) {
    throw new UnresolvedReference(`${ref}${path}`);
  }
  return value;
}

function substitute(text: string, results: Map<string, SubResponse>): string {
  return text.replace(REFERENCE_RE, (_m, ref: string, path: string) => String(lookup(results, ref, path)));
}

function substituteBody(value: unknown, results: Map<string, SubResponse>): unknown {
  if (typeof value === 'string') {
    // A string that is one reference takes the referenced value with its JSON type.
    const whole = /^@\{([A-Za-z0-9_]+)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}$/.exec(value);
    if (whole) return lookup(results, whole[1]!, whole[2] ?? '');
    return substitute(value, results);
  }
  if (Array.isArray(value)) return value.map((v) => substituteBody(v, results));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteBody(v, results)]));
  }
  return value;
}

const halted = (referenceId: string, message: string): SubResponse => ({
  body: [{ errorCode: 'PROCESSING_HALTED', message }],
  httpHeaders: {},
  httpStatusCode: 400,
  referenceId,
});

export function runComposite(composite: Composite, req: CrmRequest): CrmResponse {
  const { allOrNone, requests } = parseSubrequests(parseJsonBody(req.body));
  // Resolve every route first so limits are checked before anything runs.
  const routes = requests.map((sub) => {
    const pathOnly = sub.url.split('?')[0]!;
    if (!pathOnly.startsWith(`${API_PREFIX}/`)) return undefined;
    try {
      return composite.resolve(sub.method, pathOnly.slice(API_PREFIX.length + 1).replace(/\/$/, ''));
    } catch {
      return undefined;
    }
  });
  const heavy = routes.filter((r) => r?.heavy).length;
  if (heavy > MAX_HEAVY_SUBREQUESTS) {
    throw new CrmError(
      400,
      'LIMIT_EXCEEDED',
      `A composite request can contain at most ${MAX_HEAVY_SUBREQUESTS} query or sObject collection subrequests; found ${heavy}.`,
    );
  }
  if (routes.some((r) => r?.name === 'composite')) {
    throw new CrmError(400, 'INVALID_INPUT', 'A composite request cannot contain another composite request.');
  }

  const results = new Map<string, SubResponse>();
  const runOne = (sub: Subrequest): SubResponse => {
    let url: string;
    let body: unknown;
    try {
      url = substitute(sub.url, results);
      body = sub.body === undefined ? undefined : substituteBody(sub.body, results);
    } catch (error) {
      if (!(error instanceof UnresolvedReference)) throw error;
      return halted(
        sub.referenceId,
        `Invalid reference specified. No value for ${error.message} found in the earlier results.`,
      );
    }
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const search = q === -1 ? '' : url.slice(q + 1);
    let route: Route;
    try {
      if (!pathname.startsWith(`${API_PREFIX}/`))
        throw new CrmError(404, 'NOT_FOUND', 'The requested resource does not exist');
      route = composite.resolve(sub.method, pathname.slice(API_PREFIX.length + 1).replace(/\/$/, ''));
    } catch (error) {
      composite.count(`${sub.method} (unmatched)`);
      if (!(error instanceof CrmError)) throw error;
      return {
        body: [{ message: error.message, errorCode: error.errorCode }],
        httpHeaders: {},
        httpStatusCode: error.status,
        referenceId: sub.referenceId,
      };
    }
    composite.count(route.name);
    const response = composite.execute(route, {
      method: sub.method,
      path: pathname.slice(API_PREFIX.length + 1),
      query: new URLSearchParams(search),
      headers: { ...sub.headers, 'content-type': 'application/json' },
      body: body === undefined ? '' : JSON.stringify(body),
      // Subrequests run as the envelope's user.
      ...(req.session ? { session: req.session } : {}),
    });
    const { 'content-type': _c, ...httpHeaders } = response.headers;
    return {
      body: response.body ?? null,
      httpHeaders,
      httpStatusCode: response.status,
      referenceId: sub.referenceId,
    };
  };

  if (!allOrNone) {
    for (const sub of requests) results.set(sub.referenceId, runOne(sub));
    return json(200, { compositeResponse: [...results.values()] });
  }
  let failedAt = -1;
  const done: SubResponse[] = [];
  try {
    composite.transaction(() => {
      for (const [index, sub] of requests.entries()) {
        const response = runOne(sub);
        results.set(sub.referenceId, response);
        done.push(response);
        if (response.httpStatusCode >= 400) {
          failedAt = index;
          throw new Rollback();
        }
      }
    });
  } catch (error) {
    if (!(error instanceof Rollback)) throw error;
  }
  if (failedAt === -1) return json(200, { compositeResponse: done });
  const rolledBack =
    'The transaction was rolled back since another operation in the same transaction failed.';
  return json(200, {
    compositeResponse: requests.map((sub, index) =>
      index === failedAt ? done[index]! : halted(sub.referenceId, rolledBack),
    ),
  });
}
