import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { WARRANTY_CASES_PER_ENTITLEMENT } from '../../legacy/generator/assets.js';
import { DATASET_AS_OF } from '../../legacy/generator/calendar.js';
import { CRM_TABLES, ERP_TABLES, type TableDef } from '../../legacy/generator/model.js';
import { ensureDatasetFiles, openDataset } from '../../legacy/generator/open.js';
import { APPROVERS, GENERATED_APPROVAL_THRESHOLDS } from '../../legacy/generator/opportunities.js';

/**
 * What issue 10 added to the generated data set (credit memos, item ledger entries, entitlement
 * case counts, the cases' entitlement and order, quote discount approvals), and that adding it
 * left every row the data set had before as it was.
 */

type Row = Record<string, unknown>;

const dataset = openDataset({ seed: 11, customers: 200 });
const { erp, crm } = dataset;
afterAll(() => dataset.close());

const all = (db: Database, sql: string, ...params: unknown[]): Row[] =>
  db.prepare(sql).all(...params) as Row[];
const cents = (value: unknown): number => Math.round(Number(value) * 100);

/** Tables and columns that joined the model in issue 10. */
const NEW_TABLES = new Set(['salesCreditMemos', 'salesCreditMemoLines', 'itemLedgerEntries']);
const NEW_COLUMNS: Record<string, readonly string[]> = {
  Quote: [
    'Discount_Approval_Status__c',
    'Discount_Approval_Level__c',
    'Discount_Approval_Percent__c',
    'Discount_Approval_Requested_By__c',
    'Discount_Approval_Decided_By__c',
    'Discount_Approval_Decided_At__c',
    'Discount_Approval_Comment__c',
  ],
  Case: ['EntitlementId', 'ERP_Order_Number__c'],
  Entitlement: ['IsPerIncident', 'CasesPerEntitlement', 'RemainingCases'],
};

/** A hash of every row of the tables and columns the data set had before issue 10. */
function firstVersionFingerprint(seed: number, customers: number): string {
  const data = openDataset({ seed, customers });
  try {
    const hash = createHash('sha256');
    const tables: [Database, Record<string, TableDef>][] = [
      [data.erp, ERP_TABLES],
      [data.crm, CRM_TABLES],
    ];
    for (const [db, defs] of tables) {
      for (const def of Object.values(defs)) {
        if (NEW_TABLES.has(def.name)) continue;
        const columns = Object.keys(def.columns).filter((c) => !(NEW_COLUMNS[def.name] ?? []).includes(c));
        const rows = db
          .prepare(
            `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${def.name}" ORDER BY "${def.key}"`,
          )
          .raw()
          .all();
        hash.update(`${def.name}\n${JSON.stringify(rows)}\n`);
      }
    }
    return hash.digest('hex');
  } finally {
    data.close();
  }
}

describe('the rows the data set had before', () => {
  it('are unchanged: the new records come from a side stream, the new series count on their own', () => {
    // Computed with the generator as it was before issue 10 (commit 585a69d); tests and docs
    // quote these rows, so a change here is a change of every quoted record.
    expect(firstVersionFingerprint(11, 120)).toBe(
      'ba2c0dda38424eabc4f3684eb909dd8a463172ddd423f0f68011a4eda1e19812',
    );
    expect(firstVersionFingerprint(42, 300)).toBe(
      'af3cee7f0edf92b825f34a391b54725887205de6ff2b74bed8bfe29518d810b5',
    );
  });
});

describe('item ledger entries', () => {
  const entries = all(erp, 'SELECT * FROM itemLedgerEntries ORDER BY entryNumber');

  it('number their entries 1..n, each a sale posted on its shipment day', () => {
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((e) => e.entryNumber)).toEqual(entries.map((_, i) => i + 1));
    expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
    const shipments = new Map(all(erp, 'SELECT * FROM salesShipments').map((s) => [s.number, s]));
    for (const entry of entries) {
      const shipment = shipments.get(entry.documentNumber)!;
      expect(entry).toMatchObject({
        entryType: 'Sale',
        documentType: 'Sales Shipment',
        postingDate: shipment.shipmentDate,
        orderNumber: shipment.orderNumber,
        customerId: shipment.customerId,
        customerNumber: shipment.customerNumber,
      });
      expect(Number(entry.quantity)).toBeLessThan(0);
    }
  });

  it('give each shipment line its quantity: one entry, or one per unit with a serial', () => {
    const lines = all(
      erp,
      `SELECT l.documentNo, l.sequence, l.lineObjectNumber, l.quantity, i.itemCategoryCode, i.id AS itemId
         FROM salesShipmentLines l JOIN items i ON i.number = l.lineObjectNumber`,
    );
    const byLine = new Map<string, Row[]>();
    for (const entry of entries) {
      const key = `${entry.documentNumber}/${entry.documentLineNumber}`;
      byLine.set(key, [...(byLine.get(key) ?? []), entry]);
    }
    expect(byLine.size).toBe(lines.length);
    let serialized = 0;
    for (const line of lines) {
      const own = byLine.get(`${line.documentNo}/${line.sequence}`)!;
      expect(own.every((e) => e.itemId === line.itemId && e.itemNumber === line.lineObjectNumber)).toBe(true);
      expect(own.reduce((sum, e) => sum - Number(e.quantity), 0)).toBe(line.quantity);
      if (line.itemCategoryCode === 'MACHINE') {
        serialized++;
        expect(own).toHaveLength(Number(line.quantity));
        expect(own.every((e) => e.quantity === -1 && /^SN.+-\d{7}$/.test(String(e.serialNumber)))).toBe(true);
      } else {
        expect(own).toHaveLength(1);
        expect(own[0]!.serialNumber).toBe('');
      }
    }
    expect(serialized).toBeGreaterThan(0);
  });

  it("hold every serial a CRM asset carries, shipped to the asset's account's ERP customer", () => {
    const bySerial = new Map(entries.filter((e) => e.serialNumber !== '').map((e) => [e.serialNumber, e]));
    expect(bySerial.size).toBe(entries.filter((e) => e.serialNumber !== '').length);
    const assets = all(
      crm,
      `SELECT s.SerialNumber, s.ERP_Shipment_Number__c, a.ERP_Customer_Id__c
         FROM Asset s JOIN Account a ON a.Id = s.AccountId`,
    );
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      const entry = bySerial.get(asset.SerialNumber);
      expect(entry, String(asset.SerialNumber)).toBeDefined();
      expect(entry!.documentNumber).toBe(asset.ERP_Shipment_Number__c);
      expect(entry!.customerId).toBe(asset.ERP_Customer_Id__c);
    }
    // And every warranty ledger serial.
    for (const { serialNumber } of all(erp, 'SELECT serialNumber FROM warrantyLedgerEntries')) {
      expect(bySerial.has(serialNumber)).toBe(true);
    }
  });
});

describe('complaints and credit memos', () => {
  const cases = all(
    crm,
    `SELECT c.*, a.ERP_Customer_Id__c AS erpCustomerId FROM "Case" c JOIN Account a ON a.Id = c.AccountId`,
  );
  const invoicedOrders = all(
    erp,
    `SELECT o.number, o.customerId, i.id AS invoiceId, i.number AS invoiceNumber, i.invoiceDate
       FROM salesOrders o JOIN salesInvoices i ON i.orderId = o.id`,
  );
  const ordersOf = (customerId: unknown) => invoicedOrders.filter((o) => o.customerId === customerId);

  it("name one of the customer's invoiced orders on every complaint of a customer that has some", () => {
    let named = 0;
    for (const c of cases) {
      if (c.Type === 'Complaint' && ordersOf(c.erpCustomerId).length > 0) {
        named++;
        expect(ordersOf(c.erpCustomerId).map((o) => o.number)).toContain(c.ERP_Order_Number__c);
      } else {
        expect(c.ERP_Order_Number__c, String(c.CaseNumber)).toBeNull();
      }
    }
    expect(named).toBeGreaterThan(5);
  });

  it('give about half of those complaints a posted, refunded credit memo of one invoiced unit', () => {
    const memos = all(erp, 'SELECT * FROM salesCreditMemos ORDER BY number');
    const complaints = cases.filter((c) => c.ERP_Order_Number__c !== null);
    expect(memos.length).toBeGreaterThan(complaints.length * 0.25);
    expect(memos.length).toBeLessThan(complaints.length * 0.75);
    expect(memos.map((m) => m.number)).toEqual(memos.map((_, i) => `CM${String(i + 1).padStart(6, '0')}`));
    const byCaseNumber = new Map(complaints.map((c) => [c.CaseNumber, c]));
    for (const memo of memos) {
      const complaint = byCaseNumber.get(memo.externalDocumentNumber)!;
      expect(complaint, String(memo.number)).toBeDefined();
      const order = invoicedOrders.find((o) => o.number === complaint.ERP_Order_Number__c)!;
      expect(memo).toMatchObject({
        customerId: complaint.erpCustomerId,
        invoiceId: order.invoiceId,
        invoiceNumber: order.invoiceNumber,
        status: 'Paid',
        postingDate: memo.creditMemoDate,
      });
      expect(String(memo.creditMemoDate) > String(order.invoiceDate)).toBe(true);
      expect(String(memo.creditMemoDate) <= DATASET_AS_OF).toBe(true);
      const lines = all(erp, 'SELECT * FROM salesCreditMemoLines WHERE documentId = ?', memo.id);
      expect(lines).toHaveLength(1);
      const line = lines[0]!;
      expect(line).toMatchObject({ quantity: 1, sequence: 10000, lineType: 'Item' });
      const invoiced = all(
        erp,
        'SELECT * FROM salesInvoiceLines WHERE documentId = ? AND itemId = ?',
        order.invoiceId,
        line.itemId,
      );
      expect(invoiced.length).toBeGreaterThan(0);
      expect(
        invoiced.some((l) => l.unitPrice === line.unitPrice && l.discountPercent === line.discountPercent),
      ).toBe(true);
      expect(cents(memo.totalAmountExcludingTax)).toBe(cents(line.amountExcludingTax));
      expect(cents(memo.totalTaxAmount)).toBe(cents(line.totalTaxAmount));
      expect(cents(memo.totalAmountIncludingTax)).toBe(cents(line.amountIncludingTax));
      expect(cents(line.amountIncludingTax)).toBe(
        cents(line.amountExcludingTax) + cents(line.totalTaxAmount),
      );
    }
  });
});

describe('a small data set', () => {
  it('has a credit memo too: the first complaint about an order always gets one', () => {
    const small = openDataset({ customers: 60 });
    try {
      expect(small.summary.counts.erp.salesCreditMemos).toBeGreaterThan(0);
      const [first] = all(
        small.erp,
        `SELECT externalDocumentNumber FROM salesCreditMemos WHERE number = 'CM000001'`,
      );
      const [complaint] = all(
        small.crm,
        `SELECT CaseNumber FROM "Case" WHERE ERP_Order_Number__c IS NOT NULL ORDER BY CaseNumber LIMIT 1`,
      );
      expect(first!.externalDocumentNumber).toBe(complaint!.CaseNumber);
    } finally {
      small.close();
    }
  });
});

describe('entitlements and warranty claims', () => {
  const entitlements = all(crm, 'SELECT * FROM Entitlement');

  it('make warranty entitlements per incident with 3 cases, support ones unlimited', () => {
    for (const e of entitlements) {
      if (e.Type === 'Warranty') {
        expect(e).toMatchObject({ IsPerIncident: 1, CasesPerEntitlement: WARRANTY_CASES_PER_ENTITLEMENT });
      } else {
        expect(e).toMatchObject({ IsPerIncident: 0, CasesPerEntitlement: null, RemainingCases: null });
      }
    }
  });

  it("point a warranty claim at its asset's warranty entitlement, which counts it", () => {
    const warrantyOf = new Map(
      entitlements.filter((e) => e.Type === 'Warranty').map((e) => [e.AssetId, e.Id] as const),
    );
    const used = new Map<unknown, number>();
    for (const c of all(crm, 'SELECT * FROM "Case"')) {
      const expected = c.Type === 'Warranty Claim' ? (warrantyOf.get(c.AssetId) ?? null) : null;
      expect(c.EntitlementId, String(c.CaseNumber)).toBe(expected);
      if (expected !== null) used.set(expected, (used.get(expected) ?? 0) + 1);
    }
    expect(used.size).toBeGreaterThan(0);
    for (const e of entitlements.filter((x) => x.Type === 'Warranty')) {
      expect(e.RemainingCases).toBe(Math.max(0, WARRANTY_CASES_PER_ENTITLEMENT - (used.get(e.Id) ?? 0)));
    }
  });
});

describe('quote discount approvals', () => {
  it('approve every quote above the manager threshold (a director above the director one), no other', () => {
    const quotes = all(crm, 'SELECT q.*, u.Email AS ownerEmail FROM Quote q JOIN User u ON u.Id = q.OwnerId');
    let approved = 0;
    for (const q of quotes) {
      const discount = Number(q.Discount);
      if (discount <= GENERATED_APPROVAL_THRESHOLDS.manager) {
        for (const field of NEW_COLUMNS.Quote!) expect(q[field], `${q.QuoteNumber} ${field}`).toBeNull();
        continue;
      }
      approved++;
      const level = discount > GENERATED_APPROVAL_THRESHOLDS.director ? 'Director' : 'Manager';
      expect(q).toMatchObject({
        Discount_Approval_Status__c: 'Approved',
        Discount_Approval_Level__c: level,
        Discount_Approval_Percent__c: discount,
        Discount_Approval_Requested_By__c: q.ownerEmail,
        Discount_Approval_Decided_By__c: APPROVERS[level],
        Discount_Approval_Decided_At__c: new Date(
          Date.parse(String(q.CreatedDate)) + 86_400_000,
        ).toISOString(),
      });
    }
    expect(approved).toBeGreaterThan(0);
  });
});

describe('the side stream', () => {
  it('gives the same new records for the same seed and others for another seed', () => {
    const again = openDataset({ seed: 11, customers: 200 });
    const other = openDataset({ seed: 12, customers: 200 });
    const dump = (db: Database, table: string) =>
      JSON.stringify(all(db, `SELECT * FROM "${table}" ORDER BY id`));
    try {
      for (const table of NEW_TABLES) {
        expect(dump(again.erp, table), table).toBe(dump(erp, table));
        expect(dump(other.erp, table), table).not.toBe(dump(erp, table));
      }
    } finally {
      again.close();
      other.close();
    }
  });
});

describe('data files written before a table or field joined the model', () => {
  it('are written anew instead of reused', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'generator-stale-'));
    try {
      const first = ensureDatasetFiles({ seed: 5, customers: 30, dataDir });
      expect(first.generated).toBe(true);
      expect(ensureDatasetFiles({ seed: 5, customers: 30, dataDir }).generated).toBe(false);
      // As a file of the first version: no credit memos, no entitlement case counts.
      const erpFile = new BetterSqlite3(first.erpPath);
      erpFile.exec('DROP TABLE "salesCreditMemos"');
      erpFile.close();
      const crmFile = new BetterSqlite3(first.crmPath);
      crmFile.exec('ALTER TABLE "Entitlement" DROP COLUMN "RemainingCases"');
      crmFile.close();
      expect(ensureDatasetFiles({ seed: 5, customers: 30, dataDir }).generated).toBe(true);
      const fresh = new BetterSqlite3(first.crmPath, { readonly: true });
      const columns = (fresh.prepare('PRAGMA table_info("Entitlement")').all() as { name: string }[]).map(
        (c) => c.name,
      );
      fresh.close();
      expect(columns).toContain('RemainingCases');
      expect(ensureDatasetFiles({ seed: 5, customers: 30, dataDir }).generated).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('are written anew even when a crashed stand-in left its write-ahead log beside the old file', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'generator-stale-wal-'));
    try {
      const { erpPath } = ensureDatasetFiles({ seed: 5, customers: 30, dataDir });
      // The change that makes the file outdated sits in its WAL, as a process that died left it.
      const erpFile = new BetterSqlite3(erpPath);
      erpFile.pragma('journal_mode = WAL');
      erpFile.pragma('wal_autocheckpoint = 0');
      erpFile.exec('DROP TABLE "salesCreditMemos"');
      copyFileSync(`${erpPath}-wal`, `${erpPath}-wal.left`);
      copyFileSync(`${erpPath}-shm`, `${erpPath}-shm.left`);
      erpFile.close();
      renameSync(`${erpPath}-wal.left`, `${erpPath}-wal`);
      renameSync(`${erpPath}-shm.left`, `${erpPath}-shm`);
      expect(ensureDatasetFiles({ seed: 5, customers: 30, dataDir }).generated).toBe(true);
      const fresh = new BetterSqlite3(erpPath, { readonly: true });
      const tables = fresh.prepare(`SELECT name FROM sqlite_master WHERE name = 'salesCreditMemos'`).all();
      fresh.close();
      expect(tables).toHaveLength(1);
      expect(ensureDatasetFiles({ seed: 5, customers: 30, dataDir }).generated).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
