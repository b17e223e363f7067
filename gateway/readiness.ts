import { fetch as undiciFetch } from 'undici';
import type { BreakerState } from '../lib/subgraphServer.js';
import type { SubgraphConnection } from './subgraphs.js';

/** What a subgraph's own GET /ready said (lib/subgraphServer.ts). */
export interface SubgraphReadyAnswer {
  /** 503 `{status:'draining'}`: the subgraph is stopping; it still answers in the meantime. */
  draining: boolean;
  /** Its legacy systems' circuit breakers, when it reports them. */
  breakers?: Record<string, BreakerState>;
}

/**
 * Asks the subgraph's GET /ready (next to its GraphQL path: `…/graphql` → `…/ready`) whether it
 * is draining and how its breakers stand. Whether it answers at all is the GraphQL probe's
 * (probeSubgraph) to say: this one only adds detail, so anything else — a subgraph of an older
 * version without /ready, a timeout — adds nothing.
 */
export async function subgraphReadyAnswer(
  connection: Pick<SubgraphConnection, 'url' | 'dispatcher'>,
  timeoutMs: number,
): Promise<SubgraphReadyAnswer> {
  try {
    const response = await undiciFetch(new URL('ready', connection.url), {
      headers: { 'x-request-id': 'gateway-ready-probe' },
      dispatcher: connection.dispatcher,
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json().catch(() => undefined)) as
      | { status?: unknown; breakers?: Record<string, BreakerState> }
      | undefined;
    if (response.status === 503 && body?.status === 'draining') return { draining: true };
    if (response.status === 200 && body?.breakers && typeof body.breakers === 'object') {
      return { draining: false, breakers: body.breakers };
    }
  } catch {
    // Told by the GraphQL probe.
  }
  return { draining: false };
}
