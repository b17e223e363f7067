import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
import type { LegacyCache } from './legacyCache.js';
import type { RefreshAhead } from './refreshAhead.js';

/**
 * Prometheus metrics of one server (gateway or subgraph), served on `/metrics`. Each metric reads
 * counters the code keeps anyway (cache stats, in-flight sharing, refreshes) when it is scraped,
 * so the hot path pays nothing for it. One registry per server, not prom-client's global one:
 * several servers run in one process (`npm start`, the tests) and each counts its own.
 */
export interface MetricSample {
  labels?: Record<string, string>;
  value: number;
}

export interface MetricSource {
  /** Prometheus name, `customer_graph_…`; counters end in `_total`. */
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  labelNames?: readonly string[];
  /** The current value(s), read at scrape time. */
  read(): number | readonly MetricSample[];
}

export function createMetricsRegistry(sources: readonly MetricSource[]): Registry {
  const registry = new Registry();
  for (const source of sources) {
    const configuration = {
      name: source.name,
      help: source.help,
      labelNames: [...(source.labelNames ?? [])],
      registers: [registry],
    };
    // prom-client's collect() runs on every scrape: the metric is reset and set to what the
    // source reads now (counters only ever grow in the sources, so resetting loses nothing).
    if (source.type === 'counter') {
      new Counter({
        ...configuration,
        collect(this: Counter) {
          this.reset();
          for (const sample of samplesOf(source)) this.inc(sample.labels ?? {}, sample.value);
        },
      });
    } else {
      new Gauge({
        ...configuration,
        collect(this: Gauge) {
          this.reset();
          for (const sample of samplesOf(source)) this.set(sample.labels ?? {}, sample.value);
        },
      });
    }
  }
  return registry;
}

function samplesOf(source: MetricSource): readonly MetricSample[] {
  const read = source.read();
  return typeof read === 'number' ? [{ value: read }] : read;
}

/** GET /metrics in Prometheus' text format. */
export function metricsRoute(registry: Registry) {
  return async (_req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType });
    res.end(body);
  };
}

/** A cache's hits, misses, writes and store failures, labelled with which cache it is. */
export function cacheMetrics(cache: LegacyCache | undefined, name: 'response' | 'legacy'): MetricSource[] {
  if (cache === undefined) return [];
  return [
    {
      name: `customer_graph_${name}_cache_operations_total`,
      help: `Reads and writes of the ${name} cache, by result (hit, miss, write, failure).`,
      type: 'counter',
      labelNames: ['result'],
      read: () => [
        { labels: { result: 'hit' }, value: cache.stats.hits },
        { labels: { result: 'miss' }, value: cache.stats.misses },
        { labels: { result: 'write' }, value: cache.stats.writes },
        { labels: { result: 'failure' }, value: cache.stats.failures },
      ],
    },
  ];
}

/** Refreshes ahead of expiry of a cache, by outcome (started, succeeded, failed, skipped at the cap). */
export function refreshMetrics(
  refresher: RefreshAhead | undefined,
  name: 'response' | 'legacy',
): MetricSource[] {
  if (refresher === undefined) return [];
  return [
    {
      name: `customer_graph_${name}_cache_refreshes_total`,
      help: `Entries of the ${name} cache refreshed in the background before they expired, by outcome.`,
      type: 'counter',
      labelNames: ['outcome'],
      read: () =>
        (['started', 'succeeded', 'failed', 'skipped'] as const).map((outcome) => ({
          labels: { outcome },
          value: refresher.stats[outcome],
        })),
    },
  ];
}
