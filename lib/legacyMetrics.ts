import type { LegacySystem } from './errors.js';
import type { LegacyCache } from './legacyCache.js';
import type { LegacyHttp } from './legacyHttp.js';
import type { BreakerState } from './legacyResilience.js';
import { cacheMetrics, type MetricSource, refreshMetrics } from './metrics.js';

/**
 * A legacy subgraph's own metrics (lib/metrics.ts reads them at scrape time): what it asks of the
 * legacy systems and how much of that its cache and its sharing of identical reads spare them.
 */

/**
 * The legacy calls of these clients (retries included) and the reads that shared an identical
 * read in flight, by system: a subgraph over both systems (reports, workflows) passes both.
 */
export function legacyHttpMetrics(clients: readonly LegacyHttp[]): MetricSource[] {
  const bySystem = (count: (http: LegacyHttp) => number) => () => {
    const totals = new Map<string, number>();
    for (const http of clients) {
      const system = systemLabel(http.system);
      totals.set(system, (totals.get(system) ?? 0) + count(http));
    }
    return [...totals].map(([system, value]) => ({ labels: { system }, value }));
  };
  return [
    {
      name: 'customer_graph_legacy_calls_total',
      help: 'Calls sent to a legacy system, retries included, by system (erp, crm).',
      type: 'counter',
      labelNames: ['system'],
      read: bySystem((http) => http.callCount),
    },
    {
      name: 'customer_graph_legacy_reads_shared_total',
      help: 'Legacy reads answered by an identical read already in flight instead of a call of their own, by system.',
      type: 'counter',
      labelNames: ['system'],
      read: bySystem((http) => http.sharedReads),
    },
    {
      name: 'customer_graph_legacy_calls_refused_total',
      help: 'Legacy calls refused without reaching the system, by system and reason (circuit_open, queue_full).',
      type: 'counter',
      labelNames: ['system', 'reason'],
      read: () => [
        ...bySystem((http) => http.refusals.circuitOpen)().map((sample) => ({
          labels: { ...sample.labels, reason: 'circuit_open' },
          value: sample.value,
        })),
        ...bySystem((http) => http.refusals.queueFull)().map((sample) => ({
          labels: { ...sample.labels, reason: 'queue_full' },
          value: sample.value,
        })),
      ],
    },
    {
      name: 'customer_graph_legacy_breaker_state',
      help: 'Clients whose circuit breaker to a legacy system is in each state (closed, open, half-open), by system: open means calls are refused at once.',
      type: 'gauge',
      labelNames: ['system', 'state'],
      read: () =>
        BREAKER_STATES.flatMap((state) =>
          bySystem((http) => (http.breakerState === state ? 1 : 0))().map((sample) => ({
            labels: { ...sample.labels, state },
            value: sample.value,
          })),
        ),
    },
  ];
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

/**
 * Each system's circuit breaker state for a subgraph's /ready (`readiness` of createSubgraphServer):
 * a system with several clients is as open as its most open one.
 */
export function breakerStates(clients: readonly LegacyHttp[]): Record<string, BreakerState> {
  const rank: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };
  const states: Record<string, BreakerState> = {};
  for (const http of clients) {
    const current = states[http.system];
    if (current === undefined || rank[http.breakerState] > rank[current])
      states[http.system] = http.breakerState;
  }
  return states;
}

/** Labels are lower case, as Prometheus' are by custom: erp, crm. */
function systemLabel(system: LegacySystem): string {
  return system.toLowerCase();
}

/**
 * What a subgraph over legacy systems serves on /metrics: its legacy cache's operations and
 * refreshes ahead of expiry (none without a cache), and its clients' legacy calls.
 */
export function legacySubgraphMetrics(
  cache: LegacyCache | undefined,
  clients: readonly LegacyHttp[],
): MetricSource[] {
  return [
    ...cacheMetrics(cache, 'legacy'),
    ...refreshMetrics(cache?.refreshAhead, 'legacy'),
    ...legacyHttpMetrics(clients),
  ];
}
