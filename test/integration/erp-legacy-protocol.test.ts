import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, COMPANY_ID, guid, NAMES, type Running, start } from './erp-legacy-fixture.js';

let erp: Running;

beforeAll(async () => {
  erp = await start(buildDatabase(), { maxPageSize: 1000 });
});
afterAll(async () => {
  await erp.close();
});

const q = (options: Record<string, string>) =>
  '?' +
  Object.entries(options)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');

describe('companies and routing', () => {
  it('lists the one company and reads it by id', async () => {
    const list = await erp.get(`${erp.base}/api/v2.0/companies`);
    expect(list.status).toBe(200);
    expect(list.body['@odata.context']).toBe(`${erp.base}/api/v2.0/$metadata#companies`);
    expect(list.body.value).toHaveLength(1);
    expect(list.body.value[0]).toMatchObject({ id: COMPANY_ID, name: 'CRONUS USA, Inc.' });
    const one = await erp.get(`${erp.base}/api/v2.0/companies(${COMPANY_ID})`);
    expect(one.body.id).toBe(COMPANY_ID);
    expect(one.body['@odata.etag']).toMatch(/^W\/"[A-Za-z0-9+/=]+"$/);
  });

  it('answers BC 404s for unknown company, entity set, record and segment', async () => {
    const company = await erp.get(`${erp.base}/api/v2.0/companies(${guid(99, 1)})/customers`);
    expect(company.status).toBe(404);
    expect(company.body.error.code).toBe('BadRequest_NotFound');
    const set = await erp.get('/vendors');
    expect(set.status).toBe(404);
    expect(set.body.error).toEqual({
      code: 'BadRequest_NotFound',
      message: "Resource not found for the segment 'vendors'.",
    });
    const record = await erp.get(`/customers(${guid(1, 999)})`);
    expect(record.status).toBe(404);
    expect(record.body.error.code).toBe('BadRequest_NotFound');
    const nav = await erp.get(`/customers(${guid(1, 1)})/nothing`);
    expect(nav.status).toBe(404);
    const badKey = await erp.get('/customers(not-a-guid)');
    expect(badKey.status).toBe(400);
    expect(badKey.body.error.code).toBe('BadRequest_InvalidToken');
    const custom = await erp.get(`${erp.base}/api/v2.0/companies(${COMPANY_ID})/warrantyLedgerEntries`);
    expect(custom.status).toBe(404);
  });

  it('refuses methods BC does not allow with 405', async () => {
    const res = await erp.send('DELETE', `/salesInvoices(${guid(30, 1)})`, undefined, { 'if-match': '*' });
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe('BadRequest_MethodNotAllowed');
    expect((await erp.send('POST', '/items', {})).status).toBe(405);
  });
});

describe('entity sets and JSON shape', () => {
  it('serves every standard entity set with context and etags', async () => {
    const sets = [
      'customers',
      'customerFinancialDetails',
      'agedAccountsReceivables',
      'items',
      'salesQuotes',
      'salesOrders',
      'salesInvoices',
      'salesShipments',
      'customerPayments',
      'employees',
    ];
    const expected = [12, 12, 12, 5, 3, 4, 1, 1, 1, 1];
    for (const [i, set] of sets.entries()) {
      const res = await erp.get(`/${set}`);
      expect(res.status, set).toBe(200);
      expect(res.body['@odata.context']).toBe(
        `${erp.base}/api/v2.0/$metadata#companies(${COMPANY_ID})/${set}`,
      );
      expect(res.body.value, set).toHaveLength(expected[i]!);
      for (const e of res.body.value) expect(e['@odata.etag']).toMatch(/^W\/"/);
    }
  });

  it('writes decimals as numbers, booleans as booleans and empty values as BC does', async () => {
    const res = await erp.get(`/customers(${guid(1, 2)})`);
    expect(res.body['@odata.context']).toContain('/customers/$entity');
    expect(res.body.balanceDue).toBe(100.5);
    expect(res.body.taxLiable).toBe(false);
    expect(res.body.addressLine2).toBe('');
    expect(res.body.taxAreaId).toBe('00000000-0000-0000-0000-000000000000');
    const item = await erp.get(`/items(${guid(2, 5)})`);
    expect(item.body.blocked).toBe(true);
    expect(item.body.unitPrice).toBe(50.99);
  });

  it('serves the custom API for warranty ledger entries and BOM components', async () => {
    const base = `${erp.base}/api/contoso/customerGraph/v1.0/companies(${COMPANY_ID})`;
    const w = await erp.get(`${base}/warrantyLedgerEntries`);
    expect(w.status).toBe(200);
    expect(w.body['@odata.context']).toContain('/api/contoso/customerGraph/v1.0/$metadata#');
    expect(w.body.value).toEqual([expect.objectContaining({ serialNumber: 'SN-1', amount: 99.5 })]);
    const b = await erp.get(
      `${base}/bomComponents${q({ $filter: `parentItemId eq ${guid(2, 1)}`, $orderby: 'lineNumber desc' })}`,
    );
    expect(b.body.value.map((c: { lineNumber: number }) => c.lineNumber)).toEqual([30000, 20000, 10000]);
  });

  it('navigates to lines, single related entities and a line by id', async () => {
    const lines = await erp.get(`/salesOrders(${guid(20, 2)})/salesOrderLines`);
    expect(lines.body.value).toHaveLength(3);
    expect(lines.body.value.every((l: { documentId: string }) => l.documentId === guid(20, 2))).toBe(true);
    expect(lines.body['@odata.context']).toContain(`salesOrders(${guid(20, 2)})/salesOrderLines`);
    const fin = await erp.get(`/customers(${guid(1, 3)})/customerFinancialDetail`);
    expect(fin.status).toBe(200);
    expect(fin.body).toMatchObject({ id: guid(1, 3), totalSalesExcludingTax: 2000 });
    const aged = await erp.get(`/customers(${guid(1, 3)})/agedAccountsReceivable`);
    expect(aged.body.customerId).toBe(guid(1, 3));
    const line = await erp.get(`/salesOrders(${guid(20, 2)})/salesOrderLines(${guid(21, 21)})`);
    expect(line.body.quantity).toBe(2);
    const wrongParent = await erp.get(`/salesOrders(${guid(20, 1)})/salesOrderLines(${guid(21, 21)})`);
    expect(wrongParent.status).toBe(404);
    const invoiceLines = await erp.get(`/salesInvoices(${guid(30, 1)})/salesInvoiceLines`);
    expect(invoiceLines.body.value).toHaveLength(1);
  });

  it('needs a document id to list lines at top level, as BC', async () => {
    const res = await erp.get('/salesOrderLines');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('Application_DialogException');
    const ok = await erp.get(
      `/salesOrderLines${q({ $filter: `documentId eq ${guid(20, 1)} or documentId eq ${guid(20, 3)}` })}`,
    );
    expect(ok.body.value).toHaveLength(6);
    const quoted = await erp.get(`/salesQuoteLines${q({ $filter: `documentId eq '${guid(10, 1)}'` })}`);
    expect(quoted.body.value).toHaveLength(2);
  });
});

describe('query options', () => {
  const names = (res: { body: { value: { displayName: string }[] } }) =>
    res.body.value.map((c) => c.displayName);

  it('$filter comparisons, functions, and/or on one field, parentheses', async () => {
    expect(names(await erp.get(`/customers${q({ $filter: "displayName eq 'Trey Research'" })}`))).toEqual([
      'Trey Research',
    ]);
    expect(names(await erp.get(`/customers${q({ $filter: "displayName eq 'O''Brien & Sons'" })}`))).toEqual([
      "O'Brien & Sons",
    ]);
    expect((await erp.get(`/customers${q({ $filter: 'balanceDue gt 1100' })}`)).body.value).toHaveLength(1);
    expect(
      (await erp.get(`/customers${q({ $filter: 'balanceDue ge 1005 and balanceDue le 1105.5' })}`)).body
        .value,
    ).toHaveLength(2);
    expect((await erp.get(`/customers${q({ $filter: "city ne 'Seattle'" })}`)).body.value).toHaveLength(6);
    expect(names(await erp.get(`/customers${q({ $filter: "contains(displayName,'%')" })}`))).toEqual([
      '100% Cotton_Co',
    ]);
    expect(names(await erp.get(`/customers${q({ $filter: "startswith(displayName,'Adatum')" })}`))).toEqual([
      'Adatum Corporation',
    ]);
    expect(names(await erp.get(`/customers${q({ $filter: "endswith(displayName,'🚀')" })}`))).toEqual([
      'Ünïcødé Straße 🚀',
    ]);
    expect(
      names(
        await erp.get(
          `/customers${q({ $filter: "(number eq 'C00001' or number eq 'C00002') and city eq 'Seattle'" })}`,
        ),
      ),
    ).toEqual(['Adatum Corporation']);
    expect((await erp.get(`/customers${q({ $filter: 'taxLiable eq true' })}`)).body.value).toHaveLength(6);
    expect(
      (await erp.get(`/customers${q({ $filter: 'lastModifiedDateTime ge 2024-03-10T00:00:00Z' })}`)).body
        .value,
    ).toHaveLength(3);
    expect(
      (await erp.get(`/salesOrders${q({ $filter: 'orderDate lt 2024-02-03' })}`)).body.value,
    ).toHaveLength(2);
    expect((await erp.get(`/customers${q({ $filter: `id eq ${guid(1, 4)}` })}`)).body.value).toHaveLength(1);
    expect((await erp.get(`/customers${q({ $filter: "addressLine2 eq ''" })}`)).body.value).toHaveLength(12);
  });

  it('refuses or across fields, unknown fields, bad syntax and type mismatches with BC errors', async () => {
    const cases: [string, number, string][] = [
      ["displayName eq 'a' or number eq 'b'", 400, 'BadRequest_InvalidToken'],
      ["nope eq 'a'", 400, 'BadRequest_NotFound'],
      ["displayName eq 'a", 400, 'BadRequest_InvalidToken'],
      ['displayName eq', 400, 'BadRequest_InvalidToken'],
      ["displayName eq 'a' and", 400, 'BadRequest_InvalidToken'],
      ["balanceDue eq 'x'", 400, 'BadRequest_InvalidToken'],
      ["tolower(displayName) eq 'a'", 400, 'BadRequest_InvalidToken'],
      ["number in ('a','b')", 400, 'BadRequest_InvalidToken'],
      ["not (number eq 'a')", 400, 'BadRequest_InvalidToken'],
      ["id eq 'not-a-guid'", 400, 'BadRequest_InvalidToken'],
      ['lastModifiedDateTime eq 2024-02-30', 400, 'BadRequest_InvalidToken'],
    ];
    for (const [filter, status, code] of cases) {
      const res = await erp.get(`/customers${q({ $filter: filter })}`);
      expect(res.status, filter).toBe(status);
      expect(res.body.error.code, filter).toBe(code);
    }
  });

  it('ignores lambda operators as BC does', async () => {
    const res = await erp.get(`/salesOrders${q({ $filter: `salesOrderLines/any(l: l.quantity gt 100)` })}`);
    expect(res.status).toBe(200);
    expect(res.body.value).toHaveLength(4);
  });

  it('$select, $orderby, $top, $skip, $count', async () => {
    const res = await erp.get(
      `/customers${q({ $select: 'number,displayName', $orderby: 'city desc,number asc', $top: '3', $skip: '1', $count: 'true' })}`,
    );
    expect(res.body['@odata.count']).toBe(12);
    expect(res.body.value).toHaveLength(3);
    expect(Object.keys(res.body.value[0]).sort()).toEqual(['@odata.etag', 'displayName', 'number']);
    expect(res.body.value.map((c: { number: string }) => c.number)).toEqual(['C00003', 'C00005', 'C00007']);
    const bad = await erp.get(`/customers${q({ $select: 'number,nope' })}`);
    expect(bad.status).toBe(400);
    expect((await erp.get(`/customers${q({ $orderby: 'number sideways' })}`)).status).toBe(400);
    expect((await erp.get(`/customers${q({ $top: '-1' })}`)).status).toBe(400);
    const unsupported = await erp.get(`/customers${q({ $search: 'x' })}`);
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.message).toContain('$search');
    expect((await erp.get(`/customers(${guid(1, 1)})${q({ $top: '1' })}`)).status).toBe(400);
  });

  it('$expand with nested $select/$filter/$orderby/$top and single-valued navigation', async () => {
    const res = await erp.get(
      `/salesOrders${q({ $filter: `id eq ${guid(20, 3)}`, $expand: 'salesOrderLines($select=sequence,quantity;$filter=quantity ge 6;$orderby=sequence desc;$top=1),customer($select=number)' })}`,
    );
    expect(res.status).toBe(200);
    const order = res.body.value[0];
    expect(order.salesOrderLines).toEqual([
      { '@odata.etag': expect.any(String), sequence: 330000, quantity: 9 },
    ]);
    expect(order.customer).toEqual({ '@odata.etag': expect.any(String), number: 'C00003' });
    const nested = await erp.get(
      `/salesOrders(${guid(20, 1)})${q({ $expand: 'salesOrderLines($expand=item($select=number))' })}`,
    );
    expect(nested.body.salesOrderLines.map((l: { item: { number: string } }) => l.item.number)).toEqual([
      'I0001',
      'I0002',
      'I0003',
    ]);
    const bad = await erp.get(`/salesOrders${q({ $expand: 'nothing' })}`);
    expect(bad.status).toBe(400);
    const all = await erp.get(`/customers${q({ $expand: 'customerFinancialDetail' })}`);
    expect(
      all.body.value.every(
        (c: { id: string; customerFinancialDetail: { id: string } }) => c.customerFinancialDetail.id === c.id,
      ),
    ).toBe(true);
  });
});

describe('server-driven paging', () => {
  it('pages with odata.maxpagesize and returns every row exactly once', async () => {
    const seen: string[] = [];
    let url: string | undefined = `${erp.api}/customers`;
    let pages = 0;
    while (url) {
      const res = await erp.get(url, { prefer: 'odata.maxpagesize=5' });
      expect(res.headers.get('preference-applied')).toBe('odata.maxpagesize=5');
      seen.push(...res.body.value.map((c: { id: string }) => c.id));
      url = res.body['@odata.nextLink'];
      pages += 1;
    }
    expect(pages).toBe(3);
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
  });

  it('keeps $filter, $orderby and $top across pages', async () => {
    const seen: string[] = [];
    let url: string | undefined =
      `${erp.api}/customers${q({ $filter: "city eq 'Atlanta'", $orderby: 'displayName desc', $top: '5' })}`;
    while (url) {
      const res = await erp.get(url, { prefer: 'odata.maxpagesize=2' });
      seen.push(...res.body.value.map((c: { displayName: string }) => c.displayName));
      url = res.body['@odata.nextLink'];
    }
    const atlanta = NAMES.filter((_, i) => i % 2 === 1);
    expect(seen).toEqual([...atlanta].sort().reverse().slice(0, 5));
  });

  it('refuses a forged skip token', async () => {
    const res = await erp.get(`/customers?$skiptoken=garbage`);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('BadRequest_InvalidToken');
  });
});

describe('auth', () => {
  it('answers 401 without or with a wrong token, but /__sim/ needs none', async () => {
    const none = await fetch(`${erp.api}/customers`);
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({
      error: { code: 'Authentication_InvalidCredentials', message: expect.any(String) },
    });
    const wrong = await erp.get('/customers', { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
    const stats = await fetch(`${erp.base}/__sim/stats`);
    expect(stats.status).toBe(200);
  });
});
