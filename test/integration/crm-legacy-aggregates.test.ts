import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_AGGREGATE_ROWS } from '../../legacy/crm/aggregates.js';
import { salesforceId } from '../../legacy/crm/ids.js';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import { openDataset } from '../../legacy/generator/open.js';
import { type Running, start } from '../helpers/crm-legacy-fixture.js';

/**
 * SOQL aggregate queries over HTTP against the generated data set: every figure the stand-in
 * answers equals the same figure computed here in plain JS from the raw rows, through `query`
 * and inside `composite`; the refusals are Salesforce's.
 */
const dataset = openDataset({ customers: 300 });
let crm: Running;

beforeAll(async () => {
  crm = await start(dataset.crm);
});
afterAll(async () => {
  await crm.close();
  dataset.close();
});

type Row = Record<string, unknown>;
type AggregateRecord = { attributes: { type: string } } & Record<string, unknown>;

const send: Running['send'] = (...args) => crm.send(...args);
const queryPath = (soql: string) => `${API_PREFIX}/query?q=${encodeURIComponent(soql)}`;
const query: Running['query'] = (...args) => crm.query(...args);

/** The records of an aggregate answer, checked for Salesforce's shape. */
async function aggregate(soql: string): Promise<AggregateRecord[]> {
  const res = await query(soql);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.done).toBe(true);
  expect(res.body.nextRecordsUrl).toBeUndefined();
  expect(res.body.totalSize).toBe(res.body.records.length);
  for (const record of res.body.records) expect(record.attributes).toEqual({ type: 'AggregateResult' });
  return res.body.records;
}

const rows = (table: string): Row[] =>
  (dataset.crm.prepare(`SELECT * FROM "${table}"`).all() as Row[]).filter((r) => r.IsDeleted !== 1);
const byId = (table: string) => new Map(rows(table).map((r) => [String(r.Id), r]));

/** Groups rows by a key and folds each group. */
function groupBy<T>(list: Row[], key: (r: Row) => unknown, fold: (group: Row[]) => T): Map<unknown, T> {
  const groups = new Map<unknown, Row[]>();
  for (const r of list) {
    const k = key(r);
    const group = groups.get(k) ?? [];
    group.push(r);
    groups.set(k, group);
  }
  return new Map([...groups].map(([k, g]) => [k, fold(g)]));
}

const sum = (list: Row[], field: string) => list.reduce((s, r) => s + Number(r[field] ?? 0), 0);

/** The answer's records as key → record, and a check that the keys are the expected groups. */
function keyed(
  records: AggregateRecord[],
  key: (r: AggregateRecord) => unknown,
): Map<unknown, AggregateRecord> {
  const out = new Map(records.map((r) => [key(r), r]));
  expect(out.size).toBe(records.length);
  return out;
}

describe('aggregate queries over the generated data set', () => {
  const opportunities = rows('Opportunity');
  const users = byId('User');
  const accounts = byId('Account');

  it('has the data the figures need', () => {
    expect(opportunities.length).toBeGreaterThan(100);
    expect(new Set(opportunities.map((o) => o.OwnerId)).size).toBeGreaterThan(2);
  });

  it('answers COUNT() as totalSize with no records', async () => {
    const res = await query('SELECT COUNT() FROM Opportunity WHERE IsClosed = false');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      totalSize: opportunities.filter((o) => !o.IsClosed).length,
      done: true,
      records: [],
    });
  });

  it('sums, counts, averages and bounds open pipeline per owner e-mail (a parent path)', async () => {
    const records = await aggregate(
      'SELECT Owner.Email, SUM(Amount) total, COUNT(Id), COUNT_DISTINCT(AccountId), AVG(Probability) avgProbability, MIN(CloseDate), MAX(CloseDate) FROM Opportunity WHERE IsClosed = false GROUP BY Owner.Email',
    );
    const open = opportunities.filter((o) => !o.IsClosed);
    const ownerEmail = (o: Row) => String(users.get(String(o.OwnerId))?.Email ?? '').toLowerCase();
    const expected = groupBy(open, ownerEmail, (g) => ({
      total: sum(g, 'Amount'),
      count: g.length,
      accounts: new Set(g.map((o) => o.AccountId).filter((a) => a !== null)).size,
      avgProbability: sum(g, 'Probability') / g.length,
      first: g.map((o) => String(o.CloseDate)).sort()[0],
      last: g
        .map((o) => String(o.CloseDate))
        .sort()
        .at(-1),
    }));
    const answered = keyed(records, (r) => String(r.Email).toLowerCase());
    expect([...answered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [email, figures] of expected) {
      const record = answered.get(email)!;
      expect(Object.keys(record)).toEqual([
        'attributes',
        'Email',
        'total',
        'expr0',
        'expr1',
        'avgProbability',
        'expr2',
        'expr3',
      ]);
      expect(record.total).toBeCloseTo(figures.total, 2);
      expect(record.expr0).toBe(figures.count);
      expect(record.expr1).toBe(figures.accounts);
      expect(record.avgProbability).toBeCloseTo(figures.avgProbability, 6);
      expect(record.expr2).toBe(figures.first);
      expect(record.expr3).toBe(figures.last);
    }
  });

  it('groups by CALENDAR_YEAR and CALENDAR_MONTH of a date, answered as integers', async () => {
    const records = await aggregate(
      'SELECT CALENDAR_YEAR(CloseDate) y, CALENDAR_MONTH(CloseDate), SUM(Amount), COUNT(Id) FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate) ORDER BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)',
    );
    const month = (o: Row) => String(o.CloseDate).slice(0, 7);
    const expected = groupBy(opportunities, month, (g) => ({ amount: sum(g, 'Amount'), count: g.length }));
    const months = [...expected.keys()].map(String).sort();
    expect(records.map((r) => `${r.y}-${String(r.expr0).padStart(2, '0')}`)).toEqual(months);
    for (const record of records) {
      expect(Number.isInteger(record.y) && Number.isInteger(record.expr0)).toBe(true);
      const figures = expected.get(`${record.y}-${String(record.expr0).padStart(2, '0')}`)!;
      expect(record.expr1).toBeCloseTo(figures.amount, 2);
      expect(record.expr2).toBe(figures.count);
    }
  });

  it('filters groups with HAVING: accounts sharing one ERP customer id', async () => {
    const records = await aggregate(
      'SELECT ERP_Customer_Id__c, COUNT(Id) n FROM Account WHERE ERP_Customer_Id__c != null GROUP BY ERP_Customer_Id__c HAVING COUNT(Id) > 1',
    );
    const linked = [...accounts.values()].filter((a) => a.ERP_Customer_Id__c !== null);
    const counts = groupBy(
      linked,
      (a) => String(a.ERP_Customer_Id__c).toLowerCase(),
      (g) => g.length,
    );
    const shared = [...counts].filter(([, n]) => n > 1);
    expect(shared.length).toBeGreaterThan(0);
    const answered = keyed(records, (r) => String(r.ERP_Customer_Id__c).toLowerCase());
    expect(answered.size).toBe(shared.length);
    for (const [id, n] of shared) expect(answered.get(id)?.n).toBe(n);
  });

  it('orders by an aggregate and limits: the three largest won amounts by billing state', async () => {
    const records = await aggregate(
      'SELECT Account.BillingState, SUM(Amount) won FROM Opportunity WHERE IsWon = true GROUP BY Account.BillingState ORDER BY SUM(Amount) DESC LIMIT 3',
    );
    const won = opportunities.filter((o) => o.IsWon);
    const state = (o: Row) => {
      const value = accounts.get(String(o.AccountId))?.BillingState;
      return value === null || value === undefined ? null : String(value).toLowerCase();
    };
    const expected = [...groupBy(won, state, (g) => sum(g, 'Amount'))]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3);
    expect(records).toHaveLength(3);
    records.forEach((record, i) => {
      const [key, amount] = expected[i]!;
      expect(record.BillingState === null ? null : String(record.BillingState).toLowerCase()).toBe(key);
      expect(record.won).toBeCloseTo(amount, 2);
    });
  });

  it('groups quote lines by their opportunity’s probability two parents up, and by product code', async () => {
    const records = await aggregate(
      "SELECT Quote.Opportunity.Probability, Product2.ProductCode, SUM(TotalPrice), COUNT(Id) FROM QuoteLineItem WHERE Quote.Status != 'Denied' GROUP BY Quote.Opportunity.Probability, Product2.ProductCode",
    );
    const quotes = byId('Quote');
    const products = byId('Product2');
    const opportunityById = new Map(opportunities.map((o) => [String(o.Id), o]));
    const lines = rows('QuoteLineItem').filter((l) => quotes.get(String(l.QuoteId))?.Status !== 'Denied');
    const key = (l: Row) => {
      const opportunity = opportunityById.get(String(quotes.get(String(l.QuoteId))?.OpportunityId));
      const code = products.get(String(l.Product2Id))?.ProductCode;
      return `${opportunity?.Probability ?? null}|${code === undefined || code === null ? null : String(code).toLowerCase()}`;
    };
    const expected = groupBy(lines, key, (g) => ({ total: sum(g, 'TotalPrice'), count: g.length }));
    const answered = keyed(
      records,
      (r) => `${r.Probability}|${r.ProductCode === null ? null : String(r.ProductCode).toLowerCase()}`,
    );
    expect([...answered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, figures] of expected) {
      expect(answered.get(k)!.expr0).toBeCloseTo(figures.total, 2);
      expect(answered.get(k)!.expr1).toBe(figures.count);
    }
  });

  it('groups campaign members by campaign and their contact’s account’s ERP id', async () => {
    const records = await aggregate(
      'SELECT CampaignId, Contact.Account.ERP_Customer_Id__c, COUNT(Id) members, COUNT(Contact.AccountId) withAccount FROM CampaignMember WHERE HasResponded = true GROUP BY CampaignId, Contact.Account.ERP_Customer_Id__c',
    );
    const contacts = byId('Contact');
    const responded = rows('CampaignMember').filter((m) => m.HasResponded === 1);
    expect(responded.length).toBeGreaterThan(0);
    const key = (m: Row) => {
      const account = accounts.get(String(contacts.get(String(m.ContactId))?.AccountId));
      const erp = account?.ERP_Customer_Id__c;
      return `${m.CampaignId}|${erp === undefined || erp === null ? null : String(erp).toLowerCase()}`;
    };
    const expected = groupBy(responded, key, (g) => ({
      members: g.length,
      withAccount: g.filter((m) => contacts.get(String(m.ContactId))?.AccountId != null).length,
    }));
    const answered = keyed(
      records,
      (r) =>
        `${r.CampaignId}|${r.ERP_Customer_Id__c === null ? null : String(r.ERP_Customer_Id__c).toLowerCase()}`,
    );
    expect([...answered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, figures] of expected) {
      expect(answered.get(k)).toMatchObject(figures);
    }
  });

  it('answers an ungrouped aggregate as one record, checkbox groups as booleans', async () => {
    const [totals] = await aggregate('SELECT SUM(Amount), COUNT(Id), MAX(Amount) FROM Opportunity');
    expect(totals!.expr0).toBeCloseTo(sum(opportunities, 'Amount'), 2);
    expect(totals!.expr1).toBe(opportunities.length);
    expect(totals!.expr2).toBe(Math.max(...opportunities.map((o) => Number(o.Amount))));

    const records = await aggregate(
      'SELECT IsClosed, IsWon, COUNT(Id) FROM Opportunity GROUP BY IsClosed, IsWon',
    );
    const expected = groupBy(
      opportunities,
      (o) => `${o.IsClosed === 1}|${o.IsWon === 1}`,
      (g) => g.length,
    );
    const answered = keyed(records, (r) => `${r.IsClosed}|${r.IsWon}`);
    expect([...answered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [k, n] of expected) expect(answered.get(k)!.expr0).toBe(n);
  });

  it('runs aggregate queries as composite subrequests, at most 5 queries per composite', async () => {
    const soqls = [
      'SELECT Owner.Email, SUM(Amount) FROM Opportunity WHERE IsClosed = false GROUP BY Owner.Email',
      'SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName',
      'SELECT Type, COUNT(Id) FROM Account GROUP BY Type',
      'SELECT IsClosed, Owner.Email, COUNT(Id) FROM Case GROUP BY IsClosed, Owner.Email',
      'SELECT COUNT() FROM Campaign',
    ];
    const direct = await Promise.all(soqls.map((soql) => query(soql)));
    await crm.reset();
    const res = await send('POST', `${API_PREFIX}/composite`, {
      compositeRequest: soqls.map((soql, i) => ({
        method: 'GET',
        url: queryPath(soql),
        referenceId: `q${i}`,
      })),
    });
    expect(res.status).toBe(200);
    expect(res.body.compositeResponse.map((r: { httpStatusCode: number }) => r.httpStatusCode)).toEqual(
      soqls.map(() => 200),
    );
    expect(res.body.compositeResponse.map((r: { body: unknown }) => r.body)).toEqual(
      direct.map((d) => d.body),
    );
    const stages = groupBy(
      opportunities,
      (o) => String(o.StageName).toLowerCase(),
      (g) => g.length,
    );
    const answeredStages = keyed(res.body.compositeResponse[1].body.records, (r) =>
      String(r.StageName).toLowerCase(),
    );
    for (const [stage, n] of stages) expect(answeredStages.get(stage)!.expr0).toBe(n);
    expect(res.body.compositeResponse[4].body.totalSize).toBe(rows('Campaign').length);
    // One API call for five aggregates; the subrequests are counted per route besides.
    const counted = await crm.stats();
    expect(counted.composite).toBe(1);
    expect(counted.query).toBe(soqls.length);

    const six = await send('POST', `${API_PREFIX}/composite`, {
      compositeRequest: [...soqls, soqls[0]!].map((soql, i) => ({
        method: 'GET',
        url: queryPath(soql),
        referenceId: `q${i}`,
      })),
    });
    expect(six.status).toBe(400);
    expect(six.body[0].errorCode).toBe('LIMIT_EXCEEDED');
  });

  it('answers a refused aggregate inside a composite as that subrequest’s error', async () => {
    const res = await send('POST', `${API_PREFIX}/composite`, {
      compositeRequest: [
        {
          method: 'GET',
          url: queryPath('SELECT StageName, Name, COUNT(Id) FROM Opportunity GROUP BY StageName'),
          referenceId: 'bad',
        },
        { method: 'GET', url: queryPath('SELECT COUNT(Id) FROM Opportunity'), referenceId: 'good' },
      ],
    });
    expect(res.status).toBe(200);
    const [bad, good] = res.body.compositeResponse;
    expect(bad.httpStatusCode).toBe(400);
    expect(bad.body[0]).toEqual({
      errorCode: 'MALFORMED_QUERY',
      message: 'Field must be grouped or aggregated: Name',
    });
    expect(good.body.records[0].expr0).toBe(opportunities.length);
  });

  it('refuses what Salesforce refuses', async () => {
    const refusals: [string, string][] = [
      ['SELECT StageName, Name, COUNT(Id) FROM Opportunity GROUP BY StageName', 'MALFORMED_QUERY'],
      ['SELECT Name, SUM(Amount) FROM Opportunity', 'MALFORMED_QUERY'],
      ['SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName OFFSET 10', 'MALFORMED_QUERY'],
      ['SELECT StageName, COUNT() FROM Opportunity GROUP BY StageName', 'MALFORMED_QUERY'],
      ['SELECT COUNT() FROM Opportunity GROUP BY StageName', 'MALFORMED_QUERY'],
      ['SELECT SUM(Name) FROM Opportunity', 'MALFORMED_QUERY'],
      ['SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName ORDER BY Name', 'MALFORMED_QUERY'],
      ['SELECT SUM(Nope) FROM Opportunity', 'INVALID_FIELD'],
      [
        "SELECT StageName FROM Opportunity GROUP BY StageName HAVING COUNT(Id) > 'x'",
        'INVALID_QUERY_FILTER_OPERATOR',
      ],
    ];
    for (const [soql, code] of refusals) {
      const res = await query(soql);
      expect({ soql, status: res.status, code: res.body[0]?.errorCode }).toEqual({ soql, status: 400, code });
    }
  });
});

describe('the 2,000-row rule of GROUP BY', () => {
  const tasks = rows('Task');
  const extra = MAX_AGGREGATE_ROWS + 1 - tasks.length;

  beforeAll(() => {
    // More tasks than one aggregate batch: copies of a real task under new ids.
    const columns = Object.keys(tasks[0]!);
    const insert = dataset.crm.prepare(
      `INSERT INTO "Task" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    );
    dataset.crm.transaction(() => {
      for (let i = 0; i < extra; i++) {
        const copy: Row = { ...tasks[i % tasks.length]!, Id: salesforceId('00T', 900_000_000 + i) };
        insert.run(...columns.map((c) => copy[c] as never));
      }
    })();
  });

  it('answers 2,000 groups in one answer, whatever the batch size asked', async () => {
    const res = await query('SELECT Id, COUNT(Subject) FROM Task GROUP BY Id LIMIT 2000', {
      'sforce-query-options': 'batchSize=200',
    });
    expect(res.status).toBe(200);
    expect(res.body.records).toHaveLength(MAX_AGGREGATE_ROWS);
    expect(res.body.totalSize).toBe(MAX_AGGREGATE_ROWS);
    expect(res.body.done).toBe(true);
    expect(res.body.nextRecordsUrl).toBeUndefined();
  });

  it('refuses a larger GROUP BY result as Salesforce does, instead of paging it', async () => {
    expect(rows('Task').length).toBe(MAX_AGGREGATE_ROWS + 1);
    for (const soql of [
      'SELECT Id, COUNT(Subject) FROM Task GROUP BY Id',
      'SELECT Id FROM Task GROUP BY Id LIMIT 2500',
    ]) {
      const res = await query(soql);
      expect(res.status).toBe(400);
      expect(res.body).toEqual([
        {
          errorCode: 'EXCEEDED_ID_LIMIT',
          message:
            'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
        },
      ]);
    }
  });
});
