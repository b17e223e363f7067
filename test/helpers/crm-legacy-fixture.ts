import type { AddressInfo } from 'node:net';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { type CrmStandInOptions, createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { KEY_PREFIXES, salesforceId } from '../../legacy/crm/ids.js';
import { API_PREFIX } from '../../legacy/crm/protocol.js';
import { CRM_TABLES, type CrmTableName, createTablesSql } from '../../legacy/generator/model.js';
import type { Simulator } from '../../legacy/sim/simulator.js';

export const TOKEN = 'crm-dev-token';

/** The id of test record `n` of an object (the stand-in's own ids start far above these). */
export const sfId = (object: keyof typeof KEY_PREFIXES, n: number) => salesforceId(KEY_PREFIXES[object], n);

export function insert(db: Database, table: CrmTableName, row: Record<string, unknown>): void {
  const columns = Object.keys(CRM_TABLES[table].columns);
  const full: Record<string, unknown> = {
    CreatedDate: '2024-01-01T00:00:00.000Z',
    LastModifiedDate: '2024-01-01T00:00:00.000Z',
    SystemModstamp: '2024-01-01T00:00:00.000Z',
    IsDeleted: false,
    ...row,
  };
  db.prepare(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  ).run(
    ...columns.map((c) => {
      const v = full[c];
      return typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);
    }),
  );
}

/** Account names chosen to trip up escaping: quotes, wildcards, backslashes, case, unicode. */
export const ACCOUNT_NAMES = [
  'Adatum Corporation',
  "O'Brien & Sons",
  '100% Cotton_Co',
  'Back\\slash Ltd',
  'Ünïcødé Straße',
  'Trey Research',
  "') OR Name != ('",
  'adatum corporation',
  'Alpine Ski House',
  'Coho Winery',
];

/** ERP customer GUID of account i (1-based); accounts 9 and 10 share one (a duplicate pair). */
export const erpId = (i: number) => `e0000000-0000-4000-8000-${String(i === 10 ? 9 : i).padStart(12, '0')}`;

/**
 * A small hand-written org: 2 users, 10 accounts (the last has no ERP link… except the
 * duplicate pair 9/10), 3 contacts per account for the first 4, tasks and events with dates,
 * an opportunity with a quote and lines. `bulkContacts` adds that many contacts to account 6
 * for paging tests.
 */
export function buildDatabase(options: { bulkContacts?: number } = {}): Database {
  const db = new BetterSqlite3(':memory:');
  db.exec(createTablesSql(CRM_TABLES));
  insert(db, 'User', {
    Id: sfId('User', 1),
    Username: 'ulla@example.com',
    FirstName: 'Ulla',
    LastName: 'Patel',
    Name: 'Ulla Patel',
    Email: 'ulla@example.com',
    IsActive: true,
  });
  insert(db, 'User', {
    Id: sfId('User', 2),
    Username: 'qi@example.com',
    FirstName: 'Qi',
    LastName: "O'Brien",
    Name: "Qi O'Brien",
    Email: 'qi@example.com',
    IsActive: true,
  });
  ACCOUNT_NAMES.forEach((name, index) => {
    const i = index + 1;
    insert(db, 'Account', {
      Id: sfId('Account', i),
      Name: name,
      AccountNumber: `C${String(i).padStart(5, '0')}`,
      ERP_Customer_Id__c: i === 8 ? null : erpId(i),
      Type: i === 8 ? 'Prospect' : 'Customer - Direct',
      Industry: i % 2 === 0 ? 'Retail' : null,
      BillingCity: i % 2 === 0 ? 'Seattle' : 'Atlanta',
      AnnualRevenue: i * 1000.5,
      NumberOfEmployees: i * 10,
      OwnerId: i === 7 ? null : sfId('User', (i % 2) + 1),
      CreatedDate: `2024-01-${String(i).padStart(2, '0')}T08:00:00.000Z`,
      LastModifiedDate: `2024-02-${String(i).padStart(2, '0')}T08:00:00.000Z`,
    });
  });
  let contact = 0;
  for (let a = 1; a <= 4; a++) {
    for (let c = 1; c <= 3; c++) {
      contact++;
      insert(db, 'Contact', {
        Id: sfId('Contact', contact),
        AccountId: sfId('Account', a),
        FirstName: `First${contact}`,
        LastName: `Last${contact}`,
        Name: `First${contact} Last${contact}`,
        Email: `c${contact}@example.com`,
        OwnerId: sfId('User', 1),
      });
    }
  }
  for (let n = 1; n <= (options.bulkContacts ?? 0); n++) {
    contact++;
    insert(db, 'Contact', {
      Id: sfId('Contact', contact),
      AccountId: sfId('Account', 6),
      LastName: `Bulk${String(n).padStart(5, '0')}`,
      Name: `Bulk${String(n).padStart(5, '0')}`,
      OwnerId: sfId('User', 2),
    });
  }
  // Accounts 1–3 have 8 tasks each (dates in January), account 4 none; events on 1 and 2.
  let task = 0;
  for (let a = 1; a <= 3; a++) {
    for (let t = 1; t <= 8; t++) {
      task++;
      insert(db, 'Task', {
        Id: sfId('Task', task),
        AccountId: sfId('Account', a),
        WhatId: sfId('Account', a),
        Subject: `Task ${a}-${t}`,
        Status: t % 3 === 0 ? 'Completed' : 'Not Started',
        ActivityDate: `2024-01-${String(t * 3).padStart(2, '0')}`,
        IsClosed: t % 3 === 0,
        OwnerId: sfId('User', 1),
      });
    }
  }
  for (let a = 1; a <= 2; a++) {
    insert(db, 'Event', {
      Id: sfId('Event', a),
      AccountId: sfId('Account', a),
      Subject: `Meeting ${a}`,
      StartDateTime: `2024-03-0${a}T10:00:00.000Z`,
      EndDateTime: `2024-03-0${a}T11:00:00.000Z`,
      ActivityDateTime: `2024-03-0${a}T10:00:00.000Z`,
      DurationInMinutes: 60,
      OwnerId: sfId('User', 2),
    });
  }
  insert(db, 'Product2', { Id: sfId('Product2', 1), Name: 'Widget', ProductCode: 'I0001', IsActive: true });
  insert(db, 'Opportunity', {
    Id: sfId('Opportunity', 1),
    AccountId: sfId('Account', 1),
    Name: 'Big deal',
    StageName: 'Proposal/Price Quote',
    Amount: 12345.67,
    CloseDate: '2024-06-30',
    OwnerId: sfId('User', 1),
  });
  insert(db, 'Quote', {
    Id: sfId('Quote', 1),
    Name: 'Q1',
    QuoteNumber: '00000001',
    OpportunityId: sfId('Opportunity', 1),
    AccountId: sfId('Account', 1),
    Status: 'Draft',
    OwnerId: sfId('User', 1),
  });
  for (let l = 1; l <= 3; l++) {
    insert(db, 'QuoteLineItem', {
      Id: sfId('QuoteLineItem', l),
      QuoteId: sfId('Quote', 1),
      Product2Id: sfId('Product2', 1),
      LineNumber: String(l).padStart(5, '0'),
      Quantity: l,
      UnitPrice: 10,
      Subtotal: l * 10,
      TotalPrice: l * 10,
    });
  }
  return db;
}

export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read field by field in tests
  body: any;
}

export interface Running {
  base: string;
  api: string;
  db: Database;
  sim: Simulator;
  /** `path` relative to the API prefix, or absolute from `/`. */
  send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(path: string, headers?: Record<string, string>): Promise<Reply>;
  query(soql: string, headers?: Record<string, string>): Promise<Reply>;
  /** Requests served per route since the last reset. */
  stats(): Promise<Record<string, number>>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function start(db: Database, options: Omit<CrmStandInOptions, 'db'> = {}): Promise<Running> {
  const { server, sim } = createCrmStandIn({ db, ...options });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const url = path.startsWith('/') ? `${base}${path}` : `${base}${API_PREFIX}/${path}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    base,
    api: `${base}${API_PREFIX}`,
    db,
    sim,
    send,
    get: (path, headers) => send('GET', path, undefined, headers),
    query: (soql, headers) => send('GET', `query?q=${encodeURIComponent(soql)}`, undefined, headers),
    stats: async () => {
      const res = await fetch(`${base}/__sim/stats`);
      return ((await res.json()) as { byRoute: Record<string, number> }).byRoute;
    },
    reset: async () => {
      await fetch(`${base}/__sim/reset`, { method: 'POST' });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
        db.close();
      }),
  };
}
