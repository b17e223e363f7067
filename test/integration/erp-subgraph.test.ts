import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../legacy/generator/open.js';
import type { SimStats } from '../../legacy/sim/simulator.js';
import {
  costFor10And100,
  type Json,
  type RunningStandIn,
  type RunningSubgraph,
  routes,
  startSubgraph,
  useGeneratedErp,
} from './erp-subgraph-harness.js';

/**
 * The ERP subgraph against the Business Central stand-in over a generated data set: answers
 * checked against the stand-in's database, cost checked as ERP calls from `/__sim/stats`.
 */

let dataset: Dataset;
let erp: RunningStandIn;
let subgraph: RunningSubgraph;
const { all, one, fixed } = useGeneratedErp((running) => ({ dataset, erp, subgraph } = running));

const customerIds = (n: number): string[] =>
  all('SELECT id FROM customers ORDER BY number LIMIT ?', n).map((r) => r.id as string);

const CUSTOMER_360 = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer {
        id inErp number erpName currencyCode blocked
        balance { amount currencyCode }
        overdue { amount currencyCode }
        creditLimit { amount }
        availableCredit { amount }
        erpBillingAddress { purpose source street city postalCode country }
        orders(first: 5) {
          edges { node { number status total { amount currencyCode } lines { sequence quantity product { sku name } } } }
          pageInfo { hasNextPage endCursor }
        }
        invoices(first: 5) { edges { node { number dueDate remaining { amount currencyCode } } } }
      }
    }
  }
`;

const representations = (ids: string[]) => ids.map((id) => ({ __typename: 'Customer', id }));

/** The ERP's stats of `run` for one customer, with the latency costFor10And100 counts under. */
async function costOfOne(run: (customers: number) => Promise<void>): Promise<SimStats> {
  await erp.simConfig({ latencyMs: 60 });
  try {
    await erp.resetStats();
    await run(1);
    return await erp.stats();
  } finally {
    await erp.simConfig({ latencyMs: 0 });
  }
}

describe('serving', () => {
  it('answers GET /health and serves the subgraph SDL', async () => {
    const health = await fetch(subgraph.url.replace(/\/graphql$/, '/health'));
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const sdl = await subgraph.gql('{ _service { sdl } }');
    expect(sdl.body.data._service.sdl).toMatch(/type Customer\s+@key\(fields: "id"\)/);
  });
});

describe('Customer entities', () => {
  it('resolves customers with balance, orders (lines, products) and invoices as the ERP holds them', async () => {
    const ids = customerIds(10);
    const res = await subgraph.gql(CUSTOMER_360, { representations: representations(ids) });
    expect(res.body.errors).toBeUndefined();
    const customers: Json[] = res.body.data._entities;
    expect(customers.map((c) => c.id)).toEqual(ids);
    for (const customer of customers) {
      const row = one(
        'SELECT c.*, f.balance, f.overdueAmount FROM customers c JOIN customerFinancialDetails f ON f.id = c.id WHERE c.id = ?',
        customer.id,
      );
      const currency = row.currencyCode === '' ? 'USD' : row.currencyCode;
      expect(customer).toMatchObject({
        inErp: true,
        number: row.number,
        erpName: row.displayName,
        currencyCode: currency,
        balance: { amount: fixed(row.balance), currencyCode: currency },
        overdue: { amount: fixed(row.overdueAmount), currencyCode: currency },
      });
      expect(customer.blocked).toBe(
        { ' ': 'NONE', Ship: 'SHIP', Invoice: 'INVOICE', All: 'ALL' }[row.blocked as string],
      );
      expect(customer.creditLimit).toEqual(row.creditLimit ? { amount: fixed(row.creditLimit) } : null);
      expect(customer.erpBillingAddress).toMatchObject({
        purpose: 'BILLING',
        source: 'ERP',
        city: row.city || null,
      });

      const orders = all(
        'SELECT * FROM salesOrders WHERE customerId = ? ORDER BY orderDate DESC, number DESC, id DESC',
        customer.id,
      );
      const got: Json[] = customer.orders.edges.map((e: Json) => e.node);
      expect(got.map((o) => o.number)).toEqual(orders.slice(0, 5).map((o) => o.number));
      expect(customer.orders.pageInfo.hasNextPage).toBe(orders.length > 5);
      for (const order of got) {
        const orderRow = orders.find((o) => o.number === order.number)!;
        expect(order.total).toEqual({
          amount: fixed(orderRow.totalAmountIncludingTax),
          currencyCode: orderRow.currencyCode === '' ? 'USD' : orderRow.currencyCode,
        });
        const lines = all(
          'SELECT l.sequence, l.quantity, i.number AS sku, i.displayName AS name FROM salesOrderLines l LEFT JOIN items i ON i.number = l.lineObjectNumber WHERE l.documentId = ? ORDER BY l.sequence',
          orderRow.id,
        );
        expect(order.lines).toEqual(
          lines.map((l) => ({
            sequence: l.sequence,
            quantity: l.quantity,
            product: { sku: l.sku, name: l.name },
          })),
        );
      }
      const invoices = all(
        'SELECT * FROM salesInvoices WHERE customerId = ? ORDER BY invoiceDate DESC, number DESC, id DESC LIMIT 5',
        customer.id,
      );
      expect(customer.invoices.edges.map((e: Json) => e.node.number)).toEqual(invoices.map((i) => i.number));
      for (const edge of customer.invoices.edges) {
        const invoice = invoices.find((i) => i.number === edge.node.number)!;
        expect(edge.node.remaining.amount).toBe(fixed(invoice.remainingAmount));
        expect(edge.node.dueDate).toBe(invoice.dueDate);
      }
    }
  });

  it('costs the ERP one round trip in sequence, the same calls for 1, 10 and 100 customers', async () => {
    const run = async (n: number) => {
      const res = await subgraph.gql(CUSTOMER_360, { representations: representations(customerIds(n)) });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data._entities).toHaveLength(n);
    };
    const { ten, hundred } = await costFor10And100(erp, run);
    const single = await costOfOne(run);
    // customers (+ financial details), one $batch of orders (+ lines, + their items), one $batch
    // of invoices, all side by side (a page needs only the id): the lines' products come with
    // the orders, so no lookup of items follows (it made the depth 2 before).
    for (const stats of [single, ten, hundred]) {
      expect(stats.roundTrips).toBe(3);
      expect(stats.sequentialDepth).toBe(1);
      expect(stats.byRoute['GET /items'] ?? 0).toBe(0);
    }
    expect(routes(single)).toEqual({
      'GET /customers': 1,
      'GET /salesOrders': 1,
      'GET /salesInvoices': 1,
    });
    expect(routes(ten)).toEqual({
      'GET /customers': 1,
      'POST /$batch': 2,
      'GET /salesOrders': 10,
      'GET /salesInvoices': 10,
    });
    expect(routes(hundred)).toEqual({
      'GET /customers': 1,
      'POST /$batch': 2,
      'GET /salesOrders': 100,
      'GET /salesInvoices': 100,
    });
    console.log(
      `Customer360 ERP cost: 1 customer → ${single.roundTrips} round trips (depth ${single.sequentialDepth}); 10 customers → ${ten.roundTrips} round trips (${ten.total} requests incl. $batch parts, depth ${ten.sequentialDepth}); 100 customers → ${hundred.roundTrips} round trips (${hundred.total} requests, depth ${hundred.sequentialDepth})`,
    );
  });

  it('answers ids the ERP cannot hold (CRM account ids) with inErp false and no ERP call', async () => {
    await erp.resetStats();
    const res = await subgraph.gql(CUSTOMER_360, {
      representations: representations(['001000000000001AAA', '001000000000002AAA']),
    });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities).toEqual([
      expect.objectContaining({
        id: '001000000000001AAA',
        inErp: false,
        number: null,
        balance: null,
        orders: null,
      }),
      expect.objectContaining({
        id: '001000000000002AAA',
        inErp: false,
        invoices: null,
        erpBillingAddress: null,
      }),
    ]);
    expect((await erp.stats()).total).toBe(0);
  });

  it('answers an unknown GUID with inErp false, in the same single lookup as known ones', async () => {
    const [known] = customerIds(1);
    const unknown = '00000000-0000-4000-8000-00000000beef';
    await erp.resetStats();
    const res = await subgraph.gql(
      '{ _entities(representations: [{__typename: "Customer", id: "' +
        unknown +
        '"}, {__typename: "Customer", id: "' +
        known +
        '"}]) { ... on Customer { id inErp number orders(first: 1) { edges { node { number } } } } } }',
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities[0]).toEqual({ id: unknown, inErp: false, number: null, orders: null });
    expect(res.body.data._entities[1]).toMatchObject({ id: known, inErp: true });
    // Orders are asked for beside the lookup, so the unknown customer's (empty) page rides in
    // the same $batch: still one round trip per lookup.
    const stats = await erp.stats();
    expect(stats.roundTrips).toBe(2);
    expect(routes(stats)).toEqual({ 'GET /customers': 1, 'POST /$batch': 1, 'GET /salesOrders': 2 });
  });

  it('finds the salesperson (employees by number, batched) and resolves Employee entities by e-mail', async () => {
    const ids = customerIds(30);
    await erp.resetStats();
    const res = await subgraph.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id salesperson { email employeeNumber name } } } }',
      { r: representations(ids) },
    );
    expect(res.body.errors).toBeUndefined();
    for (const customer of res.body.data._entities) {
      const row = one(
        'SELECT e.* FROM customers c LEFT JOIN employees e ON e.number = c.salespersonCode WHERE c.id = ?',
        customer.id,
      );
      expect(customer.salesperson).toEqual(
        row.email ? { email: row.email, employeeNumber: row.number, name: row.displayName } : null,
      );
    }
    expect(routes(await erp.stats())).toEqual({ 'GET /customers': 1, 'GET /employees': 1 });

    const employees = all('SELECT * FROM employees ORDER BY number LIMIT 3');
    await erp.resetStats();
    const byEmail = await subgraph.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Employee { email employeeId employeeNumber jobTitle employmentStatus } } }',
      {
        r: [
          ...employees.map((e) => ({ __typename: 'Employee', email: e.email })),
          { __typename: 'Employee', email: 'nobody@example.com' },
        ],
      },
    );
    expect(byEmail.body.errors).toBeUndefined();
    expect(byEmail.body.data._entities).toEqual([
      ...employees.map((e) => ({
        email: e.email,
        employeeId: e.id,
        employeeNumber: e.number,
        jobTitle: e.jobTitle || null,
        employmentStatus: e.status,
      })),
      {
        email: 'nobody@example.com',
        employeeId: null,
        employeeNumber: null,
        jobTitle: null,
        employmentStatus: null,
      },
    ]);
    expect(routes(await erp.stats())).toEqual({ 'GET /employees': 1 });
  });
});

describe('documents and products', () => {
  it('reads a sales order by number with its lines, shipments, invoices and customer', async () => {
    const order = one(
      'SELECT * FROM salesOrders WHERE id IN (SELECT orderId FROM salesInvoices) AND number IN (SELECT orderNumber FROM salesShipments) LIMIT 1',
    );
    const res = await subgraph.gql(
      `query ($n: String!) { salesOrder(number: $n) { id number status orderDate externalDocumentNumber fullyShipped
         customer { id } subtotal { amount } tax { amount } total { amount currencyCode }
         lines { sequence description quantity unitPrice { amount } amount { amount } amountIncludingTax { amount } shippedQuantity invoicedQuantity product { sku } }
         shipments { number } invoices { number } } }`,
      { n: order.number },
    );
    expect(res.body.errors).toBeUndefined();
    const got = res.body.data.salesOrder;
    expect(got).toMatchObject({
      id: order.id,
      number: order.number,
      orderDate: order.orderDate,
      customer: { id: order.customerId },
      subtotal: { amount: fixed(order.totalAmountExcludingTax) },
      tax: { amount: fixed(order.totalTaxAmount) },
      total: { amount: fixed(order.totalAmountIncludingTax) },
      fullyShipped: order.fullyShipped === 1,
    });
    const lines = all('SELECT * FROM salesOrderLines WHERE documentId = ? ORDER BY sequence', order.id);
    expect(got.lines).toEqual(
      lines.map((l) => ({
        sequence: l.sequence,
        description: l.description || null,
        quantity: l.quantity,
        unitPrice: { amount: fixed(l.unitPrice) },
        amount: { amount: fixed(l.amountExcludingTax) },
        amountIncludingTax: { amount: fixed(l.amountIncludingTax) },
        shippedQuantity: l.shippedQuantity,
        invoicedQuantity: l.invoicedQuantity,
        product: { sku: l.lineObjectNumber },
      })),
    );
    expect(got.shipments.map((s: Json) => s.number).sort()).toEqual(
      all('SELECT number FROM salesShipments WHERE orderNumber = ?', order.number)
        .map((s) => s.number)
        .sort(),
    );
    expect(got.invoices.map((s: Json) => s.number).sort()).toEqual(
      all('SELECT number FROM salesInvoices WHERE orderId = ?', order.id)
        .map((s) => s.number)
        .sort(),
    );
    const missing = await subgraph.gql('{ salesOrder(number: "NO-SUCH") { id } }');
    expect(missing.body).toEqual({ data: { salesOrder: null } });
  });

  it('reads invoices with lines, payments and order; shipments with lines; all batched across documents', async () => {
    const invoices = all(
      'SELECT * FROM salesInvoices WHERE id IN (SELECT appliesToInvoiceId FROM customerPayments) ORDER BY number LIMIT 6',
    );
    await erp.resetStats();
    const res = await subgraph.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Invoice { number status isOverdue total { amount } remaining { amount }
         order { number } lines { sequence quantity product { sku } } payments { id amount { amount currencyCode } invoice { number } } } } }`,
      { r: invoices.map((i) => ({ __typename: 'Invoice', number: i.number })) },
    );
    expect(res.body.errors).toBeUndefined();
    const got: Json[] = res.body.data._entities;
    invoices.forEach((invoice, index) => {
      const payments = all(
        'SELECT * FROM customerPayments WHERE appliesToInvoiceId = ? ORDER BY postingDate, id',
        invoice.id,
      );
      const lines = all('SELECT * FROM salesInvoiceLines WHERE documentId = ? ORDER BY sequence', invoice.id);
      expect(got[index]).toEqual({
        number: invoice.number,
        status: invoice.status.toUpperCase(),
        isOverdue: invoice.remainingAmount > 0 && invoice.dueDate < new Date().toISOString().slice(0, 10),
        total: { amount: fixed(invoice.totalAmountIncludingTax) },
        remaining: { amount: fixed(invoice.remainingAmount) },
        order: invoice.orderNumber ? { number: invoice.orderNumber } : null,
        lines: lines.map((l) => ({
          sequence: l.sequence,
          quantity: l.quantity,
          product: { sku: l.lineObjectNumber },
        })),
        payments: payments.map((p) => ({
          id: p.id,
          amount: { amount: fixed(p.amount), currencyCode: 'USD' },
          invoice: { number: invoice.number },
        })),
      });
    });
    // invoices, their lines (with the items the selection asks for), payments, orders: one call
    // each however many invoices (the payments' invoices are the request's loader cache).
    const stats = await erp.stats();
    expect(routes(stats)).toEqual({
      'GET /salesInvoices': 1,
      'GET /salesInvoiceLines': 1,
      'GET /customerPayments': 1,
      'GET /salesOrders': 1,
    });

    const shipment = one('SELECT * FROM salesShipments ORDER BY number LIMIT 1');
    const shipped = await subgraph.gql(
      'query ($n: String!) { shipment(number: $n) { number shipmentDate customer { id } order { number } lines { sequence quantity product { sku } } } }',
      { n: shipment.number },
    );
    expect(shipped.body.errors).toBeUndefined();
    expect(shipped.body.data.shipment).toEqual({
      number: shipment.number,
      shipmentDate: shipment.shipmentDate,
      customer: { id: shipment.customerId },
      order: { number: shipment.orderNumber },
      lines: all('SELECT * FROM salesShipmentLines WHERE documentId = ? ORDER BY sequence', shipment.id).map(
        (l) => ({
          sequence: l.sequence,
          quantity: l.quantity,
          product: { sku: l.lineObjectNumber },
        }),
      ),
    });
  });

  it('resolves SalesOrder entities by id and by number, and Payment entities by id', async () => {
    const orders = all('SELECT id, number FROM salesOrders ORDER BY number LIMIT 4');
    const payment = one('SELECT * FROM customerPayments ORDER BY id LIMIT 1');
    const res = await subgraph.gql(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on SalesOrder { id number } ... on Payment { id postingDate customer { id } } } }',
      {
        r: [
          { __typename: 'SalesOrder', id: orders[0]!.id },
          { __typename: 'SalesOrder', number: orders[1]!.number },
          { __typename: 'SalesOrder', id: 'not-a-guid' },
          { __typename: 'Payment', id: payment.id },
        ],
      },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities).toEqual([
      { id: orders[0]!.id, number: orders[0]!.number },
      { id: orders[1]!.id, number: orders[1]!.number },
      null,
      { id: payment.id, postingDate: payment.postingDate, customer: { id: payment.customerId } },
    ]);
  });

  it('reads products with price, stock and bill of materials, batched', async () => {
    const parents = all(
      'SELECT DISTINCT parentItemNumber AS sku, parentItemId AS id FROM bomComponents ORDER BY 1',
    );
    const plain = one('SELECT * FROM items WHERE id NOT IN (SELECT parentItemId FROM bomComponents) LIMIT 1');
    await erp.resetStats();
    const res = await subgraph.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku id name type unitPrice { amount currencyCode } inventory inStock blocked unitOfMeasure
         billOfMaterials { quantityPer unitOfMeasure product { sku name } } } } }`,
      { r: [...parents, plain].map((p) => ({ __typename: 'Product', sku: p.sku ?? p.number })) },
    );
    expect(res.body.errors).toBeUndefined();
    const got: Json[] = res.body.data._entities;
    for (const product of got) {
      const item = one('SELECT * FROM items WHERE number = ?', product.sku);
      expect(product).toMatchObject({
        id: item.id,
        name: item.displayName,
        type: { Inventory: 'INVENTORY', Service: 'SERVICE', 'Non-Inventory': 'NON_INVENTORY' }[
          item.type as string
        ],
        unitPrice: { amount: fixed(item.unitPrice), currencyCode: 'USD' },
        inventory: item.type === 'Service' ? null : item.inventory,
        blocked: item.blocked === 1,
      });
      const bom = all(
        'SELECT b.*, i.displayName AS name FROM bomComponents b LEFT JOIN items i ON i.number = b.componentItemNumber WHERE b.parentItemId = ? ORDER BY b.lineNumber',
        item.id,
      );
      expect(product.billOfMaterials).toEqual(
        bom.map((b) => ({
          quantityPer: b.quantityPer,
          unitOfMeasure: b.unitOfMeasureCode || null,
          product: b.type === 'Item' ? { sku: b.componentItemNumber, name: b.name } : null,
        })),
      );
    }
    expect(got.at(-1).billOfMaterials).toEqual([]);
    // items, the bill of materials (custom API), the component items (already cached or one more).
    const counts = routes(await erp.stats());
    expect(counts['GET /bomComponents']).toBe(1);
    expect(counts['GET /items']).toBeLessThanOrEqual(2);
  });

  it('pages products in SKU order with cursors over the ERP paging, and searches by name', async () => {
    const skus = all('SELECT number FROM items ORDER BY number').map((r) => r.number);
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const res: { body: Json } = await subgraph.gql(
        'query ($after: String) { products(first: 30, after: $after) { edges { cursor node { sku } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      expect(res.body.errors).toBeUndefined();
      const page = res.body.data.products;
      seen.push(...page.edges.map((e: Json) => e.node.sku));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 20);
    expect(seen).toEqual(skus);
    expect(pages).toBe(Math.ceil(skus.length / 30));

    const word = (one('SELECT displayName FROM items ORDER BY number LIMIT 1').displayName as string).split(
      ' ',
    )[0]!;
    const found = await subgraph.gql(
      'query ($s: String) { products(search: $s, first: 100) { edges { node { sku } } } }',
      {
        s: word,
      },
    );
    expect(found.body.data.products.edges.map((e: Json) => e.node.sku)).toEqual(
      all('SELECT number FROM items WHERE instr(displayName, ?) > 0 ORDER BY number', word).map(
        (r) => r.number,
      ),
    );
  });

  it('finds a customer by ERP number', async () => {
    const row = one('SELECT * FROM customers ORDER BY number DESC LIMIT 1');
    const res = await subgraph.gql(
      'query ($n: String!) { customerByNumber(number: $n) { id inErp erpName } }',
      {
        n: row.number,
      },
    );
    expect(res.body.data.customerByNumber).toEqual({ id: row.id, inErp: true, erpName: row.displayName });
    const none = await subgraph.gql(`{ customerByNumber(number: "X'1") { id } }`);
    expect(none.body).toEqual({ data: { customerByNumber: null } });
  });
});

describe('per-parent connections', () => {
  it('walks a customer’s orders page by page with cursors that wrap the ERP nextLink', async () => {
    const busiest = one(
      'SELECT customerId, COUNT(*) AS n FROM salesOrders GROUP BY customerId ORDER BY n DESC LIMIT 1',
    );
    const expected = all(
      'SELECT number FROM salesOrders WHERE customerId = ? ORDER BY orderDate DESC, number DESC, id DESC',
      busiest.customerId,
    ).map((r) => r.number);
    expect(expected.length).toBeGreaterThan(4);
    const query =
      'query ($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { orders(first: 2, after: $after) { edges { cursor node { number } } pageInfo { hasNextPage hasPreviousPage endCursor } } } } }';
    const seen: string[] = [];
    let after: string | null = null;
    let firstPage: Json;
    for (let i = 0; i < 20; i += 1) {
      const res: { body: Json } = await subgraph.gql(query, {
        r: representations([busiest.customerId]),
        after,
      });
      expect(res.body.errors).toBeUndefined();
      const orders = res.body.data._entities[0].orders;
      firstPage ??= orders;
      seen.push(...orders.edges.map((e: Json) => e.node.number));
      expect(orders.pageInfo.hasPreviousPage).toBe(after !== null);
      if (!orders.pageInfo.hasNextPage) break;
      after = orders.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);

    // A cursor in the middle of a page resumes right after its edge.
    const middle = firstPage.edges[0].cursor;
    const resumed = await subgraph.gql(query, { r: representations([busiest.customerId]), after: middle });
    expect(resumed.body.data._entities[0].orders.edges.map((e: Json) => e.node.number)).toEqual(
      expected.slice(1, 3),
    );
  });

  it('continues a list of orders read with the lines’ products from its cursor without them, and the other way round', async () => {
    const busiest = one(
      'SELECT customerId, COUNT(*) AS n FROM salesOrders GROUP BY customerId ORDER BY n DESC LIMIT 1',
    );
    const expected = all(
      'SELECT number FROM salesOrders WHERE customerId = ? ORDER BY orderDate DESC, number DESC, id DESC',
      busiest.customerId,
    ).map((r) => r.number);
    expect(expected.length).toBeGreaterThan(4);
    const page = (lines: string) =>
      `query ($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer { orders(first: 2, after: $after) { edges { cursor node { number ${lines} } } pageInfo { endCursor } } } } }`;
    const withProducts = page('lines { sequence product { sku name } }');
    const without = page('');
    const read = async (query: string, after: string | null) => {
      const res = await subgraph.gql(query, { r: representations([busiest.customerId]), after });
      expect(res.body.errors).toBeUndefined();
      return res.body.data._entities[0].orders;
    };
    // Page end (BC's nextLink) and a row inside the page, each way.
    const first = await read(withProducts, null);
    expect((await read(without, first.pageInfo.endCursor)).edges.map((e: Json) => e.node.number)).toEqual(
      expected.slice(2, 4),
    );
    expect((await read(without, first.edges[0].cursor)).edges.map((e: Json) => e.node.number)).toEqual(
      expected.slice(1, 3),
    );
    const plain = await read(without, null);
    const next = await read(withProducts, plain.pageInfo.endCursor);
    expect(next.edges.map((e: Json) => e.node.number)).toEqual(expected.slice(2, 4));
    for (const { node } of next.edges) {
      const orderId = one('SELECT id FROM salesOrders WHERE number = ?', node.number).id;
      expect(node.lines).toEqual(
        all(
          'SELECT l.sequence, i.number AS sku, i.displayName AS name FROM salesOrderLines l LEFT JOIN items i ON i.number = l.lineObjectNumber WHERE l.documentId = ? ORDER BY l.sequence',
          orderId,
        ).map((l) => ({
          sequence: l.sequence,
          product: l.sku === null ? null : { sku: l.sku, name: l.name },
        })),
      );
    }
  });

  it('filters open invoices and lists payments and shipments newest first', async () => {
    const customer = one(
      'SELECT customerId AS id FROM salesInvoices WHERE remainingAmount > 0 GROUP BY customerId ORDER BY COUNT(*) DESC LIMIT 1',
    );
    const res = await subgraph.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer {
         invoices(first: 100, onlyOpen: true) { edges { node { number } } }
         payments(first: 100) { edges { node { id } } }
         shipments(first: 100) { edges { node { number } } } } } }`,
      { r: representations([customer.id]) },
    );
    expect(res.body.errors).toBeUndefined();
    const got = res.body.data._entities[0];
    expect(got.invoices.edges.map((e: Json) => e.node.number)).toEqual(
      all(
        'SELECT number FROM salesInvoices WHERE customerId = ? AND remainingAmount > 0 ORDER BY invoiceDate DESC, number DESC, id DESC',
        customer.id,
      ).map((r) => r.number),
    );
    expect(got.payments.edges.map((e: Json) => e.node.id)).toEqual(
      all(
        'SELECT id FROM customerPayments WHERE customerId = ? ORDER BY postingDate DESC, id',
        customer.id,
      ).map((r) => r.id),
    );
    expect(got.shipments.edges.map((e: Json) => e.node.number)).toEqual(
      all(
        'SELECT number FROM salesShipments WHERE customerId = ? ORDER BY shipmentDate DESC, number DESC, id DESC',
        customer.id,
      ).map((r) => r.number),
    );
  });
});

describe('batching off (the naive version)', () => {
  it('makes one ERP call per item, so the cost grows with the number of customers', async () => {
    const naive = await startSubgraph(erp.base, { companyId: dataset.summary.companyId, batching: false });
    try {
      const cost = async (n: number) => {
        await erp.resetStats();
        const res = await naive.gql(CUSTOMER_360, { representations: representations(customerIds(n)) });
        expect(res.body.errors).toBeUndefined();
        return erp.stats();
      };
      const five = await cost(5);
      const ten = await cost(10);
      expect(routes(five)['GET /customers']).toBe(5);
      expect(routes(ten)['GET /customers']).toBe(10);
      expect(routes(ten)['GET /salesOrders']).toBe(10);
      expect(routes(ten)['POST /$batch']).toBeUndefined();
      expect(ten.roundTrips).toBeGreaterThan(five.roundTrips);
      expect(ten.roundTrips).toBeGreaterThanOrEqual(30);
    } finally {
      await naive.close();
    }
  });
});
