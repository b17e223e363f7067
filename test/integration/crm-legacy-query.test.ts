import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import { ACCOUNT_NAMES, buildDatabase, type Running, sfId, start } from '../helpers/crm-legacy-fixture.js';

const BULK = 460;
let crm: Running;

beforeAll(async () => {
  crm = await start(buildDatabase({ bulkContacts: BULK }));
});
afterAll(async () => {
  await crm.close();
});

describe('versions, resources and routing', () => {
  it('lists API versions without a session and the resources of v62.0 with one', async () => {
    const versions = await fetch(`${crm.base}/services/data`);
    expect(versions.status).toBe(200);
    expect(await versions.json()).toEqual([{ label: "Winter '25", url: API_PREFIX, version: '62.0' }]);
    const resources = await crm.get(API_PREFIX);
    expect(resources.status).toBe(200);
    expect(resources.body.query).toBe(`${API_PREFIX}/query`);
  });

  it('answers 404 NOT_FOUND for unknown paths and 405 for wrong methods', async () => {
    for (const path of ['nothing', 'sobjects/Account/001/extra/x', '/services/data/v10.0/query']) {
      const res = await crm.get(path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual([
        { message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' },
      ]);
    }
    const res = await crm.send('DELETE', 'query?q=x');
    expect(res.status).toBe(405);
    expect(res.body[0].errorCode).toBe('METHOD_NOT_ALLOWED');
  });

  it('refuses a missing or wrong token with 401 INVALID_SESSION_ID', async () => {
    const missing = await fetch(`${crm.api}/query?q=SELECT+Id+FROM+Account`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual([
      { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
    ]);
    const wrong = await crm.get('query?q=SELECT+Id+FROM+Account', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.body[0].errorCode).toBe('INVALID_SESSION_ID');
  });
});

describe('query', () => {
  it('returns records with attributes, typed values and nested parent records', async () => {
    const res = await crm.query(
      `SELECT Id, Name, AnnualRevenue, NumberOfEmployees, CreatedDate, Owner.Email, Owner.Name FROM Account WHERE Id = '${sfId('Account', 2)}'`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      totalSize: 1,
      done: true,
      records: [
        {
          attributes: { type: 'Account', url: `${API_PREFIX}/sobjects/Account/${sfId('Account', 2)}` },
          Id: sfId('Account', 2),
          Name: "O'Brien & Sons",
          AnnualRevenue: 2001,
          NumberOfEmployees: 20,
          CreatedDate: '2024-01-02T08:00:00.000+0000',
          Owner: {
            attributes: { type: 'User', url: `${API_PREFIX}/sobjects/User/${sfId('User', 1)}` },
            Email: 'ulla@example.com',
            Name: 'Ulla Patel',
          },
        },
      ],
    });
  });

  it('answers a null parent as null and follows two-level paths', async () => {
    const res = await crm.query(`SELECT Id, Owner.Name FROM Account WHERE Id = '${sfId('Account', 7)}'`);
    expect(res.body.records[0].Owner).toBeNull();
    const deep = await crm.query(
      `SELECT Subject, Account.Owner.Email FROM Task WHERE Account.Name = 'adatum CORPORATION' ORDER BY Subject LIMIT 1`,
    );
    // 'adatum corporation' matches both spellings case-insensitively; only account 1 has tasks.
    expect(deep.body.records).toHaveLength(1);
    expect(deep.body.records[0].Subject).toBe('Task 1-1');
    expect(deep.body.records[0].Account.Owner.Email).toBe('qi@example.com');
    expect(deep.body.records[0].Account.attributes.type).toBe('Account');
  });

  it('runs relationship subqueries with WHERE, ORDER BY and LIMIT per parent', async () => {
    const ids = [1, 2, 4].map((i) => `'${sfId('Account', i)}'`).join(', ');
    const res = await crm.query(
      `SELECT Id, Name, (SELECT Id, Subject, ActivityDate FROM Tasks WHERE Status != 'Completed' ORDER BY ActivityDate DESC LIMIT 3), (SELECT Id FROM Events) FROM Account WHERE Id IN (${ids}) ORDER BY Name`,
    );
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.records.map((r: { Name: string }) => [r.Name, r]));
    const first = byName['Adatum Corporation'];
    expect(first.Tasks.totalSize).toBe(3);
    expect(first.Tasks.done).toBe(true);
    expect(first.Tasks.records.map((t: { Subject: string }) => t.Subject)).toEqual([
      'Task 1-8',
      'Task 1-7',
      'Task 1-5',
    ]);
    expect(first.Tasks.records[0].attributes.type).toBe('Task');
    expect(first.Events.records).toHaveLength(1);
    expect(byName["O'Brien & Sons"].Tasks.records.map((t: { Subject: string }) => t.Subject)).toEqual([
      'Task 2-8',
      'Task 2-7',
      'Task 2-5',
    ]);
    const fourth = byName['Back\\slash Ltd'];
    expect(fourth.Tasks).toBeNull();
    expect(fourth.Events).toBeNull();
  });

  it('cuts a child list past 200 records short with its own nextRecordsUrl, as Salesforce does', async () => {
    await crm.reset();
    const res = await crm.query(
      `SELECT Id, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Id IN ('${sfId('Account', 6)}', '${sfId('Account', 1)}')`,
    );
    const [first, sixth] = res.body.records;
    expect(first.Contacts).toMatchObject({ totalSize: 3, done: true });
    expect(sixth.Contacts.totalSize).toBe(BULK);
    expect(sixth.Contacts.done).toBe(false);
    expect(sixth.Contacts.records).toHaveLength(200);
    const names: string[] = sixth.Contacts.records.map((c: { LastName: string }) => c.LastName);
    let page = sixth.Contacts;
    while (!page.done) {
      const next = await crm.get(page.nextRecordsUrl);
      expect(next.status).toBe(200);
      page = next.body;
      expect(page.totalSize).toBe(BULK);
      names.push(...page.records.map((c: { LastName: string; attributes: { type: string } }) => c.LastName));
      expect(page.records[0].attributes.type).toBe('Contact');
    }
    expect(names).toHaveLength(BULK);
    expect(names).toEqual([...names].sort());
    expect(new Set(names).size).toBe(BULK);
    expect(await crm.stats()).toEqual({ query: 1, queryMore: 2 });
  });

  it('follows Opportunity → Quotes → (lines from Quote) relationships', async () => {
    const res = await crm.query(
      `SELECT Id, (SELECT Id, Quantity FROM QuoteLineItems ORDER BY LineNumber) FROM Quote WHERE OpportunityId = '${sfId('Opportunity', 1)}'`,
    );
    expect(res.body.records[0].QuoteLineItems.records.map((l: { Quantity: number }) => l.Quantity)).toEqual([
      1, 2, 3,
    ]);
    const opp = await crm.query(`SELECT Name, (SELECT Name FROM Quotes) FROM Opportunity`);
    expect(opp.body.records[0].Quotes.records[0].Name).toBe('Q1');
  });

  it('counts with COUNT()', async () => {
    const res = await crm.query(`SELECT COUNT() FROM Contact WHERE Account.Name = 'Trey Research'`);
    expect(res.body).toEqual({ totalSize: BULK, done: true, records: [] });
  });

  it('pages with batchSize 200: every record exactly once, in order', async () => {
    await crm.reset();
    const seen: string[] = [];
    let page = await crm.query(`SELECT Id, LastName FROM Contact ORDER BY LastName`, {
      'sforce-query-options': 'batchSize=200',
    });
    const total = page.body.totalSize;
    expect(total).toBe(BULK + 12);
    let pages = 1;
    seen.push(...page.body.records.map((r: { Id: string }) => r.Id));
    while (!page.body.done) {
      expect(page.body.records).toHaveLength(200);
      expect(page.body.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]{15}-\d+$/);
      page = await crm.get(page.body.nextRecordsUrl, { 'sforce-query-options': 'batchSize=200' });
      expect(page.status).toBe(200);
      expect(page.body.totalSize).toBe(total);
      seen.push(...page.body.records.map((r: { Id: string }) => r.Id));
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    expect(await crm.stats()).toMatchObject({ query: 1, queryMore: 2 });
  });

  it('clamps batchSize into 200..2,000 as Salesforce does', async () => {
    const small = await crm.query(`SELECT Id FROM Contact`, { 'sforce-query-options': 'batchSize=5' });
    expect(small.body.records).toHaveLength(200);
    const big = await crm.query(`SELECT Id FROM Contact`, { 'sforce-query-options': 'batchSize=9999' });
    expect(big.body.records).toHaveLength(BULK + 12);
    expect(big.body.done).toBe(true);
  });

  it('refuses unknown or malformed query locators', async () => {
    for (const locator of ['01gAAAAAAAAAAAAAAA-200', 'garbage', '01gAAAAAAAAAAAAAAA']) {
      const res = await crm.get(`query/${locator}`);
      expect(res.status).toBe(400);
      expect(res.body[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
    }
  });

  it('applies LIMIT and OFFSET, and refuses OFFSET past 2,000', async () => {
    const res = await crm.query(`SELECT Name FROM Account ORDER BY Name DESC LIMIT 3 OFFSET 1`);
    // Text sorts case-insensitively (ASCII folding), code-unit order otherwise.
    const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const sorted = [...ACCOUNT_NAMES].sort((a, b) => (fold(a) < fold(b) ? 1 : fold(a) > fold(b) ? -1 : 0));
    expect(res.body.totalSize).toBe(3);
    expect(res.body.records.map((r: { Name: string }) => r.Name)).toEqual(sorted.slice(1, 4));
    const off = await crm.query(`SELECT Id FROM Account LIMIT 1 OFFSET 2001`);
    expect(off.status).toBe(400);
    expect(off.body[0].errorCode).toBe('NUMBER_OUTSIDE_VALID_RANGE');
  });

  it('answers each error code in Salesforce shape', async () => {
    const cases: [string, number, string][] = [
      ['SELECT Id FROM', 400, 'MALFORMED_QUERY'],
      ['SELECT Id FROM Account WHERE Name = "x"', 400, 'MALFORMED_QUERY'],
      ["SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Industry = 'c'", 400, 'MALFORMED_QUERY'],
      ['SELECT Id FROM Nothing', 400, 'INVALID_TYPE'],
      ['SELECT Id, (SELECT Id FROM Nothings) FROM Account', 400, 'INVALID_TYPE'],
      ['SELECT Id, Nope FROM Account', 400, 'INVALID_FIELD'],
      ['SELECT Id FROM Account WHERE Nope = 1', 400, 'INVALID_FIELD'],
      ['SELECT Id, Nope.Name FROM Account', 400, 'INVALID_FIELD'],
      ['SELECT Id FROM Account ORDER BY Nope', 400, 'INVALID_FIELD'],
      ['SELECT Id FROM Account WHERE Name = 5', 400, 'INVALID_QUERY_FILTER_OPERATOR'],
      ["SELECT Id FROM Account WHERE AnnualRevenue = '5'", 400, 'INVALID_QUERY_FILTER_OPERATOR'],
      ["SELECT Id FROM Account WHERE Id = 'not-an-id'", 400, 'INVALID_QUERY_FILTER_OPERATOR'],
    ];
    for (const [soql, status, code] of cases) {
      const res = await crm.query(soql);
      expect({ soql, status: res.status, code: res.body[0]?.errorCode }).toEqual({ soql, status, code });
      expect(typeof res.body[0].message).toBe('string');
      expect(JSON.stringify(res.body)).not.toMatch(/SQLITE|at \w+ \(|node_modules/);
    }
    const missing = await crm.get('query');
    expect(missing.status).toBe(400);
    expect(missing.body[0].errorCode).toBe('MALFORMED_QUERY');
  });

  it('answers 414 for a request URI past 16,384 characters; clients must chunk IN lists', async () => {
    const ids = Array.from({ length: 900 }, (_, i) => `'${sfId('Account', i + 1)}'`).join(',');
    const res = await crm.query(`SELECT Id FROM Account WHERE Id IN (${ids})`);
    expect(res.status).toBe(414);
    expect(res.body[0].errorCode).toBe('URI_TOO_LONG');
    const chunk = Array.from({ length: 300 }, (_, i) => `'${sfId('Account', i + 1)}'`).join(',');
    const ok = await crm.query(`SELECT Id FROM Account WHERE Id IN (${chunk})`);
    expect(ok.status).toBe(200);
    expect(ok.body.totalSize).toBe(10);
  });

  it('reads a record by id, with ?fields=, and 404s an unknown id', async () => {
    const res = await crm.get(`sobjects/Account/${sfId('Account', 3)}?fields=Name,ERP_Customer_Id__c`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      attributes: { type: 'Account', url: `${API_PREFIX}/sobjects/Account/${sfId('Account', 3)}` },
      Name: '100% Cotton_Co',
      ERP_Customer_Id__c: 'e0000000-0000-4000-8000-000000000003',
    });
    const full = await crm.get(`sobjects/Account/${sfId('Account', 3).slice(0, 15)}`);
    expect(full.body.Id).toBe(sfId('Account', 3));
    expect(full.body.IsDeleted).toBe(false);
    const unknown = await crm.get(`sobjects/Account/${sfId('Account', 999)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.body[0].errorCode).toBe('NOT_FOUND');
    const badField = await crm.get(`sobjects/Account/${sfId('Account', 3)}?fields=Nope`);
    expect(badField.status).toBe(400);
    expect(badField.body[0].errorCode).toBe('INVALID_FIELD');
    const badType = await crm.get(`sobjects/Nothing/${sfId('Account', 3)}`);
    expect(badType.status).toBe(404);
  });
});

describe('describe, limits and auth variants', () => {
  it('describes objects and reports the daily allocation', async () => {
    const global = await crm.get('sobjects');
    expect(global.body.sobjects.map((o: { name: string }) => o.name)).toContain('Account');
    const account = await crm.get('sobjects/account/describe');
    expect(account.body.name).toBe('Account');
    expect(account.body.keyPrefix).toBe('001');
    const erpField = account.body.fields.find((f: { name: string }) => f.name === 'ERP_Customer_Id__c');
    expect(erpField).toMatchObject({ externalId: true, createable: true });
    expect(
      account.body.childRelationships.map((c: { relationshipName: string }) => c.relationshipName),
    ).toContain('Tasks');
    const limits = await crm.get('limits');
    expect(limits.body.DailyApiRequests.Max).toBe(1_000_000);
    expect(limits.body.DailyApiRequests.Remaining).toBeLessThan(1_000_000);
  });

  it('accepts the OAuth scheme as Salesforce does', async () => {
    const res = await crm.get('query?q=SELECT+Id+FROM+User', { authorization: 'OAuth crm-dev-token' });
    expect(res.status).toBe(200);
    expect(res.body.totalSize).toBe(2);
  });
});

describe('limits and the simulator', () => {
  it('reports api usage on every response and refuses calls past the daily limit', async () => {
    const limited = await start(buildDatabase(), { dailyApiLimit: 3 });
    try {
      const usage: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await limited.query('SELECT Id FROM User');
        expect(res.status).toBe(200);
        usage.push(res.headers.get('sforce-limit-info') ?? '');
      }
      expect(usage).toEqual(['api-usage=1/3', 'api-usage=2/3', 'api-usage=3/3']);
      const over = await limited.query('SELECT Id FROM User');
      expect(over.status).toBe(403);
      expect(over.body).toEqual([
        { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
      ]);
      expect(over.headers.get('sforce-limit-info')).toBe('api-usage=3/3');
      await limited.reset();
      expect((await limited.query('SELECT Id FROM User')).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('injects outages, throttling and errors in Salesforce shape, and counts routes', async () => {
    await crm.reset();
    await fetch(`${crm.base}/__sim/config`, { method: 'POST', body: JSON.stringify({ outage: true }) });
    const down = await crm.query('SELECT Id FROM User');
    expect(down.status).toBe(503);
    expect(down.body[0].errorCode).toBe('SERVER_UNAVAILABLE');
    await fetch(`${crm.base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ outage: false, errorRate: 1, errorStatus: 500 }),
    });
    const error = await crm.get(`sobjects/User/${sfId('User', 1)}`);
    expect(error.status).toBe(500);
    expect(error.body).toEqual([
      { message: 'A simulated fault was injected by the stand-in.', errorCode: 'UNKNOWN_EXCEPTION' },
    ]);
    await fetch(`${crm.base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 0, throttleAfter: 1, throttleWindowMs: 60_000 }),
    });
    expect((await crm.query('SELECT Id FROM User')).status).toBe(200);
    const throttled = await crm.query('SELECT Id FROM User');
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');
    await fetch(`${crm.base}/__sim/config`, {
      method: 'POST',
      body: JSON.stringify({ throttleAfter: null }),
    });
    expect(await crm.stats()).toEqual({ query: 3, 'sobject.get': 1 });
  });
});
