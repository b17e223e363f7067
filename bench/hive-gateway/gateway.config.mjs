/**
 * Hive Gateway's configuration for the benchmark's configuration D (loaded with
 * `hive-gateway supergraph … --config-path bench/hive-gateway/gateway.config.mjs`).
 *
 * The subgraphs refuse a request without the caller's bearer token and the gateway's secret
 * (x-gateway-secret), and enforce the schema's @authenticated / @requiresScopes themselves: so D
 * forwards the client's Authorization and adds the secret, as our gateway does, and leaves the
 * access rules to the subgraphs (Hive's own generic-auth plugin stays off, so D does no JWT work
 * of its own; the subgraphs verify the token).
 *
 * Plain JavaScript with no import: it loads without a TypeScript step, and unit tests can load it
 * without Hive installed.
 */

/** The header our subgraphs check (gateway/subgraphs.ts GATEWAY_SECRET_HEADER). */
export const GATEWAY_SECRET_HEADER = 'x-gateway-secret';
const MIN_SECRET_LENGTH = 32;

/** The headers a subgraph request carries: the client's Authorization, when it sent one, and the secret. */
export function headersForSubgraphs(request, secret) {
  const authorization = request.headers.get('authorization');
  return {
    ...(authorization ? { authorization } : {}),
    [GATEWAY_SECRET_HEADER]: secret,
  };
}

const secret = process.env.SUBGRAPH_SHARED_SECRET ?? '';
if (secret.length < MIN_SECRET_LENGTH) {
  throw new Error(
    `SUBGRAPH_SHARED_SECRET must be set (at least ${MIN_SECRET_LENGTH} characters): the subgraphs refuse requests without it`,
  );
}

/**
 * The fault row (bench README, "Fault") gives Hive a time limit of its own per subgraph request,
 * as our gateway gets GATEWAY_OPERATION_BUDGET_MS: Hive's `upstreamTimeout`, in ms. Unset
 * elsewhere: Hive's default.
 */
export function upstreamTimeoutFrom(raw) {
  if (raw === undefined || raw === '') return {};
  const ms = Number(raw);
  if (!(Number.isInteger(ms) && ms > 0)) {
    throw new Error(`HIVE_UPSTREAM_TIMEOUT_MS must be a positive integer of milliseconds; got ${raw}`);
  }
  return { upstreamTimeout: ms };
}

export const gatewayConfig = {
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => headersForSubgraphs(request, secret),
  },
  ...upstreamTimeoutFrom(process.env.HIVE_UPSTREAM_TIMEOUT_MS),
};
