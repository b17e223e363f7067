import {
  BrokenCircuitError,
  BulkheadRejectedError,
  bulkhead,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  handleWhenResult,
} from 'cockatiel';
import type { Deadline } from './deadline.js';
import { type Env, integer } from './env.js';
import { type LegacyError, type LegacySystem, legacyFailure, legacyRefusal } from './errors.js';
import { type Logger, silentLogger } from './logger.js';

/** Per legacy system (`<SYS>_BREAKER_FAILURES`, `<SYS>_BREAKER_HALF_OPEN_MS`, `<SYS>_MAX_QUEUED`). */
export interface ResilienceConfig {
  /** Consecutive failed calls that open the breaker. */
  breakerFailures: number;
  /** How long an open breaker refuses calls before one trial call may test the system. */
  breakerHalfOpenMs: number;
  /** Calls that may wait for one of the system's connections (beyond `<SYS>_MAX_CONNECTIONS` running). */
  maxQueued: number;
}

export const RESILIENCE_DEFAULTS: Readonly<ResilienceConfig> = {
  breakerFailures: 5,
  breakerHalfOpenMs: 5000,
  maxQueued: 100,
};

/** Reads one system's breaker and queue settings; a bad value is a ConfigError naming the variable. */
export function readResilienceConfig(env: Env, system: LegacySystem): ResilienceConfig {
  const d = RESILIENCE_DEFAULTS;
  return {
    breakerFailures: integer(env, `${system}_BREAKER_FAILURES`, d.breakerFailures, 1, 1000),
    breakerHalfOpenMs: integer(env, `${system}_BREAKER_HALF_OPEN_MS`, d.breakerHalfOpenMs, 1, 3_600_000),
    maxQueued: integer(env, `${system}_MAX_QUEUED`, d.maxQueued, 0, 100_000),
  };
}

/** What LegacyHttp takes: the settings (defaults where absent) and where state changes are logged. */
export type LegacyResilienceOptions = Partial<ResilienceConfig> & { logger?: Logger };

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Failures that say the system itself is not working: it is down or refuses connections (resets
 * included), answers 5xx, does not answer in time, or answers something its protocol does not
 * promise. NOT counted, because each proves the system is up and answering, and opening the
 * breaker would only hide a truthful answer behind CIRCUIT_OPEN: 4xx refusals of a request we
 * built (LEGACY_REJECTED), NOT_FOUND, CONFLICT, refused credentials (LEGACY_AUTH_FAILED: a
 * configuration matter a pause does not mend) and throttling (the system asks us to slow down
 * and says for how long: Retry-After handles it, a breaker would turn seconds into an outage).
 */
const BREAKER_FAILURE_CODES: ReadonlySet<LegacyError['code']> = new Set([
  'LEGACY_UNAVAILABLE',
  'LEGACY_TIMEOUT',
  'LEGACY_BAD_RESPONSE',
]);

export function isBreakerFailure(error: LegacyError): boolean {
  return BREAKER_FAILURE_CODES.has(error.code) && error.reason === undefined;
}

/** One attempt's result as LegacyHttp sees it: a failure carries its classified error. */
export type AttemptResult = { ok: true } | { ok: false; error: LegacyError };

/**
 * The circuit breaker and bulkhead of one legacy system for one client (cockatiel), around each
 * single attempt LegacyHttp makes:
 * - bulkhead: at most `maxConnections` calls at once (the client's pool size) and `maxQueued`
 *   waiting; a full queue refuses at once (LEGACY_THROTTLED, QUEUE_FULL); a waiting call leaves
 *   with LEGACY_TIMEOUT when its operation's deadline passes, and its turn, when it comes, makes
 *   no call;
 * - breaker: `breakerFailures` consecutive failed attempts (see {@link isBreakerFailure}) open
 *   it; open, every call is refused at once with LEGACY_UNAVAILABLE, reason CIRCUIT_OPEN, without
 *   waiting for a connection; after `breakerHalfOpenMs` one trial call goes through (calls
 *   arriving meanwhile wait for its outcome): success closes the breaker, failure opens it again.
 *
 * Why per attempt rather than around a call with its retries: the breaker counts what the
 * system did (N failed calls to it, not N callers who each tried three times), an opening breaker
 * also stops the retries already under way, and a backoff sleep holds no connection slot.
 */
export class LegacyResilience {
  private readonly breaker: CircuitBreakerPolicy;
  private readonly queue: ReturnType<typeof bulkhead>;
  private readonly halfOpenMs: number;
  private openedAt = 0;
  /** Attempts refused because the breaker was open (tests and logs read it). */
  refusedOpen = 0;
  /** Attempts refused because the queue was full. */
  refusedQueueFull = 0;

  constructor(
    private readonly system: LegacySystem,
    maxConnections: number,
    options: LegacyResilienceOptions = {},
  ) {
    const config = { ...RESILIENCE_DEFAULTS, ...definedOnly(options) };
    const logger = options.logger ?? silentLogger;
    this.halfOpenMs = config.breakerHalfOpenMs;
    this.queue = bulkhead(maxConnections, config.maxQueued);
    this.breaker = circuitBreaker(
      handleWhenResult((result) => {
        const attempt = result as AttemptResult;
        return !attempt.ok && isBreakerFailure(attempt.error);
      }),
      {
        halfOpenAfter: config.breakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(config.breakerFailures),
      },
    );
    // One line per change of state, naming the system: an open breaker is an operator's concern.
    this.breaker.onStateChange((state) => {
      const breaker = { system, state: stateName(state) };
      if (state === CircuitState.Open) {
        this.openedAt = Date.now();
        const last = this.breaker.lastFailure;
        const lastCode =
          last && 'value' in last && !(last.value as AttemptResult).ok
            ? (last.value as { error: LegacyError }).error.code
            : undefined;
        logger.warn(
          { ...breaker, consecutiveFailures: config.breakerFailures, lastCode, halfOpenMs: this.halfOpenMs },
          `${system} circuit breaker open: calls to the ${system} are refused for ${this.halfOpenMs} ms`,
        );
      } else if (state === CircuitState.Closed) {
        logger.info(breaker, `${system} circuit breaker closed: the ${system} answers again`);
      } else if (state === CircuitState.HalfOpen) {
        logger.info(breaker, `${system} circuit breaker half-open: one trial call to the ${system}`);
      }
    });
  }

  /** cockatiel's state; an open breaker whose pause is over is open until the next call tries it. */
  get breakerState(): BreakerState {
    return stateName(this.breaker.state);
  }

  /**
   * Runs one attempt under the bulkhead and the breaker. `attempt` gets no arguments and must not
   * throw for the system's failures (it returns them): the breaker judges the result.
   */
  async run<T extends AttemptResult>(
    label: string,
    deadline: Deadline | undefined,
    attempt: () => Promise<T>,
  ): Promise<T> {
    // Refused before queueing: an open breaker answers at once, not after the calls ahead of it.
    if (this.breaker.state === CircuitState.Open && Date.now() - this.openedAt < this.halfOpenMs) {
      return this.refuseOpen(label);
    }
    let gaveUp = false;
    const queued = this.queue.execute(async () => {
      // The caller left (or its deadline passed) while waiting: its turn frees the slot for the
      // next without a call, and without the breaker hearing of it (the system did nothing wrong).
      if (gaveUp || deadline?.expired) return undefined;
      try {
        return await this.breaker.execute(attempt);
      } catch (error) {
        if (error instanceof BrokenCircuitError) return this.refuseOpen(label);
        throw error;
      }
    });
    const remaining = deadline?.remainingMs();
    let result: T | undefined;
    try {
      if (remaining === undefined) result = await queued;
      else {
        let timer: NodeJS.Timeout | undefined;
        const left = new Promise<'deadline'>((resolve) => {
          timer = setTimeout(() => resolve('deadline'), remaining);
        });
        try {
          const first = await Promise.race([queued, left]);
          if (first === 'deadline') {
            gaveUp = true;
            queued.catch(() => undefined);
            throw legacyFailure(this.system, 'LEGACY_TIMEOUT', label, { label, waitedForConnection: true });
          }
          result = first;
        } finally {
          clearTimeout(timer);
        }
      }
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        this.refusedQueueFull += 1;
        throw legacyRefusal(this.system, 'LEGACY_THROTTLED', 'QUEUE_FULL', label);
      }
      throw error;
    }
    if (result === undefined) {
      throw legacyFailure(this.system, 'LEGACY_TIMEOUT', label, { label, waitedForConnection: true });
    }
    return result;
  }

  private refuseOpen(label: string): never {
    this.refusedOpen += 1;
    throw legacyRefusal(this.system, 'LEGACY_UNAVAILABLE', 'CIRCUIT_OPEN', label);
  }
}

function stateName(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half-open';
  return 'open';
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
