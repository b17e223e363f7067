import { type GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { Kind, parse, type SelectionSetNode } from 'graphql';
import { Agent, fetch as undiciFetch } from 'undici';
import { appError } from '../lib/errors.js';
import type { GatewayContext } from './context.js';

type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;

export interface SubgraphConnection {
  name: string;
  url: string;
  timeoutMs: number;
  dispatcher: Agent;
}

/** One bounded keep-alive pool per subgraph: a slow subgraph cannot take the other's connections. */
export function subgraphAgent(maxConnections: number): Agent {
  return new Agent({ connections: maxConnections, keepAliveTimeout: 30_000, pipelining: 1 });
}

/**
 * The subgraph fetch: undici over the subgraph's own pool, the whole exchange (connect,
 * headers, body) bounded by the subgraph timeout.
 */
export function subgraphFetcher(connection: SubgraphConnection): Fetcher {
  return async (url, init) => {
    const response = await undiciFetch(url, {
      method: init?.method ?? 'POST',
      headers: init?.headers,
      body: init?.body,
      dispatcher: connection.dispatcher,
      signal: AbortSignal.timeout(connection.timeoutMs),
    });
    return response as unknown as FetcherResponse;
  };
}

/**
 * Sends the gateway's subgraph operations to the configured URL (the supergraph's URLs are
 * placeholders), passes the request id on, and turns a failed fetch into SUBGRAPH_UNAVAILABLE
 * naming the subgraph and the fields left null, instead of the fetch error (which names the
 * internal URL).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(private readonly connection: SubgraphConnection) {
    super({ url: connection.url, fetcher: subgraphFetcher(connection) });
  }

  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
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

/** Answers within `timeoutMs` with a GraphQL `{__typename}`, or says why not (no URL in it). */
export async function probeSubgraph(
  connection: Pick<SubgraphConnection, 'url' | 'dispatcher'>,
  timeoutMs: number,
): Promise<string | undefined> {
  try {
    const response = await undiciFetch(connection.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'gateway-ready-probe' },
      body: JSON.stringify({ query: '{ __typename }' }),
      dispatcher: connection.dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { data?: { __typename?: unknown } }
      | undefined;
    if (response.status !== 200 || body?.data?.__typename !== 'Query') {
      return `answered HTTP ${response.status} without a GraphQL result`;
    }
    return undefined;
  } catch (error) {
    return error instanceof Error && error.name === 'TimeoutError'
      ? `did not answer within ${timeoutMs} ms`
      : 'could not be reached';
  }
}
