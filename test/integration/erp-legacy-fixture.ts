import type { AddressInfo } from 'node:net';
import BetterSqlite3, { type Database } from 'better-sqlite3';
import { createErpStandIn, type ErpStandInOptions } from '../../legacy/erp/createErpStandIn.js';
import { createTablesSql, ERP_TABLES, type ErpTableName } from '../../legacy/generator/model.js';
import type { Simulator } from '../../legacy/sim/simulator.js';

export const COMPANY_ID = 'c0a0a0a0-0000-4000-8000-000000000001';
export const TOKEN = 'erp-dev-token';

/** A GUID whose last group encodes a table prefix and a number, so tests can name rows. */
export const guid = (prefix: number, n: number) =>
  `${String(prefix).padStart(8, '0')}-0000-4000-8000-${String(n).padStart(12, '0')}`;

function insert(db: Database, table: ErpTableName, row: Record<string, unknown>): void {
  const columns = Object.keys(ERP_TABLES[table].columns);
  db.prepare(
    `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
  ).run(
    ...columns.map((c) => {
      const v = row[c];
      return typeof v === 'boolean' ? (v ? 1 : 0) : (v ?? null);
    }),
  );
}

/** Customer display names chosen to trip up escaping: quotes, wildcards, backslashes, unicode. */
export const NAMES = [
  'Adatum Corporation',
  "O'Brien & Sons",
  '100% Cotton_Co',
  'Back\\slash Ltd',
  'Ünïcødé Straße 🚀',
  'Trey Research',
  "') or (displayName ne '",
  'Alpine Ski House',
  'Coho Winery',
  'School of Fine Art',
  'adatum corporation',
  'Fabrikam, Inc.',
];

/** A small, hand-written data set: enough rows of every set to exercise the protocol. */
export function buildDatabase(): Database {
  const db = new BetterSqlite3(':memory:');
  db.exec(createTablesSql(ERP_TABLES));
  const t = '2024-03-01T10:00:00.000Z';
  NAMES.forEach((name, i) => {
    const id = guid(1, i + 1);
    const number = `C${String(i + 1).padStart(5, '0')}`;
    insert(db, 'customers', {
      id,
      number,
      displayName: name,
      type: i % 3 === 0 ? 'Person' : 'Company',
      addressLine1: `${i + 1} Main Street`,
      city: i % 2 === 0 ? 'Seattle' : 'Atlanta',
      country: 'US',
      postalCode: `98${String(i).padStart(3, '0')}`,
      email: `c${i + 1}@example.com`,
      balanceDue: i * 100.5,
      creditLimit: 5000,
      taxLiable: i % 2 === 0,
      currencyCode: i % 4 === 0 ? 'EUR' : '',
      blocked: i === 5 ? 'All' : ' ',
      salespersonCode: 'JR',
      lastModifiedDateTime: `2024-03-${String(i + 1).padStart(2, '0')}T10:00:00.000Z`,
    });
    insert(db, 'customerFinancialDetails', {
      id,
      number,
      balance: i * 100.5,
      totalSalesExcludingTax: i * 1000,
      overdueAmount: i % 3 === 0 ? 50 : 0,
    });
    insert(db, 'agedAccountsReceivables', {
      customerId: id,
      customerNumber: number,
      name,
      currencyCode: '',
      balanceDue: i * 100.5,
      currentAmount: i * 100.5,
      period1Amount: 0,
      period2Amount: 0,
      period3Amount: 0,
      agedAsOfDate: '2024-03-31',
      periodLengthFilter: '30D',
    });
  });
  for (let i = 1; i <= 5; i += 1) {
    insert(db, 'items', {
      id: guid(2, i),
      number: `I${String(i).padStart(4, '0')}`,
      displayName: `Item ${i}`,
      type: 'Inventory',
      blocked: i === 5,
      inventory: i * 10,
      unitPrice: i * 10 + 0.99,
      unitCost: i * 5,
      baseUnitOfMeasureCode: 'PCS',
      lastModifiedDateTime: t,
    });
  }
  for (let i = 1; i <= 3; i += 1) {
    insert(db, 'bomComponents', {
      id: guid(3, i),
      parentItemId: guid(2, 1),
      parentItemNumber: 'I0001',
      lineNumber: i * 10000,
      type: 'Item',
      componentItemId: guid(2, i + 1),
      componentItemNumber: `I${String(i + 1).padStart(4, '0')}`,
      quantityPer: i,
      unitOfMeasureCode: 'PCS',
    });
  }
  const doc = (
    table: 'salesQuotes' | 'salesOrders',
    prefix: number,
    n: number,
    customer: number,
    extra: Record<string, unknown>,
  ) => {
    insert(db, table, {
      id: guid(prefix, n),
      number: `${table === 'salesQuotes' ? 'SQ' : 'SO'}${String(n).padStart(6, '0')}`,
      externalDocumentNumber: `EXT-${prefix}-${n}`,
      customerId: guid(1, customer),
      customerNumber: `C${String(customer).padStart(5, '0')}`,
      customerName: NAMES[customer - 1],
      currencyCode: '',
      status: 'Draft',
      totalAmountExcludingTax: 0,
      totalTaxAmount: 0,
      totalAmountIncludingTax: 0,
      lastModifiedDateTime: t,
      ...extra,
    });
  };
  const line = (
    table: 'salesQuoteLines' | 'salesOrderLines' | 'salesInvoiceLines',
    prefix: number,
    n: number,
    documentId: string,
    item: number,
    quantity: number,
  ) => {
    const unitPrice = item * 10 + 0.99;
    const ex = Math.round(quantity * unitPrice * 100) / 100;
    insert(db, table, {
      id: guid(prefix, n),
      documentId,
      sequence: n * 10000,
      itemId: guid(2, item),
      lineType: 'Item',
      lineObjectNumber: `I${String(item).padStart(4, '0')}`,
      description: `Item ${item}`,
      unitOfMeasureCode: 'PCS',
      quantity,
      unitPrice,
      discountAmount: 0,
      discountPercent: 0,
      taxPercent: 0,
      amountExcludingTax: ex,
      totalTaxAmount: 0,
      amountIncludingTax: ex,
      netAmount: ex,
      netTaxAmount: 0,
      netAmountIncludingTax: ex,
      ...(table === 'salesOrderLines' ? { shippedQuantity: 0, invoicedQuantity: 0 } : {}),
    });
    return ex;
  };
  // 3 quotes × 2 lines, 4 orders × 3 lines.
  for (let q = 1; q <= 3; q += 1) {
    doc('salesQuotes', 10, q, q, { documentDate: '2024-02-01' });
    let total = 0;
    for (let l = 1; l <= 2; l += 1) total += line('salesQuoteLines', 11, q * 10 + l, guid(10, q), l, q + l);
    db.prepare(
      'UPDATE salesQuotes SET totalAmountExcludingTax = ?, totalAmountIncludingTax = ? WHERE id = ?',
    ).run(total, total, guid(10, q));
  }
  for (let o = 1; o <= 4; o += 1) {
    doc('salesOrders', 20, o, o, { orderDate: `2024-02-0${o}`, fullyShipped: false });
    let total = 0;
    for (let l = 1; l <= 3; l += 1) total += line('salesOrderLines', 21, o * 10 + l, guid(20, o), l, l * o);
    db.prepare(
      'UPDATE salesOrders SET totalAmountExcludingTax = ?, totalAmountIncludingTax = ? WHERE id = ?',
    ).run(total, total, guid(20, o));
  }
  insert(db, 'salesInvoices', {
    id: guid(30, 1),
    number: 'SI000001',
    customerId: guid(1, 2),
    customerNumber: 'C00002',
    orderId: guid(20, 2),
    orderNumber: 'SO000002',
    invoiceDate: '2024-02-10',
    dueDate: '2024-03-10',
    totalAmountExcludingTax: 21.98,
    totalAmountIncludingTax: 21.98,
    remainingAmount: 21.98,
    status: 'Open',
    lastModifiedDateTime: t,
  });
  line('salesInvoiceLines', 31, 1, guid(30, 1), 1, 2);
  insert(db, 'salesShipments', {
    id: guid(40, 1),
    number: 'SSH000001',
    customerId: guid(1, 2),
    orderNumber: 'SO000002',
    shipmentDate: '2024-02-09',
    lastModifiedDateTime: t,
  });
  insert(db, 'salesShipmentLines', {
    id: guid(41, 1),
    documentId: guid(40, 1),
    documentNo: 'SSH000001',
    sequence: 10000,
    lineType: 'Item',
    lineObjectNumber: 'I0001',
    quantity: 2,
    unitPrice: 10.99,
  });
  insert(db, 'customerPayments', {
    id: guid(50, 1),
    customerId: guid(1, 2),
    customerNumber: 'C00002',
    postingDate: '2024-02-20',
    amount: 10,
    appliesToInvoiceId: guid(30, 1),
    lastModifiedDateTime: t,
  });
  insert(db, 'employees', {
    id: guid(60, 1),
    number: 'E001',
    displayName: 'Jim Olive',
    givenName: 'Jim',
    surname: 'Olive',
    email: 'jim@example.com',
    status: 'Active',
    employmentDate: '2020-01-01',
    lastModifiedDateTime: t,
  });
  insert(db, 'warrantyLedgerEntries', {
    id: guid(70, 1),
    entryNumber: 1,
    customerId: guid(1, 1),
    itemId: guid(2, 1),
    itemNumber: 'I0001',
    serialNumber: 'SN-1',
    postingDate: '2024-01-01',
    amount: 99.5,
    currencyCode: '',
    lastModifiedDateTime: t,
  });
  return db;
}

/** Responses are arbitrary JSON; tests read them as loosely as a client would. */
// biome-ignore lint/suspicious/noExplicitAny: test responses are arbitrary JSON, asserted field by field
export type Json = any;

export interface Running {
  base: string;
  api: string;
  sim: Simulator;
  db: Database;
  close(): Promise<void>;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Json }>;
  send(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: Json }>;
}

export async function start(db: Database, options: Partial<ErpStandInOptions> = {}): Promise<Running> {
  const companyId = options.companyId ?? COMPANY_ID;
  const { server, sim } = createErpStandIn({ db, ...options, companyId });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const api = `${base}/api/v2.0/companies(${companyId})`;
  const send = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const url = path.startsWith('http') ? path : `${api}${path}`;
    const res = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
  return {
    base,
    api,
    sim,
    db,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    get: (path, headers) => send('GET', path, undefined, headers),
    send,
  };
}
