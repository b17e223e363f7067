import type { Principal } from '../lib/auth/principal.js';
import { Deadline } from '../lib/deadline.js';
import type { Logger } from '../lib/logger.js';

/** What every request carries through the gateway: its id, the child logger that logs under it, and its authenticated caller. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  principal: Principal;
  /** Set on a background refresh of a cached answer (plugins/responseCache.ts): not the caller's own request. */
  refreshing?: boolean;
  /** Set when an identical query in flight answered this one (gateway/coalescing.ts). */
  coalesced?: boolean;
  /**
   * The operation's one deadline (GATEWAY_OPERATION_BUDGET_MS from when its request arrived):
   * every subgraph fetch made for it sends what is left (gateway/subgraphs.ts).
   */
  deadline?: Deadline;
}

/** Work without a deadline of its own (a background refresh): its budget starts at its first fetch. */
const lateDeadlines = new WeakMap<GatewayContext, Deadline>();

/**
 * The deadline a subgraph fetch made for this context works to. A background refresh of a cached
 * answer (`refreshing`) copies the context of the request that found it stale, but nobody waits
 * for it: it gets a budget of its own rather than the remains of that request's.
 */
export function deadlineOf(context: GatewayContext, budgetMs: number): Deadline {
  if (context.deadline && !context.refreshing) return context.deadline;
  let deadline = lateDeadlines.get(context);
  if (deadline === undefined) {
    deadline = Deadline.after(budgetMs);
    lateDeadlines.set(context, deadline);
  }
  return deadline;
}
