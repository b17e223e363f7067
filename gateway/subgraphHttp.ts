import { STATUS_CODES } from 'node:http';
import { type Dispatcher, Headers, request } from 'undici';

/**
 * A subgraph's answer as Apollo's RemoteGraphQLDataSource reads it (ok, status, statusText, url,
 * headers.get, json(), text()), over a body already read as text. Why not undici's fetch: its
 * WHATWG Request/Response and web streams were the largest part of the gateway's CPU per request
 * in a profile of cold Customer360/deep traffic (undici and node:internal stream frames together,
 * above Apollo's planning and merging); undici's `request` reads the same bytes over Node streams.
 */
export class SubgraphResponse {
  readonly ok: boolean;
  readonly statusText: string;
  readonly headers: Headers;

  constructor(
    readonly url: string,
    readonly status: number,
    headers: [string, string][],
    private readonly body: string,
  ) {
    this.ok = status >= 200 && status < 300;
    // What fetch gave: the reason phrase our node:http subgraphs send with each status.
    this.statusText = STATUS_CODES[status] ?? '';
    this.headers = new Headers(headers);
  }

  /** A parse of its own on each call: a shared answer's callers never hold the same objects. */
  json(): Promise<unknown> {
    try {
      return Promise.resolve(JSON.parse(this.body));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  text(): Promise<string> {
    return Promise.resolve(this.body);
  }
}

/** Header pairs from undici's record (a repeated header's values joined, as fetch's Headers does). */
function headerPairs(headers: Record<string, string | string[] | undefined>): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      // set-cookie stays one pair per value; anything else is one comma-joined value.
      if (name === 'set-cookie') for (const item of value) pairs.push([name, item]);
      else pairs.push([name, value.join(', ')]);
    } else pairs.push([name, value]);
  }
  return pairs;
}

/**
 * POSTs (or sends `method`) to a subgraph over `dispatcher` and reads the whole answer as text,
 * the exchange (connect, headers, body) bounded by `signal`, as the fetch it replaces was.
 */
export async function sendToSubgraph(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
  dispatcher: Dispatcher,
  signal: AbortSignal,
): Promise<SubgraphResponse> {
  const answer = await request(url, {
    method: (init.method ?? 'POST') as Dispatcher.HttpMethod,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined ? { body: init.body } : {}),
    dispatcher,
    signal,
  });
  const body = await answer.body.text();
  return new SubgraphResponse(url, answer.statusCode, headerPairs(answer.headers), body);
}
