import { afterAll, describe, expect, it } from 'vitest';
import { isAggregateQuery, MAX_AGGREGATE_ROWS } from '../../legacy/crm/aggregates.js';
import { QueryEngine } from '../../legacy/crm/engine.js';
import { CrmError } from '../../legacy/crm/errors.js';
import { compileSoql, parseSoql } from '../../legacy/crm/soql.js';
import { buildDatabase, sfId } from '../helpers/crm-legacy-fixture.js';

/**
 * The aggregate subset of SOQL as the stand-in compiles it: which queries are aggregates, how
 * their records are named and typed, that each is one parameterised SQLite statement that
 * groups in SQL, and Salesforce's refusals. Figures are compared with the fixture's rows.
 */
const db = buildDatabase();
const engine = new QueryEngine(db, '/services/data/v62.0');

afterAll(() => db.close());

type Row = Record<string, unknown>;

function errorOf(fn: () => unknown): { code: string; message: string } | 'no error' {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrmError) return { code: error.errorCode, message: error.message };
    throw error;
  }
  return 'no error';
}

const codeOf = (fn: () => unknown) => {
  const error = errorOf(fn);
  return error === 'no error' ? error : error.code;
};

const records = (soql: string) => engine.query(soql, 2000).records;
const table = (name: string) =>
  (db.prepare(`SELECT * FROM "${name}"`).all() as Row[]).filter((r) => r.IsDeleted !== 1);

describe('which queries are aggregate queries', () => {
  it('takes GROUP BY, HAVING and aggregate or date functions, but not a lone COUNT()', () => {
    const aggregate = (soql: string) => isAggregateQuery(parseSoql(soql));
    expect(aggregate('SELECT COUNT() FROM Account')).toBe(false);
    expect(aggregate('SELECT Id FROM Account')).toBe(false);
    expect(aggregate('SELECT COUNT(Id) FROM Account')).toBe(true);
    expect(aggregate('SELECT Name FROM Account GROUP BY Name')).toBe(true);
    expect(aggregate('SELECT COUNT(), Name FROM Account')).toBe(true);
    expect(aggregate('SELECT COUNT() FROM Account GROUP BY Name')).toBe(true);
  });
});

describe('compiling an aggregate query', () => {
  it('is one statement that groups, filters groups and limits in SQL, every value a parameter', () => {
    const plan = compileSoql(
      "SELECT Owner.Email, SUM(AnnualRevenue) FROM Account WHERE Name != 'x\\'); DROP TABLE Account; --' GROUP BY Owner.Email HAVING SUM(AnnualRevenue) > 4321.5 AND MAX(Name) != 'zz' ORDER BY SUM(AnnualRevenue) DESC LIMIT 7",
    );
    const aggregate = plan.aggregate!;
    expect(aggregate.grouped).toBe(true);
    expect(aggregate.sql).toMatch(
      /^SELECT .* FROM "Account" AS t0 .* GROUP BY .* HAVING .* ORDER BY .* LIMIT \?$/,
    );
    expect(aggregate.sql).not.toMatch(/DROP|4321|zz|\b7\b/);
    expect(aggregate.params).toEqual(["x'); DROP TABLE Account; --", 4321.5, 'zz', 7]);
    // The statement runs as it is: no grouping is left for JS.
    expect(db.prepare(aggregate.sql).all(...aggregate.params).length).toBeLessThanOrEqual(7);
  });

  it('asks SQLite for one row past the 2,000 batch when no smaller LIMIT is given', () => {
    expect(compileSoql('SELECT Name FROM Account GROUP BY Name').aggregate!.params).toEqual([
      MAX_AGGREGATE_ROWS + 1,
    ]);
    expect(compileSoql('SELECT Name FROM Account GROUP BY Name LIMIT 5000').aggregate!.params).toEqual([
      MAX_AGGREGATE_ROWS + 1,
    ]);
    expect(compileSoql('SELECT COUNT(Id) FROM Account').aggregate!.sql).not.toContain('LIMIT');
  });

  it('names unaliased functions expr0, expr1… in order, aliases as given, grouped fields by their name', () => {
    const [record] = records(
      'SELECT Owner.Email, MAX(AnnualRevenue), MIN(AnnualRevenue) low, SUM(AnnualRevenue), CALENDAR_YEAR(CreatedDate) FROM Account WHERE OwnerId != null GROUP BY Owner.Email, CALENDAR_YEAR(CreatedDate) ORDER BY Owner.Email LIMIT 1',
    );
    expect(Object.keys(record!)).toEqual(['attributes', 'Email', 'expr0', 'low', 'expr1', 'expr2']);
    expect(record!.attributes).toEqual({ type: 'AggregateResult' });
    const [aliased] = records(
      'SELECT Owner.Email owner, COUNT(Id) FROM Account GROUP BY Owner.Email LIMIT 1',
    );
    expect(Object.keys(aliased!)).toEqual(['attributes', 'owner', 'expr0']);
  });

  it('computes each aggregate as the rows give it, null-aware, with JSON numbers and dates', () => {
    const accounts = table('Account');
    const users = new Map(table('User').map((u) => [u.Id, u]));
    const answered = records(
      'SELECT Owner.Email, COUNT(Id), COUNT(Industry), COUNT_DISTINCT(BillingCity), SUM(AnnualRevenue), AVG(NumberOfEmployees), MIN(Name), MAX(CreatedDate) FROM Account GROUP BY Owner.Email',
    );
    const owners = new Set(accounts.map((a) => a.OwnerId ?? null));
    expect(answered).toHaveLength(owners.size);
    for (const owner of owners) {
      const group = accounts.filter((a) => (a.OwnerId ?? null) === owner);
      const email = owner === null ? null : users.get(owner)!.Email;
      const record = answered.find((r) => r.Email === email)!;
      const names = group
        .map((a) => String(a.Name))
        .sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase()));
      expect(record).toMatchObject({
        expr0: group.length,
        expr1: group.filter((a) => a.Industry !== null).length,
        expr2: new Set(group.map((a) => a.BillingCity).filter((c) => c !== null)).size,
        expr5: names[0],
      });
      expect(record.expr3).toBeCloseTo(
        group.reduce((s, a) => s + Number(a.AnnualRevenue), 0),
        6,
      );
      expect(record.expr4).toBeCloseTo(
        group.reduce((s, a) => s + Number(a.NumberOfEmployees), 0) / group.length,
        6,
      );
      const latest = group
        .map((a) => String(a.CreatedDate))
        .sort()
        .at(-1)!;
      expect(record.expr6).toBe(latest.replace('Z', '+0000'));
    }
  });

  it('groups text ignoring case, as SOQL compares it', () => {
    const names = table('Account').map((a) => String(a.Name).toLowerCase());
    const duplicated = [...new Set(names)].filter((n) => names.filter((m) => m === n).length > 1);
    expect(duplicated.length).toBeGreaterThan(0);
    const answered = records('SELECT Name, COUNT(Id) n FROM Account GROUP BY Name HAVING COUNT(Id) > 1');
    expect(answered.map((r) => String(r.Name).toLowerCase()).sort()).toEqual(duplicated.sort());
  });

  it('groups a checkbox never null: a missing value is false', () => {
    const tasks = table('Task');
    const answered = records('SELECT IsClosed, COUNT(Id) FROM Task GROUP BY IsClosed ORDER BY IsClosed');
    expect(answered.map((r) => [r.IsClosed, r.expr0])).toEqual([
      [false, tasks.filter((t) => t.IsClosed !== 1).length],
      [true, tasks.filter((t) => t.IsClosed === 1).length],
    ]);
  });

  it('compares date functions in WHERE and HAVING as integers', () => {
    const tasks = table('Task');
    const january = tasks.filter((t) => String(t.ActivityDate).startsWith('2024-01'));
    expect(january.length).toBeGreaterThan(0);
    const [where] = records(
      'SELECT COUNT(Id) FROM Task WHERE CALENDAR_YEAR(ActivityDate) = 2024 AND CALENDAR_MONTH(ActivityDate) = 1',
    );
    expect(where!.expr0).toBe(january.length);
    const having = records(
      'SELECT CALENDAR_MONTH(ActivityDate) m, COUNT(Id) FROM Task GROUP BY CALENDAR_MONTH(ActivityDate) HAVING CALENDAR_MONTH(ActivityDate) IN (1, 2)',
    );
    expect(having).toEqual([{ attributes: { type: 'AggregateResult' }, m: 1, expr0: january.length }]);
  });

  it('filters HAVING on grouped fields and aggregates, with AND, OR and parentheses', () => {
    const tasks = table('Task');
    const perAccount = new Map<unknown, Row[]>();
    for (const t of tasks) perAccount.set(t.AccountId, [...(perAccount.get(t.AccountId) ?? []), t]);
    const answered = records(
      `SELECT AccountId, COUNT(Id) FROM Task GROUP BY AccountId HAVING (COUNT(Id) >= 8 AND AccountId != '${sfId('Account', 1)}') OR MAX(ActivityDate) < 2000-01-01`,
    );
    const expected = [...perAccount]
      .filter(([account, list]) => list.length >= 8 && account !== sfId('Account', 1))
      .map(([account]) => account);
    expect(answered.map((r) => r.AccountId).sort()).toEqual(expected.sort());
  });

  it('orders by a grouped field or an aggregate, nulls first ascending as SOQL does', () => {
    const answered = records('SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Industry');
    expect(answered[0]!.Industry).toBeNull();
    const byCount = records(
      'SELECT AccountId, COUNT(Id) FROM Task GROUP BY AccountId ORDER BY COUNT(Id) DESC, AccountId',
    );
    const counts = byCount.map((r) => Number(r.expr0));
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });

  it('applies the session user’s sharing and queryAll’s deleted records to aggregates too', () => {
    const accounts = table('Account');
    const user = sfId('User', 1);
    const [shared] = engine.query('SELECT COUNT(Id) FROM Account', 2000, false, user).records;
    expect(shared!.expr0).toBe(accounts.filter((a) => a.OwnerId === user).length);
    db.prepare('UPDATE "Account" SET "IsDeleted" = 1 WHERE "Id" = ?').run(sfId('Account', 3));
    try {
      const [live] = engine.query('SELECT COUNT(Id) FROM Account', 2000).records;
      const [all] = engine.query('SELECT COUNT(Id) FROM Account', 2000, true).records;
      expect([live!.expr0, all!.expr0]).toEqual([accounts.length - 1, accounts.length]);
    } finally {
      db.prepare('UPDATE "Account" SET "IsDeleted" = 0 WHERE "Id" = ?').run(sfId('Account', 3));
    }
  });

  it('resolves the parent paths the reports group by', () => {
    const soqls = [
      'SELECT Owner.Email, Account.BillingState, Account.OwnerId, CampaignId, CurrencyIsoCode, StageName, IsClosed, IsWon, Probability, SUM(Amount), MIN(CloseDate) FROM Opportunity GROUP BY Owner.Email, Account.BillingState, Account.OwnerId, CampaignId, CurrencyIsoCode, StageName, IsClosed, IsWon, Probability',
      'SELECT Product2.ProductCode, Quote.Status, Quote.CurrencyIsoCode, Quote.Opportunity.Probability, Quote.Opportunity.StageName, SUM(TotalPrice) FROM QuoteLineItem GROUP BY Product2.ProductCode, Quote.Status, Quote.CurrencyIsoCode, Quote.Opportunity.Probability, Quote.Opportunity.StageName',
      'SELECT CampaignId, HasResponded, Contact.AccountId, Contact.Account.ERP_Customer_Id__c, Contact.Account.AccountNumber, COUNT(Id) FROM CampaignMember GROUP BY CampaignId, HasResponded, Contact.AccountId, Contact.Account.ERP_Customer_Id__c, Contact.Account.AccountNumber',
      'SELECT ERP_Customer_Id__c, Type, COUNT(Id) FROM Account GROUP BY ERP_Customer_Id__c, Type',
      'SELECT IsClosed, OwnerId, Owner.Email, COUNT(Id) FROM Case GROUP BY IsClosed, OwnerId, Owner.Email',
      'SELECT Type, Status, SUM(ActualCost), SUM(BudgetedCost) FROM Campaign GROUP BY Type, Status',
      'SELECT Department, IsActive, COUNT(Id) FROM User GROUP BY Department, IsActive',
    ];
    for (const soql of soqls)
      expect({ soql, error: errorOf(() => engine.query(soql, 2000)) }).toEqual({ soql, error: 'no error' });
  });
});

describe('refusals', () => {
  const refused: [string, string, RegExp][] = [
    [
      'SELECT StageName, Name, COUNT(Id) FROM Opportunity GROUP BY StageName',
      'MALFORMED_QUERY',
      /^Field must be grouped or aggregated: Name$/,
    ],
    ['SELECT Name, COUNT(Id) FROM Account', 'MALFORMED_QUERY', /^Field must be grouped or aggregated: Name$/],
    [
      'SELECT CALENDAR_YEAR(CreatedDate), COUNT(Id) FROM Account',
      'MALFORMED_QUERY',
      /must be grouped or aggregated/,
    ],
    [
      'SELECT Name FROM Account GROUP BY Name ORDER BY Industry',
      'MALFORMED_QUERY',
      /^Ordered field must be grouped or aggregated: Industry$/,
    ],
    [
      'SELECT Name FROM Account GROUP BY Name HAVING Industry = null',
      'MALFORMED_QUERY',
      /must be grouped or aggregated: Industry/,
    ],
    ['SELECT COUNT(Id) FROM Account HAVING COUNT(Id) > 1', 'MALFORMED_QUERY', /HAVING/],
    ['SELECT Name, COUNT(Id) FROM Account GROUP BY Name OFFSET 5', 'MALFORMED_QUERY', /OFFSET/],
    ['SELECT MAX(Name) FROM Account LIMIT 1', 'MALFORMED_QUERY', /GROUP BY/],
    ['SELECT COUNT(), Name FROM Account', 'MALFORMED_QUERY', /COUNT\(\) must be the only element/],
    ['SELECT COUNT() FROM Account GROUP BY Name', 'MALFORMED_QUERY', /COUNT\(fieldName\)/],
    [
      'SELECT Name, (SELECT Id FROM Contacts) FROM Account GROUP BY Name',
      'MALFORMED_QUERY',
      /child relationship/,
    ],
    ['SELECT SUM(Name) FROM Account', 'MALFORMED_QUERY', /does not support aggregate operator SUM/],
    ['SELECT AVG(IsDeleted) FROM Account', 'MALFORMED_QUERY', /does not support aggregate operator AVG/],
    ['SELECT MIN(IsDeleted) FROM Account', 'MALFORMED_QUERY', /does not support aggregate operator MIN/],
    [
      'SELECT CreatedDate, COUNT(Id) FROM Account GROUP BY CreatedDate',
      'MALFORMED_QUERY',
      /can not be grouped/,
    ],
    [
      'SELECT CALENDAR_YEAR(Name) FROM Account GROUP BY CALENDAR_YEAR(Name)',
      'MALFORMED_QUERY',
      /date or dateTime/,
    ],
    ['SELECT Name, COUNT(Id) FROM Account GROUP BY ROLLUP(Name)', 'MALFORMED_QUERY', /ROLLUP/],
    [
      'SELECT CreatedDate, COUNT(Id) FROM Account',
      'MALFORMED_QUERY',
      /^Field must be grouped or aggregated: CreatedDate$/,
    ],
    [
      'SELECT Owner.Name, Name, COUNT(Id) FROM Account GROUP BY Owner.Name, Name',
      'MALFORMED_QUERY',
      /duplicate alias: Name/,
    ],
    ['SELECT COUNT(Id) n, SUM(AnnualRevenue) n FROM Account', 'MALFORMED_QUERY', /duplicate alias: n/],
    ['SELECT Name FROM Account WHERE COUNT(Id) > 1 GROUP BY Name', 'MALFORMED_QUERY', /use HAVING/],
    ['SELECT SUM(Nope) FROM Account', 'INVALID_FIELD', /No such column 'Nope'/],
    [
      'SELECT Owner.Nope, COUNT(Id) FROM Account GROUP BY Owner.Nope',
      'INVALID_FIELD',
      /No such column 'Nope'/,
    ],
    [
      "SELECT Name FROM Account GROUP BY Name HAVING COUNT(Id) > '1'",
      'INVALID_QUERY_FILTER_OPERATOR',
      /double/,
    ],
    [
      'SELECT Name FROM Account GROUP BY Name HAVING MAX(CreatedDate) > 5',
      'INVALID_QUERY_FILTER_OPERATOR',
      /dateTime/,
    ],
  ];
  it.each(refused)('%s → %s', (soql, code, message) => {
    const error = errorOf(() => engine.query(soql, 2000));
    expect(error).not.toBe('no error');
    expect(error).toMatchObject({ code, message: expect.stringMatching(message) });
  });
});

describe('the 2,000-row batch of GROUP BY', () => {
  // 12 fixture contacts plus enough to make exactly one more than a batch, each its own group.
  const big = buildDatabase({ bulkContacts: MAX_AGGREGATE_ROWS + 1 - 12 });
  const bigEngine = new QueryEngine(big, '/services/data/v62.0');
  afterAll(() => big.close());

  it('answers a batch in one answer with no locator, and refuses one group more', () => {
    expect((big.prepare('SELECT COUNT(*) AS n FROM "Contact"').get() as { n: number }).n).toBe(
      MAX_AGGREGATE_ROWS + 1,
    );
    const full = bigEngine.query('SELECT Id FROM Contact GROUP BY Id LIMIT 2000', 200);
    expect(full.records).toHaveLength(MAX_AGGREGATE_ROWS);
    expect({ done: full.done, next: full.nextRecordsUrl }).toEqual({ done: true, next: undefined });
    expect(errorOf(() => bigEngine.query('SELECT Id FROM Contact GROUP BY Id', 2000))).toEqual({
      code: 'EXCEEDED_ID_LIMIT',
      message:
        'Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch',
    });
    // Without GROUP BY there is one row, whatever the table's size.
    expect(bigEngine.query('SELECT COUNT(Id) FROM Contact', 2000).records[0]!.expr0).toBe(
      MAX_AGGREGATE_ROWS + 1,
    );
  });
});

describe('COUNT()', () => {
  it('stays a count: totalSize and no records, LIMIT allowed, ORDER BY refused', () => {
    const accounts = table('Account');
    expect(engine.query('SELECT COUNT() FROM Account', 2000)).toEqual({
      totalSize: accounts.length,
      done: true,
      records: [],
    });
    expect(engine.query('SELECT COUNT() FROM Account LIMIT 3', 2000).totalSize).toBe(3);
    expect(codeOf(() => engine.query('SELECT COUNT() FROM Account ORDER BY Name', 2000))).toBe(
      'MALFORMED_QUERY',
    );
  });
});
