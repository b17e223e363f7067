import { Buffer } from 'node:buffer';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { compileSoql } from '../../legacy/crm/soql.js';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { Store } from '../../legacy/erp/store.js';
import { openDataset } from '../../legacy/generator/open.js';

/**
 * What keeps the stand-ins' latency flat from 1k to 100k customers (issue 5): the statements
 * behind the benchmark's reads use an index that gives their order, so a page stops after its
 * rows instead of scanning and sorting a whole table. Asserted on SQLite's plans and on the
 * rows, never on times.
 */
const dataset = openDataset({ customers: 300 });
const crmToken = 'crm-dev-token';
const erpToken = 'erp-dev-token';
let crmBase = '';
let erpBase = '';
const servers: { close(cb: () => void): void }[] = [];

beforeAll(async () => {
  const crm = createCrmStandIn({ db: dataset.crm, token: crmToken });
  const erp = createErpStandIn({ db: dataset.erp, companyId: dataset.summary.companyId, token: erpToken });
  for (const server of [crm.server, erp.server]) {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  crmBase = `http://127.0.0.1:${(crm.server.address() as AddressInfo).port}/services/data/v62.0`;
  erpBase = `http://127.0.0.1:${(erp.server.address() as AddressInfo).port}/api/v2.0/companies(${dataset.summary.companyId})`;
});
afterAll(async () => {
  for (const server of servers) await new Promise<void>((resolve) => server.close(() => resolve()));
  dataset.close();
});

function planOf(db: typeof dataset.crm, sql: string, params: readonly unknown[]): string {
  const steps = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as { detail: string }[];
  return steps.map((s) => s.detail).join(' | ');
}

const quote = (s: string) => `'${s.replace(/[\\']/g, (c) => `\\${c}`)}'`;

/** The accounts page as the CRM subgraph asks for it: (Name, Id), NULLS LAST, keyset after a row. */
function accountsPage(options: {
  after?: { Name: string; Id: string };
  search?: string;
  limit: number;
}): string {
  const conditions: string[] = [];
  if (options.search !== undefined) conditions.push(`Name LIKE '%${options.search}%'`);
  if (options.after) {
    const { Name, Id } = options.after;
    conditions.push(
      `((Name > ${quote(Name)} OR Name = null) OR (Name = ${quote(Name)} AND (Id > '${Id}' OR Id = null)))`,
    );
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  return `SELECT Id, Name FROM Account${where} ORDER BY Name ASC NULLS LAST, Id ASC NULLS LAST LIMIT ${options.limit}`;
}

async function crmQuery(soql: string): Promise<{ Id: string; Name: string }[]> {
  const res = await fetch(`${crmBase}/query?q=${encodeURIComponent(soql)}`, {
    headers: { authorization: `Bearer ${crmToken}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { records: { Id: string; Name: string }[] }).records;
}

/** The stand-in's order: folded name, then Id, compared as SQLite compares text (UTF-8 bytes). */
function inOrder(a: { Name: string; Id: string }, b: { Name: string; Id: string }): boolean {
  const byName = Buffer.compare(Buffer.from(a.Name.toLowerCase()), Buffer.from(b.Name.toLowerCase()));
  return byName < 0 || (byName === 0 && a.Id < b.Id);
}

describe('CRM accounts ordered by name', () => {
  it('reads the first page, a keyset continuation and a name search from the fold index, without a sort', () => {
    const middle = dataset.crm
      .prepare('SELECT Name, Id FROM Account ORDER BY sf_fold(Name), Id LIMIT 1 OFFSET 150')
      .get() as { Name: string; Id: string };
    for (const soql of [
      accountsPage({ limit: 11 }),
      accountsPage({ after: middle, limit: 11 }),
      accountsPage({ search: 'organic', limit: 11 }),
      accountsPage({ search: 'organic', after: middle, limit: 11 }),
    ]) {
      const plan = compileSoql(soql);
      const steps = planOf(dataset.crm, plan.idsSql, plan.idsParams);
      expect(steps, soql).toMatch(/USING COVERING INDEX ix_fold_Account_Name/);
      expect(steps, soql).not.toMatch(/TEMP B-TREE/);
    }
    // The continuation seeks to its position instead of walking the index from the start.
    const continuation = compileSoql(accountsPage({ after: middle, limit: 11 }));
    expect(planOf(dataset.crm, continuation.idsSql, continuation.idsParams)).toMatch(
      /SEARCH t0 USING COVERING INDEX ix_fold_Account_Name \(<expr>>\?\)/,
    );
    expect(continuation.idsParams.at(-1)).toBe(middle.Name.toLowerCase());
  });

  it('pages every account exactly once, in order, through keyset continuations', async () => {
    const all = dataset.crm.prepare('SELECT count(*) AS n FROM Account WHERE IsDeleted IS NOT 1').get() as {
      n: number;
    };
    const seen: { Id: string; Name: string }[] = [];
    let after: { Name: string; Id: string } | undefined;
    for (let guard = 0; guard < all.n; guard++) {
      const page = await crmQuery(accountsPage({ ...(after ? { after } : {}), limit: 37 }));
      if (page.length === 0) break;
      seen.push(...page);
      after = page.at(-1)!;
    }
    expect(seen).toHaveLength(all.n);
    expect(new Set(seen.map((r) => r.Id)).size).toBe(all.n);
    for (let i = 1; i < seen.length; i++) expect(inOrder(seen[i - 1]!, seen[i]!)).toBe(true);
  });

  it('states a bound only where the WHERE implies it', () => {
    const bounded = compileSoql(
      "SELECT Id FROM Account WHERE (Name > 'b' OR Name = null) OR (Name = 'B' AND Id > '001000000000001AAA') ORDER BY Name",
    );
    expect(bounded.idsSql).toContain('AND sf_fold(t0."Name") >= ?');
    expect(bounded.idsParams.at(-1)).toBe('b');
    for (const soql of [
      // Different values in the alternatives: no common bound is stated.
      "SELECT Id FROM Account WHERE Name > 'b' OR Name = 'a' ORDER BY Name",
      // Industry may be null, so `Industry = null` is a real alternative without a bound.
      "SELECT Id FROM Account WHERE Industry > 'b' OR Industry = null ORDER BY Industry",
      // NOT hides what it negates.
      "SELECT Id FROM Account WHERE NOT (Name < 'b') ORDER BY Name",
      // A bound on a key that is not the first order key would not help the walk.
      "SELECT Id FROM Account WHERE Industry > 'b' OR Industry = 'b' ORDER BY Name",
    ]) {
      expect(compileSoql(soql).idsSql, soql).not.toMatch(/[<>]= \?/);
    }
  });
});

describe('CRM activities of one account, newest first', () => {
  it('reads them from an (AccountId, date, Id) index backwards, stopping after the LIMIT', () => {
    const accountId = (
      dataset.crm.prepare('SELECT AccountId FROM Task LIMIT 1').get() as { AccountId: string }
    ).AccountId;
    for (const [object, date] of [
      ['Task', 'ActivityDate'],
      ['Event', 'ActivityDateTime'],
    ] as const) {
      const plan = compileSoql(
        `SELECT Id FROM ${object} WHERE AccountId = '${accountId}' ORDER BY ${date} DESC NULLS LAST, Id DESC NULLS LAST LIMIT 5`,
      );
      const steps = planOf(dataset.crm, plan.idsSql, plan.idsParams);
      expect(steps).toMatch(new RegExp(`USING INDEX ix_${object}_AccountId_${date}`));
      expect(steps).not.toMatch(/TEMP B-TREE/);
    }
  });
});

describe('ERP documents of one customer, newest first', () => {
  it('reads a customer’s orders, invoices, credit memos and item ledger entries from a (customerId, date desc, number desc) index', async () => {
    const busiest = (table: string) =>
      (
        dataset.erp
          .prepare(`SELECT customerId FROM "${table}" GROUP BY customerId ORDER BY count(*) DESC LIMIT 1`)
          .get() as { customerId: string }
      ).customerId;
    const customerId = busiest('salesOrders');
    const customApi = erpBase.replace('/api/v2.0/', '/api/contoso/customerGraph/v1.0/');
    for (const [base, set, date, number, customer] of [
      [erpBase, 'salesOrders', 'orderDate', 'number', customerId],
      [erpBase, 'salesInvoices', 'invoiceDate', 'number', customerId],
      [erpBase, 'salesCreditMemos', 'creditMemoDate', 'number', busiest('salesCreditMemos')],
      [customApi, 'itemLedgerEntries', 'postingDate', 'entryNumber', busiest('itemLedgerEntries')],
    ] as const) {
      const url = `${base}/${set}?$filter=${encodeURIComponent(`customerId eq ${customer}`)}&$orderby=${encodeURIComponent(`${date} desc,${number} desc`)}&$top=6`;
      let rows: Record<string, string>[] = [];
      const seen = await statementsOf(async () => {
        const res = await fetch(url, { headers: { authorization: `Bearer ${erpToken}` } });
        expect(res.status).toBe(200);
        rows = ((await res.json()) as { value: Record<string, string>[] }).value;
      });
      expect(rows.length).toBeGreaterThan(1);
      const dates = rows.map((r) => r[date]!);
      expect([...dates].sort().reverse()).toEqual(dates);
      const statement = seen.find((s) => s.sql.includes(`FROM "${set}"`))!;
      const steps = planOf(dataset.erp, statement.sql, statement.params);
      expect(steps).toMatch(new RegExp(`USING INDEX ix_${set}_customerId_${date}`));
      expect(steps).not.toMatch(/TEMP B-TREE/);
    }
  });
});

describe('ERP bill of materials by parent item number', () => {
  it('is an index search, not a scan of bomComponents', async () => {
    const parent = (
      dataset.erp.prepare('SELECT parentItemNumber FROM bomComponents LIMIT 1').get() as {
        parentItemNumber: string;
      }
    ).parentItemNumber;
    const url = `${erpBase.replace('/api/v2.0/', '/api/contoso/customerGraph/v1.0/')}/bomComponents?$filter=${encodeURIComponent(`parentItemNumber eq '${parent}'`)}&$orderby=lineNumber`;
    const seen = await statementsOf(async () => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${erpToken}` } });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { value: unknown[] }).value.length).toBeGreaterThan(0);
    });
    const statement = seen.find((s) => s.sql.includes('FROM "bomComponents"'))!;
    expect(planOf(dataset.erp, statement.sql, statement.params)).toMatch(
      /SEARCH bomComponents USING INDEX ix_bomComponents_parentItemNumber/,
    );
  });
});

describe('a data file from before an index joined the model', () => {
  it('gets the missing indexes when a stand-in opens it', () => {
    const old = openDataset({ customers: 20 });
    try {
      const indexNames = (db: typeof old.crm) =>
        (
          db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as {
            name: string;
          }[]
        ).map((r) => r.name);
      old.erp.exec('DROP INDEX "ix_salesOrders_customerId_orderDate"');
      expect(indexNames(old.erp)).not.toContain('ix_salesOrders_customerId_orderDate');
      expect(indexNames(old.crm)).not.toContain('ix_fold_Account_Name');
      createErpStandIn({ db: old.erp, companyId: old.summary.companyId });
      createCrmStandIn({ db: old.crm });
      expect(indexNames(old.erp)).toContain('ix_salesOrders_customerId_orderDate');
      expect(indexNames(old.crm)).toEqual(
        expect.arrayContaining(['ix_fold_Account_Name', 'ix_ci_Account_Name']),
      );
      // Writes to a table with a fold index work on the connection the stand-in registered it on.
      old.crm.prepare("UPDATE Account SET Name = 'Renamed Ltd' WHERE rowid = 1").run();
    } finally {
      old.close();
    }
  });
});

/** Runs `fn` while recording every statement the ERP stand-in's store reads with. */
async function statementsOf(fn: () => Promise<void>): Promise<{ sql: string; params: readonly unknown[] }[]> {
  const seen: { sql: string; params: readonly unknown[] }[] = [];
  const spy = vi.spyOn(Store.prototype, 'all').mockImplementation(function (
    this: Store,
    sql: string,
    params: readonly unknown[] = [],
  ) {
    seen.push({ sql, params });
    return this.db.prepare(sql).all(...(params as never[])) as Record<string, unknown>[];
  });
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  return seen;
}

async function erpRows(base: string, path: string, pageSize = 7): Promise<Record<string, string>[]> {
  const res = await fetch(`${base}/${path}`, {
    headers: { authorization: `Bearer ${erpToken}`, prefer: `odata.maxpagesize=${pageSize}` },
  });
  expect(res.status, path).toBe(200);
  return ((await res.json()) as { value: Record<string, string>[] }).value;
}

/** The root lists' requests (subgraphs/erp/client/lists.ts): every customer's documents by a day, then a tie-break. */
const ROOT_LISTS = [
  {
    set: 'salesOrders',
    date: 'orderDate',
    orderby: 'orderDate desc,number desc',
    tieBreak: 'number',
    desc: true,
  },
  { set: 'salesInvoices', date: 'dueDate', orderby: 'dueDate,number', tieBreak: 'number', desc: false },
  {
    set: 'customerPayments',
    date: 'postingDate',
    orderby: 'postingDate desc,id desc',
    tieBreak: 'id',
    desc: true,
  },
] as const;

describe('ERP documents of every customer (the root lists)', () => {
  /** The list's rows as SQL on the raw table gives them: a blank date is 0001-01-01. */
  const expected = (list: (typeof ROOT_LISTS)[number], where: string, params: unknown[]) => {
    const dir = list.desc ? 'DESC' : '';
    return (
      dataset.erp
        .prepare(
          `SELECT id FROM "${list.set}" WHERE ${where} ORDER BY coalesce("${list.date}", '0001-01-01') ${dir}, "${list.tieBreak}" ${dir}, id LIMIT 7`,
        )
        .all(...(params as never[])) as { id: string }[]
    ).map((r) => r.id);
  };
  const middleDate = (list: (typeof ROOT_LISTS)[number]) =>
    (
      dataset.erp
        .prepare(
          `SELECT "${list.date}" AS d FROM "${list.set}" ORDER BY "${list.date}" LIMIT 1 OFFSET (SELECT count(*) / 2 FROM "${list.set}")`,
        )
        .get() as { d: string }
    ).d;

  it('pages a date range and a continuation page ("<date> le <day>") from an index in the list’s order, with no OR branch and no sort', async () => {
    for (const list of ROOT_LISTS) {
      const day = middleDate(list);
      const from = `${Number(day.slice(0, 4)) - 1}${day.slice(4)}`;
      const cases = [
        {
          filter: `${list.date} ge ${from} and ${list.date} le ${day}`,
          where: `"${list.date}" >= ? AND "${list.date}" <= ?`,
          params: [from, day],
          range: '>? AND',
        },
        // A continuation of a newest-first list bounds the day from above, one of the earliest-due list from below.
        list.desc
          ? {
              filter: `${list.date} le ${day}`,
              where: `coalesce("${list.date}", '0001-01-01') <= ?`,
              params: [day],
              range: '<?',
            }
          : { filter: `${list.date} ge ${day}`, where: `"${list.date}" >= ?`, params: [day], range: '>?' },
      ];
      for (const c of cases) {
        let rows: Record<string, string>[] = [];
        const seen = await statementsOf(async () => {
          rows = await erpRows(
            erpBase,
            `${list.set}?$filter=${encodeURIComponent(c.filter)}&$orderby=${encodeURIComponent(list.orderby)}`,
          );
        });
        expect(
          rows.map((r) => r.id),
          c.filter,
        ).toEqual(expected(list, c.where, c.params));
        expect(rows.length).toBe(7);
        const statement = seen.find((s) => s.sql.startsWith(`SELECT * FROM "${list.set}"`))!;
        expect(statement.sql, c.filter).not.toMatch(/IS NULL/);
        const steps = planOf(dataset.erp, statement.sql, statement.params);
        expect(steps, c.filter).toMatch(
          new RegExp(
            `^SEARCH ${list.set} USING INDEX ix_${list.set}_${list.date}_${list.tieBreak} \\(${list.date}${c.range.replace('?', '\\?')}`,
          ),
        );
        expect(steps, c.filter).not.toMatch(/MULTI-INDEX OR|TEMP B-TREE/);
      }
    }
  });

  it('reads one customer number’s documents from a (customerNumber, date, tie-break) index, in the list’s order', async () => {
    for (const list of ROOT_LISTS) {
      const customerNumber = (
        dataset.erp
          .prepare(
            `SELECT customerNumber FROM "${list.set}" GROUP BY customerNumber ORDER BY count(*) DESC LIMIT 1`,
          )
          .get() as { customerNumber: string }
      ).customerNumber;
      let rows: Record<string, string>[] = [];
      const seen = await statementsOf(async () => {
        rows = await erpRows(
          erpBase,
          `${list.set}?$filter=${encodeURIComponent(`customerNumber eq '${customerNumber}'`)}&$orderby=${encodeURIComponent(list.orderby)}`,
        );
      });
      expect(rows.length).toBeGreaterThan(1);
      expect(rows.map((r) => r.id)).toEqual(expected(list, '"customerNumber" = ?', [customerNumber]));
      const statement = seen.find((s) => s.sql.startsWith(`SELECT * FROM "${list.set}"`))!;
      const steps = planOf(dataset.erp, statement.sql, statement.params);
      expect(steps).toMatch(
        new RegExp(
          `^SEARCH ${list.set} USING INDEX ix_${list.set}_customerNumber_${list.date} \\(customerNumber=\\?\\)`,
        ),
      );
      expect(steps).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('still matches a blank (NULL) date as 0001-01-01 once a document has one, and leaves the branch out where the filter excludes it', async () => {
    const own = openDataset({ customers: 20 });
    const erp = createErpStandIn({ db: own.erp, companyId: own.summary.companyId, token: erpToken });
    await new Promise<void>((resolve) => erp.server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(erp.server.address() as AddressInfo).port}/api/v2.0/companies(${own.summary.companyId})`;
    try {
      const blank = own.erp
        .prepare('SELECT id, postingDate FROM customerPayments ORDER BY id LIMIT 1')
        .get() as {
        id: string;
        postingDate: string;
      };
      const ask = async (filter: string) => {
        let rows: Record<string, string>[] = [];
        const seen = await statementsOf(async () => {
          rows = await erpRows(
            base,
            `customerPayments?$filter=${encodeURIComponent(filter)}&$orderby=${encodeURIComponent('postingDate desc,id desc')}`,
            100_000,
          );
        });
        const statement = seen.find((s) => s.sql.startsWith('SELECT * FROM "customerPayments"'))!;
        return { ids: rows.map((r) => r.id), rows, sql: statement.sql };
      };
      const through = '2099-12-31';
      const before = await ask(`postingDate le ${through}`);
      expect(before.sql).not.toMatch(/IS NULL/);

      own.erp.prepare('UPDATE customerPayments SET postingDate = NULL WHERE id = ?').run(blank.id);
      const withBlank = await ask(`postingDate le ${through}`);
      expect(withBlank.sql).toMatch(/"postingDate" IS NULL OR/);
      expect(withBlank.ids).toContain(blank.id);
      // Newest first: the blank date is the oldest of all, so it comes last.
      expect(withBlank.rows.at(-1)).toMatchObject({ id: blank.id, postingDate: '0001-01-01' });
      expect(await ask('postingDate eq 0001-01-01')).toMatchObject({ ids: [blank.id] });

      // A lower bound above the blank keeps it out on its own, so the upper bound needs no branch.
      const ranged = await ask(`postingDate ge 2000-01-01 and postingDate le ${through}`);
      expect(ranged.sql).not.toMatch(/IS NULL/);
      expect(ranged.ids).not.toContain(blank.id);
      expect(ranged.ids).toHaveLength(withBlank.ids.length - 1);

      own.erp
        .prepare('UPDATE customerPayments SET postingDate = ? WHERE id = ?')
        .run(blank.postingDate, blank.id);
      const restored = await ask(`postingDate le ${through}`);
      expect(restored.sql).not.toMatch(/IS NULL/);
      expect(restored.ids.sort()).toEqual(before.ids.sort());
    } finally {
      await new Promise<void>((resolve) => erp.server.close(() => resolve()));
      own.close();
    }
  });
});
