/**
 * The load generator: a separate process, so its own work never competes with the gateway for
 * the event loop it measures. It reads jobs (one JSON object per line) on stdin and runs them one
 * at a time, writing one report (one JSON line) per job on stdout; it ends when stdin closes.
 * One process serves a whole benchmark run, so its start-up is paid once.
 *
 * Fixed concurrency: `concurrency` workers each send the next request as soon as their previous
 * one answered. Bounded twice: at most `maxRequests` requests are started, and none after
 * `maxDurationMs`; those still in flight then get `graceMs` to finish before they are aborted
 * and counted as unfinished. Every answer is checked: HTTP 200, no `errors`, and the canonical
 * hash of its data equal to the reference answer for that request.
 */
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { createDirectClient, type DirectClient, type DirectClientConfig } from './direct-client.js';
import {
  answerHash,
  checkDegraded,
  type DegradedExpectation,
  errorCodesOf,
  type LatencySummary,
  summarizeLatencies,
  weightedSequence,
} from './measure.js';
import { type OperationInstance, QUERIES } from './operations.js';
import { serveJobs } from './processes.js';

export interface LoadInstance extends OperationInstance {
  /** answerHash of the reference answer; a different answer is a mismatch. */
  expectedHash: string;
  /**
   * The fault row: the answer must instead be degraded this way (measure.ts checkDegraded), and
   * such an answer is the correct one.
   */
  degraded?: DegradedExpectation;
}

export interface LoadOperation {
  weight: number;
  /** Sent in turn, so a pool of distinct instances spreads requests over distinct data. */
  instances: LoadInstance[];
}

export interface LoadJob {
  target:
    | {
        kind: 'graphql';
        url: string;
        /** Sent with every request: the caller's credentials (Authorization). */
        headers: Record<string, string>;
      }
    | { kind: 'direct'; legacy: DirectClientConfig };
  operations: LoadOperation[];
  concurrency: number;
  maxRequests: number;
  maxDurationMs: number;
  graceMs: number;
  /** Per-request limit; a request past it fails. */
  requestTimeoutMs: number;
}

export interface LoadReport {
  started: number;
  completed: number;
  ok: number;
  /** Transport failures, non-200 answers, answers with `errors`. */
  errors: number;
  /** Answers without errors whose data differs from the reference. */
  mismatches: number;
  /** Aborted after the grace period. */
  unfinished: number;
  durationMs: number;
  /** Correct answers per second over the measured duration. */
  okPerSecond: number;
  /** Latency of the correct answers. */
  latency: LatencySummary | null;
  /**
   * Correct answers by the second (since the load started) in which each arrived: a second in
   * which the answers slowed down (entries expiring at once, say) shows as a low count.
   */
  okPerWindow: number[];
  /** The first few failures, for the log. */
  failureSamples: string[];
  /** GraphQL errors seen over all answers, by code and system ("LEGACY_TIMEOUT ERP"). */
  errorCodes: Record<string, number>;
}

/** An answer's verdict, and the codes of the GraphQL errors it carried (counted in the report). */
export type Outcome = (
  | { kind: 'ok' }
  | { kind: 'error'; detail: string }
  | { kind: 'mismatch'; detail: string }
) & { codes?: string[] };

const MAX_FAILURE_SAMPLES = 5;
/** okPerWindow counts per second. */
const WINDOW_MS = 1000;

export async function runLoad(job: LoadJob): Promise<LoadReport> {
  validateJob(job);
  const pickOperation = weightedSequence(job.operations.map((op) => op.weight));
  const nextInstance = job.operations.map(() => 0);
  const takeInstance = (): LoadInstance => {
    const opIndex = pickOperation();
    const op = job.operations[opIndex] as LoadOperation;
    const index = nextInstance[opIndex] as number;
    nextInstance[opIndex] = (index + 1) % op.instances.length;
    return op.instances[index] as LoadInstance;
  };

  const send = createSender(job);
  const latencies: number[] = [];
  const okPerWindow: number[] = [];
  const failureSamples: string[] = [];
  const errorCodes: Record<string, number> = {};
  const counts = { started: 0, completed: 0, ok: 0, errors: 0, mismatches: 0, unfinished: 0 };
  const abort = new AbortController();
  const startedAt = performance.now();
  const deadline = startedAt + job.maxDurationMs;
  let lastAnswerAt = startedAt;

  const worker = async (workerIndex: number) => {
    while (counts.started < job.maxRequests && performance.now() < deadline && !abort.signal.aborted) {
      counts.started += 1;
      const instance = takeInstance();
      const begin = performance.now();
      const outcome = await send(workerIndex, instance, abort.signal);
      const end = performance.now();
      if (abort.signal.aborted && outcome.kind === 'error') {
        counts.unfinished += 1;
        break;
      }
      counts.completed += 1;
      lastAnswerAt = end;
      for (const code of outcome.codes ?? []) errorCodes[code] = (errorCodes[code] ?? 0) + 1;
      if (outcome.kind === 'ok') {
        counts.ok += 1;
        latencies.push(end - begin);
        const window = Math.floor((end - startedAt) / WINDOW_MS);
        while (okPerWindow.length <= window) okPerWindow.push(0);
        okPerWindow[window] = (okPerWindow[window] as number) + 1;
      } else {
        if (outcome.kind === 'error') counts.errors += 1;
        else counts.mismatches += 1;
        if (failureSamples.length < MAX_FAILURE_SAMPLES) {
          failureSamples.push(
            `${outcome.kind} ${instance.kind} ${JSON.stringify(instance.variables)}: ${outcome.detail}`,
          );
        }
      }
    }
  };

  const workers = Array.from({ length: job.concurrency }, (_, i) => worker(i));
  const all = Promise.all(workers);
  // After the deadline no request starts; those in flight get the grace period, then are cut.
  const graceTimer = setTimeout(() => abort.abort(), job.maxDurationMs + job.graceMs);
  await all;
  clearTimeout(graceTimer);
  await send.close();

  const durationMs = Math.max(1, lastAnswerAt - startedAt);
  return {
    ...counts,
    durationMs,
    okPerSecond: (counts.ok * 1000) / durationMs,
    latency: summarizeLatencies(latencies),
    okPerWindow,
    failureSamples,
    errorCodes,
  };
}

interface Sender {
  (workerIndex: number, instance: LoadInstance, signal: AbortSignal): Promise<Outcome>;
  close(): Promise<void>;
}

function createSender(job: LoadJob): Sender {
  if (job.target.kind === 'graphql') {
    const url = new URL(job.target.url);
    const headers = graphqlHeaders(job.target.headers);
    const pool = new Pool(url.origin, {
      connections: job.concurrency,
      pipelining: 1,
      keepAliveTimeout: 30_000,
    });
    const sender = (async (_workerIndex, instance, signal) => {
      try {
        const signals = AbortSignal.any([signal, AbortSignal.timeout(job.requestTimeoutMs)]);
        return checkHttpAnswer(
          await postOnPool(pool, url, headers, operationBody(instance), signals),
          instance,
        );
      } catch (error) {
        return { kind: 'error', detail: describeError(error) };
      }
    }) as Sender;
    sender.close = () => pool.close();
    return sender;
  }

  // Each worker is one front end with its own connections, as separate browsers would be.
  const legacy = job.target.legacy;
  const clients: DirectClient[] = Array.from({ length: job.concurrency }, () => createDirectClient(legacy));
  const sender = (async (workerIndex, instance, signal) => {
    try {
      const client = clients[workerIndex] as DirectClient;
      const data = await client.run(
        instance,
        AbortSignal.any([signal, AbortSignal.timeout(job.requestTimeoutMs)]),
      );
      return checkAnswer({ data }, instance);
    } catch (error) {
      return { kind: 'error', detail: describeError(error) };
    }
  }) as Sender;
  sender.close = async () => {
    await Promise.all(clients.map((client) => client.close()));
  };
  return sender;
}

/** A GraphQL request's headers: the caller's, and JSON both ways. */
export const graphqlHeaders = (caller: Record<string, string>): Record<string, string> => ({
  ...caller,
  'content-type': 'application/json',
  accept: 'application/json',
});

/** The body of one operation's request. */
export const operationBody = (instance: OperationInstance): string =>
  JSON.stringify({ query: QUERIES[instance.kind], variables: instance.variables });

/** An HTTP answer, read whole. */
export interface HttpAnswer {
  status: number;
  text: string;
}

/** POSTs a body to the endpoint on a pool: its status and text (a transport failure throws). */
export async function postOnPool(
  pool: Pool,
  url: URL,
  headers: Record<string, string>,
  body: string,
  signal: AbortSignal,
): Promise<HttpAnswer> {
  const response = await pool.request({ method: 'POST', path: url.pathname, headers, body, signal });
  return { status: response.statusCode, text: await response.body.text() };
}

/** An HTTP answer's outcome: a status other than 200 is an error; text that is not JSON throws. */
export function checkHttpAnswer(answer: HttpAnswer, instance: LoadInstance): Outcome {
  if (answer.status !== 200) {
    return { kind: 'error', detail: `HTTP ${answer.status}: ${answer.text.slice(0, 200)}` };
  }
  return checkAnswer(JSON.parse(answer.text) as { data?: unknown; errors?: unknown[] }, instance);
}

/**
 * An answer's outcome: errors, no data, or data other than the reference are failures; for a
 * degraded instance (the fault row), the expected degradation is the correct answer.
 */
export function checkAnswer(answer: { data?: unknown; errors?: unknown[] }, instance: LoadInstance): Outcome {
  const codes = errorCodesOf(answer.errors);
  return { ...verdict(answer, instance), ...(codes.length > 0 ? { codes } : {}) };
}

function verdict(answer: { data?: unknown; errors?: unknown[] }, instance: LoadInstance): Outcome {
  if (instance.degraded) return checkDegraded(answer, instance.degraded);
  if (Array.isArray(answer.errors) && answer.errors.length > 0) {
    return { kind: 'error', detail: `GraphQL errors: ${JSON.stringify(answer.errors).slice(0, 300)}` };
  }
  if (answer.data === undefined || answer.data === null) return { kind: 'error', detail: 'no data' };
  const hash = answerHash(answer.data);
  if (hash !== instance.expectedHash) {
    return { kind: 'mismatch', detail: `hash ${hash}, reference ${instance.expectedHash}` };
  }
  return { kind: 'ok' };
}

/** A failure for a report: its name, message and cause. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}

function validateJob(job: LoadJob): void {
  const positive = ['concurrency', 'maxRequests', 'maxDurationMs', 'requestTimeoutMs'] as const;
  for (const key of positive) {
    if (!(Number.isInteger(job[key]) && job[key] > 0))
      throw new RangeError(`${key} must be a positive integer`);
  }
  if (!(Number.isInteger(job.graceMs) && job.graceMs >= 0)) throw new RangeError('graceMs must be >= 0');
  if (job.operations.length === 0 || job.operations.some((op) => op.instances.length === 0)) {
    throw new RangeError('every operation needs at least one instance');
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveJobs('loadgen', runLoad);
}
