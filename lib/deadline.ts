import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The moment by which an operation must have its answer, on this process's monotonic clock
 * (performance.now(): wall-clock jumps do not move it). Between processes only the REMAINING
 * budget travels (`x-deadline-ms`), so the clocks of different machines never need to agree.
 */
export class Deadline {
  private constructor(private readonly at: number) {}

  /** The deadline `ms` from `now` (a negative or NaN budget is already spent). */
  static after(ms: number, now: number = performance.now()): Deadline {
    return new Deadline(now + (Number.isFinite(ms) ? Math.max(0, ms) : 0));
  }

  /** Whole milliseconds left, never negative. */
  remainingMs(now: number = performance.now()): number {
    return Math.max(0, Math.floor(this.at - now));
  }

  get expired(): boolean {
    return this.remainingMs() <= 0;
  }
}

export interface OperationScope {
  /** Absent: no caller is waiting (background work), only each call's own timeout applies. */
  deadline?: Deadline;
}

/**
 * The scope of the subgraph request being executed, around its whole execution
 * (lib/graphqlHttp.ts); LegacyHttp reads it for each attempt. Why AsyncLocalStorage: the deadline
 * must reach every legacy call made under a request — through DataLoader batches, caches and
 * shared reads — without threading a parameter through every client call site (OpenTelemetry's
 * context travels the same way). Background work (refresh ahead, write-back retries) starts
 * outside any scope, or leaves it with {@link outsideOperation}: no caller deadline.
 */
export const operationScope = new AsyncLocalStorage<OperationScope>();

/** The deadline of the operation this code runs under, if any. */
export function currentDeadline(): Deadline | undefined {
  return operationScope.getStore()?.deadline;
}

/** Runs `fn` outside any operation's scope: work nobody waits for must not inherit a caller's deadline. */
export function outsideOperation<T>(fn: () => T): T {
  return operationScope.exit(fn);
}

/**
 * Runs `fn` with at most `share` (0..1) of what is left of the current deadline, so that work
 * which may have to follow it — a fallback to the other system when this one fails — still has
 * time: a system that eats the whole budget would otherwise leave the fallback none. Without a
 * deadline (background work) `fn` runs as it is.
 */
export function withDeadlineShare<T>(share: number, fn: () => T): T {
  const scope = operationScope.getStore();
  if (scope?.deadline === undefined) return fn();
  const part = Deadline.after(scope.deadline.remainingMs() * Math.min(1, Math.max(0, share)));
  return operationScope.run({ ...scope, deadline: part }, fn);
}

/** The header the gateway sends each subgraph fetch: the operation's remaining budget in whole ms. */
export const DEADLINE_HEADER = 'x-deadline-ms';

/**
 * Reads `x-deadline-ms`: a whole number of milliseconds (0 allowed: already spent), else
 * undefined. Only the gateway sends it (requests without the gateway's secret are refused
 * earlier), so an unreadable value is a bug to log, not a client error to answer.
 */
export function parseDeadlineHeader(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || !/^\d{1,9}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
