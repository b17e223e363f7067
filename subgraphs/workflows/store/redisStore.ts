import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
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

/**
 * The shared store for replicas: the same contract as the SQLite file, in Redis. Every state
 * change that must be atomic (claims, leases, completing a run, claiming due write-backs) is one
 * Lua script, which Redis runs without interleaving any other command. Durability is Redis's:
 * run it with append-only persistence (`appendonly yes`) when write-backs must survive a Redis
 * restart, not only a workflows process restart.
 *
 * Keys under `prefix`: `idem:<op>:<key>` (hash), `idem-running:<op>` (zset by lease end),
 * `idem-completed` (zset by completion), `lease:<name>` (hash), `wb:<id>` (hash), `wb:seq`,
 * `wb:status:<status>` (zset by sequence), `wb:due` (zset by next attempt), `wb:open:<kind>:<target>`.
 */

type Client = ReturnType<typeof createClient>;
type Hash = Record<string, string>;

const CLAIM = `
local h = KEYS[1]
if redis.call('EXISTS', h) == 0 then
  redis.call('HSET', h, 'fingerprint', ARGV[1], 'input', ARGV[2], 'state', 'RUNNING', 'owner', ARGV[3],
    'leaseUntil', ARGV[4], 'createdAt', ARGV[5], 'updatedAt', ARGV[5], 'progress', '', 'result', '')
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
  return {'claimed', '0', ''}
end
local status
if redis.call('HGET', h, 'fingerprint') ~= ARGV[1] then status = 'mismatch'
elseif redis.call('HGET', h, 'state') == 'COMPLETED' then status = 'completed'
else
  local owner = redis.call('HGET', h, 'owner')
  if owner ~= ARGV[3] and tonumber(redis.call('HGET', h, 'leaseUntil')) > tonumber(ARGV[5]) then
    status = 'running'
  else
    redis.call('HSET', h, 'owner', ARGV[3], 'leaseUntil', ARGV[4], 'updatedAt', ARGV[5])
    redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
    local takenOver = '0'
    if owner ~= ARGV[3] then takenOver = '1' end
    return {'claimed', takenOver, redis.call('HGET', h, 'progress') or ''}
  end
end
local all = redis.call('HGETALL', h)
table.insert(all, 1, status)
return all
`;

/** ARGV[1] owner; runs the rest only while the owner holds the RUNNING record. */
const OWNED = `
if redis.call('HGET', KEYS[1], 'owner') ~= ARGV[1] or redis.call('HGET', KEYS[1], 'state') ~= 'RUNNING' then return 0 end
`;

const RENEW = `${OWNED}
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1`;

const COMPLETE = `${OWNED}
redis.call('HSET', KEYS[1], 'state', 'COMPLETED', 'result', ARGV[2], 'owner', '', 'leaseUntil', '0', 'updatedAt', ARGV[3])
redis.call('ZREM', KEYS[2], ARGV[4])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[5])
return 1`;

const NOTE = `${OWNED}
redis.call('HSET', KEYS[1], 'progress', ARGV[2])
return 1`;

const RELEASE = `${OWNED}
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return 1`;

const ACQUIRE_LEASE = `
local owner = redis.call('HGET', KEYS[1], 'owner')
local untilMs = tonumber(redis.call('HGET', KEYS[1], 'leaseUntil') or '0')
if owner and owner ~= ARGV[1] and untilMs > tonumber(ARGV[3]) then return 0 end
redis.call('HSET', KEYS[1], 'owner', ARGV[1], 'leaseUntil', ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.max(1, tonumber(ARGV[2]) - tonumber(ARGV[3])) + 60000)
return 1`;

const RELEASE_LEASE = `
if redis.call('HGET', KEYS[1], 'owner') == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`;

/**
 * KEYS: open, seq, wb prefix, status:PENDING, due, status:FAILED. ARGV: new id, fields…,
 * nextAttemptAt, now, status (PENDING or FAILED).
 */
const ADD_WRITE_BACK = `
local failed = ARGV[13] == 'FAILED'
local open = redis.call('GET', KEYS[1])
if open and redis.call('HGET', KEYS[3] .. open, 'status') == 'PENDING' then
  local h = KEYS[3] .. open
  redis.call('HSET', h, 'payload', ARGV[5])
  for i, field in ipairs({'customerId', 'orderNumber', 'quoteId', 'lastErrorCode'}) do
    if ARGV[5 + i] ~= '' then redis.call('HSET', h, field, ARGV[5 + i]) end
  end
  if failed then
    redis.call('HSET', h, 'status', 'FAILED', 'nextAttemptAt', '', 'completedAt', ARGV[12])
    redis.call('ZREM', KEYS[4], open)
    redis.call('ZADD', KEYS[6], redis.call('HGET', h, 'seq'), open)
    redis.call('ZREM', KEYS[5], open)
    redis.call('DEL', KEYS[1])
    return open
  end
  local next = math.min(tonumber(redis.call('HGET', h, 'nextAttemptAt')), tonumber(ARGV[11]))
  redis.call('HSET', h, 'nextAttemptAt', next)
  redis.call('ZADD', KEYS[5], next, open)
  return open
end
local id = ARGV[1]
local seq = redis.call('INCR', KEYS[2])
local status, nextAttemptAt, completedAt = 'PENDING', ARGV[11], ''
if failed then status, nextAttemptAt, completedAt = 'FAILED', '', ARGV[12] end
redis.call('HSET', KEYS[3] .. id, 'id', id, 'seq', seq, 'kind', ARGV[2], 'system', ARGV[3], 'targetId', ARGV[4],
  'payload', ARGV[5], 'customerId', ARGV[6], 'orderNumber', ARGV[7], 'quoteId', ARGV[8], 'lastErrorCode', ARGV[9],
  'attempts', ARGV[10], 'nextAttemptAt', nextAttemptAt, 'createdAt', ARGV[12], 'completedAt', completedAt,
  'status', status, 'leaseOwner', '', 'leaseUntil', '0')
if failed then
  redis.call('ZADD', KEYS[6], seq, id)
  return id
end
redis.call('SET', KEYS[1], id)
redis.call('ZADD', KEYS[4], seq, id)
redis.call('ZADD', KEYS[5], ARGV[11], id)
return id`;

/** KEYS: due, wb prefix. ARGV: owner, now, leaseUntil, limit. */
const CLAIM_DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local claimed = {}
for _, id in ipairs(ids) do
  if #claimed >= tonumber(ARGV[4]) then break end
  local h = KEYS[2] .. id
  if redis.call('HGET', h, 'status') == 'PENDING' and tonumber(redis.call('HGET', h, 'leaseUntil') or '0') <= tonumber(ARGV[2]) then
    redis.call('HSET', h, 'leaseOwner', ARGV[1], 'leaseUntil', ARGV[3])
    table.insert(claimed, id)
  end
end
return claimed`;

/** KEYS: wb hash, due, status prefix, open key. ARGV: owner, status, lastErrorCode, nextAttemptAt, now, id. */
const RECORD_ATTEMPT = `
if redis.call('HGET', KEYS[1], 'leaseOwner') ~= ARGV[1] then return 0 end
local previous = redis.call('HGET', KEYS[1], 'status')
local seq = redis.call('HGET', KEYS[1], 'seq')
local completedAt = ''
if ARGV[2] ~= 'PENDING' then completedAt = ARGV[5] end
redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('HSET', KEYS[1], 'status', ARGV[2], 'lastErrorCode', ARGV[3], 'nextAttemptAt', ARGV[4], 'completedAt', completedAt,
  'leaseOwner', '', 'leaseUntil', '0')
redis.call('ZREM', KEYS[3] .. previous, ARGV[6])
redis.call('ZADD', KEYS[3] .. ARGV[2], seq, ARGV[6])
if ARGV[2] == 'PENDING' then
  redis.call('ZADD', KEYS[2], ARGV[4], ARGV[6])
else
  redis.call('ZREM', KEYS[2], ARGV[6])
  if redis.call('GET', KEYS[4]) == ARGV[6] then redis.call('DEL', KEYS[4]) end
end
return 1`;

const num = (value: string | undefined): number | null =>
  value === undefined || value === '' ? null : Number(value);
const str = (value: string | undefined): string | null =>
  value === undefined || value === '' ? null : value;

function toIdempotency(operation: string, key: string, hash: Hash): IdempotencyRecord {
  return {
    operation,
    key,
    fingerprint: hash.fingerprint ?? '',
    input: JSON.parse(hash.input || 'null'),
    state: hash.state === 'COMPLETED' ? 'COMPLETED' : 'RUNNING',
    result: hash.result ? JSON.parse(hash.result) : null,
    owner: str(hash.owner),
    leaseUntil: num(hash.leaseUntil) ?? 0,
    createdAt: num(hash.createdAt) ?? 0,
    updatedAt: num(hash.updatedAt) ?? 0,
  };
}

function toWriteBack(hash: Hash): WriteBackRecord {
  return {
    id: hash.id ?? '',
    seq: num(hash.seq) ?? 0,
    kind: hash.kind as WriteBackRecord['kind'],
    system: hash.system as WriteBackRecord['system'],
    status: hash.status as WriteBackStatus,
    targetId: hash.targetId ?? '',
    payload: JSON.parse(hash.payload || 'null'),
    customerId: str(hash.customerId),
    orderNumber: str(hash.orderNumber),
    quoteId: str(hash.quoteId),
    attempts: num(hash.attempts) ?? 0,
    lastErrorCode: str(hash.lastErrorCode),
    createdAt: num(hash.createdAt) ?? 0,
    nextAttemptAt: num(hash.nextAttemptAt),
    completedAt: num(hash.completedAt),
  };
}

function pairs(flat: unknown[]): Hash {
  const hash: Hash = {};
  for (let i = 0; i + 1 < flat.length; i += 2) hash[String(flat[i])] = String(flat[i + 1]);
  return hash;
}

export class RedisWorkflowStore implements WorkflowStore {
  private readonly client: Client;
  private readonly ready: Promise<unknown>;

  constructor(
    url: string,
    private readonly prefix = 'customer-graph:workflows:',
  ) {
    this.client = createClient({ url });
    // Errors surface on the calls that need the connection; an unhandled 'error' event would crash.
    this.client.on('error', () => undefined);
    this.ready = this.client.connect();
    this.ready.catch(() => undefined);
  }

  private async run(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    await this.ready;
    return this.client.eval(script, { keys, arguments: args.map(String) });
  }

  private idemKey(operation: string, key: string): string {
    return `${this.prefix}idem:${operation}:${key}`;
  }

  private runningKey(operation: string): string {
    return `${this.prefix}idem-running:${operation}`;
  }

  async claimIdempotency(args: IdempotencyClaim): Promise<ClaimOutcome> {
    const reply = (await this.run(
      CLAIM,
      [this.idemKey(args.operation, args.key), this.runningKey(args.operation)],
      [
        args.fingerprint,
        JSON.stringify(args.input ?? null),
        args.owner,
        args.now + args.leaseMs,
        args.now,
        args.key,
      ],
    )) as string[];
    const [status, ...rest] = reply;
    if (status === 'claimed')
      return { kind: 'claimed', takenOver: rest[0] === '1', progress: rest[1] || null };
    const record = toIdempotency(args.operation, args.key, pairs(rest));
    if (status === 'mismatch') return { kind: 'mismatch', record };
    if (status === 'completed') return { kind: 'completed', record };
    return { kind: 'running', record };
  }

  async getIdempotency(operation: string, key: string): Promise<IdempotencyRecord | undefined> {
    await this.ready;
    const hash = (await this.client.hGetAll(this.idemKey(operation, key))) as Hash;
    return Object.keys(hash).length === 0 ? undefined : toIdempotency(operation, key, hash);
  }

  async renewIdempotency(
    operation: string,
    key: string,
    owner: string,
    leaseUntil: number,
  ): Promise<boolean> {
    const reply = await this.run(
      RENEW,
      [this.idemKey(operation, key), this.runningKey(operation)],
      [owner, leaseUntil, key],
    );
    return reply === 1;
  }

  async completeIdempotency(
    operation: string,
    key: string,
    owner: string,
    result: unknown,
    now: number,
  ): Promise<boolean> {
    const reply = await this.run(
      COMPLETE,
      [this.idemKey(operation, key), this.runningKey(operation), `${this.prefix}idem-completed`],
      [owner, JSON.stringify(result ?? null), now, key, JSON.stringify([operation, key])],
    );
    return reply === 1;
  }

  async noteProgress(operation: string, key: string, owner: string, progress: string): Promise<void> {
    await this.run(NOTE, [this.idemKey(operation, key)], [owner, progress]);
  }

  async releaseIdempotency(operation: string, key: string, owner: string): Promise<void> {
    await this.run(RELEASE, [this.idemKey(operation, key), this.runningKey(operation)], [owner, key]);
  }

  async listAbandoned(operation: string, now: number, limit: number): Promise<IdempotencyRecord[]> {
    await this.ready;
    const keys = await this.client.zRangeByScore(this.runningKey(operation), '-inf', now, {
      LIMIT: { offset: 0, count: limit },
    });
    const records = await Promise.all(keys.map((key) => this.getIdempotency(operation, key)));
    return records.filter(
      (r): r is IdempotencyRecord => r !== undefined && r.state === 'RUNNING' && r.leaseUntil <= now,
    );
  }

  async purgeCompleted(before: number): Promise<number> {
    await this.ready;
    const completed = `${this.prefix}idem-completed`;
    const members = await this.client.zRangeByScore(completed, '-inf', before);
    for (const member of members) {
      const [operation, key] = JSON.parse(member) as [string, string];
      await this.client.del(this.idemKey(operation, key));
      await this.client.zRem(completed, member);
    }
    return members.length;
  }

  async acquireLease(name: string, owner: string, leaseUntil: number, now: number): Promise<boolean> {
    return (await this.run(ACQUIRE_LEASE, [`${this.prefix}lease:${name}`], [owner, leaseUntil, now])) === 1;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.run(RELEASE_LEASE, [`${this.prefix}lease:${name}`], [owner]);
  }

  private wbKey(id: string): string {
    return `${this.prefix}wb:${id}`;
  }

  async addWriteBack(writeBack: NewWriteBack, now: number): Promise<WriteBackRecord> {
    const id = (await this.run(
      ADD_WRITE_BACK,
      [
        `${this.prefix}wb:open:${writeBack.kind}:${writeBack.targetId}`,
        `${this.prefix}wb:seq`,
        `${this.prefix}wb:`,
        `${this.prefix}wb:status:PENDING`,
        `${this.prefix}wb:due`,
        `${this.prefix}wb:status:FAILED`,
      ],
      [
        randomUUID(),
        writeBack.kind,
        writeBack.system,
        writeBack.targetId,
        JSON.stringify(writeBack.payload),
        writeBack.customerId ?? '',
        writeBack.orderNumber ?? '',
        writeBack.quoteId ?? '',
        writeBack.lastErrorCode ?? '',
        writeBack.attempts ?? 0,
        writeBack.nextAttemptAt,
        now,
        writeBack.status ?? 'PENDING',
      ],
    )) as string;
    return (await this.getWriteBack(id))!;
  }

  async getWriteBack(id: string): Promise<WriteBackRecord | undefined> {
    await this.ready;
    const hash = (await this.client.hGetAll(this.wbKey(id))) as Hash;
    return Object.keys(hash).length === 0 ? undefined : toWriteBack(hash);
  }

  async listWriteBacks(args: {
    statuses: readonly WriteBackStatus[];
    afterSeq: number;
    limit: number;
  }): Promise<WriteBackRecord[]> {
    await this.ready;
    const perStatus = await Promise.all(
      [...new Set(args.statuses)].map((status) =>
        this.client.zRangeByScoreWithScores(
          `${this.prefix}wb:status:${status}`,
          `(${args.afterSeq}`,
          '+inf',
          {
            LIMIT: { offset: 0, count: args.limit },
          },
        ),
      ),
    );
    const ids = perStatus
      .flat()
      .sort((a, b) => a.score - b.score)
      .slice(0, args.limit)
      .map((entry) => entry.value);
    const records = await Promise.all(ids.map((id) => this.getWriteBack(id)));
    return records.filter((r): r is WriteBackRecord => r !== undefined);
  }

  async claimDueWriteBacks(
    owner: string,
    now: number,
    leaseUntil: number,
    limit: number,
  ): Promise<WriteBackRecord[]> {
    const ids = (await this.run(
      CLAIM_DUE,
      [`${this.prefix}wb:due`, `${this.prefix}wb:`],
      [owner, now, leaseUntil, limit],
    )) as string[];
    const records = await Promise.all(ids.map((id) => this.getWriteBack(id)));
    return records.filter((r): r is WriteBackRecord => r !== undefined);
  }

  async recordWriteBackAttempt(
    id: string,
    owner: string,
    result: WriteBackAttemptResult,
    now: number,
  ): Promise<void> {
    const current = await this.getWriteBack(id);
    if (!current) return;
    await this.run(
      RECORD_ATTEMPT,
      [
        this.wbKey(id),
        `${this.prefix}wb:due`,
        `${this.prefix}wb:status:`,
        `${this.prefix}wb:open:${current.kind}:${current.targetId}`,
      ],
      [owner, result.status, result.lastErrorCode ?? '', result.nextAttemptAt ?? '', now, id],
    );
  }

  async nextWriteBackDue(): Promise<number | undefined> {
    await this.ready;
    const [first] = await this.client.zRangeWithScores(`${this.prefix}wb:due`, 0, 0);
    return first?.score;
  }

  async close(): Promise<void> {
    await this.ready.catch(() => undefined);
    if (this.client.isOpen) await this.client.close();
  }
}
