import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisWorkflowStore } from '../../subgraphs/workflows/store/redisStore.js';
import { redisAvailable } from '../helpers/redis.js';
import { storeContract } from '../helpers/workflows-store-contract.js';
import {
  CONVERT,
  candidateQuotes,
  eventually,
  type LegacyPair,
  ordersFor,
  quoteRow,
  type RunningWorkflows,
  startLegacyPair,
  startWorkflows,
} from './workflows-harness.js';

// The shared store for replicas, against the local Redis: the same contract as the SQLite
// file, then two workflows subgraphs over one Redis acting as one.
const REDIS_URL = process.env.WORKFLOWS_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const hasRedis = await redisAvailable(REDIS_URL);
if (!hasRedis) console.warn(`[workflows-redis] no Redis at ${REDIS_URL}: the shared-store tests are skipped`);

/** Deletes every key under `prefix` (the tests' own namespace). */
async function dropPrefix(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  const keys: string[] = [];
  for await (const batch of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) keys.push(...batch);
  if (keys.length > 0) await client.del(keys);
  await client.close();
}

describe.skipIf(!hasRedis)('workflows store in Redis', () => {
  storeContract('Redis store', async () => {
    const prefix = `test:workflows:${randomUUID()}:`;
    return { open: () => new RedisWorkflowStore(REDIS_URL, prefix), cleanup: () => dropPrefix(prefix) };
  });

  describe('two replicas sharing one Redis', () => {
    let legacy: LegacyPair;
    let replicas: RunningWorkflows[];
    const prefix = `test:workflows:${randomUUID()}:`;
    let crmDownAfterCreate = false;

    beforeAll(async () => {
      legacy = await startLegacyPair(60);
      replicas = await Promise.all(
        [1, 2].map(() =>
          startWorkflows(
            legacy,
            { redisUrl: REDIS_URL, redisPrefix: prefix },
            {
              afterErpOrderCreated: () => {
                if (crmDownAfterCreate) legacy.crmSim.setConfig({ outage: true });
              },
            },
          ),
        ),
      );
    });

    afterAll(async () => {
      for (const replica of replicas ?? []) await replica.close();
      await legacy?.close();
      await dropPrefix(prefix);
    });

    const used = new Set<string>();
    function convertible() {
      const quote = candidateQuotes(legacy.dataset).find(
        (q) =>
          !used.has(q.Id) &&
          q.blocked.trim() === '' &&
          (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit),
      );
      used.add(quote!.Id);
      return quote!;
    }

    it('make one order from 25 calls to each with one key, and a second key', async () => {
      const quote = convertible();
      const answers = await Promise.all([
        ...Array.from({ length: 50 }, (_, i) =>
          replicas[i % 2]!.gql(CONVERT, { quoteId: quote.Id, key: `redis-${quote.Id}` }),
        ),
        replicas[1]!.gql(CONVERT, { quoteId: quote.Id, key: `redis-other-${quote.Id}` }),
      ]);
      for (const answer of answers) expect(answer.errors).toBeUndefined();
      const orders = ordersFor(legacy.dataset, quote.QuoteNumber);
      expect(orders).toHaveLength(1);
      expect(new Set(answers.map((a) => a.data.convertQuoteToOrder.order.number))).toEqual(
        new Set([orders[0]!.number]),
      );
      expect(answers.slice(0, 50).filter((a) => !a.data.convertQuoteToOrder.replayed)).toHaveLength(1);
    });

    it('a write-back one replica recorded is listed by the other, and finished by it when the first is gone', async () => {
      const quote = convertible();
      crmDownAfterCreate = true;
      const answer = await replicas[0]!.gql(CONVERT, { quoteId: quote.Id, key: `redis-down-${quote.Id}` });
      crmDownAfterCreate = false;
      const id = answer.data.convertQuoteToOrder.pendingWriteBack.id;
      const listed = await replicas[1]!.gql('{ pendingWriteBacks { edges { node { id status } } } }');
      expect(listed.data.pendingWriteBacks.edges).toContainEqual({ node: { id, status: 'PENDING' } });

      await replicas[0]!.close();
      replicas = [replicas[1]!];
      legacy.crmSim.setConfig({ outage: false });
      // The record says DONE just after the CRM took the write: wait for the record, not the row.
      const status = await eventually(async () => {
        const done = await replicas[0]!.gql('query($id: ID!) { writeBack(id: $id) { status } }', { id });
        return done.data.writeBack.status === 'DONE' ? 'DONE' : undefined;
      });
      expect(status).toBe('DONE');
      expect(quoteRow(legacy.dataset, quote.Id).ERP_Order_Number__c).toBeTruthy();
    });
  });
});
