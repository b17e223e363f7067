import { createHash, randomUUID } from 'node:crypto';
import { appError } from '../../lib/errors.js';
import type { WorkflowStore } from './store/types.js';

export interface CoordinationOptions {
  /** Identifies this process; each run holds records and leases as `<owner>/<run id>`. */
  owner: string;
  /** How long a claim holds without renewal; renewed every third of it while the run lives. */
  leaseMs: number;
  /** How long a call waits for another run of the same key or record before OPERATION_IN_PROGRESS. */
  waitTimeoutMs: number;
  /** How often a waiting call looks again. */
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** JSON with object keys sorted, so equal inputs hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function fingerprintOf(operation: string, input: unknown): string {
  return createHash('sha256')
    .update(`${operation}\n${canonicalJson(input)}`)
    .digest('base64url');
}

/** Thrown inside a resumed run that finds nothing to resume: its record is released. */
export class NothingToResume extends Error {}

/** What a run knows of itself: whether it resumes a dead run, and how far that one got. */
export interface RunState {
  takenOver: boolean;
  progress: string | null;
  /** Records a step durably before taking it, for a run that may have to resume this one. */
  note(step: string): Promise<void>;
}

export interface IdempotentRun<R> {
  result: R;
  /** True when the answer is an earlier run's, read from its record. */
  replayed: boolean;
}

/**
 * Exactly-once answers for one (operation, key): the first caller runs the operation while
 * holding a renewed lease on the durable record; concurrent callers with the same input wait
 * for its answer; a caller with another input is refused (IDEMPOTENCY_KEY_REUSED). A run that
 * fails is forgotten so a retry runs again — which is safe only because every operation run
 * here first looks for what an earlier attempt may have written (the ERP order for a quote)
 * before writing. A run whose process died keeps its record until its lease expires; then the
 * next caller (or the recovery loop) takes it over and resumes.
 */
export class Coordinator {
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly store: WorkflowStore,
    private readonly options: CoordinationOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  get owner(): string {
    return this.options.owner;
  }

  async runOnce<R>(args: {
    operation: string;
    key: string;
    input: unknown;
    run: (run: RunState) => Promise<R>;
    /** Do not wait for a run in progress (the background loop has other work). */
    noWait?: boolean;
  }): Promise<IdempotentRun<R>> {
    const { operation, key, input } = args;
    const fingerprint = fingerprintOf(operation, input);
    const owner = this.runOwner();
    const deadline = this.now() + (args.noWait ? 0 : this.options.waitTimeoutMs);
    let takenOver: boolean;
    let progress: string | null;
    for (;;) {
      const outcome = await this.store.claimIdempotency({
        operation,
        key,
        fingerprint,
        input,
        owner,
        leaseMs: this.options.leaseMs,
        now: this.now(),
      });
      if (outcome.kind === 'completed') return { result: outcome.record.result as R, replayed: true };
      if (outcome.kind === 'mismatch') {
        throw appError(
          'IDEMPOTENCY_KEY_REUSED',
          `The idempotency key was already used for ${operation} with a different input; use a new key for a different request.`,
          { operation },
        );
      }
      if (outcome.kind === 'claimed') {
        takenOver = outcome.takenOver;
        progress = outcome.progress;
        break;
      }
      if (this.now() >= deadline) {
        throw appError(
          'OPERATION_IN_PROGRESS',
          `An earlier ${operation} call with this idempotency key is still running; retry with the same key to get its answer.`,
          { operation },
        );
      }
      await this.sleep(this.options.pollMs);
    }

    const heartbeat = this.heartbeat(() =>
      this.store.renewIdempotency(operation, key, owner, this.now() + this.options.leaseMs),
    );
    try {
      const result = await args.run({
        takenOver,
        progress,
        note: (step) => this.store.noteProgress(operation, key, owner, step),
      });
      await this.store.completeIdempotency(operation, key, owner, result, this.now());
      return { result, replayed: false };
    } catch (error) {
      await this.store.releaseIdempotency(operation, key, owner);
      throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }

  /**
   * Runs `fn` holding the named lease (e.g. `quote:<id>`), so that calls with different keys for
   * the same record run one after the other, in this process or any other sharing the store.
   */
  async withLease<R>(name: string, fn: () => Promise<R>): Promise<R> {
    const owner = this.runOwner();
    const deadline = this.now() + this.options.waitTimeoutMs;
    while (!(await this.store.acquireLease(name, owner, this.now() + this.options.leaseMs, this.now()))) {
      if (this.now() >= deadline) {
        throw appError(
          'OPERATION_IN_PROGRESS',
          'Another change to the same record is still running; retry shortly.',
          {},
        );
      }
      await this.sleep(this.options.pollMs);
    }
    const heartbeat = this.heartbeat(() =>
      this.store.acquireLease(name, owner, this.now() + this.options.leaseMs, this.now()),
    );
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      await this.store.releaseLease(name, owner);
    }
  }

  /**
   * Finishes a run whose process died (its record's lease expired) under the record's named
   * lease: `run` either completes it, its answer stored for the client's retry ('resumed'), or
   * throws NothingToResume, nothing having been written, and the record is released so the
   * client's retry starts afresh ('released'). Never waits for a run in progress.
   */
  async resume(args: {
    operation: string;
    key: string;
    input: unknown;
    lease: string;
    run: (run: RunState) => Promise<unknown>;
  }): Promise<'resumed' | 'released'> {
    try {
      await this.runOnce({
        operation: args.operation,
        key: args.key,
        input: args.input,
        noWait: true,
        run: (state) => this.withLease(args.lease, () => args.run(state)),
      });
      return 'resumed';
    } catch (error) {
      if (error instanceof NothingToResume) return 'released';
      throw error;
    }
  }

  /** Two calls in one process are two runs: each must hold a claim of its own. */
  private runOwner(): string {
    return `${this.options.owner}/${randomUUID()}`;
  }

  private heartbeat(renew: () => Promise<unknown>): NodeJS.Timeout {
    const timer = setInterval(
      () => {
        renew().catch(() => {
          // A failed renewal is retried at the next beat; if the lease lapses meanwhile, the
          // record says so and another runner resumes — the run itself stays correct.
        });
      },
      Math.max(10, Math.floor(this.options.leaseMs / 3)),
    );
    timer.unref();
    return timer;
  }
}
