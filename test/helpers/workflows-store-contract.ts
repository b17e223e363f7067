import { GraphQLError } from 'graphql';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Coordinator, fingerprintOf } from '../../subgraphs/workflows/idempotency.js';
import type { WorkflowStore } from '../../subgraphs/workflows/store/types.js';

/**
 * What every WorkflowStore must do, run against each implementation: the SQLite file (unit
 * tests) and Redis (integration tests, against the local server). `open()` gives a new handle on
 * the same backing store, as a second process would have.
 */
export interface StoreBackend {
  open(): WorkflowStore;
  /** Removes what the test wrote. */
  cleanup(): Promise<void>;
}

export function storeContract(label: string, backend: () => Promise<StoreBackend>): void {
  describe(label, () => {
    let current: StoreBackend;
    const stores: WorkflowStore[] = [];

    function openStore(): WorkflowStore {
      const store = current.open();
      stores.push(store);
      return store;
    }

    beforeEach(async () => {
      current = await backend();
    });

    afterEach(async () => {
      for (const store of stores.splice(0)) await store.close();
      await current.cleanup();
    });

    function coordinator(
      store: WorkflowStore,
      owner: string,
      overrides: Partial<{ leaseMs: number; waitTimeoutMs: number; now: () => number }> = {},
    ) {
      return new Coordinator(store, { owner, leaseMs: 5_000, waitTimeoutMs: 5_000, pollMs: 5, ...overrides });
    }

    function codeOf(error: unknown): unknown {
      return error instanceof GraphQLError ? error.extensions.code : error;
    }

    describe('idempotent runs', () => {
      it('runs once for 50 concurrent calls with one key and gives every caller the same answer', async () => {
        const store = openStore();
        const runner = coordinator(store, 'p1');
        let runs = 0;
        const calls = Array.from({ length: 50 }, () =>
          runner.runOnce({
            operation: 'convert',
            key: 'k1',
            input: { quoteId: 'q1' },
            run: async () => {
              runs += 1;
              await new Promise((resolve) => setTimeout(resolve, 30));
              return { order: 'SO1' };
            },
          }),
        );
        const answers = await Promise.all(calls);
        expect(runs).toBe(1);
        expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
        expect(new Set(answers.map((a) => JSON.stringify(a.result)))).toEqual(new Set(['{"order":"SO1"}']));
        const record = await store.getIdempotency('convert', 'k1');
        expect(record).toMatchObject({
          state: 'COMPLETED',
          result: { order: 'SO1' },
          input: { quoteId: 'q1' },
        });
      });

      it('serialises across two store handles on one file, as two processes would', async () => {
        const a = coordinator(openStore(), 'pa');
        const b = coordinator(openStore(), 'pb');
        let runs = 0;
        const run = async () => {
          runs += 1;
          await new Promise((resolve) => setTimeout(resolve, 20));
          return runs;
        };
        const answers = await Promise.all([
          a.runOnce({ operation: 'op', key: 'k', input: 1, run }),
          b.runOnce({ operation: 'op', key: 'k', input: 1, run }),
        ]);
        expect(runs).toBe(1);
        expect(answers.map((x) => x.result)).toEqual([1, 1]);
      });

      it('refuses the same key with a different input', async () => {
        const runner = coordinator(openStore(), 'p1');
        await runner.runOnce({ operation: 'op', key: 'k', input: { q: 1 }, run: async () => 'first' });
        let runs = 0;
        const refused = runner.runOnce({
          operation: 'op',
          key: 'k',
          input: { q: 2 },
          run: async () => {
            runs += 1;
            return 'second';
          },
        });
        await expect(refused.catch(codeOf)).resolves.toBe('IDEMPOTENCY_KEY_REUSED');
        expect(runs).toBe(0);
        // A key is per operation: the same key names another operation's run independently.
        await expect(
          runner.runOnce({ operation: 'other', key: 'k', input: { q: 2 }, run: async () => 'x' }),
        ).resolves.toEqual({
          result: 'x',
          replayed: false,
        });
      });

      it('forgets a failed run so that a retry runs again', async () => {
        const store = openStore();
        const runner = coordinator(store, 'p1');
        await expect(
          runner.runOnce({
            operation: 'op',
            key: 'k',
            input: 1,
            run: async () => {
              throw new Error('ERP down');
            },
          }),
        ).rejects.toThrow('ERP down');
        expect(await store.getIdempotency('op', 'k')).toBeUndefined();
        await expect(
          runner.runOnce({ operation: 'op', key: 'k', input: 1, run: async () => 'ok' }),
        ).resolves.toEqual({
          result: 'ok',
          replayed: false,
        });
      });

      it('lets a waiting caller give up with OPERATION_IN_PROGRESS while the first still runs', async () => {
        const store = openStore();
        let release!: () => void;
        const first = coordinator(store, 'p1').runOnce({
          operation: 'op',
          key: 'k',
          input: 1,
          run: () => new Promise<string>((resolve) => (release = () => resolve('done'))),
        });
        await new Promise((resolve) => setTimeout(resolve, 10));
        const impatient = coordinator(store, 'p2', { waitTimeoutMs: 30 }).runOnce({
          operation: 'op',
          key: 'k',
          input: 1,
          run: async () => 'never',
        });
        await expect(impatient.catch(codeOf)).resolves.toBe('OPERATION_IN_PROGRESS');
        release();
        await expect(first).resolves.toEqual({ result: 'done', replayed: false });
      });

      it('takes over a run whose owner died once its lease has expired, and lists it as abandoned', async () => {
        let clock = 1_000_000;
        const store = openStore();
        const dead = coordinator(store, 'dead', { leaseMs: 1_000, now: () => clock });
        // The dead process claimed, noted a step, and never finished: simulate through the store.
        await store.claimIdempotency({
          operation: 'op',
          key: 'k',
          fingerprint: fingerprintOf('op', { q: 1 }),
          input: { q: 1 },
          owner: dead.owner,
          leaseMs: 1_000,
          now: clock,
        });
        await store.noteProgress('op', 'k', 'dead', 'CREATE_SENT');
        expect(await store.listAbandoned('op', clock, 10)).toHaveLength(0);
        const heir = coordinator(store, 'heir', { leaseMs: 1_000, waitTimeoutMs: 0, now: () => clock });
        await expect(
          heir.runOnce({ operation: 'op', key: 'k', input: { q: 1 }, run: async () => 'x' }).catch(codeOf),
        ).resolves.toBe('OPERATION_IN_PROGRESS');
        clock += 1_001;
        expect((await store.listAbandoned('op', clock, 10)).map((r) => r.input)).toEqual([{ q: 1 }]);
        let seen: { takenOver: boolean; progress: string | null } | undefined;
        const answer = await heir.runOnce({
          operation: 'op',
          key: 'k',
          input: { q: 1 },
          run: async ({ takenOver, progress }) => {
            seen = { takenOver, progress };
            return 'resumed';
          },
        });
        expect(answer).toEqual({ result: 'resumed', replayed: false });
        expect(seen).toEqual({ takenOver: true, progress: 'CREATE_SENT' });
        // The dead owner can no longer complete what it no longer holds.
        expect(await store.completeIdempotency('op', 'k', 'dead', 'late', clock)).toBe(false);
        expect((await store.getIdempotency('op', 'k'))?.result).toBe('resumed');
      });

      it('runs calls for one named lease one after the other', async () => {
        const store = openStore();
        const a = coordinator(store, 'a');
        const b = coordinator(store, 'b');
        let inside = 0;
        let maxInside = 0;
        const body = async () => {
          inside += 1;
          maxInside = Math.max(maxInside, inside);
          await new Promise((resolve) => setTimeout(resolve, 15));
          inside -= 1;
        };
        await Promise.all([
          a.withLease('quote:1', body),
          b.withLease('quote:1', body),
          a.withLease('quote:2', body),
        ]);
        expect(maxInside).toBe(2); // quote:1 twice in sequence, quote:2 alongside
        expect(await store.acquireLease('quote:1', 'c', Date.now() + 1000, Date.now())).toBe(true);
      });
    });

    describe('write-backs', () => {
      it('keeps one pending write-back per target, claims due ones once, and pages oldest first', async () => {
        const store = openStore();
        const now = 1_000;
        const first = await store.addWriteBack(
          { kind: 'QUOTE_LINK', system: 'CRM', targetId: 'Q1', payload: { v: 1 }, nextAttemptAt: now },
          now,
        );
        const again = await store.addWriteBack(
          { kind: 'QUOTE_LINK', system: 'CRM', targetId: 'Q1', payload: { v: 2 }, nextAttemptAt: now + 5 },
          now,
        );
        expect(again.id).toBe(first.id);
        expect(again.payload).toEqual({ v: 2 });
        const other = await store.addWriteBack(
          {
            kind: 'CRM_ACCOUNT_ADDRESS',
            system: 'CRM',
            targetId: 'A1',
            payload: {},
            nextAttemptAt: now + 100,
          },
          now,
        );
        expect(await store.nextWriteBackDue()).toBe(now);

        const claimedByA = await store.claimDueWriteBacks('a', now, now + 50, 10);
        expect(claimedByA.map((w) => w.id)).toEqual([first.id]);
        expect(await store.claimDueWriteBacks('b', now, now + 50, 10)).toEqual([]);

        await store.recordWriteBackAttempt(
          first.id,
          'b',
          { status: 'DONE', lastErrorCode: null, nextAttemptAt: null },
          now,
        );
        expect((await store.getWriteBack(first.id))?.status).toBe('PENDING'); // b did not hold it
        await store.recordWriteBackAttempt(
          first.id,
          'a',
          { status: 'PENDING', lastErrorCode: 'LEGACY_UNAVAILABLE', nextAttemptAt: now + 10 },
          now,
        );
        expect(await store.getWriteBack(first.id)).toMatchObject({
          attempts: 1,
          lastErrorCode: 'LEGACY_UNAVAILABLE',
        });
        const retried = await store.claimDueWriteBacks('b', now + 10, now + 60, 10);
        expect(retried.map((w) => w.id)).toEqual([first.id]);
        await store.recordWriteBackAttempt(
          first.id,
          'b',
          { status: 'DONE', lastErrorCode: null, nextAttemptAt: null },
          now + 11,
        );
        expect(await store.getWriteBack(first.id)).toMatchObject({
          status: 'DONE',
          attempts: 2,
          completedAt: now + 11,
        });

        const pending = await store.listWriteBacks({ statuses: ['PENDING'], afterSeq: 0, limit: 10 });
        expect(pending.map((w) => w.id)).toEqual([other.id]);
        const all = await store.listWriteBacks({ statuses: ['PENDING', 'DONE'], afterSeq: 0, limit: 1 });
        expect(all.map((w) => w.id)).toEqual([first.id]);
        const next = await store.listWriteBacks({
          statuses: ['PENDING', 'DONE'],
          afterSeq: all[0]!.seq,
          limit: 1,
        });
        expect(next.map((w) => w.id)).toEqual([other.id]);
      });

      it('records a write-back refused for good as FAILED: never claimed, and ending the older value pending for its target', async () => {
        const store = openStore();
        const now = 2_000;
        const refused = await store.addWriteBack(
          {
            kind: 'ERP_CUSTOMER_CONTACT',
            system: 'ERP',
            targetId: 'C1',
            payload: { v: 1 },
            lastErrorCode: 'LEGACY_REJECTED',
            attempts: 1,
            status: 'FAILED',
            nextAttemptAt: now,
          },
          now,
        );
        expect(refused).toMatchObject({
          status: 'FAILED',
          nextAttemptAt: null,
          completedAt: now,
          attempts: 1,
        });
        expect(await store.claimDueWriteBacks('a', now + 1, now + 50, 10)).toEqual([]);

        const older = await store.addWriteBack(
          {
            kind: 'ERP_CUSTOMER_CONTACT',
            system: 'ERP',
            targetId: 'C2',
            payload: { v: 1 },
            nextAttemptAt: now,
          },
          now,
        );
        const newer = await store.addWriteBack(
          {
            kind: 'ERP_CUSTOMER_CONTACT',
            system: 'ERP',
            targetId: 'C2',
            payload: { v: 2 },
            lastErrorCode: 'LEGACY_REJECTED',
            status: 'FAILED',
            nextAttemptAt: now,
          },
          now + 1,
        );
        expect(newer).toMatchObject({
          id: older.id,
          status: 'FAILED',
          payload: { v: 2 },
          nextAttemptAt: null,
          completedAt: now + 1,
        });
        expect(await store.claimDueWriteBacks('a', now + 1, now + 50, 10)).toEqual([]);
        expect(await store.nextWriteBackDue()).toBeUndefined();
        const listed = await store.listWriteBacks({ statuses: ['FAILED'], afterSeq: 0, limit: 10 });
        expect(listed.map((w) => w.id)).toEqual([refused.id, older.id]);
        expect(await store.listWriteBacks({ statuses: ['PENDING'], afterSeq: 0, limit: 10 })).toEqual([]);

        // A later value for the target starts a new pending write-back.
        const later = await store.addWriteBack(
          {
            kind: 'ERP_CUSTOMER_CONTACT',
            system: 'ERP',
            targetId: 'C2',
            payload: { v: 3 },
            nextAttemptAt: now,
          },
          now + 2,
        );
        expect(later.id).not.toBe(older.id);
        expect(later.status).toBe('PENDING');
      });

      it('survives reopening the store', async () => {
        const store = openStore();
        const added = await store.addWriteBack(
          {
            kind: 'QUOTE_LINK',
            system: 'CRM',
            targetId: 'Q9',
            payload: { orderNumber: 'SO9' },
            nextAttemptAt: 5,
          },
          1,
        );
        await store.close();
        stores.splice(stores.indexOf(store), 1);
        const reopened = openStore();
        expect(await reopened.getWriteBack(added.id)).toMatchObject({
          status: 'PENDING',
          payload: { orderNumber: 'SO9' },
        });
      });
    });
  });
}
