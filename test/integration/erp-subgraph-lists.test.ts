import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import { erpCacheScope, readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { INTEGRATION_VISIBILITY } from '../../lib/legacyCredentials.js';
import { InvalidatingErpWrites } from '../../subgraphs/erp/client/invalidatingWrites.js';
import {
  type Json,
  type Row,
  type RunningStandIn,
  type RunningSubgraph,
  startStandIn,
  startSubgraph,
} from './erp-subgraph-harness.js';
import { costOf, type ListName, listQuery, pageToEnd, repeated } from './erp-subgraph-lists-harness.js';

/**
 * The ERP's lists across all customers (`salesOrders`, `invoices`, `payments`) against the
 * Business Central stand-in over 1,000 generated customers: every answer compared with the rows
 * selected from the stand-in's tables here, cost counted from `/__sim/stats`. The subgraph's
 * clock is fixed inside the generated history, so "overdue" selects part of the open invoices.
 */

const TODAY = '2026-06-01';

let dataset: Dataset;
let erp: RunningStandIn;
let subgraph: RunningSubgraph;

beforeAll(async () => {
  dataset = openDataset({ customers: 1000 });
  erp = await startStandIn(dataset.erp, dataset.summary.companyId);
  subgraph = await startSubgraph(
    erp.base,
    { companyId: dataset.summary.companyId },
    { now: () => new Date(`${TODAY}T12:00:00Z`) },
  );
});
afterAll(async () => {
  await subgraph?.close();
  await erp?.close();
  dataset?.close();
});

const all = (sql: string, ...params: unknown[]) => dataset.erp.prepare(sql).all(...params) as Row[];
const column = (rows: Row[], name: string) => rows.map((row) => String(row[name]));

/** The rows of each list in its order, selected from the raw tables by `where`. */
const expected = {
  salesOrders: (where: string, ...params: unknown[]) =>
    column(
      all(`SELECT number FROM salesOrders WHERE ${where} ORDER BY orderDate DESC, number DESC`, ...params),
      'number',
    ),
  invoices: (where: string, ...params: unknown[]) =>
    column(
      all(`SELECT number FROM salesInvoices WHERE ${where} ORDER BY dueDate, number`, ...params),
      'number',
    ),
  payments: (where: string, ...params: unknown[]) =>
    column(
      all(`SELECT id FROM customerPayments WHERE ${where} ORDER BY postingDate DESC, id DESC`, ...params),
      'id',
    ),
};
const keyOf: Record<ListName, string> = { salesOrders: 'number', invoices: 'number', payments: 'id' };
const keys = (list: ListName, nodes: Json[]) => nodes.map((node) => String(node[keyOf[list]]));

/** A call to the stand-in's own API, as another BC client (a user in BC) would make it. */
async function bc(method: string, path: string, body?: unknown): Promise<Json> {
  const res = await fetch(`${erp.base}/api/v2.0/companies(${dataset.summary.companyId})${path}`, {
    method,
    headers: {
      authorization: 'Bearer erp-dev-token',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** A copy of a stored row under a new key, inserted as BC would post one more such document. */
function insertCopy(table: string, source: Row, changes: Row): void {
  const row = { ...source, ...changes };
  const names = Object.keys(row);
  dataset.erp
    .prepare(
      `INSERT INTO "${table}" (${names.map((n) => `"${n}"`).join(', ')}) VALUES (${names.map((n) => `@${n}`).join(', ')})`,
    )
    .run(row);
}

const LIST_ROUTES: Record<ListName, string> = {
  salesOrders: 'GET /salesOrders',
  invoices: 'GET /salesInvoices',
  payments: 'GET /customerPayments',
};
/**
 * A page's round trips with NODE_FIELDS: the list, then one lookup per nested collection for
 * all rows together — orders: customers (lines come with the orders, and the lines' products
 * with them: the selection asks for them, so the items are expanded); invoices: customers,
 * lines (with their items, for the same reason), payments; payments: customers and invoices.
 */
const NESTED_ROUND_TRIPS: Record<ListName, number> = { salesOrders: 2, invoices: 4, payments: 3 };

describe('cost per page', () => {
  const FILTERS: Record<ListName, Json> = {
    salesOrders: { status: ['RELEASED', 'OPEN'] },
    invoices: { onlyOpen: true },
    payments: { postingDateFrom: '2025-06-01' },
  };

  for (const list of ['salesOrders', 'invoices', 'payments'] as const) {
    it(`${list}: one ERP request for the list per page, the same calls for 5 rows as for 100, on the first page as further on`, async () => {
      const pageOf = async (first: number, after: string | null) => {
        let endCursor: string | null = null;
        const stats = await costOf(erp, async () => {
          const { body } = await subgraph.gql(listQuery(list), { filter: FILTERS[list], first, after });
          expect(body.errors).toBeUndefined();
          expect(body.data[list].edges).toHaveLength(first);
          endCursor = body.data[list].pageInfo.endCursor;
        });
        return { stats, endCursor: endCursor as string | null };
      };
      const five = await pageOf(5, null);
      const hundred = await pageOf(100, null);
      const fiveLater = await pageOf(5, hundred.endCursor);
      const hundredLater = await pageOf(100, five.endCursor);
      const listRoute = LIST_ROUTES[list];
      for (const { stats } of [five, hundred, fiveLater, hundredLater]) {
        expect(stats.roundTrips).toBe(five.stats.roundTrips);
        // The list itself: one GET, whatever the page size (lookups of 100 keys may be a $batch
        // of a few GETs, still one round trip).
        expect(stats.byRoute[listRoute]).toBe(1);
      }
      expect(five.stats.roundTrips).toBe(NESTED_ROUND_TRIPS[list]);
    });
  }
});

describe('paging to the end', () => {
  it('salesOrders with a filter: every matching order exactly once, newest first', async () => {
    const filter = { status: ['OPEN', 'DRAFT'], orderDateFrom: '2025-09-01' };
    const { nodes, pages } = await pageToEnd(subgraph, 'salesOrders', { filter, first: 37 });
    const wanted = expected.salesOrders("status IN ('Open', 'Draft') AND orderDate >= '2025-09-01'");
    expect(wanted.length).toBeGreaterThan(100);
    expect(keys('salesOrders', nodes)).toEqual(wanted);
    expect(pages).toBe(Math.ceil(wanted.length / 37) + (wanted.length % 37 === 0 ? 1 : 0));
  });

  it('invoices with a filter: every open invoice exactly once, earliest due first', async () => {
    const { nodes } = await pageToEnd(subgraph, 'invoices', { filter: { onlyOpen: true }, first: 100 });
    const wanted = expected.invoices('remainingAmount > 0');
    expect(wanted.length).toBeGreaterThan(300);
    expect(keys('invoices', nodes)).toEqual(wanted);
  });

  it('payments with a filter: every payment of the period exactly once, newest first', async () => {
    const filter = { postingDateFrom: '2026-01-01', postingDateTo: '2026-03-31' };
    const { nodes } = await pageToEnd(subgraph, 'payments', { filter, first: 23 });
    const wanted = expected.payments("postingDate BETWEEN '2026-01-01' AND '2026-03-31'");
    expect(wanted.length).toBeGreaterThan(100);
    expect(keys('payments', nodes)).toEqual(wanted);
  });
});

describe('records added between pages', () => {
  it('salesOrders: orders created on the day the page ended, before it and after it neither repeat nor push a row out', async () => {
    const filter = { orderDateFrom: '2026-03-01' };
    const before = expected.salesOrders("orderDate >= '2026-03-01'");
    const customer = all('SELECT id FROM customers ORDER BY number LIMIT 1')[0]!;
    const added: string[] = [];
    const { nodes } = await pageToEnd(subgraph, 'salesOrders', {
      filter,
      first: 20,
      fields: 'number orderDate',
      async between(page) {
        if (page > 3) return;
        // The last row read so far, as the raw table has it: new orders on its day take higher
        // numbers, so they sort before it (number desc) and shift every row after it by one.
        const seen = before[page * 20 - 1]!;
        const day = all('SELECT orderDate FROM salesOrders WHERE number = ?', seen)[0]!.orderDate as string;
        for (const orderDate of [day, '2026-06-30', '2026-03-02']) {
          const order = await bc('POST', '/salesOrders', { customerId: customer.id, orderDate });
          added.push(order.number);
        }
      },
    });
    const got = keys('salesOrders', nodes);
    expect(repeated(got)).toEqual([]);
    expect(got.filter((number) => !added.includes(number))).toEqual(before);
    // An order added beyond the position is read when the list gets there.
    const beyond = all(
      `SELECT number FROM salesOrders WHERE number IN (${added.map(() => '?').join(',')}) AND orderDate = '2026-03-02'`,
      ...added,
    );
    expect(got).toEqual(expect.arrayContaining(column(beyond, 'number')));
  });

  it('invoices: an invoice posted through the API and invoices due on the page end day neither repeat nor push a row out', async () => {
    const filter = { onlyOpen: true };
    const before = expected.invoices('remainingAmount > 0');
    const toPost = all(
      `SELECT o.id FROM salesOrders o WHERE o.status IN ('Open', 'Released') AND EXISTS (
         SELECT 1 FROM salesOrderLines l WHERE l.documentId = o.id AND l.lineType = 'Item' AND l.quantity > coalesce(l.invoicedQuantity, 0))
       AND EXISTS (SELECT 1 FROM customers c WHERE c.id = o.customerId AND coalesce(trim(c.blocked), '') = '')
       LIMIT 1`,
    )[0]!;
    const added: string[] = [];
    const { nodes } = await pageToEnd(subgraph, 'invoices', {
      filter,
      first: 50,
      fields: 'number dueDate',
      async between(page) {
        if (page === 1) {
          await bc('POST', `/salesOrders(${toPost.id})/Microsoft.NAV.shipAndInvoice`);
          added.push(
            ...column(
              all(
                'SELECT number FROM salesInvoices WHERE orderId = ? ORDER BY number DESC LIMIT 1',
                toPost.id,
              ),
              'number',
            ),
          );
        }
        if (page === 2 || page === 3) {
          // Open invoices due on the day of the last row read: one numbered before it, one after.
          const seen = before[page * 50 - 1]!;
          const source = all('SELECT * FROM salesInvoices WHERE number = ?', seen)[0]!;
          for (const number of [`${seen}A`, `A${seen}`]) {
            insertCopy('salesInvoices', source, { id: randomUUID(), number, remainingAmount: 1 });
            added.push(number);
          }
        }
      },
    });
    const got = keys('invoices', nodes);
    expect(repeated(got)).toEqual([]);
    expect(got.filter((number) => !added.includes(number))).toEqual(before);
    // Numbered after the row the page ended on (on its day, number ascending): read on the next page.
    expect(got).toEqual(expect.arrayContaining([`${before[99]}A`, `${before[149]}A`]));
  });

  it('payments: payments posted on the page end day and later neither repeat nor push a row out', async () => {
    const filter = { postingDateFrom: '2026-01-01' };
    const before = expected.payments("postingDate >= '2026-01-01'");
    const added: string[] = [];
    const { nodes } = await pageToEnd(subgraph, 'payments', {
      filter,
      first: 40,
      fields: 'id postingDate',
      async between(page) {
        if (page > 4) return;
        const seen = before[page * 40 - 1]!;
        const source = all('SELECT * FROM customerPayments WHERE id = ?', seen)[0]!;
        // Ids are random: some sort before the row the page ended on, some after.
        for (const postingDate of [source.postingDate, source.postingDate, '2026-06-30', '2026-01-02']) {
          const id = randomUUID();
          insertCopy('customerPayments', source, { id, postingDate, documentNumber: `X${added.length}` });
          added.push(id);
        }
      },
    });
    const got = keys('payments', nodes);
    expect(repeated(got)).toEqual([]);
    expect(got.filter((id) => !added.includes(id))).toEqual(before);
    expect(got).toEqual(
      expect.arrayContaining(
        column(
          all(
            `SELECT id FROM customerPayments WHERE documentNumber LIKE 'X%' AND postingDate = '2026-01-02'`,
          ),
          'id',
        ),
      ),
    );
  });
});

describe('filters', () => {
  const matches = async (list: ListName, filter: Json, wanted: string[]) => {
    const { nodes } = await pageToEnd(subgraph, list, { filter, first: 100, fields: `${keyOf[list]}` });
    expect(keys(list, nodes)).toEqual(wanted);
    return nodes;
  };

  it('salesOrders by customer, salesperson, status and delivery dates', async () => {
    const { customerNumber, salesperson } = all(
      `SELECT customerNumber, salesperson FROM salesOrders GROUP BY customerNumber ORDER BY count(*) DESC LIMIT 1`,
    )[0]!;
    const byCustomer = expected.salesOrders('customerNumber = ?', customerNumber);
    expect(byCustomer.length).toBeGreaterThan(3);
    await matches('salesOrders', { customerNumber }, byCustomer);
    await matches(
      'salesOrders',
      { salespersonCode: salesperson, status: ['RELEASED'] },
      expected.salesOrders("salesperson = ? AND status = 'Released'", salesperson),
    );
    await matches(
      'salesOrders',
      { requestedDeliveryFrom: '2026-05-01', requestedDeliveryTo: '2026-05-15', orderDateTo: '2026-05-10' },
      expected.salesOrders(
        "requestedDeliveryDate BETWEEN '2026-05-01' AND '2026-05-15' AND orderDate <= '2026-05-10'",
      ),
    );
    await matches('salesOrders', { customerNumber: "C'0" }, []);
  });

  it('invoices overdue by the subgraph clock, by status, dates, customer and salesperson', async () => {
    const overdue = await pageToEnd(subgraph, 'invoices', {
      filter: { onlyOverdue: true },
      first: 100,
      fields: 'number isOverdue dueDate',
    });
    const wanted = expected.invoices('remainingAmount > 0 AND dueDate < ?', TODAY);
    expect(wanted.length).toBeGreaterThan(50);
    expect(wanted.length).toBeLessThan(expected.invoices('remainingAmount > 0').length);
    expect(keys('invoices', overdue.nodes)).toEqual(wanted);
    expect(overdue.nodes.every((node: Json) => node.isOverdue === true)).toBe(true);
    await matches(
      'invoices',
      { status: ['PAID'], invoiceDateFrom: '2026-02-01', invoiceDateTo: '2026-02-28' },
      expected.invoices("status = 'Paid' AND invoiceDate BETWEEN '2026-02-01' AND '2026-02-28'"),
    );
    const { customerNumber, salesperson } = all(
      'SELECT customerNumber, salesperson FROM salesInvoices WHERE remainingAmount > 0 LIMIT 1',
    )[0]!;
    await matches(
      'invoices',
      { customerNumber, onlyOpen: true },
      expected.invoices('customerNumber = ? AND remainingAmount > 0', customerNumber),
    );
    await matches(
      'invoices',
      { salespersonCode: salesperson, dueDateFrom: '2026-04-01', dueDateTo: '2026-06-30', onlyOverdue: true },
      expected.invoices(
        "salesperson = ? AND dueDate BETWEEN '2026-04-01' AND '2026-06-30' AND remainingAmount > 0 AND dueDate < ?",
        salesperson,
        TODAY,
      ),
    );
  });

  it('payments by customer and posting dates', async () => {
    const { customerNumber } = all(
      'SELECT customerNumber FROM customerPayments GROUP BY customerNumber ORDER BY count(*) DESC LIMIT 1',
    )[0]!;
    await matches('payments', { customerNumber }, expected.payments('customerNumber = ?', customerNumber));
    await matches(
      'payments',
      { customerNumber, postingDateTo: '2025-12-31' },
      expected.payments("customerNumber = ? AND postingDate <= '2025-12-31'", customerNumber),
    );
  });
});

describe('refusals', () => {
  const refused = async (list: ListName, variables: Json, field: string, reason: string) => {
    const stats = await costOf(erp, async () => {
      const { body } = await subgraph.gql(listQuery(list, 'id'), variables);
      expect(body.data).toBeNull();
      expect(body.errors).toHaveLength(1);
      expect(body.errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    });
    expect(stats.total).toBe(0);
  };

  it('bad filters are BAD_USER_INPUT naming the field and why, before any ERP call', async () => {
    await refused(
      'salesOrders',
      { filter: { orderDateFrom: '2026-02-30' } },
      'filter.orderDateFrom',
      'INVALID_FORMAT',
    );
    await refused(
      'salesOrders',
      { filter: { orderDateTo: '2026/01/01' } },
      'filter.orderDateTo',
      'INVALID_FORMAT',
    );
    await refused(
      'salesOrders',
      { filter: { requestedDeliveryFrom: '2026-05-02', requestedDeliveryTo: '2026-05-01' } },
      'filter.requestedDeliveryTo',
      'OUT_OF_RANGE',
    );
    await refused('salesOrders', { filter: { status: [] } }, 'filter.status', 'EMPTY');
    await refused('salesOrders', { filter: { salespersonCode: '' } }, 'filter.salespersonCode', 'EMPTY');
    await refused('invoices', { filter: { status: [] } }, 'filter.status', 'EMPTY');
    await refused(
      'invoices',
      { filter: { dueDateFrom: "2026-01-01' or 1 eq 1" } },
      'filter.dueDateFrom',
      'INVALID_FORMAT',
    );
    await refused(
      'invoices',
      { filter: { invoiceDateFrom: '2026-03-01', invoiceDateTo: '2026-02-01' } },
      'filter.invoiceDateTo',
      'OUT_OF_RANGE',
    );
    await refused(
      'invoices',
      { filter: { customerNumber: 'C'.repeat(21) } },
      'filter.customerNumber',
      'TOO_LONG',
    );
    await refused(
      'payments',
      { filter: { postingDateFrom: '1 Jan 2026' } },
      'filter.postingDateFrom',
      'INVALID_FORMAT',
    );
    await refused('payments', { first: 101 }, 'first', 'OUT_OF_RANGE');
  });

  it('a cursor of another list, of the same list with another filter, or forged is refused before any ERP call', async () => {
    const first = await subgraph.gql(listQuery('salesOrders', 'id'), {
      filter: { status: ['OPEN'] },
      first: 2,
    });
    const cursor = first.body.data.salesOrders.pageInfo.endCursor as string;
    const invoices = await subgraph.gql(listQuery('invoices', 'id'), { first: 2 });
    const customerId = all('SELECT customerId FROM salesOrders LIMIT 1')[0]!.customerId;
    const perCustomer = await subgraph.gql(
      `query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { orders(first: 1) { pageInfo { endCursor } } } } }`,
      { r: [{ __typename: 'Customer', id: customerId }] },
    );
    const position = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const forge = (p: Json) =>
      Buffer.from(JSON.stringify({ k: position.k, p }), 'utf8').toString('base64url');
    for (const [list, variables] of [
      ['salesOrders', { filter: { status: ['DRAFT'] }, after: cursor }],
      ['salesOrders', { after: cursor }],
      ['invoices', { after: cursor }],
      ['salesOrders', { after: invoices.body.data.invoices.pageInfo.endCursor }],
      ['salesOrders', { after: perCustomer.body.data._entities[0].orders.pageInfo.endCursor }],
      ['salesOrders', { filter: { status: ['OPEN'] }, after: 'garbage' }],
      [
        'salesOrders',
        {
          filter: { status: ['OPEN'] },
          after: forge({ ...position.p, after: ['2026-01-01) or (1 eq 1', 'X'] }),
        },
      ],
      ['salesOrders', { filter: { status: ['OPEN'] }, after: forge({ ...position.p, after: undefined }) }],
      [
        'salesOrders',
        {
          filter: { status: ['OPEN'] },
          after: forge({ ...position.p, query: `${position.p.query}&$top=1` }),
        },
      ],
    ] as const) {
      await refused(list, variables, 'after', 'INVALID_FORMAT');
    }
    // The cursor itself still continues its own list.
    const next = await subgraph.gql(listQuery('salesOrders', 'number'), {
      filter: { status: ['OPEN'] },
      first: 2,
      after: cursor,
    });
    expect(
      keys(
        'salesOrders',
        next.body.data.salesOrders.edges.map((e: Json) => e.node),
      ),
    ).toEqual(expected.salesOrders("status = 'Open'").slice(2, 4));
  });
});

describe('the shared cache', () => {
  it('serves a repeated page from the cache until an order is created through the graph writes', async () => {
    const cached = await startSubgraph(
      erp.base,
      { companyId: dataset.summary.companyId, cache: readLegacyCacheConfig({ LEGACY_CACHE: 'memory' }) },
      { now: () => new Date(`${TODAY}T12:00:00Z`) },
    );
    try {
      const page = () =>
        cached.gql(listQuery('salesOrders', 'number'), { filter: { status: ['DRAFT'] }, first: 10 });
      const cold = await costOf(erp, async () => {
        expect((await page()).body.errors).toBeUndefined();
      });
      expect(cold.byRoute['GET /salesOrders']).toBe(1);
      let before: Json;
      const warm = await costOf(erp, async () => {
        before = (await page()).body;
      });
      expect(warm.total).toBe(0);
      // The order writes the workflows make, over the same cache and scope as the reads.
      const writes = new InvalidatingErpWrites(
        cached.subgraph.client,
        cached.subgraph.cache,
        erpCacheScope({
          url: erp.base,
          companyId: dataset.summary.companyId,
          visibility: INTEGRATION_VISIBILITY,
        }),
      );
      const customerId = all('SELECT id FROM customers ORDER BY number LIMIT 1')[0]!.id as string;
      const created = await writes.createSalesOrder({
        customerId,
        externalDocumentNumber: 'LISTS-CACHE',
        lines: [],
      });
      let after: Json;
      const reread = await costOf(erp, async () => {
        after = (await page()).body;
      });
      expect(reread.byRoute['GET /salesOrders']).toBe(1);
      // A new order is a draft dated today (BC's clock), the newest of all.
      expect(after.data.salesOrders.edges[0].node.number).toBe(created.number);
      expect(after.data.salesOrders.edges.slice(1)).toEqual(
        before.data.salesOrders.edges.slice(0, 9).map((e: Json) => ({ ...e, cursor: expect.any(String) })),
      );
    } finally {
      await cached.close();
    }
  });
});
