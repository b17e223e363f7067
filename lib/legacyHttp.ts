import { Agent, type Dispatcher, request, errors as undiciErrors } from 'undici';
import { currentDeadline, type Deadline } from './deadline.js';
import { LegacyError, type LegacySystem, legacyFailure, legacyFailureMessage } from './errors.js';
import { InFlight } from './inFlight.js';
import type { AccessTokenSource } from './legacyCredentials.js';
import { type BreakerState, LegacyResilience, type LegacyResilienceOptions } from './legacyResilience.js';

/**
 * JSON over HTTP to one legacy system, with what every call needs whatever the protocol: a
 * bounded keep-alive connection pool, a timeout on every call, retries with backoff and jitter
 * for reads (honouring Retry-After) and never for writes, and failures classified into the
 * error catalogue. Every attempt is also bounded by the deadline of the operation it runs for
 * (lib/deadline.ts: no call once it is spent, no retry or wait past it) and goes through the
 * system's circuit breaker and bulkhead (lib/legacyResilience.ts). Protocol knowledge (URLs,
 * query languages, error bodies) stays in each subgraph's client module, which passes
 * `describeFailure` to read its system's error body.
 */
export interface LegacyHttpOptions {
  system: LegacySystem;
  /** Origin plus base path, e.g. http://127.0.0.1:4101/api/v2.0/companies(…) — never shown to clients. */
  baseUrl: string;
  /** Headers sent on every call. */
  headers: Record<string, string>;
  /**
   * Where the bearer token of every call comes from (a request may name another, e.g. a
   * per-user source). A call the system refuses for its credentials (401) is sent once more
   * with a renewed token — writes too: the system did nothing with a refused call.
   */
  credentials?: AccessTokenSource;
  /** Per attempt. */
  timeoutMs: number;
  /** Further attempts for reads after the first fails retryably. */
  maxRetries: number;
  /** First backoff; doubles each retry, with full jitter. */
  backoffMs: number;
  /** A Retry-After longer than this is not waited for: the call fails as throttled. */
  maxRetryAfterMs: number;
  /** Connections kept to the host (Business Central serves 5 at once per user); also the bulkhead's width. */
  maxConnections: number;
  /** Circuit breaker and bulkhead settings (`<SYS>_BREAKER_*`, `<SYS>_MAX_QUEUED`) and the logger of their state changes. */
  resilience?: LegacyResilienceOptions;
  /** Reads the system's error body for logs and classification. */
  describeFailure?: (status: number, body: unknown) => FailureDescription;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface FailureDescription {
  /** The legacy system's own error code (logs only). */
  legacyCode?: string;
  /** The legacy system's own message (logs only). */
  legacyMessage?: string;
  /** Overrides the status-based classification (e.g. Salesforce's 403 REQUEST_LIMIT_EXCEEDED is throttling). */
  code?: LegacyError['code'];
  /** The system refused the token itself (besides any 401): renew it and send the call again once. */
  credentialsRefused?: boolean;
}

export interface LegacyRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Relative to baseUrl (no leading '/'), an absolute path on the same origin, or a same-origin URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Reads may be retried; defaults to true for GET only. A POST that only reads ($batch of GETs, composite retrieve) sets it. */
  idempotent?: boolean;
  /** Passed on as X-Request-Id so legacy logs can be matched with ours. */
  requestId?: string;
  /** A short name for logs and errors, e.g. "customers by id". */
  label: string;
  /** This call's credentials instead of the client's (a per-user token). */
  credentials?: AccessTokenSource;
}

export interface LegacyResponse<T> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: T;
}

const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

/** One attempt: the answer, or its failure classified, with whether and when it may be retried. */
type AttemptOutcome<T> =
  | { ok: true; response: LegacyResponse<T> }
  | {
      ok: false;
      error: LegacyError;
      retryable: boolean;
      retryAfterMs?: number;
      credentialsRefused?: boolean;
    };

export class LegacyHttp {
  readonly dispatcher: Dispatcher;
  private readonly origin: string;
  private readonly basePath: string;
  private readonly random: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  /** Legacy calls made, including retries: tests and metrics read it. */
  callCount = 0;
  /** Identical reads in flight share one call: key is method, URL, body, request headers and visibility. */
  private readonly readsInFlight = new InFlight<LegacyResponse<unknown>>();
  private readonly resilience: LegacyResilience;

  constructor(private readonly options: LegacyHttpOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/$/, '');
    this.dispatcher = new Agent({
      connections: options.maxConnections,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
    this.random = options.random ?? Math.random;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.resilience = new LegacyResilience(options.system, options.maxConnections, options.resilience);
  }

  /** The system's circuit breaker: /ready and /metrics show it. */
  get breakerState(): BreakerState {
    return this.resilience.breakerState;
  }

  /** Attempts refused without a call: breaker open, bulkhead queue full (metrics read it). */
  get refusals(): { circuitOpen: number; queueFull: number } {
    return { circuitOpen: this.resilience.refusedOpen, queueFull: this.resilience.refusedQueueFull };
  }

  /**
   * `customers?$top=5` is relative to baseUrl; `/services/data/v62.0/query/01g…` is a path on
   * the same origin (how both systems hand out next-page links); a full URL must be on the
   * same origin, so a legacy answer can never send us elsewhere.
   */
  resolve(path: string): string {
    if (/^https?:\/\//.test(path)) {
      if (new URL(path).origin !== this.origin) {
        throw new LegacyError(
          'LEGACY_BAD_RESPONSE',
          this.options.system,
          `The ${this.options.system} sent a link to another host.`,
          {
            link: path,
          },
        );
      }
      return path;
    }
    if (path.startsWith('/')) return this.origin + path;
    return `${this.origin}${this.basePath}/${path}`;
  }

  async send<T>(req: LegacyRequest): Promise<LegacyResponse<T>> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    if (!idempotent) return this.sendWithRetries<T>(req, false);
    // Calls under other credentials may see other records: they never share an answer.
    const visibility = (req.credentials ?? this.options.credentials)?.visibility ?? null;
    const key = JSON.stringify([
      req.method,
      this.resolve(req.path),
      req.body ?? null,
      req.headers ?? null,
      visibility,
    ]);
    const { value, shared } = await this.readsInFlight.run(key, () =>
      this.sendWithRetries<unknown>(req, true),
    );
    // Each sharer gets its own copy: resolvers may sort or annotate what they receive.
    return (shared ? structuredClone(value) : value) as LegacyResponse<T>;
  }

  /** Reads that found an identical read already on its way and shared its answer: tests and metrics read it. */
  get sharedReads(): number {
    return this.readsInFlight.shared;
  }

  /** Which legacy system this client calls (the label of its metrics). */
  get system(): LegacySystem {
    return this.options.system;
  }

  private async sendWithRetries<T>(req: LegacyRequest, idempotent: boolean): Promise<LegacyResponse<T>> {
    const attempts = idempotent ? this.options.maxRetries + 1 : 1;
    // The deadline of the operation this call is made for (none for background work).
    const deadline = currentDeadline();
    const credentials = req.credentials ?? this.options.credentials;
    if (deadline?.expired) throw this.deadlineSpent(req);
    let token = await credentials?.token();
    let renewed = false;
    let lastError: LegacyError | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // Spent (by earlier attempts or the wait for a token): no call that nobody would wait for.
      if (deadline?.expired) throw lastError ?? this.deadlineSpent(req);
      let outcome = await this.guardedAttempt<T>(req, token, deadline);
      if (!outcome.ok && outcome.credentialsRefused && credentials && token !== undefined && !renewed) {
        // Expired or revoked: one new token (shared with every call that saw this one refused), one more try.
        renewed = true;
        token = await credentials.renew(token);
        if (deadline?.expired) throw this.deadlineSpent(req);
        outcome = await this.guardedAttempt<T>(req, token, deadline);
      }
      if (outcome.ok) return outcome.response;
      lastError = outcome.error;
      if (!outcome.retryable || attempt === attempts) break;
      const backoff = this.random() * this.options.backoffMs * 2 ** (attempt - 1);
      const wait = outcome.retryAfterMs !== undefined ? Math.max(outcome.retryAfterMs, backoff) : backoff;
      if (wait > this.options.maxRetryAfterMs) break;
      // A wait the operation's deadline does not leave room for (the retry's own call included)
      // ends here, with the failure that asked for it.
      if (deadline !== undefined && wait >= deadline.remainingMs()) break;
      await this.sleep(wait);
    }
    throw lastError ?? legacyFailure(this.options.system, 'LEGACY_UNAVAILABLE', req.label);
  }

  /** LEGACY_TIMEOUT naming the system, for a call not made because its operation's budget is spent. */
  private deadlineSpent(req: LegacyRequest): LegacyError {
    return legacyFailure(this.options.system, 'LEGACY_TIMEOUT', req.label, {
      label: req.label,
      deadlineSpent: true,
    });
  }

  /**
   * One attempt through the system's bulkhead and breaker (which may refuse it without a call),
   * bounded by the configured timeout or what is left of the deadline, whichever is less.
   */
  private guardedAttempt<T>(
    req: LegacyRequest,
    token: string | undefined,
    deadline: Deadline | undefined,
  ): Promise<AttemptOutcome<T>> {
    return this.resilience.run(req.label, deadline, () => {
      const remaining = deadline?.remainingMs();
      const timeoutMs =
        remaining === undefined
          ? this.options.timeoutMs
          : Math.max(1, Math.min(this.options.timeoutMs, remaining));
      return this.attempt<T>(req, token, timeoutMs);
    });
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  /** Where the calls' tokens come from (undefined: the headers carry the credentials). */
  get credentials(): AccessTokenSource | undefined {
    return this.options.credentials;
  }

  private async attempt<T>(
    req: LegacyRequest,
    token: string | undefined,
    timeoutMs: number,
  ): Promise<AttemptOutcome<T>> {
    const { system } = this.options;
    const url = this.resolve(req.path);
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...this.options.headers,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(req.requestId ? { 'x-request-id': req.requestId } : {}),
      ...req.headers,
    };
    let payload: string | undefined;
    if (req.body !== undefined) {
      payload = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    this.callCount += 1;
    let status: number;
    let responseHeaders: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const response = await request(url, {
        method: req.method,
        headers,
        body: payload,
        dispatcher: this.dispatcher,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      status = response.statusCode;
      responseHeaders = response.headers;
      text = await response.body.text();
    } catch (error) {
      const timedOut = isTimeoutError(error);
      return {
        ok: false,
        retryable: true,
        error: timedOut
          ? new LegacyError(
              'LEGACY_TIMEOUT',
              system,
              `The ${system} did not answer in time (${req.label}).`,
              {
                label: req.label,
                timeoutMs,
                cutByDeadline: timeoutMs < this.options.timeoutMs,
              },
            )
          : legacyFailure(system, 'LEGACY_UNAVAILABLE', req.label, {
              label: req.label,
              cause: error instanceof Error ? error.message : String(error),
            }),
      };
    }

    let body: unknown;
    if (text.length > 0) {
      try {
        body = JSON.parse(text);
      } catch {
        const malformedButOk = status < 400;
        return {
          ok: false,
          retryable: malformedButOk || RETRYABLE_STATUS.has(status),
          credentialsRefused: status === 401,
          error: new LegacyError(
            malformedButOk ? 'LEGACY_BAD_RESPONSE' : classifyStatus(status),
            system,
            malformedButOk
              ? `The ${system} answered with a malformed response (${req.label}).`
              : legacyFailureMessage(system, classifyStatus(status), req.label),
            { label: req.label, status, bodyStart: text.slice(0, 200) },
          ),
        };
      }
    }
    if (status < 400) return { ok: true, response: { status, headers: responseHeaders, body: body as T } };

    const described = this.options.describeFailure?.(status, body) ?? {};
    const code = described.code ?? classifyStatus(status);
    return {
      ok: false,
      retryable: RETRYABLE_STATUS.has(status) || code === 'LEGACY_THROTTLED',
      credentialsRefused: status === 401 || described.credentialsRefused === true,
      retryAfterMs: parseRetryAfter(responseHeaders['retry-after']),
      error: legacyFailure(system, code, req.label, {
        label: req.label,
        status,
        legacyCode: described.legacyCode,
        legacyMessage: described.legacyMessage,
      }),
    };
  }
}

function classifyStatus(status: number): LegacyError['code'] {
  if (status === 429) return 'LEGACY_THROTTLED';
  if (status === 401) return 'LEGACY_AUTH_FAILED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409 || status === 412) return 'CONFLICT';
  if (status >= 500) return 'LEGACY_UNAVAILABLE';
  return 'LEGACY_REJECTED';
}

/** An undici call that ran out of time: its headers or body timeout, or the abort signal's. */
export function isTimeoutError(error: unknown): boolean {
  return (
    error instanceof undiciErrors.HeadersTimeoutError ||
    error instanceof undiciErrors.BodyTimeoutError ||
    (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
  );
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
