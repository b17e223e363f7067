import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerLosingProxy,
  type LegacyPair,
  orderLines,
  ordersFor,
  type RunningWorkflows,
  startAnswerLosingProxy,
  startLegacyPair,
  startWorkflows,
} from './workflows-harness.js';

// The ERP applies the write but its answer never arrives in time: a proxy in front of the ERP
// stand-in passes an order create or a line change through and holds the answer past the
// client's timeout. The workflow must not send the write again: it finds what the ERP did.
const ERP_TIMEOUT_MS = 400;

let legacy: LegacyPair;
let workflows: RunningWorkflows;
let proxy: AnswerLosingProxy;
/** Set by a test: hold the answers to writes. */
let losing = false;

beforeAll(async () => {
  legacy = await startLegacyPair(60);
  // The ERP has committed the write; its answer is what gets lost.
  proxy = await startAnswerLosingProxy(
    legacy.erpUrl,
    (req) =>
      req.method === 'POST' &&
      (/\/salesOrders(\?|$)/.test(req.url ?? '') ||
        (req.url?.endsWith('/$batch') === true && req.headers.isolation === 'snapshot')),
    ERP_TIMEOUT_MS * 3,
    () => losing,
  );
  workflows = await startWorkflows(legacy, { erpUrl: proxy.url, erpTimeoutMs: ERP_TIMEOUT_MS });
});

afterAll(async () => {
  await workflows?.close();
  await proxy?.close();
  await legacy?.close();
});

const CREATE = `mutation ($input: CreateSalesOrderInput!) { createSalesOrder(input: $input) { order { number } orderCreated outcomes { system status } } }`;
const CHANGE = `mutation ($input: ChangeSalesOrderLinesInput!) { changeSalesOrderLines(input: $input) { version changed added removed } }`;

function customerAndItems() {
  const customer = legacy.dataset.erp
    .prepare("SELECT id FROM customers WHERE blocked = ' ' AND creditLimit = 0 ORDER BY number LIMIT 1")
    .get() as { id: string };
  const items = legacy.dataset.erp
    .prepare(
      "SELECT number FROM items WHERE blocked = 0 AND unitPrice > 0 AND type = 'Inventory' ORDER BY number LIMIT 2",
    )
    .all() as { number: string }[];
  return { customer, items };
}

describe('the answer to an ERP order write is lost', () => {
  it('createSalesOrder finds the order the ERP made instead of sending the create again', async () => {
    const { customer, items } = customerAndItems();
    proxy.picked.length = 0;
    losing = true;
    const answer = await workflows.gql(CREATE, {
      input: {
        customerId: customer.id,
        externalDocumentNumber: 'PO-LOST-1',
        lines: [{ sku: items[0]!.number, quantity: 1 }],
        idempotencyKey: 'lost-create-1',
      },
    });
    losing = false;
    expect(answer.errors).toBeUndefined();
    const orders = ordersFor(legacy.dataset, 'PO-LOST-1');
    expect(orders).toHaveLength(1);
    expect(proxy.picked).toHaveLength(1);
    expect(answer.data.createSalesOrder).toMatchObject({
      order: { number: orders[0]!.number },
      orderCreated: true,
      outcomes: [expect.objectContaining({ system: 'ERP', status: 'DONE' }), expect.anything()],
    });
  });

  it('changeSalesOrderLines reads the order again and reports the change it shows, sent once', async () => {
    const { customer, items } = customerAndItems();
    const made = await workflows.gql(CREATE, {
      input: {
        customerId: customer.id,
        externalDocumentNumber: 'PO-LOST-2',
        lines: [{ sku: items[0]!.number, quantity: 1 }],
        idempotencyKey: 'lost-create-2',
      },
    });
    const orderNumber = made.data.createSalesOrder.order.number as string;
    const probe = await workflows.gql(CHANGE, {
      input: { orderNumber, expectedVersion: 'W/"stale"', remove: [10000], idempotencyKey: 'lost-probe' },
    });
    const version = probe.errors![0]!.extensions.current.version as string;
    const [line] = orderLines(legacy.dataset, orderNumber);

    proxy.picked.length = 0;
    losing = true;
    const answer = await workflows.gql(CHANGE, {
      input: {
        orderNumber,
        expectedVersion: version,
        change: [{ sequence: line!.sequence, quantity: 6 }],
        add: [{ sku: items[1]!.number, quantity: 2 }],
        idempotencyKey: 'lost-change-1',
      },
    });
    losing = false;
    expect(answer.errors).toBeUndefined();
    expect(proxy.picked).toHaveLength(1);
    expect(answer.data.changeSalesOrderLines).toMatchObject({ changed: 1, added: 1, removed: 0 });
    expect(answer.data.changeSalesOrderLines.version).not.toBe(version);
    expect(orderLines(legacy.dataset, orderNumber)).toEqual([
      expect.objectContaining({ sku: items[0]!.number, quantity: 6 }),
      expect.objectContaining({ sku: items[1]!.number, quantity: 2 }),
    ]);
  });
});
