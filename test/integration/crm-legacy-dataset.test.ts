import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { SOBJECTS } from '../../legacy/crm/objects.js';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import type { CrmTableName } from '../../legacy/generator/model.js';
import { openDataset } from '../../legacy/generator/open.js';

/** The stand-in over the generator's data set: every object pages completely, links resolve. */
const dataset = openDataset({ seed: 7 });
let base = '';
let close: () => Promise<void>;

beforeAll(async () => {
  const { server } = createCrmStandIn({ db: dataset.crm });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => new Promise<void>((resolve) => server.close(() => resolve()));
});
afterAll(async () => {
  await close();
  dataset.close();
});

interface Page {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

async function get(path: string): Promise<Page> {
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: 'Bearer crm-dev-token', 'sforce-query-options': 'batchSize=200' },
  });
  expect(res.status, path).toBe(200);
  return (await res.json()) as Page;
}

async function walk(
  soql: string,
): Promise<{ records: Record<string, unknown>[]; calls: number; total: number }> {
  let page = await get(`${API_PREFIX}/query?q=${encodeURIComponent(soql)}`);
  const records = [...page.records];
  let calls = 1;
  while (!page.done) {
    page = await get(page.nextRecordsUrl!);
    records.push(...page.records);
    calls++;
  }
  return { records, calls, total: page.totalSize };
}

describe('the generated data set', () => {
  it('pages every object completely in batches of 200, each record once', async () => {
    for (const name of Object.keys(SOBJECTS) as CrmTableName[]) {
      const expected = dataset.summary.counts.crm[name];
      const { records, calls, total } = await walk(`SELECT Id FROM ${name}`);
      expect({ name, total }).toEqual({ name, total: expected });
      expect(new Set(records.map((r) => r.Id)).size).toBe(expected);
      expect(calls).toBe(Math.max(1, Math.ceil(expected / 200)));
    }
  });

  it('answers subqueries per parent consistently with flat queries over the children', async () => {
    const { records } = await walk(
      'SELECT Id, ERP_Customer_Id__c, Owner.Email, (SELECT Id FROM Contacts), (SELECT Id FROM Tasks ORDER BY ActivityDate DESC LIMIT 6) FROM Account',
    );
    const contacts = await walk('SELECT Id, AccountId FROM Contact WHERE AccountId != null');
    const perAccount = new Map<string, number>();
    for (const c of contacts.records)
      perAccount.set(String(c.AccountId), (perAccount.get(String(c.AccountId)) ?? 0) + 1);
    let linked = 0;
    for (const account of records) {
      const list = account.Contacts as Page | null;
      expect(list?.totalSize ?? 0).toBe(perAccount.get(String(account.Id)) ?? 0);
      const tasks = account.Tasks as Page | null;
      if (tasks) expect(tasks.records.length).toBeLessThanOrEqual(6);
      if (account.ERP_Customer_Id__c) linked++;
    }
    expect(linked).toBeGreaterThan(0);
    expect(records.some((a) => (a.Owner as { Email?: string } | null)?.Email)).toBe(true);
  });
});
