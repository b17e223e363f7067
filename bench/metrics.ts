/**
 * The servers' own counts of identical work done once (issue 14), read from their `GET /metrics`
 * (Prometheus text) before and after a row: operations coalesced and executed by the gateway,
 * subgraph fetches it deduplicated, and refreshes ahead of expiry (response cache and every
 * subgraph's legacy cache). A server without /metrics (404), or a metric it does not have (a
 * cache that is off), gives null: the report shows "–", never a 0 nobody counted.
 */

export interface PrometheusSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * The samples of a Prometheus text exposition (format 0.0.4): one `name{labels} value
 * [timestamp]` per line, `#` lines (HELP, TYPE) skipped. Only what the bench reads needs to be
 * right (counters with quoted label values, escapes included); a line that does not parse is
 * skipped rather than guessed at.
 */
export function parsePrometheusText(text: string): PrometheusSample[] {
  const samples: PrometheusSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const UNESCAPE: Readonly<Record<string, string>> = { n: '\n', '\\': '\\', '"': '"' };

function parseSampleLine(line: string): PrometheusSample | null {
  const name = NAME.exec(line)?.[0];
  if (!name) return null;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.trimStart();
      if (rest.startsWith('}')) {
        rest = rest.slice(1);
        break;
      }
      const labelName = LABEL_NAME.exec(rest)?.[0];
      if (!labelName) return null;
      rest = rest.slice(labelName.length).trimStart();
      if (!rest.startsWith('="')) return null;
      rest = rest.slice(2);
      let value = '';
      let closed = false;
      while (rest.length > 0) {
        const char = rest[0] as string;
        if (char === '\\' && rest.length > 1) {
          const escaped = rest[1] as string;
          value += UNESCAPE[escaped] ?? `\\${escaped}`;
          rest = rest.slice(2);
        } else if (char === '"') {
          rest = rest.slice(1);
          closed = true;
          break;
        } else {
          value += char;
          rest = rest.slice(1);
        }
      }
      if (!closed) return null;
      labels[labelName] = value;
      rest = rest.trimStart();
      if (rest.startsWith(',')) rest = rest.slice(1);
    }
  }
  const [valueText] = rest.trim().split(/\s+/);
  const value = parsePrometheusNumber(valueText ?? '');
  return value === null ? null : { name, labels, value };
}

function parsePrometheusNumber(text: string): number | null {
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  if (text === '') return null;
  const value = Number(text);
  return Number.isNaN(value) ? null : value;
}

/**
 * The sum of a metric's samples whose labels include `where` (all its label sets when empty),
 * or null when the exposition has no sample of that name: the server does not count it.
 */
export function sumOf(
  samples: readonly PrometheusSample[],
  name: string,
  where: Record<string, string> = {},
): number | null {
  const ofName = samples.filter((s) => s.name === name);
  if (ofName.length === 0) return null;
  return ofName
    .filter((s) => Object.entries(where).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

/** The metric names of the issue 14 contract. */
export const METRICS = {
  executed: 'customer_graph_operations_executed_total',
  coalesced: 'customer_graph_operations_coalesced_total',
  deduplicatedFetches: 'customer_graph_subgraph_fetches_deduplicated_total',
  responseCacheRefreshes: 'customer_graph_response_cache_refreshes_total',
  legacyCacheRefreshes: 'customer_graph_legacy_cache_refreshes_total',
} as const;

/** One server's exposition, or null when it has no /metrics (or was not asked: Hive Gateway). */
export interface MetricsScrape {
  gateway: PrometheusSample[] | null;
  subgraphs: (PrometheusSample[] | null)[];
}

/** The counters a row reports, at one moment; null: not counted by any server asked. */
export interface WorkCounters {
  coalesced: number | null;
  executed: number | null;
  /** Summed over the subgraphs (the metric's `subgraph` label). */
  deduplicatedFetches: number | null;
  /** Refreshes started: the gateway's response cache plus every subgraph's legacy cache. */
  refreshes: number | null;
  /**
   * The same two parts apart (the dashboard reports them side by side): the gateway's response
   * cache, and every subgraph's legacy cache added up. Absent in results from before them.
   */
  responseRefreshes?: number | null;
  legacyRefreshes?: number | null;
}

const WORK_KEYS = [
  'coalesced',
  'executed',
  'deduplicatedFetches',
  'refreshes',
  'responseRefreshes',
  'legacyRefreshes',
] as const satisfies readonly (keyof WorkCounters)[];

/** Builds a WorkCounters from one function of each key. */
const eachCounter = (value: (key: keyof WorkCounters) => number | null): WorkCounters =>
  Object.fromEntries(WORK_KEYS.map((key) => [key, value(key)])) as unknown as WorkCounters;

/** Adds what is known; null only when every part is. */
const sumKnown = (values: readonly (number | null)[]): number | null => {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((sum, v) => sum + v, 0);
};

export function workCounters(scrape: MetricsScrape): WorkCounters {
  const gateway = scrape.gateway;
  const fromGateway = (name: string, where?: Record<string, string>) =>
    gateway === null ? null : sumOf(gateway, name, where);
  const started = { outcome: 'started' };
  const responseRefreshes = fromGateway(METRICS.responseCacheRefreshes, started);
  const legacyRefreshes = sumKnown(
    scrape.subgraphs.map((samples) =>
      samples === null ? null : sumOf(samples, METRICS.legacyCacheRefreshes, started),
    ),
  );
  return {
    coalesced: fromGateway(METRICS.coalesced),
    executed: fromGateway(METRICS.executed),
    deduplicatedFetches: fromGateway(METRICS.deduplicatedFetches),
    refreshes: sumKnown([responseRefreshes, legacyRefreshes]),
    responseRefreshes,
    legacyRefreshes,
  };
}

/** What a row did: after − before, counter by counter; null where either end is unknown. */
export function workDone(before: WorkCounters, after: WorkCounters): WorkCounters {
  return eachCounter((key) => {
    // Results written before a count existed lack it: unknown, like a count nobody keeps.
    const a = before[key] ?? null;
    const b = after[key] ?? null;
    return a === null || b === null ? null : b - a;
  });
}

/** Counts of several windows added up; null where any window's is unknown (or there is none). */
export function sumWork(windows: readonly WorkCounters[]): WorkCounters {
  return eachCounter((key) =>
    windows.length === 0 || windows.some((w) => (w[key] ?? null) === null)
      ? null
      : windows.reduce((sum, w) => sum + (w[key] as number), 0),
  );
}

/** GET <origin>/metrics: the parsed samples, or null when the server has none (any non-200). */
export async function scrapeMetrics(origin: string): Promise<PrometheusSample[] | null> {
  try {
    const response = await fetch(`${origin}/metrics`, { signal: AbortSignal.timeout(5000) });
    const text = await response.text();
    return response.status === 200 ? parsePrometheusText(text) : null;
  } catch {
    return null;
  }
}

/**
 * The counters of one stack now: the gateway's only when it is ours (`gatewayOrigin` null for
 * Hive Gateway, whose counters are not these), every subgraph's.
 */
export async function readWorkCounters(origins: {
  gatewayOrigin: string | null;
  subgraphOrigins: readonly string[];
}): Promise<WorkCounters> {
  const [gateway, ...subgraphs] = await Promise.all([
    origins.gatewayOrigin === null ? Promise.resolve(null) : scrapeMetrics(origins.gatewayOrigin),
    ...origins.subgraphOrigins.map(scrapeMetrics),
  ]);
  return workCounters({ gateway: gateway ?? null, subgraphs });
}

/**
 * Starts counting a stack's work: reads its counters now and gives a function that reads them
 * again and answers what was done in between (workDone).
 */
export async function countWork(
  origins: Parameters<typeof readWorkCounters>[0],
): Promise<() => Promise<WorkCounters>> {
  const before = await readWorkCounters(origins);
  return async () => workDone(before, await readWorkCounters(origins));
}
