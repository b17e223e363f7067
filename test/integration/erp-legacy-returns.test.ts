import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDataset } from '../../legacy/generator/open.js';
import { type Json, type Running, start } from './erp-legacy-fixture.js';

/**
 * The ERP stand-in's credit memos (standard API) and item ledger entries (custom API) over the
 * generated data set: served like the other sales documents, and a shipment posted at run time
 * writes its item ledger entries as the generator does.
 */
const dataset = openDataset({ seed: 42 });
const { erp: db } = dataset;
const companyId = dataset.summary.companyId;
let erp: Running;

beforeAll(async () => {
  erp = await start(db, { companyId, maxPageSize: 500 });
});
afterAll(async () => {
  await erp.close();
  dataset.close();
});

const standard = () => erp.api;
const custom = () => `${erp.base}/api/contoso/customerGraph/v1.0/companies(${companyId})`;

async function get(url: string, pageSize?: number): Promise<Json> {
  const res = await erp.get(url, pageSize ? { prefer: `odata.maxpagesize=${pageSize}` } : {});
  expect(res.status, url).toBe(200);
  return res.body;
}

async function walk(url: string, pageSize: number): Promise<{ rows: Json[]; pages: number }> {
  const rows: Json[] = [];
  let next: string | undefined = url;
  let pages = 0;
  while (next) {
    const page: Json = await get(next, pageSize);
    expect(page.value.length).toBeLessThanOrEqual(pageSize);
    rows.push(...page.value);
    next = page['@odata.nextLink'];
    pages++;
  }
  return { rows, pages };
}

const sql = <T = Json>(query: string, ...params: unknown[]): T[] => db.prepare(query).all(...params) as T[];

describe('salesCreditMemos', () => {
  it('lists credit memos with BC v2.0 fields, their lines expanded', async () => {
    const page = await get(
      `${standard()}/salesCreditMemos?$orderby=number&$top=2&$expand=salesCreditMemoLines`,
    );
    expect(page['@odata.context']).toBe(
      `${erp.base}/api/v2.0/$metadata#companies(${companyId})/salesCreditMemos`,
    );
    const [memo] = page.value;
    expect(Object.keys(memo)).toEqual(
      expect.arrayContaining([
        'id',
        'number',
        'externalDocumentNumber',
        'creditMemoDate',
        'postingDate',
        'dueDate',
        'customerId',
        'customerNumber',
        'customerName',
        'billToName',
        'billToCustomerId',
        'billToCustomerNumber',
        'sellToAddressLine1',
        'billToPostCode',
        'currencyCode',
        'invoiceId',
        'invoiceNumber',
        'salesperson',
        'pricesIncludeTax',
        'discountAmount',
        'totalAmountExcludingTax',
        'totalTaxAmount',
        'totalAmountIncludingTax',
        'status',
        'phoneNumber',
        'email',
        'lastModifiedDateTime',
      ]),
    );
    expect(memo).toMatchObject({ number: 'CM000001', status: 'Paid', pricesIncludeTax: false });
    expect(memo['@odata.etag']).toMatch(/^W\/"/);
    expect(memo.salesCreditMemoLines).toHaveLength(1);
    expect(memo.salesCreditMemoLines[0]).toMatchObject({
      documentId: memo.id,
      quantity: 1,
      lineType: 'Item',
    });
    expect(memo.salesCreditMemoLines[0].amountIncludingTax).toBe(memo.totalAmountIncludingTax);
  });

  it("navigates to a credit memo's lines and customer; top-level lines need a document id", async () => {
    const [memo] = sql(`SELECT id, customerId FROM salesCreditMemos ORDER BY number LIMIT 1`);
    const lines = await get(`${standard()}/salesCreditMemos(${memo.id})/salesCreditMemoLines`);
    expect(lines.value).toHaveLength(1);
    expect(lines['@odata.context']).toContain(`salesCreditMemos(${memo.id})/salesCreditMemoLines`);
    const line = await get(
      `${standard()}/salesCreditMemos(${memo.id})/salesCreditMemoLines(${lines.value[0].id})`,
    );
    expect(line.id).toBe(lines.value[0].id);
    const customer = await get(`${standard()}/salesCreditMemos(${memo.id})/customer`);
    expect(customer.id).toBe(memo.customerId);
    const bare = await erp.get(`${standard()}/salesCreditMemoLines`);
    expect(bare.status).toBe(400);
    expect(bare.body.error.code).toBe('Application_DialogException');
    const filtered = await get(`${standard()}/salesCreditMemoLines?$filter=documentId eq ${memo.id}`);
    expect(filtered.value.map((l: Json) => l.id)).toEqual([lines.value[0].id]);
  });

  it('filters by customer newest first, by invoice and by external document number (the case number)', async () => {
    const [{ customerId }] = sql(
      `SELECT customerId, count(*) AS n FROM salesCreditMemos GROUP BY customerId ORDER BY n DESC, customerId LIMIT 1`,
    );
    const expected = sql(
      `SELECT number FROM salesCreditMemos WHERE customerId = ? ORDER BY creditMemoDate DESC, number DESC`,
      customerId,
    ).map((r) => r.number);
    const mine = await get(
      `${standard()}/salesCreditMemos?$filter=customerId eq ${customerId}&$orderby=creditMemoDate desc,number desc&$select=number`,
    );
    expect(mine.value.map((m: Json) => m.number)).toEqual(expected);
    const [memo] = sql(`SELECT * FROM salesCreditMemos ORDER BY number DESC LIMIT 1`);
    const byInvoice = await get(
      `${standard()}/salesCreditMemos?$filter=invoiceId eq ${memo.invoiceId}&$select=number`,
    );
    expect(byInvoice.value.map((m: Json) => m.number)).toContain(memo.number);
    const byCase = await get(
      `${standard()}/salesCreditMemos?$filter=externalDocumentNumber eq '${memo.externalDocumentNumber}'&$select=number`,
    );
    expect(byCase.value.map((m: Json) => m.number)).toEqual([memo.number]);
  });

  it('pages every credit memo exactly once', async () => {
    const total = dataset.summary.counts.erp.salesCreditMemos;
    expect(total).toBeGreaterThan(4);
    const { rows, pages } = await walk(`${standard()}/salesCreditMemos?$select=id`, 3);
    expect(rows).toHaveLength(total);
    expect(new Set(rows.map((r) => r.id)).size).toBe(total);
    expect(pages).toBe(Math.ceil(total / 3));
  });

  it('is read-only and not on the custom API', async () => {
    const [memo] = sql(`SELECT id FROM salesCreditMemos LIMIT 1`);
    expect((await erp.send('POST', `${standard()}/salesCreditMemos`, {})).status).toBe(405);
    expect(
      (await erp.send('PATCH', `${standard()}/salesCreditMemos(${memo.id})`, {}, { 'if-match': '*' })).status,
    ).toBe(405);
    expect(
      (await erp.send('DELETE', `${standard()}/salesCreditMemos(${memo.id})`, undefined, { 'if-match': '*' }))
        .status,
    ).toBe(405);
    expect((await erp.get(`${custom()}/salesCreditMemos`)).status).toBe(404);
  });
});

describe('itemLedgerEntries (custom API)', () => {
  it('serves the entries on the custom API only', async () => {
    const page = await get(`${custom()}/itemLedgerEntries?$orderby=entryNumber&$top=1`);
    expect(page['@odata.context']).toContain('/api/contoso/customerGraph/v1.0/$metadata#');
    expect(page.value[0]).toMatchObject({
      entryNumber: 1,
      entryType: 'Sale',
      documentType: 'Sales Shipment',
    });
    expect(Object.keys(page.value[0])).toEqual(
      expect.arrayContaining([
        'id',
        'postingDate',
        'documentNumber',
        'documentLineNumber',
        'orderNumber',
        'itemId',
        'itemNumber',
        'description',
        'customerId',
        'customerNumber',
        'quantity',
        'serialNumber',
        'lastModifiedDateTime',
      ]),
    );
    expect((await erp.get(`${standard()}/itemLedgerEntries`)).status).toBe(404);
    expect((await erp.send('POST', `${custom()}/itemLedgerEntries`, {})).status).toBe(405);
  });

  it('finds a serial, and its item and customer by navigation', async () => {
    const [entry] = sql(
      `SELECT * FROM itemLedgerEntries WHERE serialNumber <> '' ORDER BY entryNumber LIMIT 1`,
    );
    const found = await get(`${custom()}/itemLedgerEntries?$filter=serialNumber eq '${entry.serialNumber}'`);
    expect(found.value).toHaveLength(1);
    expect(found.value[0]).toMatchObject({ id: entry.id, quantity: -1, customerId: entry.customerId });
    const item = await get(`${custom()}/itemLedgerEntries(${entry.id})/item`);
    expect(item.number).toBe(entry.itemNumber);
    const customer = await get(`${custom()}/itemLedgerEntries(${entry.id})/customer`);
    expect(customer.id).toBe(entry.customerId);
  });

  it("pages a customer's purchases newest first without gaps or repeats", async () => {
    const [{ customerId }] = sql(
      `SELECT customerId, count(*) AS n FROM itemLedgerEntries GROUP BY customerId ORDER BY n DESC, customerId LIMIT 1`,
    );
    const expected = sql(
      `SELECT entryNumber FROM itemLedgerEntries WHERE customerId = ? ORDER BY postingDate DESC, entryNumber DESC`,
      customerId,
    ).map((r) => r.entryNumber);
    expect(expected.length).toBeGreaterThan(10);
    const { rows } = await walk(
      `${custom()}/itemLedgerEntries?$filter=customerId eq ${customerId}&$orderby=postingDate desc,entryNumber desc&$select=entryNumber`,
      4,
    );
    expect(rows.map((r) => r.entryNumber)).toEqual(expected);
  });

  it('gets the entries of a shipment posted at run time: one per unit with a new serial for a machine', async () => {
    const [machine] = sql(
      `SELECT id, number FROM items WHERE itemCategoryCode = 'MACHINE' AND blocked = 0 LIMIT 1`,
    );
    const [plain] = sql(
      `SELECT id, number FROM items WHERE itemCategoryCode = 'MISC' AND type = 'Inventory' AND blocked = 0 LIMIT 1`,
    );
    const [customer] = sql(`SELECT id, number FROM customers WHERE blocked = ' ' ORDER BY number LIMIT 1`);
    const created = await erp.send('POST', `${standard()}/salesOrders`, {
      customerId: customer.id,
      externalDocumentNumber: 'ILE-TEST-1',
      salesOrderLines: [
        { lineType: 'Item', itemId: machine.id, quantity: 2 },
        { lineType: 'Item', itemId: plain.id, quantity: 5 },
      ],
    });
    expect(created.status).toBe(201);
    const [{ lastEntry }] = sql(`SELECT MAX(entryNumber) AS lastEntry FROM itemLedgerEntries`);
    const [{ lastSerial }] = sql(
      `SELECT MAX(CAST(substr(serialNumber, -7) AS INTEGER)) AS lastSerial FROM itemLedgerEntries WHERE serialNumber <> ''`,
    );
    const posted = await erp.send(
      'POST',
      `${standard()}/salesOrders(${created.body.id})/Microsoft.NAV.shipAndInvoice`,
    );
    expect(posted.status).toBe(204);
    const entries = (
      await get(
        `${custom()}/itemLedgerEntries?$filter=orderNumber eq '${created.body.number}'&$orderby=entryNumber`,
      )
    ).value;
    const [shipment] = sql(
      `SELECT number, postingDate FROM salesShipments WHERE orderNumber = ?`,
      created.body.number,
    );
    const pad = (n: number) => String(n).padStart(7, '0');
    expect(
      entries.map((e: Json) => [
        e.entryNumber,
        e.itemNumber,
        e.quantity,
        e.serialNumber,
        e.documentLineNumber,
      ]),
    ).toEqual([
      [lastEntry + 1, machine.number, -1, `SN${machine.number}-${pad(lastSerial + 1)}`, 10000],
      [lastEntry + 2, machine.number, -1, `SN${machine.number}-${pad(lastSerial + 2)}`, 10000],
      [lastEntry + 3, plain.number, -5, '', 20000],
    ]);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        customerId: customer.id,
        customerNumber: customer.number,
        documentNumber: shipment!.number,
        postingDate: shipment!.postingDate,
        entryType: 'Sale',
      });
    }
  });
});
