import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDatabase, guid, type Json, type Running, start } from './erp-legacy-fixture.js';

let erp: Running;

beforeAll(async () => {
  erp = await start(buildDatabase());
});
afterAll(async () => {
  await erp.close();
});

describe('customers: POST, PATCH with If-Match, DELETE', () => {
  it('creates a customer with a number from the series and its financial detail', async () => {
    const res = await erp.send('POST', '/customers', {
      displayName: 'New Co',
      city: 'Oslo',
      creditLimit: 1234.5,
      taxLiable: true,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      displayName: 'New Co',
      number: 'C00013',
      creditLimit: 1234.5,
      taxLiable: true,
      balanceDue: 0,
      blocked: ' ',
    });
    expect(res.headers.get('etag')).toBe(res.body['@odata.etag']);
    const fin = await erp.get(`/customers(${res.body.id})/customerFinancialDetail`);
    expect(fin.body).toMatchObject({ id: res.body.id, balance: 0 });
  });

  it('validates bodies: unknown, read-only and mistyped fields, bad JSON', async () => {
    const cases: [unknown, string][] = [
      [{ nope: 1 }, "The property 'nope' does not exist"],
      [{ balanceDue: 5 }, 'read-only'],
      [{ id: guid(1, 77) }, 'read-only'],
      [{ creditLimit: 'lots' }, 'Edm.Decimal'],
      [{ taxLiable: 'yes' }, 'Edm.Boolean'],
      [{ type: 'Alien' }, "'type'"],
      ['{not json', 'not valid JSON'],
      [[1, 2], 'JSON object'],
    ];
    for (const [body, message] of cases) {
      const res = await erp.send('POST', '/customers', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    const count = erp.db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number };
    expect(count.n).toBe(13);
  });

  it('requires If-Match, accepts *, refuses a stale ETag with 409 Request_EntityChanged', async () => {
    const path = `/customers(${guid(1, 1)})`;
    const before = await erp.get(path);
    const missing = await erp.send('PATCH', path, { displayName: 'X' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toContain('concurrency token');
    const ok = await erp.send(
      'PATCH',
      path,
      { displayName: 'Adatum Renamed' },
      { 'if-match': before.body['@odata.etag'] },
    );
    expect(ok.status).toBe(200);
    expect(ok.body.displayName).toBe('Adatum Renamed');
    expect(ok.body['@odata.etag']).not.toBe(before.body['@odata.etag']);
    expect(ok.body.lastModifiedDateTime > before.body.lastModifiedDateTime).toBe(true);
    const stale = await erp.send(
      'PATCH',
      path,
      { displayName: 'Lost update' },
      { 'if-match': before.body['@odata.etag'] },
    );
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('Request_EntityChanged');
    expect((await erp.get(path)).body.displayName).toBe('Adatum Renamed');
    const star = await erp.send('PATCH', path, { phoneNumber: '555' }, { 'if-match': '*' });
    expect(star.status).toBe(200);
  });

  it('deletes a customer without documents, refuses one with orders', async () => {
    const created = await erp.send('POST', '/customers', { displayName: 'Short-lived' });
    const del = await erp.send('DELETE', `/customers(${created.body.id})`, undefined, {
      'if-match': created.body['@odata.etag'],
    });
    expect(del.status).toBe(204);
    expect((await erp.get(`/customers(${created.body.id})`)).status).toBe(404);
    const refused = await erp.send('DELETE', `/customers(${guid(1, 4)})`, undefined, { 'if-match': '*' });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('Application_DialogException');
  });
});

describe('sales orders', () => {
  it('deep-inserts an order with lines and computes amounts and totals', async () => {
    const res = await erp.send('POST', '/salesOrders?$expand=salesOrderLines', {
      customerNumber: 'C00003',
      externalDocumentNumber: 'PO-777',
      salesOrderLines: [
        { lineObjectNumber: 'I0002', quantity: 3 },
        { itemId: guid(2, 1), quantity: 2, unitPrice: 100, discountPercent: 10 },
        { lineType: 'Comment', description: 'Deliver to back door' },
      ],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customerId: guid(1, 3),
      customerName: '100% Cotton_Co',
      externalDocumentNumber: 'PO-777',
      status: 'Draft',
    });
    const lines = res.body.salesOrderLines as Json[];
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      sequence: 10000,
      unitPrice: 20.99,
      amountExcludingTax: 62.97,
      description: 'Item 2',
    });
    expect(lines[1]).toMatchObject({ discountAmount: 20, amountExcludingTax: 180 });
    expect(lines[2]).toMatchObject({ lineType: 'Comment', amountExcludingTax: 0 });
    expect(res.body.totalAmountExcludingTax).toBe(242.97);
    // Tax liable customer 3 with no earlier tax rate for the items: 0 %.
    expect(res.body.totalAmountIncludingTax).toBe(242.97);
  });

  it('refuses orders for unknown or blocked customers and unknown items, leaving nothing behind', async () => {
    const before = (erp.db.prepare('SELECT COUNT(*) AS n FROM salesOrders').get() as { n: number }).n;
    for (const body of [
      { customerNumber: 'NOPE' },
      { customerId: guid(1, 6) },
      { customerNumber: 'C00001', salesOrderLines: [{ lineObjectNumber: 'I9999', quantity: 1 }] },
      { customerNumber: 'C00001', salesOrderLines: [{ lineObjectNumber: 'I0001', quantity: 'many' }] },
      { customerNumber: 'C00001', salesOrderLines: 'lines' },
    ]) {
      const res = await erp.send('POST', '/salesOrders', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect((erp.db.prepare('SELECT COUNT(*) AS n FROM salesOrders').get() as { n: number }).n).toBe(before);
  });

  it('adds, patches and deletes lines, keeping header totals in step', async () => {
    const order = (await erp.send('POST', '/salesOrders', { customerNumber: 'C00002' })).body;
    const added = await erp.send('POST', `/salesOrders(${order.id})/salesOrderLines`, {
      lineObjectNumber: 'I0001',
      quantity: 10,
    });
    expect(added.status).toBe(201);
    expect((await erp.get(`/salesOrders(${order.id})`)).body.totalAmountExcludingTax).toBe(109.9);
    const top = await erp.send('POST', '/salesOrderLines', {
      documentId: order.id,
      lineObjectNumber: 'I0003',
      quantity: 1,
    });
    expect(top.status).toBe(201);
    expect((await erp.get(`/salesOrders(${order.id})`)).body.totalAmountExcludingTax).toBe(140.89);
    const patched = await erp.send(
      'PATCH',
      `/salesOrders(${order.id})/salesOrderLines(${added.body.id})`,
      { quantity: 1 },
      { 'if-match': added.body['@odata.etag'] },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.amountExcludingTax).toBe(10.99);
    expect((await erp.get(`/salesOrders(${order.id})`)).body.totalAmountExcludingTax).toBe(41.98);
    const del = await erp.send('DELETE', `/salesOrderLines(${top.body.id})`, undefined, {
      'if-match': top.body['@odata.etag'],
    });
    expect(del.status).toBe(204);
    expect((await erp.get(`/salesOrders(${order.id})`)).body.totalAmountExcludingTax).toBe(10.99);
    const patchOrder = await erp.send(
      'PATCH',
      `/salesOrders(${order.id})`,
      { externalDocumentNumber: 'X-1' },
      { 'if-match': '*' },
    );
    expect(patchOrder.body.externalDocumentNumber).toBe('X-1');
    const readOnly = await erp.send(
      'PATCH',
      `/salesOrders(${order.id})`,
      { totalAmountIncludingTax: 1 },
      { 'if-match': '*' },
    );
    expect(readOnly.status).toBe(400);
  });
});

describe('bound actions', () => {
  it('makeOrder turns a quote into an order, consumes it, and a second call is 404', async () => {
    const quote = (await erp.get(`/salesQuotes(${guid(10, 2)})?$expand=salesQuoteLines`)).body;
    const res = await erp.send('POST', `/salesQuotes(${guid(10, 2)})/Microsoft.NAV.makeOrder`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect((await erp.get(`/salesQuotes(${guid(10, 2)})`)).status).toBe(404);
    const orders = await erp.get(
      `/salesOrders?$filter=externalDocumentNumber eq '${quote.externalDocumentNumber}'&$expand=salesOrderLines`,
    );
    expect(orders.body.value).toHaveLength(1);
    const order = orders.body.value[0];
    expect(order.customerId).toBe(quote.customerId);
    expect(order.totalAmountExcludingTax).toBe(quote.totalAmountExcludingTax);
    expect(order.salesOrderLines.map((l: Json) => [l.lineObjectNumber, l.quantity])).toEqual(
      quote.salesQuoteLines.map((l: Json) => [l.lineObjectNumber, l.quantity]),
    );
    const again = await erp.send('POST', `/salesQuotes(${guid(10, 2)})/Microsoft.NAV.makeOrder`);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('BadRequest_NotFound');
    expect((await erp.get(`/salesQuoteLines?$filter=documentId eq ${guid(10, 2)}`)).body.value).toHaveLength(
      0,
    );
    expect((await erp.get(`/salesQuotes(${guid(10, 2)})/Microsoft.NAV.makeOrder`)).status).toBe(405);
    expect((await erp.send('POST', `/salesQuotes(${guid(10, 2)})/Microsoft.NAV.explode`)).status).toBe(404);
  });

  it('shipAndInvoice posts the shipment and the invoice and updates the balance', async () => {
    const order = (await erp.get(`/salesOrders(${guid(20, 4)})`)).body;
    const balanceBefore = (await erp.get(`/customers(${guid(1, 4)})`)).body.balanceDue;
    const res = await erp.send('POST', `/salesOrders(${guid(20, 4)})/Microsoft.NAV.shipAndInvoice`);
    expect(res.status).toBe(204);
    const invoices = await erp.get(
      `/salesInvoices?$filter=orderId eq ${guid(20, 4)}&$expand=salesInvoiceLines`,
    );
    expect(invoices.body.value).toHaveLength(1);
    const invoice = invoices.body.value[0];
    expect(invoice).toMatchObject({ orderNumber: order.number, customerId: guid(1, 4), status: 'Open' });
    expect(invoice.totalAmountIncludingTax).toBe(order.totalAmountIncludingTax);
    expect(invoice.remainingAmount).toBe(invoice.totalAmountIncludingTax);
    expect(invoice.salesInvoiceLines).toHaveLength(3);
    const shipments = await erp.get(
      `/salesShipments?$filter=orderNumber eq '${order.number}'&$expand=salesShipmentLines`,
    );
    expect(shipments.body.value).toHaveLength(1);
    expect(shipments.body.value[0].salesShipmentLines.map((l: Json) => l.quantity)).toEqual([4, 8, 12]);
    const after = (await erp.get(`/salesOrders(${guid(20, 4)})?$expand=salesOrderLines`)).body;
    expect(after.fullyShipped).toBe(true);
    expect(
      after.salesOrderLines.every(
        (l: Json) => l.shippedQuantity === l.quantity && l.invoicedQuantity === l.quantity,
      ),
    ).toBe(true);
    expect((await erp.get(`/customers(${guid(1, 4)})`)).body.balanceDue).toBeCloseTo(
      balanceBefore + invoice.totalAmountIncludingTax,
      2,
    );
    const again = await erp.send('POST', `/salesOrders(${guid(20, 4)})/Microsoft.NAV.shipAndInvoice`);
    expect(again.status).toBe(400);
    expect(again.body.error).toEqual({
      code: 'Application_DialogException',
      message: 'There is nothing to post.',
    });
  });
});

describe('$batch', () => {
  const batch = (requests: unknown[], headers: Record<string, string> = {}) =>
    erp.send('POST', `${erp.base}/api/v2.0/$batch`, { requests }, headers);

  it('runs sub-requests with relative URLs and counts each in /__sim/stats', async () => {
    await fetch(`${erp.base}/__sim/reset`, { method: 'POST' });
    const res = await batch([
      {
        id: 'a',
        method: 'GET',
        url: `companies(${'c0a0a0a0-0000-4000-8000-000000000001'})/customers?$top=2`,
      },
      {
        id: 'b',
        method: 'GET',
        url: `/api/v2.0/companies(c0a0a0a0-0000-4000-8000-000000000001)/items(${guid(2, 1)})`,
      },
      { id: 'c', method: 'GET', url: 'companies(c0a0a0a0-0000-4000-8000-000000000001)/nothing' },
      {
        id: 'd',
        method: 'POST',
        url: 'companies(c0a0a0a0-0000-4000-8000-000000000001)/customers',
        body: { displayName: 'From batch' },
        headers: { 'content-type': 'application/json' },
      },
    ]);
    expect(res.status).toBe(200);
    const byId = Object.fromEntries(res.body.responses.map((r: Json) => [r.id, r]));
    expect(byId.a.status).toBe(200);
    expect(byId.a.body.value).toHaveLength(2);
    expect(byId.b.body.number).toBe('I0001');
    expect(byId.c.status).toBe(404);
    expect(byId.d.status).toBe(201);
    const stats: Json = await (await fetch(`${erp.base}/__sim/stats`)).json();
    expect(stats.byRoute).toMatchObject({
      'POST /$batch': 1,
      'GET /customers': 1,
      'GET /items({id})': 1,
      'POST /customers': 1,
    });
    expect(stats.total).toBe(5);
  });

  it('allows 100 requests and refuses 101', async () => {
    const make = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: String(i),
        method: 'GET',
        url: `companies(c0a0a0a0-0000-4000-8000-000000000001)/items(${guid(2, 1 + (i % 5))})`,
      }));
    const ok = await batch(make(100));
    expect(ok.status).toBe(200);
    expect(ok.body.responses).toHaveLength(100);
    expect(ok.body.responses.every((r: Json) => r.status === 200)).toBe(true);
    const tooMany = await batch(make(101));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('BadRequest');
    const malformed = await erp.send('POST', `${erp.base}/api/v2.0/$batch`, { nope: [] });
    expect(malformed.status).toBe(400);
  });

  it('Isolation: snapshot makes writes all-or-nothing', async () => {
    const count = () => (erp.db.prepare('SELECT COUNT(*) AS n FROM customers').get() as { n: number }).n;
    const before = count();
    const url = 'companies(c0a0a0a0-0000-4000-8000-000000000001)/customers';
    const failing = await batch(
      [
        { id: '1', method: 'POST', url, body: { displayName: 'Atomic 1' } },
        { id: '2', method: 'POST', url, body: { displayName: 'Atomic 2' } },
        { id: '3', method: 'POST', url, body: { balanceDue: 1 } },
      ],
      { isolation: 'snapshot' },
    );
    expect(failing.status).toBe(200);
    expect(failing.body.responses.map((r: Json) => r.status)).toEqual([424, 424, 400]);
    expect(count()).toBe(before);
    const plain = await batch([
      { id: '1', method: 'POST', url, body: { displayName: 'Kept 1' } },
      { id: '2', method: 'POST', url, body: { balanceDue: 1 } },
    ]);
    expect(plain.body.responses.map((r: Json) => r.status)).toEqual([201, 400]);
    expect(count()).toBe(before + 1);
    const succeeding = await batch(
      [
        { id: '1', method: 'POST', url, body: { displayName: 'Atomic A' } },
        { id: '2', method: 'POST', url, body: { displayName: 'Atomic B' } },
      ],
      { isolation: 'snapshot' },
    );
    expect(succeeding.body.responses.map((r: Json) => r.status)).toEqual([201, 201]);
    expect(count()).toBe(before + 3);
  });
});

describe('simulated faults', () => {
  const config = (patch: unknown) =>
    fetch(`${erp.base}/__sim/config`, { method: 'POST', body: JSON.stringify(patch) }).then((r) => r.json());

  it('throttles with 429 Application_TooManyRequests, with and without Retry-After', async () => {
    await fetch(`${erp.base}/__sim/reset`, { method: 'POST' });
    await config({ throttleAfter: 2, throttleWindowMs: 60_000, throttleRetryAfterSeconds: 7 });
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof erp.get>> | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await erp.get('/items');
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429, 429]);
    expect(last!.body.error.code).toBe('Application_TooManyRequests');
    expect(last!.headers.get('retry-after')).toBe('7');
    await config({ throttleRetryAfterSeconds: null });
    const bare = await erp.get('/items');
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    await config({ throttleAfter: null });
    const stats: Json = await (await fetch(`${erp.base}/__sim/stats`)).json();
    expect(stats.byRoute['GET /items']).toBe(5);
  });

  it('answers 503 during an outage and injected errors in BC format', async () => {
    await config({ outage: true });
    const down = await erp.get('/customers');
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('ServiceUnavailable');
    await config({ outage: false, errorRate: 1, errorStatus: 500 });
    const broken = await erp.get('/customers');
    expect(broken.status).toBe(500);
    expect(broken.body.error.code).toBe('Internal_ServerError');
    await config({ errorRate: 0 });
    expect((await erp.get('/customers')).status).toBe(200);
  });

  it('reset zeroes the counters', async () => {
    await erp.get('/items');
    const reset = await (await fetch(`${erp.base}/__sim/reset`, { method: 'POST' })).json();
    expect(reset).toMatchObject({ total: 0, byRoute: {}, roundTrips: 0 });
  });
});
