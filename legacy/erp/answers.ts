import type { EntitySetDef } from './entities.js';
import { badRequest } from './errors.js';
import { type ErpRequest, type ErpResponse, json, queryMap } from './protocol.js';
import {
  type CollectionResult,
  parseReadOptions,
  type QueryEngine,
  type ReadOptions,
  type ReadTarget,
  type Scope,
} from './query.js';
import type { Row } from './store.js';

/**
 * The bodies Business Central answers reads and writes with: a page of a collection (with
 * `@odata.count` and `@odata.nextLink`), one entity, the entity a write left; each with its
 * `@odata.context`.
 */

export function contextUrl(req: ErpRequest, apiPrefix: string, fragment: string): string {
  return `${req.origin}${apiPrefix}/$metadata#${fragment}`;
}

/** The query options of a request for one entity, which may not filter, order or page. */
export function singleOptions(req: ErpRequest, target: ReadTarget): ReadOptions {
  const map = queryMap(req.search);
  for (const name of map.keys()) {
    if (['$filter', '$orderby', '$top', '$skip', '$count', '$skiptoken'].includes(name)) {
      throw badRequest(`The query option '${name}' cannot be applied to a single entity.`);
    }
  }
  return parseReadOptions(map, target);
}

function nextLink(req: ErpRequest, skiptoken: string): string {
  const params = new URLSearchParams(req.search);
  params.delete('$skiptoken');
  params.set('$skiptoken', skiptoken);
  const query = [...params].map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
  return `${req.origin}${req.pathname}?${query}`;
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

/** Answers from one query engine's rows. */
export class Answers {
  constructor(
    private readonly engine: QueryEngine,
    /** The server's page size; a client's `Prefer: odata.maxpagesize` may only lower it. */
    private readonly maxPageSize: number,
  ) {}

  collection(
    req: ErpRequest,
    target: ReadTarget,
    scope: Scope[],
    context: string,
    readOptions: ReadOptions,
  ): ErpResponse {
    return this.page(req, context, (pageSize) =>
      this.engine.readCollection(target, readOptions, scope, pageSize),
    );
  }

  /** One page of any collection; `read` gets the page size the server and `Prefer` allow. */
  page(req: ErpRequest, context: string, read: (pageSize: number) => CollectionResult): ErpResponse {
    const preferred = maxPageSizePreference(req.headers.prefer);
    const pageSize = Math.min(preferred ?? this.maxPageSize, this.maxPageSize);
    const result = read(pageSize);
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

  entity(target: ReadTarget, row: Row, context: string, readOptions: ReadOptions): ErpResponse {
    const [value] = this.engine.materialise(target, [row], readOptions);
    return json(200, { '@odata.context': context, ...value });
  }

  written(req: ErpRequest, def: EntitySetDef, row: Row, status: number, context: string): ErpResponse {
    // The answer to a write honours $select/$expand like a GET of the entity would.
    const opts = singleOptions(req, def);
    const [value] = this.engine.materialise(def, [row], opts);
    return json(status, { '@odata.context': context, ...value }, { etag: String(value!['@odata.etag']) });
  }
}
