import { createHash } from 'node:crypto';
import { BATCH_PATTERN } from '../legacy/erp/batch.js';
import { sequentialDepth } from '../legacy/sim/simulator.js';

/**
 * The pure arithmetic of the benchmark: percentiles, the canonical form of an answer that all
 * configurations are compared on, and the critical-path floor from the stand-ins' traces.
 */

export interface LatencySummary {
  count: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Nearest-rank percentile of values sorted ascending: the smallest value with at least p% of the
 * values at or below it. No interpolation, so every reported figure is a latency that was seen.
 */
export function percentile(sortedAscending: readonly number[], p: number): number {
  if (sortedAscending.length === 0) throw new RangeError('percentile of no values');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100]; got ${p}`);
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[rank - 1] as number;
}

/** Summary of latencies in milliseconds; null when nothing completed. */
export function summarizeLatencies(latenciesMs: readonly number[]): LatencySummary | null {
  if (latenciesMs.length === 0) return null;
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const sum = sorted.reduce((total, value) => total + value, 0);
  return {
    count: sorted.length,
    min: sorted[0] as number,
    mean: sum / sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] as number,
  };
}

/**
 * Keys left out of the comparison: connection cursors are opaque tokens each implementation
 * mints its own way (the graph's wrap the legacy paging; a front end has none), not data.
 */
export const OPAQUE_KEYS: ReadonlySet<string> = new Set(['cursor', 'startCursor', 'endCursor']);

/**
 * The answer in a form that compares equal exactly when the data is the same: object keys sorted,
 * opaque cursor keys dropped, list order kept (the order of a connection is part of the answer).
 */
export function canonicalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(record).sort()) {
      if (OPAQUE_KEYS.has(key) || record[key] === undefined) continue;
      out[key] = canonicalize(record[key]);
    }
    return out;
  }
  return value;
}

/** sha256 (hex, first 16 bytes) of the canonical JSON of an answer's `data`. */
export function answerHash(data: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonicalize(data)))
    .digest('hex')
    .slice(0, 32);
}

export interface RoundTripInterval {
  start: number;
  /** null while the answer was still in flight when the trace was read. */
  end: number | null;
}

export interface Floor {
  /** Legacy round trips on the critical path, over both systems' traces merged. */
  depth: number;
  /** depth × the configured per-call latency. */
  floorMs: number;
}

/**
 * The critical-path floor of one operation run alone: the round trips of both stand-ins merged
 * into one timeline (their wall-clock intervals are comparable) and the longest chain of calls
 * each made after the previous one answered, times the configured latency. A call still open
 * when the trace was read cannot have been followed by anything, so it counts as running to
 * the end.
 */
export function criticalPathFloor(
  traces: readonly (readonly RoundTripInterval[])[],
  latencyMs: number,
): Floor {
  const merged = traces.flat().map((trip) => ({
    start: trip.start,
    end: trip.end === null ? Number.POSITIVE_INFINITY : trip.end,
  }));
  const depth = sequentialDepth(merged);
  return { depth, floorMs: depth * latencyMs };
}

/**
 * The routes under which the stand-ins count an envelope itself: BC's `$batch` and Salesforce's
 * composite (legacy/crm/createCrmStandIn.ts names its route `composite`). Their parts are
 * counted under their own routes.
 */
export const ENVELOPE_ROUTES: readonly string[] = [BATCH_PATTERN, 'composite'];

/**
 * The operations a legacy system performed: every request it served, the parts of an envelope
 * each counted, the envelope itself not. BC throttles and queues by operation, a `$batch` of 50
 * costing what 50 requests cost there, so one round trip can hide many: the round trips say how
 * long the caller waited, the operations what the system was asked to do.
 */
export function legacyOperations(stats: { total: number; byRoute: Record<string, number> }): number {
  const envelopes = ENVELOPE_ROUTES.reduce((sum, route) => sum + (stats.byRoute[route] ?? 0), 0);
  return stats.total - envelopes;
}

/**
 * Picks operation indexes for a weighted mix with a smooth weighted round-robin (nginx's): over
 * any window of sum(weights) picks, each operation comes exactly its weight's number of times,
 * spread out, and the sequence is the same on every run.
 */
export function weightedSequence(weights: readonly number[]): () => number {
  if (weights.length === 0 || weights.some((w) => !(Number.isInteger(w) && w > 0))) {
    throw new RangeError('weights must be positive integers');
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  return () => {
    let best = 0;
    for (let i = 0; i < weights.length; i += 1) {
      current[i] = (current[i] as number) + (weights[i] as number);
      if ((current[i] as number) > (current[best] as number)) best = i;
    }
    current[best] = (current[best] as number) - total;
    return best;
  };
}

/** The median (the mean of the two middle values for an even count); null for no values. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * The herd's figure: the wall time of `size` identical operations sent at once (first start →
 * last answer) ÷ the latency of one such operation alone. 1 means the burst cost what one
 * operation costs (the work was done once); `size` means it was done `size` times in sequence.
 */
export function herdRatio(burstWallMs: number, loneMs: number): number {
  if (!(loneMs > 0) || !(burstWallMs >= 0)) throw new RangeError('herd ratio needs a positive lone latency');
  return burstWallMs / loneMs;
}

/** The slowest second of a row under load, and which second it was (0 = the first). */
export interface WorstWindow {
  second: number;
  reqPerSecond: number;
}

/**
 * The slowest whole second of load from `fromSecond` on (0 = the first second), from the correct
 * answers counted per second (loadgen's okPerWindow). The last second, cut by the end of the
 * load, is not whole, so it is no dip. Starting after the cold start matters: on a busy machine
 * the first pass over every variant takes a second or two and would always be the worst. null
 * when no whole second is that late.
 */
export function worstWindow(
  okPerWindow: readonly number[],
  durationMs: number,
  fromSecond = 1,
): WorstWindow | null {
  const whole = Math.floor(durationMs / 1000);
  let worst: WorstWindow | null = null;
  for (let second = Math.max(0, fromSecond); second < whole; second += 1) {
    const reqPerSecond = okPerWindow[second] ?? 0;
    if (worst === null || reqPerSecond < worst.reqPerSecond) worst = { second, reqPerSecond };
  }
  return worst;
}

/**
 * What a degraded answer must be (the fault row): HTTP 200 with data, an error with one of these
 * codes naming this system, and every value it does give equal to the full answer's.
 */
export interface DegradedExpectation {
  /** The full answer's data, as given with every system healthy. */
  reference: unknown;
  /** Any of them will do: a slow system's calls time out until its breaker opens, then are refused. */
  codes: readonly string[];
  system: string;
}

/** Each error's `extensions.code` and, when it names one, `extensions.system`: "LEGACY_TIMEOUT ERP". */
export function errorCodesOf(errors: unknown): string[] {
  if (!Array.isArray(errors)) return [];
  return errors.map((error) => {
    const extensions = (error as { extensions?: { code?: unknown; system?: unknown } } | null)?.extensions;
    const code = typeof extensions?.code === 'string' ? extensions.code : 'no code';
    return typeof extensions?.system === 'string' ? `${code} ${extensions.system}` : code;
  });
}

/**
 * The first path where a degraded answer differs from the full one, or null. A field may be null
 * where the full answer has a value (the slow system's fields, nulled with their error), but not
 * a root field; a list must keep its length and every entry some value (the other system's
 * records all there), and every value given must be the full answer's. Opaque cursors are not
 * compared.
 */
export function degradedDifference(answer: unknown, reference: unknown, path = 'data'): string | null {
  if (path === 'data' && answer !== null && typeof answer === 'object' && reference !== null) {
    // The root fields must be there: a null root would be the other system's data lost too.
    for (const [key, value] of Object.entries(reference as Record<string, unknown>)) {
      if (value !== null && (answer as Record<string, unknown>)[key] === null)
        return `data.${key}: null (a root field must be there)`;
    }
  }
  if (Array.isArray(reference)) {
    if (!Array.isArray(answer))
      return `${path}: ${answer === null ? 'null' : 'not a list'} where the full answer has a list`;
    if (answer.length !== reference.length)
      return `${path}: ${answer.length} entries where the full answer has ${reference.length}`;
    for (let i = 0; i < reference.length; i += 1) {
      if (answer[i] === null && reference[i] !== null) return `${path}[${i}]: null entry`;
      const difference = degradedDifference(answer[i], reference[i], `${path}[${i}]`);
      if (difference) return difference;
      if (hasValue(reference[i]) && !hasValue(answer[i])) return `${path}[${i}]: no value left in the entry`;
    }
    return null;
  }
  if (answer === null) return null;
  if (reference !== null && typeof reference === 'object') {
    if (typeof answer !== 'object' || Array.isArray(answer)) return `${path}: not an object`;
    const given = answer as Record<string, unknown>;
    const full = reference as Record<string, unknown>;
    for (const key of Object.keys(full)) {
      if (OPAQUE_KEYS.has(key)) continue;
      if (!(key in given)) return `${path}.${key}: missing`;
      const difference = degradedDifference(given[key], full[key], `${path}.${key}`);
      if (difference) return difference;
    }
    return null;
  }
  return answer === reference
    ? null
    : `${path}: ${JSON.stringify(answer)} where the full answer has ${JSON.stringify(reference)}`;
}

/** Whether a value holds at least one non-null value other than an opaque cursor. */
function hasValue(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) return value.some(hasValue);
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).some(
      ([key, v]) => !OPAQUE_KEYS.has(key) && hasValue(v),
    );
  return true;
}

/** A degraded answer checked: ok, or why not (an error: the expected error missing; a mismatch: data). */
export function checkDegraded(
  answer: { data?: unknown; errors?: unknown },
  expected: DegradedExpectation,
): { kind: 'ok' } | { kind: 'error' | 'mismatch'; detail: string } {
  const codes = errorCodesOf(answer.errors);
  const wanted = expected.codes.map((code) => `${code} ${expected.system}`);
  if (!codes.some((code) => wanted.includes(code))) {
    const seen = [...new Set(codes)];
    return {
      kind: 'error',
      detail: `no ${wanted.join(' or ')} error (errors: ${seen.length > 0 ? seen.join(', ') : 'none'})`,
    };
  }
  if (answer.data === undefined || answer.data === null)
    return { kind: 'error', detail: `${wanted.join(' or ')} and no data` };
  const difference = degradedDifference(answer.data, expected.reference);
  return difference ? { kind: 'mismatch', detail: difference } : { kind: 'ok' };
}
