import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { QueryEngine } from '../../legacy/crm/engine.js';
import { CrmError } from '../../legacy/crm/errors.js';
import { idChecksum, salesforceId, to18 } from '../../legacy/crm/ids.js';
import { dateLiteralRange, unquote, unquoteLike } from '../../legacy/crm/literals.js';
import { SOBJECTS } from '../../legacy/crm/objects.js';
import { compileSoql } from '../../legacy/crm/soql.js';
import { Writer } from '../../legacy/crm/writes.js';
import { buildDatabase, insert, sfId } from '../helpers/crm-legacy-fixture.js';

/** Salesforce's escaping rule for a value inside a quoted SOQL string. */
const escapeSoql = (s: string) => s.replace(/[\\']/g, (m) => `\\${m}`);
/** …and inside a LIKE pattern, where % and _ must stay literal. */
const escapeLike = (s: string) => s.replace(/[\\'%_]/g, (m) => `\\${m}`);

const db = buildDatabase();
const engine = new QueryEngine(db, '/services/data/v62.0');

afterAll(() => db.close());

function ids(soql: string, now?: Date): string[] {
  const plan = compileSoql(soql, now ? { now } : {});
  return engine.store.all(plan.idsSql, plan.idsParams).map((r) => String(r.id));
}

function names(soql: string): string[] {
  return engine.query(soql, 2000).records.map((r) => String(r.Name));
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof CrmError) return error.errorCode;
    throw error;
  }
  return 'no error';
}

describe('ids', () => {
  it('computes Salesforce’s case-safety suffix', () => {
    expect(to18('0015000000Gv7qJ')).toBe('0015000000Gv7qJAAR');
    expect(to18('0015000000Gv7qJAAR')).toBe('0015000000Gv7qJAAR');
    expect(to18('0015000000Gv7qJAAA')).toBeUndefined();
    expect(to18('short')).toBeUndefined();
    const id = salesforceId('001', 123_456);
    expect(id).toHaveLength(18);
    expect(id.startsWith('001')).toBe(true);
    expect(id.slice(15)).toBe(idChecksum(id.slice(0, 15)));
    expect(salesforceId('001', 1)).not.toBe(salesforceId('001', 2));
  });
});

describe('literals', () => {
  it('unescapes strings by Salesforce’s rules', () => {
    expect(unquote("'O\\'Brien'")).toBe("O'Brien");
    expect(unquote("'a\\\\b\\n\\t\\u00e9'")).toBe('a\\b\n\té');
    expect(codeOf(() => unquote("'100\\%'"))).toBe('MALFORMED_QUERY');
    expect(codeOf(() => unquote("'bad\\q'"))).toBe('MALFORMED_QUERY');
    expect(unquoteLike("'100\\%_x%'")).toEqual([
      { literal: '100%' },
      { wildcard: '_' },
      { literal: 'x' },
      { wildcard: '%' },
    ]);
  });

  it('resolves date literals to half-open UTC ranges', () => {
    const now = new Date('2024-03-15T12:00:00Z'); // a Friday
    const day = (s: string) => Date.parse(`${s}T00:00:00Z`);
    expect(dateLiteralRange('TODAY', undefined, now)).toEqual({
      start: day('2024-03-15'),
      end: day('2024-03-16'),
    });
    expect(dateLiteralRange('LAST_N_DAYS:7', 7, now)).toEqual({
      start: day('2024-03-08'),
      end: day('2024-03-16'),
    });
    expect(dateLiteralRange('THIS_WEEK', undefined, now)).toEqual({
      start: day('2024-03-10'),
      end: day('2024-03-17'),
    });
    expect(dateLiteralRange('LAST_MONTH', undefined, now)).toEqual({
      start: day('2024-02-01'),
      end: day('2024-03-01'),
    });
    expect(dateLiteralRange('THIS_QUARTER', undefined, now)).toEqual({
      start: day('2024-01-01'),
      end: day('2024-04-01'),
    });
    expect(dateLiteralRange('NEXT_N_YEARS:2', 2, now)).toEqual({
      start: day('2025-01-01'),
      end: day('2027-01-01'),
    });
  });
});

describe('compiling SOQL', () => {
  it('binds every value as a parameter, never in the SQL text', () => {
    const nasty = "x'); DROP TABLE Account; --";
    const plan = compileSoql(
      `SELECT Id FROM Account WHERE Name = '${escapeSoql(nasty)}' OR Name LIKE '%${escapeLike(nasty)}%'`,
    );
    expect(plan.idsSql).not.toContain('DROP');
    expect(plan.idsParams).toContain(nasty);
    expect(ids(`SELECT Id FROM Account WHERE Name = '${escapeSoql(nasty)}'`)).toEqual([]);
  });

  it('resolves names case-insensitively to the model and refuses unknown ones', () => {
    expect(names(`select name from account where name = 'trey research'`)).toEqual(['Trey Research']);
    expect(codeOf(() => compileSoql('SELECT Id FROM Nope'))).toBe('INVALID_TYPE');
    expect(codeOf(() => compileSoql('SELECT Nope FROM Account'))).toBe('INVALID_FIELD');
    expect(codeOf(() => compileSoql('SELECT Owner.Nope FROM Account'))).toBe('INVALID_FIELD');
    expect(codeOf(() => compileSoql('SELECT Who.Name FROM Task'))).toBe('INVALID_FIELD');
    expect(codeOf(() => compileSoql('SELECT Id, Id FROM Account'))).toBe('MALFORMED_QUERY');
    expect(codeOf(() => compileSoql('SELECT Id FROM Account GROUP BY Name'))).toBe('MALFORMED_QUERY');
    expect(codeOf(() => compileSoql('SELECT MAX(Name) FROM Account LIMIT 1'))).toBe('MALFORMED_QUERY');
    expect(codeOf(() => compileSoql('SELECT Id FROM Account OFFSET 2001'))).toBe(
      'NUMBER_OUTSIDE_VALID_RANGE',
    );
  });

  it('filters by semi-join subqueries on id and lookup fields', () => {
    expect(
      names(
        "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE 'c1%') ORDER BY Name",
      ),
    ).toEqual(['Adatum Corporation', 'Back\\slash Ltd']); // c1 (account 1), c10–c12 (account 4)
    expect(ids('SELECT Id FROM Account WHERE Id NOT IN (SELECT AccountId FROM Task)')).toHaveLength(7);
    expect(
      ids(
        `SELECT Id FROM Task WHERE AccountId IN (SELECT Id FROM Account WHERE Owner.Email = 'qi@example.com')`,
      ),
    ).toHaveLength(16); // accounts 1 and 3, 8 tasks each
    for (const bad of [
      'SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Contact)',
      'SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Contact)',
    ]) {
      expect(codeOf(() => compileSoql(bad))).toBe('INVALID_QUERY_FILTER_OPERATOR');
    }
    expect(
      codeOf(() => compileSoql('SELECT Id FROM Account WHERE Id IN (SELECT Id, AccountId FROM Contact)')),
    ).toBe('MALFORMED_QUERY');
    expect(codeOf(() => compileSoql('SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Nope)'))).toBe(
      'INVALID_TYPE',
    );
  });

  it('needs parentheses to mix AND and OR, and honours NOT and nesting', () => {
    expect(
      codeOf(() => compileSoql("SELECT Id FROM Account WHERE Name = 'a' AND Type = 'b' OR Name = 'c'")),
    ).toBe('MALFORMED_QUERY');
    expect(
      names(
        "SELECT Name FROM Account WHERE (Name = 'Trey Research' OR Name = 'Coho Winery') AND NOT (BillingCity = 'Atlanta') ORDER BY Name",
      ),
    ).toEqual(['Coho Winery', 'Trey Research']);
    expect(
      names(
        "SELECT Name FROM Account WHERE NOT Name LIKE '%a%' AND (NOT BillingCity = 'Atlanta') ORDER BY Name",
      ),
    ).toEqual(['Coho Winery', "O'Brien & Sons"]);
  });

  it('compares text case-insensitively and ids exactly; != and NOT IN include nulls as SOQL does', () => {
    expect(ids(`SELECT Id FROM Account WHERE Name = 'ADATUM CORPORATION'`)).toHaveLength(2);
    expect(ids(`SELECT Id FROM Account WHERE Name = 'ünïcødé STRASSE'`)).toHaveLength(0);
    expect(ids(`SELECT Id FROM Account WHERE Name = 'ÜNÏCØDÉ straße'`)).toEqual([sfId('Account', 5)]);
    expect(ids(`SELECT Id FROM Account WHERE Id = '${sfId('Account', 5).slice(0, 15)}'`)).toEqual([
      sfId('Account', 5),
    ]);
    expect(ids(`SELECT Id FROM Account WHERE Industry = null`)).toHaveLength(5);
    expect(ids(`SELECT Id FROM Account WHERE Industry != 'Retail'`)).toHaveLength(5);
    expect(ids(`SELECT Id FROM Account WHERE Industry != null`)).toHaveLength(5);
    expect(ids(`SELECT Id FROM Account WHERE Industry NOT IN ('Retail')`)).toHaveLength(5);
    expect(ids(`SELECT Id FROM Account WHERE Industry IN ('retail', null)`)).toHaveLength(10);
    expect(ids(`SELECT Id FROM Account WHERE Industry NOT IN ('x', null)`)).toHaveLength(5);
    expect(ids(`SELECT Id FROM Account WHERE OwnerId = null`)).toEqual([sfId('Account', 7)]);
  });

  it('filters numbers, booleans, dates, date-times and date literals by their types', () => {
    expect(ids(`SELECT Id FROM Account WHERE NumberOfEmployees >= 90`)).toHaveLength(2);
    expect(ids(`SELECT Id FROM Account WHERE AnnualRevenue < 2000.6`)).toHaveLength(1);
    expect(ids(`SELECT Id FROM Task WHERE IsClosed = true`)).toHaveLength(6);
    // Stored nulls in a checkbox read and filter as false.
    expect(ids(`SELECT Id FROM Opportunity WHERE IsClosed = false`)).toEqual([sfId('Opportunity', 1)]);
    expect(ids(`SELECT Id FROM Opportunity WHERE IsWon != true`)).toEqual([sfId('Opportunity', 1)]);
    expect(engine.query('SELECT IsWon FROM Opportunity', 2000).records[0]!.IsWon).toBe(false);
    expect(
      ids(`SELECT Id FROM Task WHERE ActivityDate <= 2024-01-06 AND AccountId = '${sfId('Account', 1)}'`),
    ).toHaveLength(2);
    expect(ids(`SELECT Id FROM Account WHERE CreatedDate > 2024-01-09T08:00:00Z`)).toHaveLength(1);
    expect(ids(`SELECT Id FROM Account WHERE CreatedDate >= 2024-01-09T09:00:00+01:00`)).toHaveLength(2);
    const now = new Date('2024-01-10T12:00:00Z');
    expect(
      ids(
        `SELECT Id FROM Task WHERE ActivityDate = LAST_N_DAYS:4 AND AccountId = '${sfId('Account', 1)}'`,
        now,
      ),
    ).toHaveLength(2); // 2024-01-06 and 2024-01-09 fall in [01-06, 01-11)
    expect(ids(`SELECT Id FROM Account WHERE CreatedDate = TODAY`, now)).toEqual([sfId('Account', 10)]);
    expect(ids(`SELECT Id FROM Account WHERE CreatedDate < YESTERDAY`, now)).toHaveLength(8);
    for (const bad of [
      'SELECT Id FROM Account WHERE Name = 1',
      "SELECT Id FROM Account WHERE NumberOfEmployees = '1'",
      'SELECT Id FROM Account WHERE CreatedDate = 2024-01-01',
      'SELECT Id FROM Task WHERE ActivityDate = 2024-01-01T00:00:00Z',
      "SELECT Id FROM Task WHERE IsClosed = 'true'",
      'SELECT Id FROM Task WHERE IsClosed > true',
      'SELECT Id FROM Account WHERE AnnualRevenue LIKE 1',
    ]) {
      expect({ bad, code: codeOf(() => compileSoql(bad)) }).toEqual({
        bad,
        code: 'INVALID_QUERY_FILTER_OPERATOR',
      });
    }
  });

  it('orders text case-insensitively with NULLS FIRST/LAST and breaks ties by Id', () => {
    const asc = engine.query(
      'SELECT Industry, Name FROM Account ORDER BY Industry NULLS LAST, Name DESC',
      2000,
    );
    expect(asc.records.slice(0, 5).every((r) => r.Industry === 'Retail')).toBe(true);
    expect(asc.records.slice(5).every((r) => r.Industry === null)).toBe(true);
    const dup = names("SELECT Name FROM Account WHERE Name LIKE 'adatum%' ORDER BY Name");
    expect(dup).toEqual(['Adatum Corporation', 'adatum corporation']);
  });

  it('serves case-insensitive equality on indexed text columns from an index, not a scan', () => {
    for (const soql of [
      "SELECT Id FROM Contact WHERE Email = 'C1@EXAMPLE.COM'",
      "SELECT Id FROM Account WHERE ERP_Customer_Id__c IN ('a', 'b')",
    ]) {
      const plan = compileSoql(soql);
      const steps = db.prepare(`EXPLAIN QUERY PLAN ${plan.idsSql}`).all(...plan.idsParams) as {
        detail: string;
      }[];
      expect(steps.map((s) => s.detail).join(' | ')).toMatch(/SEARCH t0 USING INDEX ix_ci_/);
    }
    expect(ids("SELECT Id FROM Contact WHERE Email = 'C1@EXAMPLE.COM'")).toEqual([sfId('Contact', 1)]);
  });

  it('runs one SQL statement per subquery for all parents of a page, whatever their number', () => {
    const spy = vi.spyOn(engine.store, 'all');
    const soql = (n: number) =>
      `SELECT Id, (SELECT Id FROM Tasks ORDER BY ActivityDate DESC LIMIT 2), (SELECT Id FROM Contacts) FROM Account WHERE NumberOfEmployees <= ${n * 10}`;
    engine.query(soql(2), 2000);
    const few = spy.mock.calls.length;
    spy.mockClear();
    const result = engine.query(soql(10), 2000);
    expect(spy.mock.calls.length).toBe(few);
    expect(few).toBe(4); // ids, rows, Tasks, Contacts
    spy.mockRestore();
    const withTasks = result.records.filter((r) => r.Tasks !== null);
    expect(withTasks).toHaveLength(3);
    expect(withTasks.every((r) => (r.Tasks as { totalSize: number }).totalSize === 2)).toBe(true);
  });
});

describe('robustness (property)', () => {
  const token = fc.constantFrom(
    'SELECT',
    'Id',
    'Name',
    'Owner.Name',
    'Account.Owner.Email',
    'COUNT()',
    '(SELECT Id FROM Tasks)',
    'FROM',
    'Account',
    'Contact',
    'Task',
    'Nope',
    'WHERE',
    'AND',
    'OR',
    'NOT',
    '(',
    ')',
    '=',
    '!=',
    '<',
    '>=',
    'LIKE',
    'IN',
    'NOT IN',
    "'x'",
    "'%a\\_'",
    "('a', null)",
    '1',
    '2.5',
    'true',
    'null',
    'TODAY',
    'LAST_N_DAYS:3',
    '2024-01-01',
    '2024-01-01T00:00:00Z',
    'ORDER BY',
    'ASC',
    'DESC',
    'NULLS LAST',
    'LIMIT',
    'OFFSET',
    '5',
    'CreatedDate',
    'IsDeleted',
    'AnnualRevenue',
    ',',
    'GROUP BY',
    ':bind',
    "'\\q'",
  );
  it('any token soup either answers or fails with a Salesforce error, never a crash', () => {
    fc.assert(
      fc.property(fc.array(token, { maxLength: 14 }), fc.boolean(), (tokens, prefix) => {
        const soql = (prefix ? ['SELECT', 'Id', 'FROM', 'Account', 'WHERE', ...tokens] : tokens).join(' ');
        try {
          engine.query(soql, 200);
        } catch (error) {
          if (!(error instanceof CrmError)) throw new Error(`${soql} → ${String(error)}`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('every field × operator × literal either answers or fails with a Salesforce error', () => {
    const field = fc.constantFrom(
      'Name',
      'Id',
      'OwnerId',
      'Owner.Name',
      'AnnualRevenue',
      'NumberOfEmployees',
      'CreatedDate',
      'IsDeleted',
      'Industry',
    );
    const op = fc.constantFrom('=', '!=', '<>', '<', '>', '<=', '>=', 'LIKE', 'IN', 'NOT IN', 'INCLUDES');
    const value = fc.constantFrom(
      "'Adatum Corporation'",
      `'${sfId('User', 1)}'`,
      "'0055g0000000001'",
      '42',
      '-1.5',
      'true',
      'FALSE',
      'null',
      '2024-01-05',
      '2024-01-05T08:00:00Z',
      '2024-01-05T08:00:00.000+0100',
      'TODAY',
      'NEXT_N_DAYS:2',
      "('a', 'b')",
      '(1, 2)',
      '(null)',
      '(TODAY)',
      "'\\u00e9'",
    );
    fc.assert(
      fc.property(field, op, value, (f, o, v) => {
        const soql = `SELECT Id FROM Account WHERE ${f} ${o} ${v} ORDER BY ${f}`;
        try {
          engine.query(soql, 200);
        } catch (error) {
          if (!(error instanceof CrmError)) throw new Error(`${soql} → ${String(error)}`);
        }
      }),
      { numRuns: 1500 },
    );
  });
});

describe('write validation (property)', () => {
  it('any JSON body for any object is stored or refused with a Salesforce error, never a crash', () => {
    const writer = new Writer(engine);
    const objects = Object.values(SOBJECTS);
    const json = fc.oneof(
      fc.string({ maxLength: 5 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.constantFrom(
        '2024-01-01',
        '2024-01-01T00:00:00Z',
        sfId('Account', 1),
        sfId('User', 1),
        'x'.repeat(300),
      ),
      fc.array(fc.integer(), { maxLength: 2 }),
      fc.object({ maxDepth: 1, maxKeys: 2 }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...objects),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.tuple(fc.nat(), json), { maxLength: 5 }),
        (def, seed, pairs) => {
          const fields = Object.keys(def.columns);
          const body: Record<string, unknown> = {};
          for (const [i, v] of pairs)
            body[i % 7 === 6 ? `Nope${i}` : fields[(i + seed) % fields.length]!] = v;
          for (const write of [
            () => engine.store.transaction(() => writer.create(def, body)),
            () => engine.store.transaction(() => writer.update(SOBJECTS.Account, sfId('Account', 2), body)),
          ]) {
            try {
              write();
            } catch (error) {
              if (!(error instanceof CrmError))
                throw new Error(`${def.name} ${JSON.stringify(body)} → ${String(error)}`);
            }
          }
        },
      ),
      { numRuns: 600 },
    );
  });
});

describe('literal matching (property)', () => {
  const propertyDb = buildDatabase();
  const propertyEngine = new QueryEngine(propertyDb, '/services/data/v62.0');
  let n = 0;
  beforeAll(() => propertyDb.exec('DELETE FROM Account'));
  afterAll(() => propertyDb.close());

  const variants = (s: string) => [
    s,
    s.toUpperCase(),
    s.toLowerCase(),
    `${s}x`,
    `x${s}`,
    `${s}%`,
    s.replace(/./u, '_'),
  ];

  function check(s: string, where: (s: string) => string): void {
    propertyDb.exec('DELETE FROM Account');
    const stored = variants(s);
    const rows = stored.map((name) => {
      const id = salesforceId('001', ++n);
      insert(propertyDb, 'Account', { Id: id, Name: name });
      return { id, name };
    });
    const expected = rows
      .filter((r) => r.name.toLowerCase() === s.toLowerCase())
      .map((r) => r.id)
      .sort();
    const result = propertyEngine.query(`SELECT Id FROM Account WHERE ${where(s)}`, 2000);
    expect(result.records.map((r) => String(r.Id)).sort()).toEqual(expected);
  }

  // Line terminators cannot appear raw in a SOQL string (clients send them as \n).
  const text = (unit: 'grapheme-ascii' | 'grapheme') =>
    fc.string({ unit, minLength: 1, maxLength: 12 }).filter((s) => !/[\n\r\u2028\u2029]/.test(s));

  it("WHERE Name = '<escaped s>' matches exactly the rows equal to s ignoring case", () => {
    fc.assert(
      fc.property(text('grapheme-ascii'), (s) => check(s, (v) => `Name = '${escapeSoql(v)}'`)),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(text('grapheme'), (s) => check(s, (v) => `Name = '${escapeSoql(v)}'`)),
      { numRuns: 100 },
    );
  });

  it("WHERE Name LIKE '<escaped s>' matches s literally: % and _ in s are not wildcards", () => {
    fc.assert(
      fc.property(text('grapheme-ascii'), (s) => check(s, (v) => `Name LIKE '${escapeLike(v)}'`)),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(text('grapheme'), (s) => check(s, (v) => `Name LIKE '${escapeLike(v)}'`)),
      { numRuns: 100 },
    );
  });

  it('keyset paging over ORDER BY Name, Id returns every row once, whatever the case and script', () => {
    const name = fc.string({
      unit: fc.constantFrom('a', 'A', 'é', 'É', 'ß', 'SS', 'k', 'K', '_', ' '),
      maxLength: 4,
    });
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 12 }), (stored) => {
        propertyDb.exec('DELETE FROM Account');
        const all = stored.map((value) => {
          const id = salesforceId('001', ++n);
          insert(propertyDb, 'Account', { Id: id, Name: value === '' ? null : value });
          return id;
        });
        const seen: string[] = [];
        let after: { Id: string; Name: string | null } | undefined;
        for (let guard = 0; guard <= all.length; guard++) {
          const where = !after
            ? ''
            : after.Name === null
              ? `WHERE (Name = null AND Id > '${after.Id}') OR Name != null`
              : `WHERE (Name = '${escapeSoql(after.Name)}' AND Id > '${after.Id}') OR Name > '${escapeSoql(after.Name)}'`;
          const page = propertyEngine.query(
            `SELECT Id, Name FROM Account ${where} ORDER BY Name, Id LIMIT 2`,
            2000,
          );
          if (page.records.length === 0) break;
          seen.push(...page.records.map((r) => String(r.Id)));
          const last = page.records.at(-1)!;
          after = { Id: String(last.Id), Name: last.Name as string | null };
        }
        expect([...seen].sort()).toEqual([...all].sort());
      }),
      { numRuns: 150 },
    );
  });

  it('IN with escaped values matches each literally', () => {
    fc.assert(
      fc.property(text('grapheme-ascii'), (s) => check(s, (v) => `Name IN ('${escapeSoql(v)}', 'zz-none')`)),
      { numRuns: 100 },
    );
  });
});
