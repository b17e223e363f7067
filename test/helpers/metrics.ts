import { parsePrometheusText, sumOf } from '../../bench/metrics.js';

export type MetricReader = (name: string, labels?: Record<string, string>) => number;

/**
 * Reads a server's `/metrics` (Prometheus text, parsed as the bench parses it): the sum of a
 * metric's samples whose labels include the given ones. A metric the server does not have
 * fails the test, naming it, rather than reading as 0.
 */
export async function readMetrics(baseUrl: string): Promise<MetricReader> {
  const response = await fetch(new URL('/metrics', baseUrl));
  if (response.status !== 200) throw new Error(`GET /metrics answered ${response.status}`);
  const samples = parsePrometheusText(await response.text());
  return (name, labels = {}) => {
    const sum = sumOf(samples, name, labels);
    if (sum === null) throw new Error(`${baseUrl} has no metric ${name}`);
    return sum;
  };
}
