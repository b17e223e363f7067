import { STANDARD_API_PREFIX } from './entities.js';
import { badRequest, ErpError, errorBody } from './errors.js';
import { type ErpRequest, type ErpResponse, errorResponse, json, type Route } from './protocol.js';
import { parseBody } from './writes.js';

/**
 * `POST $batch` (OData JSON batch): up to 100 operations in order, each answered on its own;
 * with `Isolation: snapshot` they are one transaction and the first failure rolls them all back.
 */

/** At most this many operations in one `$batch`, as Business Central enforces. */
export const MAX_BATCH_REQUESTS = 100;

export const BATCH_PATTERN = 'POST /$batch';

export interface Batch {
  resolve(method: string, pathname: string): Route;
  execute(route: Route, req: ErpRequest): ErpResponse;
  count(pattern: string): void;
  transaction<T>(fn: () => T): T;
}

interface Part {
  id: string;
  sub: ErpRequest;
}

class Rollback extends Error {}

function parseParts(req: ErpRequest): Part[] {
  const body = parseBody(req.body);
  const requests = body.requests;
  if (!Array.isArray(requests)) throw badRequest("A JSON batch request body must have a 'requests' array.");
  if (requests.length > MAX_BATCH_REQUESTS) {
    throw badRequest(
      `The batch request contains ${requests.length} operations; at most ${MAX_BATCH_REQUESTS} are allowed.`,
    );
  }
  const ids = new Set<string>();
  return requests.map((raw, index) => {
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
}

export function runBatch(batch: Batch, req: ErpRequest): ErpResponse {
  const parts = parseParts(req);
  const snapshot = (req.headers.isolation ?? '').trim().toLowerCase() === 'snapshot';

  const runPart = (part: Part): ErpResponse => {
    let route: Route;
    try {
      route = batch.resolve(part.sub.method, part.sub.pathname);
    } catch (error) {
      batch.count(`${part.sub.method} (unmatched)`);
      if (error instanceof ErpError) return errorResponse(error);
      throw error;
    }
    batch.count(route.pattern);
    if (route.pattern === BATCH_PATTERN)
      return errorResponse(badRequest('A batch request cannot contain another batch.'));
    return batch.execute(route, part.sub);
  };

  const responses: { id: string; status: number; headers: Record<string, string>; body?: unknown }[] = [];
  if (!snapshot) {
    for (const part of parts) responses.push({ id: part.id, ...runPart(part) });
    return json(200, { responses });
  }

  let failed: { id: string; response: ErpResponse } | undefined;
  const done: { id: string; response: ErpResponse }[] = [];
  try {
    batch.transaction(() => {
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
  return json(200, { responses });
}
