import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_AS_OF } from '../../legacy/generator/calendar.js';
import { CRM_TABLES, ERP_TABLES } from '../../legacy/generator/model.js';
import { ensureDatasetFiles, openDataset } from '../../legacy/generator/open.js';
import { isValidSalesforceId, salesforceChecksum } from '../../legacy/generator/random.js';

type Row = Record<string, unknown>;

const CUSTOMERS = 200;
const dataset = openDataset({ seed: 11, customers: CUSTOMERS });
const { erp, crm } = dataset;
afterAll(() => dataset.close());

const all = (db: Database, sql: string, ...params: unknown[]): Row[] =>
  db.prepare(sql).all(...params) as Row[];
const scalar = (db: Database, sql: string): number => Number(Object.values(db.prepare(sql).get() as Row)[0]);
const cents = (value: unknown): number => Math.round(Number(value) * 100);

function dump(db: Database, tables: Record<string, { key: string }>): string {
  return Object.entries(tables)
    .map(([name, def]) => JSON.stringify(all(db, `SELECT * FROM "${name}" ORDER BY "${def.key}"`)))
    .join('\n');
}

/** Rows of `child` whose `column` (when set) names no row of `parent`. */
function orphans(db: Database, child: string, column: string, parent: string, parentColumn: string): number {
  return scalar(
    db,
    `SELECT count(*) FROM "${child}" c WHERE c."${column}" IS NOT NULL AND c."${column}" <> '' AND NOT EXISTS (SELECT 1 FROM "${parent}" p WHERE p."${parentColumn}" = c."${column}")`,
  );
}

describe('determinism', () => {
  it('gives identical rows for the same seed and size, different rows for another seed', () => {
    const again = openDataset({ seed: 11, customers: CUSTOMERS });
    const other = openDataset({ seed: 12, customers: CUSTOMERS });
    try {
      expect(dump(again.erp, ERP_TABLES)).toBe(dump(erp, ERP_TABLES));
      expect(dump(again.crm, CRM_TABLES)).toBe(dump(crm, CRM_TABLES));
      expect(again.summary).toEqual(dataset.summary);
      expect(dump(other.erp, ERP_TABLES)).not.toBe(dump(erp, ERP_TABLES));
      expect(dump(other.crm, CRM_TABLES)).not.toBe(dump(crm, CRM_TABLES));
    } finally {
      again.close();
      other.close();
    }
  });

  it('reports the row counts that are in the tables', () => {
    for (const name of Object.keys(ERP_TABLES)) {
      expect(scalar(erp, `SELECT count(*) FROM "${name}"`), name).toBe(
        (dataset.summary.counts.erp as Record<string, number>)[name],
      );
    }
    for (const name of Object.keys(CRM_TABLES)) {
      expect(scalar(crm, `SELECT count(*) FROM "${name}"`), name).toBe(
        (dataset.summary.counts.crm as Record<string, number>)[name],
      );
    }
    expect(dataset.summary.asOf).toBe(DATASET_AS_OF);
    expect(dataset.summary.companyId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    // Every table has rows at this size, so every stand-in route has something to serve.
    for (const [name, n] of [
      ...Object.entries(dataset.summary.counts.erp),
      ...Object.entries(dataset.summary.counts.crm),
    ]) {
      expect(n, name).toBeGreaterThan(0);
    }
  });

  it('rejects bad options with a clear error', () => {
    expect(() => openDataset({ customers: 0 })).toThrow(/customers must be a positive integer/);
    expect(() => openDataset({ seed: -1 })).toThrow(/seed must be a non-negative integer/);
  });
});

describe('keys', () => {
  it('are unique in every table (the primary keys hold)', () => {
    for (const [db, tables] of [
      [erp, ERP_TABLES],
      [crm, CRM_TABLES],
    ] as const) {
      for (const [name, def] of Object.entries(tables)) {
        expect(scalar(db, `SELECT count(DISTINCT "${def.key}") FROM "${name}"`), name).toBe(
          scalar(db, `SELECT count(*) FROM "${name}"`),
        );
      }
    }
    for (const [table, column] of [
      ['customers', 'number'],
      ['items', 'number'],
      ['salesOrders', 'number'],
      ['salesInvoices', 'number'],
      ['salesShipments', 'number'],
      ['employees', 'email'],
    ]) {
      expect(scalar(erp, `SELECT count(DISTINCT "${column}") FROM "${table}"`), table).toBe(
        scalar(erp, `SELECT count(*) FROM "${table}"`),
      );
    }
  });

  it('Salesforce ids are 18 characters with the right key prefix and a valid checksum', () => {
    const prefixes: Record<string, string> = {
      Account: '001',
      Contact: '003',
      Opportunity: '006',
      Quote: '0Q0',
      QuoteLineItem: '0QL',
      Product2: '01t',
      Case: '500',
      Task: '00T',
      Event: '00U',
      Asset: '02i',
      Entitlement: '550',
      Campaign: '701',
      CampaignMember: '00v',
      User: '005',
    };
    for (const [object, prefix] of Object.entries(prefixes)) {
      const ids = all(crm, `SELECT Id FROM "${object}"`).map((r) => r.Id as string);
      expect(ids.length, object).toBeGreaterThan(0);
      for (const id of ids) {
        expect(id.startsWith(prefix), `${object} ${id}`).toBe(true);
        expect(isValidSalesforceId(id), `${object} ${id}`).toBe(true);
      }
    }
  });

  it('computes the documented checksum (known Salesforce ids)', () => {
    expect(salesforceChecksum('001000000000000')).toBe('AAA');
    // The example Salesforce's own documentation gives for an org id.
    expect(salesforceChecksum('00D000000000062')).toBe('EAA');
    // 'D' at position 3 of chunk one (bit 3 = 8 → 'I'); chunk three 'AbCdE' → bits 0,2,4 = 21 → 'V'.
    expect(salesforceChecksum('001Dn00000AbCdE')).toBe('IAV');
    expect(isValidSalesforceId('001Dn00000AbCdEIAV')).toBe(true);
    expect(isValidSalesforceId('001Dn00000AbCdEAAA')).toBe(false);
  });
});

describe('foreign keys resolve', () => {
  it('in the ERP', () => {
    const checks: [string, string, string, string][] = [
      ['salesOrderLines', 'documentId', 'salesOrders', 'id'],
      ['salesInvoiceLines', 'documentId', 'salesInvoices', 'id'],
      ['salesQuoteLines', 'documentId', 'salesQuotes', 'id'],
      ['salesShipmentLines', 'documentId', 'salesShipments', 'id'],
      ['salesShipmentLines', 'documentNo', 'salesShipments', 'number'],
      ['salesOrderLines', 'itemId', 'items', 'id'],
      ['salesInvoiceLines', 'itemId', 'items', 'id'],
      ['salesQuoteLines', 'itemId', 'items', 'id'],
      ['salesOrders', 'customerId', 'customers', 'id'],
      ['salesInvoices', 'customerId', 'customers', 'id'],
      ['salesQuotes', 'customerId', 'customers', 'id'],
      ['salesShipments', 'customerId', 'customers', 'id'],
      ['salesShipments', 'orderNumber', 'salesOrders', 'number'],
      ['salesInvoices', 'orderId', 'salesOrders', 'id'],
      ['salesInvoices', 'orderNumber', 'salesOrders', 'number'],
      ['customerPayments', 'appliesToInvoiceId', 'salesInvoices', 'id'],
      ['customerPayments', 'customerId', 'customers', 'id'],
      ['customerFinancialDetails', 'id', 'customers', 'id'],
      ['agedAccountsReceivables', 'customerId', 'customers', 'id'],
      ['customers', 'salespersonCode', 'employees', 'number'],
      ['bomComponents', 'parentItemId', 'items', 'id'],
      ['bomComponents', 'componentItemId', 'items', 'id'],
      ['warrantyLedgerEntries', 'customerId', 'customers', 'id'],
      ['warrantyLedgerEntries', 'itemId', 'items', 'id'],
    ];
    for (const [child, column, parent, parentColumn] of checks) {
      expect(orphans(erp, child, column, parent, parentColumn), `${child}.${column} → ${parent}`).toBe(0);
    }
    // Invoices from an order name the same order by id and number.
    expect(
      scalar(
        erp,
        `SELECT count(*) FROM salesInvoices i JOIN salesOrders o ON o.id = i.orderId WHERE o.number <> i.orderNumber OR o.customerId <> i.customerId`,
      ),
    ).toBe(0);
    expect(scalar(erp, `SELECT count(*) FROM salesInvoices WHERE orderId IS NOT NULL`)).toBeGreaterThan(0);
    expect(scalar(erp, `SELECT count(*) FROM salesInvoices WHERE orderId IS NULL`)).toBeGreaterThan(0);
  });

  it('in the CRM', () => {
    const checks: [string, string, string][] = [
      ['Contact', 'AccountId', 'Account'],
      ['Opportunity', 'AccountId', 'Account'],
      ['Opportunity', 'CampaignId', 'Campaign'],
      ['Quote', 'AccountId', 'Account'],
      ['Quote', 'OpportunityId', 'Opportunity'],
      ['Quote', 'ContactId', 'Contact'],
      ['QuoteLineItem', 'QuoteId', 'Quote'],
      ['QuoteLineItem', 'Product2Id', 'Product2'],
      ['Case', 'AccountId', 'Account'],
      ['Case', 'ContactId', 'Contact'],
      ['Case', 'AssetId', 'Asset'],
      ['Task', 'AccountId', 'Account'],
      ['Task', 'WhatId', 'Account'],
      ['Task', 'WhoId', 'Contact'],
      ['Event', 'AccountId', 'Account'],
      ['Event', 'WhoId', 'Contact'],
      ['Asset', 'AccountId', 'Account'],
      ['Asset', 'Product2Id', 'Product2'],
      ['Entitlement', 'AccountId', 'Account'],
      ['Entitlement', 'AssetId', 'Asset'],
      ['CampaignMember', 'CampaignId', 'Campaign'],
      ['CampaignMember', 'ContactId', 'Contact'],
      ['Account', 'OwnerId', 'User'],
    ];
    for (const [child, column, parent] of checks) {
      expect(orphans(crm, child, column, parent, 'Id'), `${child}.${column} → ${parent}`).toBe(0);
    }
    // Activities hang off the account they belong to.
    expect(scalar(crm, `SELECT count(*) FROM Task WHERE WhatId <> AccountId`)).toBe(0);
    expect(scalar(crm, `SELECT count(*) FROM Event WHERE WhatId <> AccountId`)).toBe(0);
    // A contact named on an activity belongs to that account.
    expect(
      scalar(
        crm,
        `SELECT count(*) FROM Task t JOIN Contact c ON c.Id = t.WhoId WHERE c.AccountId <> t.AccountId`,
      ),
    ).toBe(0);
  });

  it('across the two systems', () => {
    const customers = new Map(all(erp, 'SELECT id, number FROM customers').map((r) => [r.id, r.number]));
    const items = new Map(all(erp, 'SELECT id, number FROM items').map((r) => [r.id, r.number]));
    const linked = all(
      crm,
      `SELECT ERP_Customer_Id__c AS erpId, AccountNumber FROM Account WHERE ERP_Customer_Id__c IS NOT NULL`,
    );
    expect(linked.length).toBeGreaterThan(0);
    for (const account of linked) {
      expect(customers.get(account.erpId), String(account.erpId)).toBe(account.AccountNumber);
    }
    for (const product of all(crm, 'SELECT ERP_Item_Id__c AS itemId, ProductCode FROM Product2')) {
      expect(items.get(product.itemId)).toBe(product.ProductCode);
    }
    expect(scalar(crm, 'SELECT count(*) FROM Product2')).toBe(items.size);

    const employees = new Set(all(erp, 'SELECT email FROM employees').map((r) => r.email));
    const users = all(crm, 'SELECT Email FROM User');
    expect(users.length).toBe(employees.size);
    for (const user of users) expect(employees.has(user.Email)).toBe(true);

    // Converted quotes: the ERP order carries the quote number as its external document number.
    const converted = all(
      crm,
      `SELECT QuoteNumber, ERP_Order_Number__c, ERP_Order_Id__c, AccountId FROM Quote WHERE ERP_Order_Number__c IS NOT NULL`,
    );
    expect(converted.length).toBeGreaterThan(0);
    const accountErpIds = new Map(
      all(crm, 'SELECT Id, ERP_Customer_Id__c FROM Account').map((r) => [r.Id, r.ERP_Customer_Id__c]),
    );
    for (const quote of converted) {
      const order = erp
        .prepare('SELECT id, externalDocumentNumber, customerId FROM salesOrders WHERE number = ?')
        .get(quote.ERP_Order_Number__c) as Row | undefined;
      expect(order, String(quote.QuoteNumber)).toBeDefined();
      expect(order!.id).toBe(quote.ERP_Order_Id__c);
      expect(order!.externalDocumentNumber).toBe(quote.QuoteNumber);
      expect(order!.customerId).toBe(accountErpIds.get(quote.AccountId));
    }
    // Open quotes ready for conversion only use products the ERP sells (not blocked).
    const ready = all(
      crm,
      `SELECT p.ERP_Item_Id__c AS itemId FROM Quote q JOIN QuoteLineItem l ON l.QuoteId = q.Id JOIN Product2 p ON p.Id = l.Product2Id WHERE q.Status IN ('Approved', 'Presented')`,
    );
    expect(ready.length).toBeGreaterThan(0);
    const blocked = new Set(all(erp, 'SELECT id FROM items WHERE blocked = 1').map((r) => r.id));
    for (const line of ready) {
      expect(items.has(line.itemId)).toBe(true);
      expect(blocked.has(line.itemId)).toBe(false);
    }
    // Every warranty-ledger serial that has a CRM asset matches it on item too.
    const assets = new Map(
      all(
        crm,
        'SELECT a.SerialNumber, p.ProductCode FROM Asset a JOIN Product2 p ON p.Id = a.Product2Id',
      ).map((r) => [r.SerialNumber, r.ProductCode]),
    );
    const ledger = all(erp, 'SELECT serialNumber, itemNumber FROM warrantyLedgerEntries');
    const matched = ledger.filter((entry) => assets.has(entry.serialNumber));
    expect(matched.length).toBeGreaterThan(0);
    for (const entry of matched) expect(assets.get(entry.serialNumber)).toBe(entry.itemNumber);
    expect(assets.size).toBe(scalar(crm, 'SELECT count(DISTINCT SerialNumber) FROM Asset'));
  });
});

describe('amounts are consistent', () => {
  it('document totals are the sums of their lines, and line amounts add up', () => {
    for (const [header, lines] of [
      ['salesOrders', 'salesOrderLines'],
      ['salesInvoices', 'salesInvoiceLines'],
      ['salesQuotes', 'salesQuoteLines'],
    ]) {
      const sums = new Map(
        all(
          erp,
          `SELECT documentId, sum(round(amountExcludingTax * 100)) AS excl, sum(round(totalTaxAmount * 100)) AS tax, sum(round(amountIncludingTax * 100)) AS incl, count(*) AS n FROM "${lines}" GROUP BY documentId`,
        ).map((r) => [r.documentId, r]),
      );
      const headers = all(
        erp,
        `SELECT id, totalAmountExcludingTax, totalTaxAmount, totalAmountIncludingTax FROM "${header}"`,
      );
      for (const h of headers) {
        const sum = sums.get(h.id);
        expect(sum, `${header} ${h.id} has lines`).toBeDefined();
        expect(Number(sum!.n)).toBeLessThanOrEqual(5);
        expect(cents(h.totalAmountExcludingTax)).toBe(Number(sum!.excl));
        expect(cents(h.totalTaxAmount)).toBe(Number(sum!.tax));
        expect(cents(h.totalAmountIncludingTax)).toBe(Number(sum!.incl));
      }
      for (const l of all(
        erp,
        `SELECT quantity, unitPrice, discountAmount, amountExcludingTax, totalTaxAmount, amountIncludingTax FROM "${lines}"`,
      )) {
        expect((cents(l.quantity) * cents(l.unitPrice)) / 100 - cents(l.discountAmount)).toBeCloseTo(
          cents(l.amountExcludingTax),
          6,
        );
        expect(cents(l.amountExcludingTax) + cents(l.totalTaxAmount)).toBe(cents(l.amountIncludingTax));
      }
    }
    // Salesforce quotes: TotalPrice is the sum of the line totals.
    const quoteSums = new Map(
      all(
        crm,
        'SELECT QuoteId, sum(round(TotalPrice * 100)) AS total FROM QuoteLineItem GROUP BY QuoteId',
      ).map((r) => [r.QuoteId, Number(r.total)]),
    );
    for (const q of all(crm, 'SELECT Id, TotalPrice, Tax, GrandTotal FROM Quote')) {
      expect(cents(q.TotalPrice)).toBe(quoteSums.get(q.Id));
      expect(cents(q.TotalPrice) + cents(q.Tax)).toBe(cents(q.GrandTotal));
    }
  });

  it('remaining amounts equal the invoice total less the payments applied to it', () => {
    const paid = new Map(
      all(
        erp,
        'SELECT appliesToInvoiceId AS id, sum(round(amount * 100)) AS paid FROM customerPayments GROUP BY appliesToInvoiceId',
      ).map((r) => [r.id, Number(r.paid)]),
    );
    const invoices = all(
      erp,
      'SELECT id, totalAmountIncludingTax, remainingAmount, status, dueDate FROM salesInvoices',
    );
    const kinds = { paid: 0, partly: 0, open: 0, overdue: 0 };
    for (const invoice of invoices) {
      const total = cents(invoice.totalAmountIncludingTax);
      const remaining = cents(invoice.remainingAmount);
      expect(remaining).toBe(total - (paid.get(invoice.id) ?? 0));
      expect(remaining).toBeGreaterThanOrEqual(0);
      expect(invoice.status).toBe(remaining === 0 ? 'Paid' : 'Open');
      if (remaining === 0) kinds.paid++;
      else if (remaining < total) kinds.partly++;
      else kinds.open++;
      if (remaining > 0 && (invoice.dueDate as string) < DATASET_AS_OF) kinds.overdue++;
    }
    for (const [kind, n] of Object.entries(kinds)) expect(n, kind).toBeGreaterThan(0);
    // Payments are never posted after the as-of day.
    expect(scalar(erp, `SELECT count(*) FROM customerPayments WHERE postingDate > '${DATASET_AS_OF}'`)).toBe(
      0,
    );
  });

  it('balances, overdue amounts and the aging agree with the open invoices', () => {
    const open = new Map<unknown, { balance: number; overdue: number; buckets: number[] }>();
    for (const invoice of all(erp, 'SELECT customerId, remainingAmount, dueDate FROM salesInvoices')) {
      const entry = open.get(invoice.customerId) ?? { balance: 0, overdue: 0, buckets: [0, 0, 0, 0] };
      const remaining = cents(invoice.remainingAmount);
      const late = Math.round(
        (Date.parse(DATASET_AS_OF) - Date.parse(invoice.dueDate as string)) / 86_400_000,
      );
      entry.balance += remaining;
      if (late > 0) entry.overdue += remaining;
      entry.buckets[late <= 0 ? 0 : late <= 30 ? 1 : late <= 60 ? 2 : 3]! += remaining;
      open.set(invoice.customerId, entry);
    }
    const customers = all(
      erp,
      'SELECT c.id, c.balanceDue, f.balance, f.overdueAmount, a.balanceDue AS aged, a.currentAmount, a.period1Amount, a.period2Amount, a.period3Amount FROM customers c JOIN customerFinancialDetails f ON f.id = c.id JOIN agedAccountsReceivables a ON a.customerId = c.id',
    );
    expect(customers.length).toBe(scalar(erp, 'SELECT count(*) FROM customers'));
    let withOverdue = 0;
    for (const c of customers) {
      const expected = open.get(c.id) ?? { balance: 0, overdue: 0, buckets: [0, 0, 0, 0] };
      expect(cents(c.balance)).toBe(expected.balance);
      expect(cents(c.balanceDue)).toBe(expected.balance);
      expect(cents(c.aged)).toBe(expected.balance);
      expect(cents(c.overdueAmount)).toBe(expected.overdue);
      expect([c.currentAmount, c.period1Amount, c.period2Amount, c.period3Amount].map(cents)).toEqual(
        expected.buckets,
      );
      if (expected.overdue > 0) withOverdue++;
    }
    expect(withOverdue).toBeGreaterThan(0);
  });
});

describe('the mess real pairs of systems contain', () => {
  const within = (value: number, expected: number, tolerance: number) => {
    expect(value).toBeGreaterThanOrEqual(expected - tolerance);
    expect(value).toBeLessThanOrEqual(expected + tolerance);
  };

  it('has the intended split of linked, CRM-only and ERP-only customers', () => {
    const erpCustomers = scalar(erp, 'SELECT count(*) FROM customers');
    const linkedIds = new Set(
      all(crm, 'SELECT ERP_Customer_Id__c AS id FROM Account WHERE ERP_Customer_Id__c IS NOT NULL').map(
        (r) => r.id,
      ),
    );
    const prospects = scalar(crm, `SELECT count(*) FROM Account WHERE ERP_Customer_Id__c IS NULL`);
    expect(
      scalar(crm, `SELECT count(*) FROM Account WHERE ERP_Customer_Id__c IS NULL AND Type <> 'Prospect'`),
    ).toBe(0);
    within(linkedIds.size / CUSTOMERS, 0.8, 0.08);
    within(prospects / CUSTOMERS, 0.1, 0.06);
    within((erpCustomers - linkedIds.size) / CUSTOMERS, 0.1, 0.06);
    expect(erpCustomers + prospects).toBe(CUSTOMERS);
    const duplicates = scalar(
      crm,
      'SELECT count(*) - count(DISTINCT ERP_Customer_Id__c) FROM Account WHERE ERP_Customer_Id__c IS NOT NULL',
    );
    expect(duplicates).toBeGreaterThan(0);
    within(duplicates / linkedIds.size, 0.02, 0.025);
  });

  it('has disagreeing names and billing addresses on some linked pairs', () => {
    const pairs = all(erp, 'SELECT id, displayName, addressLine1, postalCode FROM customers');
    const byId = new Map(pairs.map((p) => [p.id, p]));
    const accounts = all(
      crm,
      `SELECT ERP_Customer_Id__c AS id, Name, BillingStreet, BillingPostalCode FROM Account WHERE ERP_Customer_Id__c IS NOT NULL AND Name <> upper(Name)`,
    );
    let names = 0;
    let addresses = 0;
    for (const a of accounts) {
      const c = byId.get(a.id)!;
      if (c.displayName !== a.Name) names++;
      if (c.addressLine1 !== a.BillingStreet || c.postalCode !== a.BillingPostalCode) addresses++;
    }
    within(names / accounts.length, 0.1, 0.07);
    within(addresses / accounts.length, 0.1, 0.07);
  });

  it('has blocked customers, several currencies, credit limits and awkward names', () => {
    const blocked = all(erp, `SELECT blocked, count(*) AS n FROM customers GROUP BY blocked`);
    const byValue = Object.fromEntries(blocked.map((r) => [r.blocked, Number(r.n)]));
    expect(Object.keys(byValue).every((v) => [' ', 'Ship', 'Invoice', 'All'].includes(v))).toBe(true);
    const total = scalar(erp, 'SELECT count(*) FROM customers');
    within((total - (byValue[' '] ?? 0)) / total, 0.03, 0.03);
    const currencies = all(erp, 'SELECT DISTINCT currencyCode FROM customers').map((r) => r.currencyCode);
    expect(currencies).toContain('');
    expect(currencies.length).toBeGreaterThanOrEqual(3);
    within(scalar(erp, `SELECT count(*) FROM customers WHERE currencyCode = ''`) / total, 0.85, 0.08);
    expect(scalar(erp, 'SELECT count(*) FROM customers WHERE creditLimit = 0')).toBeGreaterThan(0);
    expect(scalar(erp, 'SELECT count(*) FROM customers WHERE creditLimit > 0')).toBeGreaterThan(0);
    for (const fragment of ["'", '&', 'ø', '%', '_']) {
      expect(
        scalar(crm, `SELECT count(*) FROM Account WHERE instr(Name, '${fragment.replace("'", "''")}') > 0`),
        fragment,
      ).toBeGreaterThan(0);
    }
  });

  it('has the ERP master data shapes the subgraphs rely on', () => {
    const items = scalar(erp, 'SELECT count(*) FROM items');
    expect(items).toBe(Math.max(60, CUSTOMERS / 2));
    expect(all(erp, 'SELECT DISTINCT type FROM items ORDER BY type').map((r) => r.type)).toEqual([
      'Inventory',
      'Non-Inventory',
      'Service',
    ]);
    expect(scalar(erp, 'SELECT count(*) FROM items WHERE blocked = 1')).toBeGreaterThan(0);
    expect(
      scalar(erp, `SELECT count(*) FROM items WHERE type = 'Inventory' AND inventory = 0`),
    ).toBeGreaterThan(0);
    expect(scalar(erp, 'SELECT count(DISTINCT parentItemId) FROM bomComponents')).toBeGreaterThan(0);
    expect(scalar(erp, 'SELECT count(*) FROM employees')).toBe(Math.max(10, Math.ceil(CUSTOMERS / 25)));
    expect(all(erp, 'SELECT DISTINCT status FROM salesOrders ORDER BY status').map((r) => r.status)).toEqual([
      'Draft',
      'Open',
      'Released',
    ]);
    const perCustomer = all(erp, 'SELECT count(*) AS n FROM salesOrders GROUP BY customerId').map((r) =>
      Number(r.n),
    );
    // Up to 8 ordinary orders plus up to 4 converted quotes.
    expect(Math.max(...perCustomer)).toBeLessThanOrEqual(12);
    // Shipped orders have a shipment; unshipped ones have none.
    expect(
      scalar(
        erp,
        'SELECT count(*) FROM salesOrders o WHERE o.fullyShipped = 1 AND NOT EXISTS (SELECT 1 FROM salesShipments s WHERE s.orderNumber = o.number)',
      ),
    ).toBe(0);
    expect(
      scalar(
        erp,
        'SELECT count(*) FROM salesOrders o WHERE o.fullyShipped = 0 AND EXISTS (SELECT 1 FROM salesShipments s WHERE s.orderNumber = o.number)',
      ),
    ).toBe(0);
    expect(scalar(erp, `SELECT count(*) FROM salesQuotes WHERE status = 'Accepted'`)).toBeGreaterThan(0);
    // Contacts: 1-5 per account, each with a role.
    const contacts = all(crm, 'SELECT count(*) AS n FROM Contact GROUP BY AccountId').map((r) => Number(r.n));
    expect(Math.min(...contacts)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...contacts)).toBeLessThanOrEqual(5);
    expect(
      scalar(crm, `SELECT count(*) FROM Contact WHERE Contact_Role__c IS NULL OR Contact_Role__c = ''`),
    ).toBe(0);
  });

  it('dates are ISO and never after the as-of day for posted documents', () => {
    expect(scalar(erp, `SELECT count(*) FROM salesInvoices WHERE invoiceDate > '${DATASET_AS_OF}'`)).toBe(0);
    expect(scalar(erp, `SELECT count(*) FROM salesShipments WHERE shipmentDate > '${DATASET_AS_OF}'`)).toBe(
      0,
    );
    for (const r of all(erp, 'SELECT invoiceDate, lastModifiedDateTime FROM salesInvoices LIMIT 50')) {
      expect(r.invoiceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(r.lastModifiedDateTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });
});

describe('files for large data sets', () => {
  it('writes both files once (no temp files left), reuses them, and holds the same rows as memory', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'generator-test-'));
    try {
      const first = ensureDatasetFiles({ seed: 5, customers: 30, dataDir });
      expect(first.generated).toBe(true);
      expect(readdirSync(dataDir).sort()).toEqual(['crm-5-30.sqlite', 'erp-5-30.sqlite']);
      const again = ensureDatasetFiles({ seed: 5, customers: 30, dataDir });
      expect(again).toEqual({ ...first, generated: false });

      const memory = openDataset({ seed: 5, customers: 30 });
      const erpFile = new BetterSqlite3(first.erpPath, { readonly: true });
      const crmFile = new BetterSqlite3(first.crmPath, { readonly: true });
      try {
        expect(dump(erpFile, ERP_TABLES)).toBe(dump(memory.erp, ERP_TABLES));
        expect(dump(crmFile, CRM_TABLES)).toBe(dump(memory.crm, CRM_TABLES));
      } finally {
        erpFile.close();
        crmFile.close();
        memory.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    expect(existsSync(dataDir)).toBe(false);
  });
});
