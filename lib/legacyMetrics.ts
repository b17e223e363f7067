import type { LegacySystem } from './errors.js';
import type { LegacyCache } from './legacyCache.js';
import type { LegacyHttp } from './legacyHttp.js';
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
  ];
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
