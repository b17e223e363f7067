import { describe, expect, it } from 'vitest';
import {
  costFor10And100,
  type Json,
  type Row,
  type RunningStandIn,
  type RunningSubgraph,
  routes,
  useGeneratedErp,
} from './erp-subgraph-harness.js';

/**
 * What each customer bought, in the ERP subgraph against the Business Central stand-in: the
 * item ledger's sales as Customer.purchasedProducts (newest first, one entry per unit of a
 * serialized product), the ERP's side of an Asset (the sale a serial left on) and of a Warranty
 * (what its warranty work has cost), checked against the stand-in's database, with the ERP's
 * round trips counted from `/__sim/stats`.
 */

let erp: RunningStandIn;
let subgraph: RunningSubgraph;
const { all, one, fixed } = useGeneratedErp((running) => ({ erp, subgraph } = running));

const customers = (ids: string[]) => ids.map((id) => ({ __typename: 'Customer', id }));

/** `n` ERP customers, those with the most shipped first. */
const customerIds = (n: number): string[] =>
  all(
    `SELECT c.id FROM customers c LEFT JOIN itemLedgerEntries e ON e.customerId = c.id
     GROUP BY c.id ORDER BY count(e.id) DESC, c.number LIMIT ?`,
    n,
  ).map((r) => r.id as string);

/** The invoice that billed a shipment: the order's first invoice posted on or after the ship date. */
function invoiceOf(orderNumber: string | null, shippedOn: string): string | null {
  if (!orderNumber) return null;
  const row = one(
    `SELECT i.number FROM salesInvoices i JOIN salesOrders o ON o.id = i.orderId
     WHERE o.number = ? AND i.invoiceDate >= ? ORDER BY i.invoiceDate, i.number LIMIT 1`,
    orderNumber,
    shippedOn,
  );
  return row?.number ?? null;
}

const PURCHASE_FIELDS = `product { sku } description quantity serialNumber shippedOn
  shipment { number } order { number } invoice { number } asset { serialNumber shippedOn }`;

function expectedPurchase(entry: Row): Json {
  const serial = entry.serialNumber === '' ? null : entry.serialNumber;
  return {
    product: { sku: entry.itemNumber },
    description: entry.description,
    quantity: -entry.quantity,
    serialNumber: serial,
    shippedOn: entry.postingDate,
    shipment: { number: entry.documentNumber },
    order: { number: entry.orderNumber },
    invoice: (() => {
      const number = invoiceOf(entry.orderNumber, entry.postingDate);
      return number ? { number } : null;
    })(),
    asset: serial ? { serialNumber: serial, shippedOn: entry.postingDate } : null,
  };
}

describe('Customer.purchasedProducts', () => {
  it('lists every shipped line newest first, a serialized product unit by unit, paged to the end', async () => {
    const [customerId] = customerIds(1);
    const entries = all(
      'SELECT * FROM itemLedgerEntries WHERE customerId = ? ORDER BY postingDate DESC, entryNumber DESC',
      customerId,
    );
    expect(entries.some((e) => e.serialNumber !== '')).toBe(true);
    expect(entries.some((e) => e.serialNumber === '')).toBe(true);
    const seen: Json[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const res = await subgraph.gql(
        `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Customer {
           purchasedProducts(first: 7, after: $after) { edges { cursor node { ${PURCHASE_FIELDS} } }
             pageInfo { hasNextPage endCursor } } } } }`,
        { r: customers([customerId!]), after },
      );
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      const connection = res.body.data._entities[0].purchasedProducts;
      seen.push(...connection.edges.map((e: Json) => e.node));
      pages += 1;
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    expect(pages).toBe(Math.ceil(entries.length / 7));
    expect(seen).toEqual(entries.map(expectedPurchase));
    // Quantities are what left the warehouse: positive, 1 per serialized unit.
    for (const purchase of seen) expect(purchase.quantity).toBeGreaterThan(0);
    for (const purchase of seen.filter((p) => p.serialNumber)) expect(purchase.quantity).toBe(1);
  });

  it('is null for a customer the ERP does not hold (a CRM prospect), with no ERP call', async () => {
    await erp.resetStats();
    const res = await subgraph.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { purchasedProducts { edges { cursor } } } } }`,
      { r: customers(['001000000000001AAA']) },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data._entities).toEqual([{ purchasedProducts: null }]);
    expect((await erp.stats()).total).toBe(0);
  });

  it('costs the ERP the same round trips for 100 customers as for 10, followed to shipment, order, invoice and product', async () => {
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id
      purchasedProducts(first: 10) { edges { node { ${PURCHASE_FIELDS} asset { product { sku } invoice { number } } } }
        pageInfo { hasNextPage endCursor } } } } }`;
    const { ten, hundred } = await costFor10And100(erp, async (n) => {
      const res = await subgraph.gql(query, { r: customers(customerIds(n)) });
      expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
      expect(res.body.data._entities).toHaveLength(n);
    });
    console.log(
      `purchased products ERP cost: 10 customers → ${ten.roundTrips} round trips (depth ${ten.sequentialDepth}) ${JSON.stringify(routes(ten))}; 100 → ${hundred.roundTrips} (depth ${hundred.sequentialDepth}) ${JSON.stringify(routes(hundred))}`,
    );
    expect(hundred.roundTrips).toBe(ten.roundTrips);
    expect(hundred.sequentialDepth).toBe(ten.sequentialDepth);
    // The item ledger pages ($batch) → shipments, orders, items side by side → the orders' invoices.
    expect(ten.sequentialDepth).toBe(3);
  });
});

describe('the ERP side of Asset and Warranty', () => {
  it("an asset's serial leads to its sale: product, shipment, order, invoice, ship day; an unknown serial to nulls", async () => {
    const entry = one(
      "SELECT * FROM itemLedgerEntries WHERE serialNumber <> '' ORDER BY entryNumber LIMIT 1 OFFSET 3",
    );
    const res = await subgraph.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Asset { serialNumber
         product { sku name } shipment { number } order { number } invoice { number } shippedOn } } }`,
      {
        r: [
          { __typename: 'Asset', serialNumber: entry.serialNumber },
          { __typename: 'Asset', serialNumber: 'SN-NOT-SHIPPED' },
        ],
      },
    );
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    const item = one('SELECT displayName FROM items WHERE number = ?', entry.itemNumber);
    const invoice = invoiceOf(entry.orderNumber, entry.postingDate);
    expect(res.body.data._entities).toEqual([
      {
        serialNumber: entry.serialNumber,
        product: { sku: entry.itemNumber, name: item.displayName },
        shipment: { number: entry.documentNumber },
        order: { number: entry.orderNumber },
        invoice: invoice ? { number: invoice } : null,
        shippedOn: entry.postingDate,
      },
      {
        serialNumber: 'SN-NOT-SHIPPED',
        product: null,
        shipment: null,
        order: null,
        invoice: null,
        shippedOn: null,
      },
    ]);
  });

  it("a warranty's cost to date is the sum of the unit's warranty ledger entries; none costs 0.00", async () => {
    const serial = one(
      'SELECT serialNumber FROM warrantyLedgerEntries GROUP BY serialNumber ORDER BY count(*) DESC, serialNumber LIMIT 1',
    ).serialNumber;
    const entries = all(
      'SELECT * FROM warrantyLedgerEntries WHERE serialNumber = ? ORDER BY postingDate, entryNumber',
      serial,
    );
    expect(entries.length).toBeGreaterThan(1);
    const costless = one(
      `SELECT serialNumber FROM itemLedgerEntries WHERE serialNumber <> ''
       AND serialNumber NOT IN (SELECT serialNumber FROM warrantyLedgerEntries) LIMIT 1`,
    ).serialNumber;
    await erp.resetStats();
    const res = await subgraph.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Warranty { serialNumber
         costToDate { amount currencyCode } costEntries { postingDate description amount { amount currencyCode } } } } }`,
      {
        r: [
          { __typename: 'Warranty', serialNumber: serial },
          { __typename: 'Warranty', serialNumber: costless },
        ],
      },
    );
    expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
    const sum = one('SELECT sum(amount) AS s FROM warrantyLedgerEntries WHERE serialNumber = ?', serial).s;
    expect(res.body.data._entities).toEqual([
      {
        serialNumber: serial,
        costToDate: { amount: fixed(sum), currencyCode: 'USD' },
        costEntries: entries.map((e) => ({
          postingDate: e.postingDate,
          description: e.description,
          amount: { amount: fixed(e.amount), currencyCode: 'USD' },
        })),
      },
      { serialNumber: costless, costToDate: { amount: '0.00', currencyCode: 'USD' }, costEntries: [] },
    ]);
    // Both units' entries in one lookup.
    expect(routes(await erp.stats())).toEqual({ 'GET /warrantyLedgerEntries': 1 });
  });

  it('representations without their key are BAD_USER_INPUT, never an ERP call', async () => {
    await erp.resetStats();
    const res = await subgraph.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Warranty { costToDate { amount } } } }`,
      { r: [{ __typename: 'Warranty', serialNumber: '' }] },
    );
    expect(res.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect((await erp.stats()).total).toBe(0);
  });
});
