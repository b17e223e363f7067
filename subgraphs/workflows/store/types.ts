/**
 * The durable state of the workflows subgraph: idempotency records, named leases (so two calls
 * for the same quote never run at once, across keys and processes) and the write-backs still
 * owed to a legacy system. An interface, so a shared database can replace the local SQLite file
 * when several replicas run; every method is async for that reason even where SQLite is not.
 * Times are epoch milliseconds.
 */

export type IdempotencyState = 'RUNNING' | 'COMPLETED';

export interface IdempotencyRecord {
  operation: string;
  key: string;
  /** Hash of the operation's canonical input: the same key with another input is refused. */
  fingerprint: string;
  /** The input itself, so a process that takes over an abandoned run can resume it. */
  input: unknown;
  state: IdempotencyState;
  /** The answer of a completed run, replayed to later calls with the same key. */
  result: unknown;
  owner: string | null;
  leaseUntil: number;
  createdAt: number;
  updatedAt: number;
}

export type ClaimOutcome =
  /** This caller runs the operation now (a new key, or one whose runner's lease expired). */
  | {
      kind: 'claimed';
      takenOver: boolean;
      /** What an abandoned run had noted before it died (see noteProgress); null for a new run. */
      progress: string | null;
    }
  | { kind: 'completed'; record: IdempotencyRecord }
  /** Another caller runs it and its lease is current: wait and look again. */
  | { kind: 'running'; record: IdempotencyRecord }
  | { kind: 'mismatch'; record: IdempotencyRecord };

export type WriteBackKind =
  | 'QUOTE_LINK'
  | 'CRM_ACCOUNT_ADDRESS'
  | 'ERP_CUSTOMER_CONTACT'
  | 'CRM_ACCOUNT_ERP_LINK';
export type WriteBackStatus = 'PENDING' | 'DONE' | 'FAILED';
export type SystemName = 'ERP' | 'CRM';

export interface WriteBackRecord {
  id: string;
  /** Insertion order: the keyset for paging. */
  seq: number;
  kind: WriteBackKind;
  system: SystemName;
  status: WriteBackStatus;
  /** The record written, in `system` (CRM quote id, CRM account id, ERP customer id). */
  targetId: string;
  /** What to write; its shape is the kind's (see writeBacks.ts). */
  payload: unknown;
  customerId: string | null;
  orderNumber: string | null;
  quoteId: string | null;
  attempts: number;
  lastErrorCode: string | null;
  createdAt: number;
  nextAttemptAt: number | null;
  completedAt: number | null;
}

export interface NewWriteBack {
  kind: WriteBackKind;
  system: SystemName;
  targetId: string;
  payload: unknown;
  customerId?: string | null;
  orderNumber?: string | null;
  quoteId?: string | null;
  lastErrorCode?: string | null;
  attempts?: number;
  /**
   * PENDING (the default): tried again from `nextAttemptAt`. FAILED: refused for good on its
   * first attempt, so listed for a person and never tried again (`nextAttemptAt` is ignored).
   */
  status?: 'PENDING' | 'FAILED';
  nextAttemptAt: number;
}

export interface WriteBackAttemptResult {
  status: WriteBackStatus;
  lastErrorCode: string | null;
  nextAttemptAt: number | null;
}

/** A request to run (operation, key) as `owner`, holding it until `now + leaseMs`. */
export interface IdempotencyClaim {
  operation: string;
  key: string;
  /** Of the input: a key sent again with another input is refused. */
  fingerprint: string;
  input: unknown;
  owner: string;
  leaseMs: number;
  now: number;
}

export interface WorkflowStore {
  /**
   * Claims (operation, key) for `owner` until `now + leaseMs`, or says why not. Atomic: of any
   * number of concurrent claims for one key, exactly one is `claimed`.
   */
  claimIdempotency(args: IdempotencyClaim): Promise<ClaimOutcome>;
  getIdempotency(operation: string, key: string): Promise<IdempotencyRecord | undefined>;
  /** False when the owner lost the lease (it expired and another took over). */
  renewIdempotency(operation: string, key: string, owner: string, leaseUntil: number): Promise<boolean>;
  completeIdempotency(
    operation: string,
    key: string,
    owner: string,
    result: unknown,
    now: number,
  ): Promise<boolean>;
  /** Notes how far a run got (e.g. "the create was sent"), for whoever takes it over. */
  noteProgress(operation: string, key: string, owner: string, progress: string): Promise<void>;
  /** Forgets a run that ended without a result, so the next call with the key runs it again. */
  releaseIdempotency(operation: string, key: string, owner: string): Promise<void>;
  /** Running records whose lease has expired: their runner died. */
  listAbandoned(operation: string, now: number, limit: number): Promise<IdempotencyRecord[]>;
  /** Completed records older than `before` are dropped (the replay window has passed). */
  purgeCompleted(before: number): Promise<number>;

  /** A named lease: true when `owner` holds it now (free, expired, or already its own). */
  acquireLease(name: string, owner: string, leaseUntil: number, now: number): Promise<boolean>;
  releaseLease(name: string, owner: string): Promise<void>;

  /**
   * Records a write-back. When one of the same kind for the same target is still PENDING, that
   * one is replaced by the newer payload (the newer value is the one owed) and takes its status,
   * and is returned: a newer value refused for good leaves no older one to be written later.
   */
  addWriteBack(writeBack: NewWriteBack, now: number): Promise<WriteBackRecord>;
  getWriteBack(id: string): Promise<WriteBackRecord | undefined>;
  /** Oldest first, after the record with sequence `afterSeq`. */
  listWriteBacks(args: {
    statuses: readonly WriteBackStatus[];
    afterSeq: number;
    limit: number;
  }): Promise<WriteBackRecord[]>;
  /** PENDING write-backs due by `now`, leased to `owner` until `leaseUntil` so no one else tries them at once. */
  claimDueWriteBacks(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<WriteBackRecord[]>;
  recordWriteBackAttempt(
    id: string,
    owner: string,
    result: WriteBackAttemptResult,
    now: number,
  ): Promise<void>;
  /** The earliest nextAttemptAt of PENDING write-backs, for the retry loop's timer. */
  nextWriteBackDue(): Promise<number | undefined>;

  close(): Promise<void>;
}
