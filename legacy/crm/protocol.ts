import { CrmError, errorItems, jsonParserError } from './errors.js';
import type { CrmSession } from './oauth.js';

/** The request/response shapes and helpers shared by the router, the writes and composite. */

export const API_VERSION = '62.0';
export const API_PREFIX = `/services/data/v${API_VERSION}`;
/** Salesforce's web tier refuses request URIs longer than this with 414. */
export const MAX_URI_LENGTH = 16_384;

export const JSON_TYPE = 'application/json;charset=UTF-8';

/** One protocol request, at the top level or inside a composite. */
export interface CrmRequest {
  method: string;
  /** Path below `API_PREFIX`, without the leading slash, still URL-encoded. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  body: string;
  /**
   * The user the request's token acts as (sessionOf in createCrmStandIn.ts); undefined for the
   * fixed development token, which sees everything. Not applied to what a request may see yet.
   */
  session?: CrmSession;
}

export interface CrmResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export interface Route {
  /** Name in `/__sim/stats`. */
  name: string;
  /** Queries and collections: at most 5 of them in one composite. */
  heavy?: boolean;
  handle: (req: CrmRequest) => CrmResponse;
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}): CrmResponse => ({
  status,
  headers: { 'content-type': JSON_TYPE, ...headers },
  body,
});

export function errorResponse(error: CrmError): CrmResponse {
  return json(error.status, errorItems(error), error.headers);
}

export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') throw jsonParserError('The request body is empty; a JSON object is required.');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw jsonParserError(
      `Unexpected content in the JSON request body: ${error instanceof Error ? error.message : 'parse error'}`,
    );
  }
}

export function methodNotAllowed(method: string, allowed: string[]): CrmError {
  return new CrmError(
    405,
    'METHOD_NOT_ALLOWED',
    `HTTP Method '${method}' not allowed. Allowed are ${allowed.join(',')}`,
  );
}
