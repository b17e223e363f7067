import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Kind, parse, type SelectionSetNode } from 'graphql';
import { Agent, fetch as undiciFetch } from 'undici';
import { DEADLINE_HEADER, parseDeadlineHeader } from '../lib/deadline.js';
import { appError } from '../lib/errors.js';
import type { InFlight } from '../lib/inFlight.js';
import { deadlineOf, type GatewayContext } from './context.js';
import { SubgraphResponse, sendToSubgraph } from './subgraphHttp.js';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

export interface SubgraphConnection {
  name: string;
  url: string;
  timeoutMs: number;
  /** The operation's budget (GATEWAY_OPERATION_BUDGET_MS): what each fetch's `x-deadline-ms` counts down from. */
  operationBudgetMs: number;
  dispatcher: Agent;
  /** Identical fetches in flight sent once (SUBGRAPH_FETCH_DEDUP); absent: every fetch is sent. */
  fetchesInFlight?: InFlight<SharedAnswer>;
  /** Fetches sent to the subgraph (deduplicated ones are `fetchesInFlight.shared`). */
  fetchesSent: number;
}

/** A subgraph's answer as identical fetches share it: the body as text, so each gets its own parse. */
interface SharedAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
}

/** One bounded keep-alive pool per subgraph: a slow subgraph cannot take the other's connections. */
export function subgraphAgent(maxConnections: number): Agent {
  return new Agent({ connections: maxConnections, keepAliveTimeout: 30_000, pipelining: 1 });
}

/**
 * How long past the operation's deadline a subgraph fetch still waits: the subgraph's legacy calls
 * stop at the deadline (less its reserve for answering) and this leaves its answer — with
 * LEGACY_TIMEOUT naming the system — time to arrive, rather than the gateway's SUBGRAPH_UNAVAILABLE.
 */
export const DEADLINE_GRACE_MS = 200;

/** The bound of one fetch: the subgraph timeout, or the operation's remaining budget plus the grace if less. */
export function fetchTimeoutMs(subgraphTimeoutMs: number, remainingMs: number | undefined): number {
  return remainingMs === undefined
    ? subgraphTimeoutMs
    : Math.min(subgraphTimeoutMs, remainingMs + DEADLINE_GRACE_MS);
}

/**
 * The subgraph fetch: undici over the subgraph's own pool, the whole exchange (connect,
 * headers, body) bounded by the subgraph timeout — or sooner by the operation's remaining budget
 * (the `x-deadline-ms` the data source set) plus {@link DEADLINE_GRACE_MS}.
 *
 * Identical query fetches in flight at the same moment (same URL, same body — operation and
 * variables, entity representations included — and same caller's token) are sent once and the
 * answer's text shared; each gets a Response of its own to parse, so no two operations hold the
 * same objects (the gateway merges into what it parsed). Apollo Gateway does not do this itself;
 * it catches the same fetch in the plans of different operations, too. A mutation's fetch, or any
 * body that is not plainly a query, is always sent.
 */
export function subgraphFetcher(connection: SubgraphConnection): Fetcher {
  const send = async (url: string, init: Parameters<Fetcher>[1]) => {
    connection.fetchesSent += 1;
    const remaining = parseDeadlineHeader(
      (init?.headers as Record<string, string> | undefined)?.[DEADLINE_HEADER],
    );
    return sendToSubgraph(
      url,
      init as { method?: string; headers?: Record<string, string>; body?: string },
      connection.dispatcher,
      AbortSignal.timeout(fetchTimeoutMs(connection.timeoutMs, remaining)),
    );
  };
  return async (url, init) => {
    const body = init?.body;
    const inFlight = connection.fetchesInFlight;
    // RemoteGraphQLDataSource sends JSON.stringify({ query, variables, operationName }): the
    // plan's subgraph operations start with their keyword.
    if (inFlight === undefined || typeof body !== 'string' || !body.startsWith('{"query":"query')) {
      return (await send(url, init)) as unknown as FetcherResponse;
    }
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const key = JSON.stringify([url, headers.authorization ?? null, body]);
    const { value } = await inFlight.run(key, async () => {
      const response = await send(url, init);
      return {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body: await response.text(),
      };
    });
    return new SubgraphResponse(url, value.status, value.headers, value.body) as unknown as FetcherResponse;
  };
}

/** The header that proves to a subgraph that the gateway sends the request (SUBGRAPH_SHARED_SECRET). */
export const GATEWAY_SECRET_HEADER = 'x-gateway-secret';

/**
 * Sends the gateway's subgraph operations to the configured URL (the supergraph's URLs are
 * placeholders), passes the request id, the caller's verified token and the gateway's secret
 * on (each subgraph checks both itself), and turns a failed fetch into SUBGRAPH_UNAVAILABLE
 * naming the subgraph and the fields left null, instead of the fetch error (which names the
 * internal URL).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    private readonly connection: SubgraphConnection,
    private readonly gatewaySecret: string,
  ) {
    super({ url: connection.url, fetcher: subgraphFetcher(connection) });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    const headers = request.http?.headers;
    if (!headers) return;
    if (context.requestId) headers.set('x-request-id', context.requestId);
    headers.set(GATEWAY_SECRET_HEADER, this.gatewaySecret);
    // Empty only with AUTH_MODE=off, where the subgraphs do not ask for one either.
    if (context.principal?.token) headers.set('authorization', `Bearer ${context.principal.token}`);
    // Relative, in whole ms: the subgraph's clock need not agree with ours. (Apollo's own
    // requests, without a caller, get a budget from their first fetch.)
    const remaining = deadlineOf(context as GatewayContext, this.connection.operationBudgetMs).remainingMs();
    headers.set(DEADLINE_HEADER, String(remaining));
  }

  override didEncounterError(
    error: Error,
    _fetchRequest: unknown,
    fetchResponse?: FetcherResponse,
    context?: GatewayContext,
    request?: { query?: string },
  ): void {
    const { name, timeoutMs } = this.connection;
    const timedOut = error.name === 'TimeoutError' || error.name === 'AbortError';
    const reason = timedOut
      ? `did not answer within ${timeoutMs} ms`
      : fetchResponse && !fetchResponse.ok
        ? `answered HTTP ${fetchResponse.status}`
        : 'could not be reached';
    const missingFields = request?.query ? requestedFields(request.query) : [];
    context?.logger.warn(
      { err: error, subgraph: name, status: fetchResponse?.status, timedOut, missingFields },
      'subgraph fetch failed',
    );
    throw appError(
      'SUBGRAPH_UNAVAILABLE',
      `The ${name.toUpperCase()} subgraph ${reason}; ${
        missingFields.length > 0
          ? `these fields are missing from this answer: ${missingFields.join(', ')}.`
          : 'its fields are missing from this answer.'
      }`,
      { subgraph: name, missingFields },
    );
  }
}

/**
 * The fields a subgraph operation asked for: the top-level fields, or for an entity fetch the
 * fields selected on the entities, which are what the client will find null.
 */
export function requestedFields(query: string): string[] {
  try {
    const document = parse(query, { noLocation: true });
    const names = new Set<string>();
    const collect = (set: SelectionSetNode) => {
      for (const selection of set.selections) {
        if (selection.kind === Kind.FIELD) {
          if (selection.name.value === '_entities' && selection.selectionSet) collect(selection.selectionSet);
          else if (!selection.name.value.startsWith('__')) names.add(selection.name.value);
        } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      }
    };
    for (const definition of document.definitions) {
      if (definition.kind === Kind.OPERATION_DEFINITION) collect(definition.selectionSet);
    }
    return [...names];
  } catch {
    return [];
  }
}

/**
 * Answers within `timeoutMs` with a GraphQL `{__typename}`, or says why not (no URL in it). The
 * probe shows the gateway secret but has no caller's token: a subgraph that checks tokens
 * answers 401 UNAUTHENTICATED from its own GraphQL endpoint, which proves it is up just as well
 * (with AUTH_MODE=off it answers the query).
 */
export async function probeSubgraph(
  connection: Pick<SubgraphConnection, 'url' | 'dispatcher'>,
  gatewaySecret: string,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const response = await undiciFetch(connection.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-request-id': 'gateway-ready-probe',
        [GATEWAY_SECRET_HEADER]: gatewaySecret,
      },
      body: JSON.stringify({ query: '{ __typename }' }),
      dispatcher: connection.dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { data?: { __typename?: unknown }; errors?: { extensions?: { code?: unknown } }[] }
      | undefined;
    const answersQueries = response.status === 200 && body?.data?.__typename === 'Query';
    const checksTokens = response.status === 401 && body?.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';
    if (!answersQueries && !checksTokens) {
      return `answered HTTP ${response.status} without a GraphQL result`;
    }
    return undefined;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError'
      ? `did not answer within ${timeoutMs} ms`
      : 'could not be reached';
  }
}
