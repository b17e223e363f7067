import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import type {
  ClaimOutcome,
  IdempotencyClaim,
  IdempotencyRecord,
  NewWriteBack,
  WorkflowStore,
  WriteBackAttemptResult,
  WriteBackRecord,
  WriteBackStatus,
} from './types.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS idempotency (
  operation TEXT NOT NULL,
  key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  input TEXT NOT NULL,
  state TEXT NOT NULL,
  result TEXT,
  progress TEXT,
  owner TEXT,
  lease_until INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (operation, key)
);
CREATE INDEX IF NOT EXISTS ix_idempotency_running ON idempotency (state, lease_until);
CREATE TABLE IF NOT EXISTS leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  lease_until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS write_backs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  system TEXT NOT NULL,
  status TEXT NOT NULL,
  target_id TEXT NOT NULL,
  payload TEXT NOT NULL,
  customer_id TEXT,
  order_number TEXT,
  quote_id TEXT,
  attempts INTEGER NOT NULL,
  last_error_code TEXT,
  created_at INTEGER NOT NULL,
  next_attempt_at INTEGER,
  completed_at INTEGER,
  lease_owner TEXT,
  lease_until INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ix_write_backs_due ON write_backs (status, next_attempt_at);
CREATE INDEX IF NOT EXISTS ix_write_backs_target ON write_backs (kind, target_id, status);
`;

interface IdempotencyRow {
  operation: string;
  key: string;
  fingerprint: string;
  input: string;
  state: 'RUNNING' | 'COMPLETED';
  result: string | null;
  progress: string | null;
  owner: string | null;
  lease_until: number;
  created_at: number;
  updated_at: number;
}

interface WriteBackRow {
  seq: number;
  id: string;
  kind: WriteBackRecord['kind'];
  system: WriteBackRecord['system'];
  status: WriteBackStatus;
  target_id: string;
  payload: string;
  customer_id: string | null;
  order_number: string | null;
  quote_id: string | null;
  attempts: number;
  last_error_code: string | null;
  created_at: number;
  next_attempt_at: number | null;
  completed_at: number | null;
}

function toIdempotency(row: IdempotencyRow): IdempotencyRecord {
  return {
    operation: row.operation,
    key: row.key,
    fingerprint: row.fingerprint,
    input: JSON.parse(row.input),
    state: row.state,
    result: row.result === null ? null : JSON.parse(row.result),
    owner: row.owner,
    leaseUntil: row.lease_until,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toWriteBack(row: WriteBackRow): WriteBackRecord {
  return {
    id: row.id,
    seq: row.seq,
    kind: row.kind,
    system: row.system,
    status: row.status,
    targetId: row.target_id,
    payload: JSON.parse(row.payload),
    customerId: row.customer_id,
    orderNumber: row.order_number,
    quoteId: row.quote_id,
    attempts: row.attempts,
    lastErrorCode: row.last_error_code,
    createdAt: row.created_at,
    nextAttemptAt: row.next_attempt_at,
    completedAt: row.completed_at,
  };
}

/**
 * The local durable store: one SQLite file (WAL, so readers never wait for the writer; a busy
 * timeout, so two processes on one machine may share the file). Every state change is a single
 * statement or an IMMEDIATE transaction, so a claim is atomic however many callers race.
 */
export class SqliteWorkflowStore implements WorkflowStore {
  private readonly db: Database;

  constructor(path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
    // Files made before runs noted their progress get the column.
    const columns = this.db.prepare('PRAGMA table_info(idempotency)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'progress'))
      this.db.exec('ALTER TABLE idempotency ADD COLUMN progress TEXT');
  }

  async claimIdempotency(args: IdempotencyClaim): Promise<ClaimOutcome> {
    const { operation, key, fingerprint, owner, now } = args;
    const leaseUntil = now + args.leaseMs;
    const claim = this.db.transaction((): ClaimOutcome => {
      const row = this.db
        .prepare('SELECT * FROM idempotency WHERE operation = ? AND key = ?')
        .get(operation, key) as IdempotencyRow | undefined;
      if (row === undefined) {
        this.db
          .prepare(
            `INSERT INTO idempotency (operation, key, fingerprint, input, state, result, owner, lease_until, created_at, updated_at)
             VALUES (?, ?, ?, ?, 'RUNNING', NULL, ?, ?, ?, ?)`,
          )
          .run(operation, key, fingerprint, JSON.stringify(args.input ?? null), owner, leaseUntil, now, now);
        return { kind: 'claimed', takenOver: false, progress: null };
      }
      const record = toIdempotency(row);
      if (row.fingerprint !== fingerprint) return { kind: 'mismatch', record };
      if (row.state === 'COMPLETED') return { kind: 'completed', record };
      if (row.owner !== owner && row.lease_until > now) return { kind: 'running', record };
      this.db
        .prepare(
          'UPDATE idempotency SET owner = ?, lease_until = ?, updated_at = ? WHERE operation = ? AND key = ?',
        )
        .run(owner, leaseUntil, now, operation, key);
      return { kind: 'claimed', takenOver: row.owner !== owner, progress: row.progress };
    });
    return claim.immediate();
  }

  async getIdempotency(operation: string, key: string): Promise<IdempotencyRecord | undefined> {
    const row = this.db
      .prepare('SELECT * FROM idempotency WHERE operation = ? AND key = ?')
      .get(operation, key) as IdempotencyRow | undefined;
    return row && toIdempotency(row);
  }

  async renewIdempotency(
    operation: string,
    key: string,
    owner: string,
    leaseUntil: number,
  ): Promise<boolean> {
    const changes = this.db
      .prepare(
        `UPDATE idempotency SET lease_until = ? WHERE operation = ? AND key = ? AND owner = ? AND state = 'RUNNING'`,
      )
      .run(leaseUntil, operation, key, owner).changes;
    return changes === 1;
  }

  async completeIdempotency(
    operation: string,
    key: string,
    owner: string,
    result: unknown,
    now: number,
  ): Promise<boolean> {
    const changes = this.db
      .prepare(
        `UPDATE idempotency SET state = 'COMPLETED', result = ?, owner = NULL, lease_until = 0, updated_at = ?
         WHERE operation = ? AND key = ? AND owner = ? AND state = 'RUNNING'`,
      )
      .run(JSON.stringify(result ?? null), now, operation, key, owner).changes;
    return changes === 1;
  }

  async noteProgress(operation: string, key: string, owner: string, progress: string): Promise<void> {
    this.db
      .prepare(
        `UPDATE idempotency SET progress = ? WHERE operation = ? AND key = ? AND owner = ? AND state = 'RUNNING'`,
      )
      .run(progress, operation, key, owner);
  }

  async releaseIdempotency(operation: string, key: string, owner: string): Promise<void> {
    this.db
      .prepare(`DELETE FROM idempotency WHERE operation = ? AND key = ? AND owner = ? AND state = 'RUNNING'`)
      .run(operation, key, owner);
  }

  async listAbandoned(operation: string, now: number, limit: number): Promise<IdempotencyRecord[]> {
    const rows = this.db
      .prepare(
        `SELECT * FROM idempotency WHERE state = 'RUNNING' AND operation = ? AND lease_until <= ?
         ORDER BY created_at LIMIT ?`,
      )
      .all(operation, now, limit) as IdempotencyRow[];
    return rows.map(toIdempotency);
  }

  async purgeCompleted(before: number): Promise<number> {
    return this.db.prepare(`DELETE FROM idempotency WHERE state = 'COMPLETED' AND updated_at < ?`).run(before)
      .changes;
  }

  async acquireLease(name: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    const changes = this.db
      .prepare(
        `INSERT INTO leases (name, owner, lease_until) VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, lease_until = excluded.lease_until
         WHERE leases.owner = excluded.owner OR leases.lease_until <= ?`,
      )
      .run(name, owner, leaseUntil, now).changes;
    return changes === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.db.prepare('DELETE FROM leases WHERE name = ? AND owner = ?').run(name, owner);
  }

  async addWriteBack(writeBack: NewWriteBack, now: number): Promise<WriteBackRecord> {
    const failed = writeBack.status === 'FAILED';
    const add = this.db.transaction((): WriteBackRow => {
      const open = this.db
        .prepare(
          `SELECT * FROM write_backs WHERE kind = ? AND target_id = ? AND status = 'PENDING' ORDER BY seq LIMIT 1`,
        )
        .get(writeBack.kind, writeBack.targetId) as WriteBackRow | undefined;
      if (open) {
        this.db
          .prepare(
            `UPDATE write_backs SET payload = ?, customer_id = COALESCE(?, customer_id), order_number = COALESCE(?, order_number),
             quote_id = COALESCE(?, quote_id), last_error_code = COALESCE(?, last_error_code), status = ?,
             next_attempt_at = CASE WHEN ? THEN NULL ELSE MIN(COALESCE(next_attempt_at, ?), ?) END, completed_at = ?
             WHERE seq = ?`,
          )
          .run(
            JSON.stringify(writeBack.payload),
            writeBack.customerId ?? null,
            writeBack.orderNumber ?? null,
            writeBack.quoteId ?? null,
            writeBack.lastErrorCode ?? null,
            failed ? 'FAILED' : 'PENDING',
            failed ? 1 : 0,
            writeBack.nextAttemptAt,
            writeBack.nextAttemptAt,
            failed ? now : null,
            open.seq,
          );
        return this.db.prepare('SELECT * FROM write_backs WHERE seq = ?').get(open.seq) as WriteBackRow;
      }
      const id = randomUUID();
      this.db
        .prepare(
          `INSERT INTO write_backs (id, kind, system, status, target_id, payload, customer_id, order_number, quote_id,
             attempts, last_error_code, created_at, next_attempt_at, completed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          writeBack.kind,
          writeBack.system,
          failed ? 'FAILED' : 'PENDING',
          writeBack.targetId,
          JSON.stringify(writeBack.payload),
          writeBack.customerId ?? null,
          writeBack.orderNumber ?? null,
          writeBack.quoteId ?? null,
          writeBack.attempts ?? 0,
          writeBack.lastErrorCode ?? null,
          now,
          failed ? null : writeBack.nextAttemptAt,
          failed ? now : null,
        );
      return this.db.prepare('SELECT * FROM write_backs WHERE id = ?').get(id) as WriteBackRow;
    });
    return toWriteBack(add.immediate());
  }

  async getWriteBack(id: string): Promise<WriteBackRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM write_backs WHERE id = ?').get(id) as WriteBackRow | undefined;
    return row && toWriteBack(row);
  }

  async listWriteBacks(args: {
    statuses: readonly WriteBackStatus[];
    afterSeq: number;
    limit: number;
  }): Promise<WriteBackRecord[]> {
    if (args.statuses.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT * FROM write_backs WHERE status IN (${args.statuses.map(() => '?').join(', ')}) AND seq > ?
         ORDER BY seq LIMIT ?`,
      )
      .all(...args.statuses, args.afterSeq, args.limit) as WriteBackRow[];
    return rows.map(toWriteBack);
  }

  async claimDueWriteBacks(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<WriteBackRecord[]> {
    const claim = this.db.transaction((): WriteBackRow[] => {
      const due = this.db
        .prepare(
          `SELECT * FROM write_backs WHERE status = 'PENDING' AND next_attempt_at <= ? AND lease_until <= ?
           ORDER BY next_attempt_at, seq LIMIT ?`,
        )
        .all(now, now, limit) as WriteBackRow[];
      const lease = this.db.prepare('UPDATE write_backs SET lease_owner = ?, lease_until = ? WHERE seq = ?');
      for (const row of due) lease.run(owner, leaseUntil, row.seq);
      return due;
    });
    return claim.immediate().map(toWriteBack);
  }

  async recordWriteBackAttempt(
    id: string,
    owner: string,
    result: WriteBackAttemptResult,
    now: number,
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE write_backs SET status = ?, attempts = attempts + 1, last_error_code = ?, next_attempt_at = ?,
           completed_at = ?, lease_owner = NULL, lease_until = 0
         WHERE id = ? AND lease_owner = ?`,
      )
      .run(
        result.status,
        result.lastErrorCode,
        result.nextAttemptAt,
        result.status === 'PENDING' ? null : now,
        id,
        owner,
      );
  }

  async nextWriteBackDue(): Promise<number | undefined> {
    const row = this.db
      .prepare(
        `SELECT MIN(MAX(next_attempt_at, lease_until)) AS due FROM write_backs WHERE status = 'PENDING'`,
      )
      .get() as { due: number | null };
    return row.due ?? undefined;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
