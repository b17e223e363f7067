import { type FieldNode, type GraphQLResolveInfo, Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { fixedTokenSource } from '../../lib/legacyCredentials.js';
import { silentLogger } from '../../lib/logger.js';
import { ErpClient } from '../../subgraphs/erp/client/erpClient.js';
import { pageRequest } from '../../subgraphs/erp/client/lists.js';
import { ErpReads } from '../../subgraphs/erp/client/reads.js';
import { modelsOf } from '../../subgraphs/erp/client/toModels.js';
import type { BcItem, BcSalesOrder, BcSalesOrderLine } from '../../subgraphs/erp/client/types.js';
import { asksLineProducts, asksProducts } from '../../subgraphs/erp/selectionLookahead.js';

/**
 * The orders' lines read with the products they sell (issue 12): which selections ask for them,
 * what the orders' BC request then expands, and how an expanded item becomes the line's product.
 */

/** The resolve info of the first field of `query`'s operation (what a resolver of it is given). */
function infoOf(query: string, variables: Record<string, unknown> = {}): GraphQLResolveInfo {
  const document = parse(query);
  const operation = document.definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION)!;
  const field = operation.selectionSet.selections[0] as FieldNode;
  const fragments = Object.fromEntries(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])),
  );
  return { fieldNodes: [field], fragments, variableValues: variables } as unknown as GraphQLResolveInfo;
}

describe('selection look-ahead', () => {
  it('sees the lines’ products through aliases, inline fragments and named fragments', () => {
    for (const query of [
      '{ orders(first: 5) { edges { node { lines { product { sku } } } } } }',
      '{ orders { edges { node { l: lines { quantity p: product { name } } } } } }',
      '{ orders { edges { ... on SalesOrderEdge { node { lines { ...L } } } } } } fragment L on SalesOrderLine { product { sku } }',
      '{ orders { ...O } } fragment O on SalesOrderConnection { edges { node { lines { product { sku } } } } }',
    ]) {
      expect(asksLineProducts(infoOf(query)), query).toBe(true);
    }
  });

  it('sees the products asked of a document’s lines', () => {
    expect(asksProducts(infoOf('{ lines { sequence product { sku } } }'))).toBe(true);
    expect(asksProducts(infoOf('{ lines { ... on InvoiceLine { p: product { sku } } } }'))).toBe(true);
    expect(asksProducts(infoOf('{ lines { sequence description } }'))).toBe(false);
  });

  it('does not expand the items for a selection without the lines’ products', () => {
    for (const query of [
      '{ orders(first: 5) { edges { node { number } } } }',
      '{ orders { edges { node { lines { quantity description } } } } }',
      '{ orders { edges { node { number } } pageInfo { hasNextPage } } }',
      '{ orders { edges { node { shipments { lines { product { sku } } } } } } }',
    ]) {
      expect(asksLineProducts(infoOf(query)), query).toBe(false);
    }
  });
});

const CUSTOMER = '0b7a3c1e-7f3a-4d6b-9a2e-1c2d3e4f5a6b';

function reads(): ErpReads {
  const client = new ErpClient(
    {
      url: 'http://127.0.0.1:4101',
      credentials: fixedTokenSource('ERP', 't'),
      timeoutMs: 100,
      maxRetries: 0,
      maxConnections: 1,
      companyId: 'c0000000-0000-0000-0000-000000000001',
    },
    silentLogger,
  );
  return new ErpReads(client, { localCurrencyCode: 'USD' });
}

const expandOf = (link: string) => new URL(link, 'http://x').searchParams.get('$expand');

describe('the orders’ BC request', () => {
  it('expands the lines’ items, with the fields a product holds, only when asked', async () => {
    const erp = reads();
    const plain = await erp.customerDocuments('orders', CUSTOMER, {});
    const withProducts = await erp.customerDocuments('orders', CUSTOMER, { withProducts: true });
    expect(plain.withProducts).toBeUndefined();
    expect(expandOf(plain.link)).toMatch(/^salesOrderLines\(\$select=[^;()]+\)$/);
    expect(withProducts.withProducts).toBe(true);
    expect(expandOf(withProducts.link)).toBe(
      `${expandOf(plain.link)!.slice(0, -1)};$expand=item($select=id,number,displayName,type,blocked,gtin,inventory,unitPrice,unitCost,baseUnitOfMeasureCode))`,
    );
    // Only the expansion differs: the same rows, in the same order.
    expect(withProducts.link.replace(/&\$expand=[^&]*/, '')).toBe(plain.link.replace(/&\$expand=[^&]*/, ''));
    // Lists whose lines BC does not expand ignore the wish.
    const invoices = await erp.customerDocuments('invoices', CUSTOMER, { withProducts: true });
    expect(invoices.withProducts).toBeUndefined();
    expect(expandOf(invoices.link)).toBeNull();
    const all = await erp.ordersOfAll({}, undefined, { withProducts: true });
    expect(expandOf(all.link)).toBe(expandOf(withProducts.link));
  });

  it('continues a keyset list from a position of the same list read with the other expansion', async () => {
    const erp = reads();
    const plain = await erp.ordersOfAll({});
    const withProducts = await erp.ordersOfAll({}, undefined, { withProducts: true });
    const position = (link: string) => ({
      query: new URL(link, 'http://x').search,
      skip: 1,
      after: ['2026-01-02', 'SO-1'],
    });
    expect(pageRequest(plain, 5, position(withProducts.link))?.link).toContain(
      encodeURIComponent(expandOf(plain.link)!),
    );
    expect(pageRequest(withProducts, 5, position(plain.link))?.link).toContain(
      encodeURIComponent(expandOf(withProducts.link)!),
    );
    const other = await erp.ordersOfAll({ customerNumber: 'C1' });
    expect(pageRequest(plain, 5, position(other.link))).toBeUndefined();
  });
});

describe('an order’s line with its expanded item', () => {
  const item: BcItem = {
    id: 'i1',
    number: 'SKU-1',
    displayName: 'Widget',
    type: 'Inventory',
    blocked: false,
    gtin: null,
    inventory: 3,
    unitPrice: 9.5,
    unitCost: 4,
    baseUnitOfMeasureCode: 'PCS',
  };
  const line = (overrides: Partial<BcSalesOrderLine>): BcSalesOrderLine => ({
    id: 'l1',
    documentId: 'o1',
    sequence: 10000,
    itemId: 'i1',
    lineType: 'Item',
    lineObjectNumber: 'SKU-1',
    description: 'Widget',
    quantity: 2,
    unitPrice: 9.5,
    discountPercent: 0,
    amountExcludingTax: 19,
    amountIncludingTax: 19,
    shippedQuantity: 0,
    invoicedQuantity: 0,
    ...overrides,
  });
  const order = (lines: BcSalesOrderLine[]): BcSalesOrder => ({
    id: 'o1',
    number: 'SO-1',
    externalDocumentNumber: null,
    orderDate: '2026-01-02',
    requestedDeliveryDate: null,
    customerId: CUSTOMER,
    customerNumber: 'C1',
    currencyCode: '',
    totalAmountExcludingTax: 19,
    totalTaxAmount: 0,
    totalAmountIncludingTax: 19,
    fullyShipped: false,
    status: 'Open',
    shipToName: null,
    shipToAddressLine1: null,
    shipToAddressLine2: null,
    shipToCity: null,
    shipToState: null,
    shipToCountry: null,
    shipToPostCode: null,
    salesOrderLines: lines,
  });
  const to = modelsOf('USD');
  const linesOf = (lines: BcSalesOrderLine[]) => to.salesOrder(order(lines)).lines!;

  it('carries the product a lookup of the item would give', () => {
    const [got] = linesOf([line({ item })]);
    expect(got!.productSku).toBe('SKU-1');
    expect(got!.product).toEqual(to.product(item));
  });

  it('is looked up by SKU instead when the item is absent, another one, or not a product BC may send', () => {
    const lines = linesOf([
      line({}),
      line({ item: null }),
      line({ item: { ...item, number: 'SKU-2' } }),
      line({ item: { ...item, type: 'Unknown' } }),
      line({ lineType: 'Comment', lineObjectNumber: null, item }),
    ]);
    expect(lines.map((l) => l.product)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    expect(lines.map((l) => l.productSku)).toEqual(['SKU-1', 'SKU-1', 'SKU-1', 'SKU-1', null]);
  });

  it('is the same for an invoice’s line read with its item', () => {
    const { discountPercent: _d, shippedQuantity: _s, invoicedQuantity: _i, ...invoiceLine } = line({ item });
    expect(to.invoiceLineWithItem(invoiceLine).product).toEqual(to.product(item));
    expect(to.invoiceLineWithItem({ ...invoiceLine, item: undefined }).product).toBeUndefined();
  });
});
