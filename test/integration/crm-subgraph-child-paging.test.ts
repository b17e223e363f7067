import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixedTokenSource } from '../../lib/legacyCredentials.js';
import { CrmClient } from '../../subgraphs/crm/client/crmClient.js';
import { CrmReads } from '../../subgraphs/crm/client/reads.js';

/**
 * Salesforce cuts a subquery's rows short in large answers: the parent's child result comes
 * with `done: false` and its own nextRecordsUrl. The CRM stand-in never does (its answers are
 * small), so this loopback server answers that documented shape for one statement.
 */
let server: Server;
let url: string;
const requests: string[] = [];
const task = (n: number) => ({ attributes: { type: 'Task' }, Id: `00T00000000000${n}AAA`, Subject: `t${n}` });

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    res.setHeader('content-type', 'application/json');
    if (req.url?.startsWith('/services/data/v62.0/query?q=')) {
      res.end(
        JSON.stringify({
          totalSize: 1,
          done: true,
          records: [
            {
              attributes: { type: 'Account' },
              Id: '001000000000001AAA',
              Tasks: {
                totalSize: 5,
                done: false,
                nextRecordsUrl: '/services/data/v62.0/query/01gTASKS-2',
                records: [task(1), task(2)],
              },
              Events: null,
            },
          ],
        }),
      );
    } else if (req.url === '/services/data/v62.0/query/01gTASKS-2') {
      res.end(
        JSON.stringify({
          totalSize: 5,
          done: false,
          nextRecordsUrl: '/services/data/v62.0/query/01gTASKS-4',
          records: [task(3), task(4)],
        }),
      );
    } else if (req.url === '/services/data/v62.0/query/01gTASKS-4') {
      res.end(JSON.stringify({ totalSize: 5, done: true, records: [task(5)] }));
    } else {
      res.statusCode = 404;
      res.end(JSON.stringify([{ message: 'not found', errorCode: 'NOT_FOUND' }]));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

it('follows a subquery result cut short until the child list is complete', async () => {
  const client = new CrmClient({
    crmUrl: url,
    credentials: fixedTokenSource('CRM', 't'),
    apiVersion: 'v62.0',
    timeoutMs: 2000,
    maxRetries: 0,
    maxConnections: 2,
  });
  try {
    const parents = await new CrmReads(client).childListsOf(
      ['001000000000001AAA'],
      [
        { list: 'tasks', limit: 6 },
        { list: 'events', limit: 6 },
      ],
    );
    const tasks = parents.get('001000000000001AAA')?.Tasks as {
      done: boolean;
      records: { Subject: string }[];
    };
    expect(tasks.done).toBe(true);
    expect(tasks.records.map((r) => r.Subject)).toEqual(['t1', 't2', 't3', 't4', 't5']);
    expect(requests).toHaveLength(3);
    expect(client.callCount).toBe(3);
  } finally {
    await client.close();
  }
});
