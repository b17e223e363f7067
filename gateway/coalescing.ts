import type { GatewayExecutor, GatewayInterface } from '@apollo/server-gateway-interface';
import { callerVisibility, type Principal } from '../lib/auth/principal.js';
import { InFlight } from '../lib/inFlight.js';

type ExecutionResult = Awaited<ReturnType<GatewayExecutor>>;

/** What the gateway executed and what it shared, read by /metrics and the tests. */
export interface OperationSharingStats {
  /** Operations the gateway planned and fetched for. */
  executed: number;
  /** Operations answered by an identical one already in flight, without executing. */
  coalesced: number;
}

/**
 * The gateway with identical queries in flight executed once (issue 14): a dashboard that many
 * people open at once, or a front end that sends the same query from several components, costs
 * one plan, one set of subgraph fetches and one merge instead of one per request.
 *
 * Identical means same document, operation name and variables, and a caller who sees the same
 * (`callerVisibility`: scopes and CRM user, never the token), so nobody gets an answer meant for
 * another view. Only queries: a mutation always runs. The shared answer is whatever the first
 * got, errors included (an outage hits all of them alike); nothing is kept once it is sent —
 * keeping answers is the response cache's job, which is asked first.
 *
 * Wraps the executor, outside the access-rule enforcement, so the rules' cut of the operation
 * is made once too.
 */
export function coalescingGateway(
  gateway: GatewayInterface,
  options: { coalesce: boolean; stats: OperationSharingStats },
): GatewayInterface {
  const { stats } = options;
  const inFlight = new InFlight<ExecutionResult>();
  const counted =
    (executor: GatewayExecutor): GatewayExecutor =>
    (requestContext) => {
      stats.executed += 1;
      return executor(requestContext);
    };
  const coalescing =
    (executor: GatewayExecutor): GatewayExecutor =>
    async (requestContext) => {
      if (requestContext.operation.operation !== 'query') return executor(requestContext);
      const principal = (requestContext.context as { principal?: Principal }).principal;
      const key = JSON.stringify([
        callerVisibility(principal),
        requestContext.source,
        requestContext.operationName ?? null,
        requestContext.request.variables ?? null,
      ]);
      const { value, shared } = await inFlight.run(key, () => executor(requestContext));
      if (!shared) return value;
      stats.coalesced += 1;
      // The first of them stores the answer in the response cache; the others need not again.
      (requestContext.context as { coalesced?: boolean }).coalesced = true;
      // A result object of its own (Apollo Server and plugins may set fields on it); the data
      // inside is only read and serialized, so it is shared as it is.
      return { ...value };
    };
  return {
    onSchemaLoadOrUpdate: (callback) => gateway.onSchemaLoadOrUpdate(callback),
    async load(loadOptions) {
      const loaded = await gateway.load(loadOptions);
      if (!loaded.executor) return loaded;
      const executor = counted(loaded.executor);
      return { ...loaded, executor: options.coalesce ? coalescing(executor) : executor };
    },
    stop: () => gateway.stop(),
  };
}
