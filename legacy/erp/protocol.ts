import { badRequest, type ErpError, errorBody, invalidToken, segmentNotFound } from './errors.js';
import { GUID_ONLY_RE } from './odata.js';

/** The request/response shapes and helpers shared by the router, the entity routes and `$batch`. */

export const JSON_TYPE = 'application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8';

/** One protocol request, at the top level or inside a `$batch`. */
export interface ErpRequest {
  method: string;
  pathname: string;
  /** Raw query string (without `?`), kept to rebuild `@odata.nextLink`. */
  search: string;
  headers: Record<string, string | undefined>;
  body: string;
  /** `http://host:port` the client used, for absolute links. */
  origin: string;
}

export interface ErpResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Route {
  /** Name in `/__sim/stats`. */
  pattern: string;
  handle: (req: ErpRequest) => ErpResponse;
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): ErpResponse {
  return { status, headers: { 'content-type': JSON_TYPE, 'odata-version': '4.0', ...headers }, body };
}

export function noContent(): ErpResponse {
  return { status: 204, headers: { 'odata-version': '4.0' } };
}

export function errorResponse(error: ErpError): ErpResponse {
  return json(error.status, errorBody(error.code, error.message), error.headers);
}

/** The query options of a request by name; BC refuses an option given twice. */
export function queryMap(search: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(search)) {
    if (map.has(name)) throw badRequest(`The query parameter '${name}' is specified more than once.`);
    map.set(name, value);
  }
  return map;
}

/** A parsed path segment: `salesOrders(…)` → name + key. */
export interface Segment {
  name: string;
  key?: string;
  raw: string;
}

export function parseSegment(raw: string): Segment {
  const match = /^([A-Za-z$][\w.]*)(?:\(([^()]*)\))?$/.exec(raw);
  if (!match) throw segmentNotFound(raw);
  const [, name, key] = match;
  return key === undefined ? { name: name!, raw } : { name: name!, key, raw };
}

/** The GUID key of a segment, quoted or not, in lower case. */
export function parseKey(segment: Segment): string {
  let key = segment.key!.trim();
  if (key.startsWith("'") && key.endsWith("'") && key.length >= 2) key = key.slice(1, -1);
  if (!GUID_ONLY_RE.test(key)) {
    throw invalidToken(
      `Bad Request - Error in query syntax: '${segment.key}' is not a valid key for '${segment.name}'.`,
    );
  }
  return key.toLowerCase();
}
