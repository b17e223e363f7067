import { describe, expect, it } from 'vitest';
import {
  type LegacyPair,
  orderLines,
  ordersFor,
  postsTo,
  type RunningWorkflows,
  useWorkflows,
} from './workflows-harness.js';

// Order entry and change over both stand-ins and the workflows subgraph, all real HTTP: what
// was written is read back from the ERP stand-in's database, what was called from /__sim/stats.
let legacy: LegacyPair;
let workflows: RunningWorkflows;

useWorkflows((running) => {
  ({ legacy, workflows } = running);
});

const CREATE = `
  mutation Create($input: CreateSalesOrderInput!) {
    createSalesOrder(input: $input) {
      order { number }
      customer { id }
      orderCreated
      replayed
      outcomes { system status message code }
    }
  }`;

const CHANGE = `
  mutation Change($input: ChangeSalesOrderLinesInput!) {
    changeSalesOrderLines(input: $input) {
      order { number }
      version
      changed
      added
      removed
      replayed
      outcomes { system status message code }
    }
  }`;

interface CustomerRow {
  id: string;
  number: string;
  blocked: string;
  creditLimit: number;
  balance: number;
}

function customers(): CustomerRow[] {
  return legacy.dataset.erp
    .prepare(
      `SELECT c.id, c.number, c.blocked, c.creditLimit, COALESCE(f.balance, c.balanceDue) AS balance
       FROM customers c LEFT JOIN customerFinancialDetails f ON f.id = c.id ORDER BY c.number`,
    )
    .all() as CustomerRow[];
}

/** Items that may be sold, priced, cheapest first. */
function sellable(): { number: string; unitPrice: number }[] {
  return legacy.dataset.erp
    .prepare(
      "SELECT number, unitPrice FROM items WHERE blocked = 0 AND unitPrice > 0 AND type = 'Inventory' ORDER BY unitPrice, number",
    )
    .all() as { number: string; unitPrice: number }[];
}

const usedCustomers = new Set<string>();
/** A customer no other test ordered for: not blocked, without a credit limit. */
function freeCustomer(): CustomerRow {
  const customer = customers().find(
    (c) => c.blocked.trim() === '' && c.creditLimit === 0 && !usedCustomers.has(c.id),
  );
  if (!customer) throw new Error('no customer left');
  usedCustomers.add(customer.id);
  return customer;
}

const orderPosts = (stats: { byRoute: Record<string, number> }) => postsTo(stats, 'salesOrder');

let references = 0;
const reference = () => `PO-${Date.now().toString(36).toUpperCase()}-${++references}`;

describe('createSalesOrder', () => {
  it('creates exactly one order for concurrent calls with one key and another key for the same reference', async () => {
    const customer = freeCustomer();
    const [a, b] = sellable();
    const externalDocumentNumber = reference();
    const input = {
      customerId: customer.id,
      externalDocumentNumber,
      lines: [
        { sku: a!.number, quantity: 3 },
        { sku: b!.number, quantity: 1, discountPercent: 5, description: 'Spare unit' },
      ],
      idempotencyKey: `one-${externalDocumentNumber}`,
    };
    // Long enough that the run's three side-by-side reads overlap on a loaded machine too.
    legacy.erpSim.setConfig({ latencyMs: 60 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => workflows.gql(CREATE, { input })));
    legacy.erpSim.setConfig({ latencyMs: 0 });
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const orders = ordersFor(legacy.dataset, externalDocumentNumber);
    expect(orders).toHaveLength(1);
    expect(orders[0]).toMatchObject({ customerId: customer.id, status: 'Draft' });
    const payloads = answers.map((answer) => answer.data.createSalesOrder);
    expect(new Set(payloads.map((p) => p.order.number))).toEqual(new Set([orders[0]!.number]));
    expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);
    expect(payloads[0]).toMatchObject({
      customer: { id: customer.id },
      orderCreated: true,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'NOT_APPLICABLE' }),
      ],
    });
    expect(orderLines(legacy.dataset, orders[0]!.number)).toEqual([
      expect.objectContaining({ sku: a!.number, quantity: 3, discountPercent: 0 }),
      expect.objectContaining({ sku: b!.number, quantity: 1, discountPercent: 5 }),
    ]);
    // One run: the lookup, customer and items side by side, then the create; the CRM is not asked.
    const { erp, crm } = await legacy.calls();
    expect(orderPosts(erp)).toBe(1);
    expect(erp.total).toBe(4);
    expect(erp.sequentialDepth).toBe(2);
    expect(crm.total).toBe(0);

    // Another key with the same reference (a client that lost its key; the reference typed in
    // lower case, as the ERP keeps it in upper case) finds the order.
    const other = await workflows.gql(CREATE, {
      input: {
        ...input,
        externalDocumentNumber: externalDocumentNumber.toLowerCase(),
        idempotencyKey: `two-${externalDocumentNumber}`,
      },
    });
    expect(other.data.createSalesOrder).toMatchObject({
      order: { number: orders[0]!.number },
      orderCreated: false,
      replayed: false,
      outcomes: [expect.objectContaining({ system: 'ERP', status: 'ALREADY_DONE' }), expect.anything()],
    });
    expect(ordersFor(legacy.dataset, externalDocumentNumber)).toHaveLength(1);

    // The same key with another input is refused, with nothing written.
    await legacy.resetCalls();
    const reused = await workflows.gql(CREATE, {
      input: { ...input, lines: [{ sku: a!.number, quantity: 4 }] },
    });
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await legacy.calls()).erp.total).toBe(0);
  });

  it('takes the customer by its CRM account id, and refuses a prospect the ERP does not know', async () => {
    const customer = freeCustomer();
    const account = legacy.dataset.crm
      .prepare('SELECT Id FROM Account WHERE ERP_Customer_Id__c = ? ORDER BY CreatedDate LIMIT 1')
      .get(customer.id) as { Id: string } | undefined;
    expect(account).toBeDefined();
    const [a] = sellable();
    const externalDocumentNumber = reference();
    const made = await workflows.gql(CREATE, {
      input: {
        customerId: account!.Id,
        externalDocumentNumber,
        lines: [{ sku: a!.number, quantity: 1 }],
        idempotencyKey: `crm-${externalDocumentNumber}`,
      },
    });
    expect(made.data.createSalesOrder).toMatchObject({ customer: { id: customer.id }, orderCreated: true });
    expect(ordersFor(legacy.dataset, externalDocumentNumber)).toEqual([
      expect.objectContaining({ customerId: customer.id }),
    ]);

    const prospect = legacy.dataset.crm
      .prepare('SELECT Id FROM Account WHERE ERP_Customer_Id__c IS NULL LIMIT 1')
      .get() as { Id: string };
    const refused = await workflows.gql(CREATE, {
      input: {
        customerId: prospect.Id,
        externalDocumentNumber: reference(),
        lines: [{ sku: a!.number, quantity: 1 }],
        idempotencyKey: `prospect-${prospect.Id}`,
      },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'CUSTOMER_NOT_LINKED',
      accountId: prospect.Id,
    });
  });

  it("refuses with conversion's codes — blocked customer, unknown or blocked product, credit limit, unknown customer — writing nothing", async () => {
    const [cheap] = sellable();
    const blockedItem = legacy.dataset.erp
      .prepare('SELECT number FROM items WHERE blocked = 1 LIMIT 1')
      .get() as {
      number: string;
    };
    const blockedCustomer = customers().find((c) => c.blocked.trim() !== '')!;
    const limited = customers().find(
      (c) => c.blocked.trim() === '' && c.creditLimit > 0 && c.creditLimit - c.balance < 1_000_000,
    )!;
    const expensive = sellable().at(-1)!;
    // Enough units of the dearest item to go past the limit.
    const units = Math.ceil((limited.creditLimit - limited.balance + 1) / expensive.unitPrice) + 1;
    const free = freeCustomer();
    const cases: [Record<string, unknown>, Record<string, unknown>][] = [
      [
        { customerId: blockedCustomer.id, lines: [{ sku: cheap!.number, quantity: 1 }] },
        { code: 'CUSTOMER_BLOCKED', blocked: blockedCustomer.blocked.trim().toUpperCase() },
      ],
      [
        { customerId: free.id, lines: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] },
        { code: 'UNKNOWN_PRODUCT', skus: ['NO-SUCH-SKU'] },
      ],
      [
        { customerId: free.id, lines: [{ sku: blockedItem.number, quantity: 1 }] },
        { code: 'PRODUCT_BLOCKED', skus: [blockedItem.number] },
      ],
      [
        { customerId: limited.id, lines: [{ sku: expensive.number, quantity: units }] },
        { code: 'CREDIT_LIMIT_EXCEEDED', creditLimit: limited.creditLimit.toFixed(2) },
      ],
      [
        { customerId: '00000000-0000-4000-8000-000000000000', lines: [{ sku: cheap!.number, quantity: 1 }] },
        { code: 'NOT_FOUND', system: 'ERP' },
      ],
    ];
    for (const [input, expected] of cases) {
      const externalDocumentNumber = reference();
      const answer = await workflows.gql(CREATE, {
        input: { ...input, externalDocumentNumber, idempotencyKey: `refused-${externalDocumentNumber}` },
      });
      expect(answer.errors?.[0]?.extensions, JSON.stringify(expected)).toMatchObject({
        ...expected,
        ...(expected.code === 'UNKNOWN_PRODUCT' || expected.code === 'PRODUCT_BLOCKED'
          ? { externalDocumentNumber }
          : {}),
      });
      expect(ordersFor(legacy.dataset, externalDocumentNumber)).toHaveLength(0);
    }
    expect(orderPosts((await legacy.calls()).erp)).toBe(0);
  });

  it('refuses malformed input before any legacy call', async () => {
    const customer = customers()[0]!;
    const good = {
      customerId: customer.id,
      externalDocumentNumber: 'PO-1',
      lines: [{ sku: '1000', quantity: 1 }],
      idempotencyKey: 'k-1',
    };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ customerId: 'nobody' }, 'input.customerId', 'INVALID_ID'],
      [{ externalDocumentNumber: '  ' }, 'input.externalDocumentNumber', 'EMPTY'],
      [{ externalDocumentNumber: 'P'.repeat(36) }, 'input.externalDocumentNumber', 'TOO_LONG'],
      [{ lines: [] }, 'input.lines', 'EMPTY'],
      [
        { lines: Array.from({ length: 201 }, () => ({ sku: '1000', quantity: 1 })) },
        'input.lines',
        'TOO_LONG',
      ],
      [{ lines: [{ sku: '1000', quantity: 0 }] }, 'input.lines[0].quantity', 'OUT_OF_RANGE'],
      [{ lines: [{ sku: '1000', quantity: -2 }] }, 'input.lines[0].quantity', 'OUT_OF_RANGE'],
      [
        { lines: [{ sku: '1000', quantity: 1, discountPercent: 101 }] },
        'input.lines[0].discountPercent',
        'OUT_OF_RANGE',
      ],
      [{ lines: [{ sku: ' ', quantity: 1 }] }, 'input.lines[0].sku', 'EMPTY'],
      [{ idempotencyKey: '' }, 'input.idempotencyKey', 'EMPTY'],
    ];
    for (const [change, field, reason] of cases) {
      const answer = await workflows.gql(CREATE, { input: { ...good, ...change } });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });
});

describe('changeSalesOrderLines', () => {
  async function newOrder(lines: { sku: string; quantity: number }[]) {
    const customer = freeCustomer();
    const externalDocumentNumber = reference();
    const made = await workflows.gql(CREATE, {
      input: {
        customerId: customer.id,
        externalDocumentNumber,
        lines,
        idempotencyKey: `made-${externalDocumentNumber}`,
      },
    });
    expect(made.errors).toBeUndefined();
    return made.data.createSalesOrder.order.number as string;
  }

  /** The order's current version, as a CONFLICT tells it (what a client holding a stale one gets). */
  async function versionOf(orderNumber: string): Promise<string> {
    const answer = await workflows.gql(CHANGE, {
      input: {
        orderNumber,
        expectedVersion: 'W/"stale"',
        remove: [10000],
        idempotencyKey: `probe-${orderNumber}-${Date.now()}-${Math.random()}`,
      },
    });
    expect(answer.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    return answer.errors![0]!.extensions.current.version;
  }

  it('changes, adds and removes lines all at once against the current version; a stale one is CONFLICT with the current lines', async () => {
    const [a, b, c] = sellable();
    const orderNumber = await newOrder([
      { sku: a!.number, quantity: 2 },
      { sku: b!.number, quantity: 1 },
    ]);
    const [first, second] = orderLines(legacy.dataset, orderNumber);

    await legacy.resetCalls();
    const stale = await workflows.gql(CHANGE, {
      input: {
        orderNumber,
        expectedVersion: 'W/"not-the-version"',
        change: [{ sequence: first!.sequence, quantity: 5 }],
        idempotencyKey: `stale-${orderNumber}`,
      },
    });
    expect(stale.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'ERP',
      current: {
        version: expect.any(String),
        status: 'Draft',
        lines: [
          expect.objectContaining({ sequence: first!.sequence, sku: a!.number, quantity: 2 }),
          expect.objectContaining({ sequence: second!.sequence, sku: b!.number, quantity: 1 }),
        ],
      },
    });
    expect(orderLines(legacy.dataset, orderNumber)).toEqual([first, second]);
    const version = stale.errors![0]!.extensions.current.version as string;

    await legacy.resetCalls();
    const input = {
      orderNumber,
      expectedVersion: version,
      change: [{ sequence: first!.sequence, quantity: 5, discountPercent: 10 }],
      add: [{ sku: c!.number, quantity: 2 }],
      remove: [second!.sequence],
      idempotencyKey: `change-${orderNumber}`,
    };
    // A legacy latency, so that calls made side by side overlap and the critical path shows.
    legacy.erpSim.setConfig({ latencyMs: 20 });
    const changed = await workflows.gql(CHANGE, { input });
    legacy.erpSim.setConfig({ latencyMs: 0 });
    expect(changed.errors).toBeUndefined();
    expect(changed.data.changeSalesOrderLines).toMatchObject({
      order: { number: orderNumber },
      changed: 1,
      added: 1,
      removed: 1,
      replayed: false,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'NOT_APPLICABLE' }),
      ],
    });
    const newVersion = changed.data.changeSalesOrderLines.version;
    expect(newVersion).toEqual(expect.any(String));
    expect(newVersion).not.toBe(version);
    expect(orderLines(legacy.dataset, orderNumber)).toEqual([
      expect.objectContaining({
        sequence: first!.sequence,
        sku: a!.number,
        quantity: 5,
        discountPercent: 10,
      }),
      expect.objectContaining({ sku: c!.number, quantity: 2 }),
    ]);
    // The order read; the customer and the added item side by side; one $batch transaction; the
    // order read again for its new version: four steps in sequence, five round trips.
    const { erp, crm } = await legacy.calls();
    expect(erp.roundTrips).toBe(5);
    expect(erp.sequentialDepth).toBe(4);
    expect(crm.total).toBe(0);

    // The retry of the same call replays its answer; nothing is applied twice.
    const replay = await workflows.gql(CHANGE, { input });
    expect(replay.data.changeSalesOrderLines).toMatchObject({ replayed: true, version: newVersion });
    expect(orderLines(legacy.dataset, orderNumber)).toHaveLength(2);

    // The old version, under another key, is now stale: CONFLICT with the lines as they are.
    const late = await workflows.gql(CHANGE, { input: { ...input, idempotencyKey: `late-${orderNumber}` } });
    expect(late.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      current: { version: newVersion, lines: [expect.objectContaining({ quantity: 5 }), expect.anything()] },
    });
    expect(orderLines(legacy.dataset, orderNumber)).toEqual([
      expect.objectContaining({ quantity: 5 }),
      expect.objectContaining({ sku: c!.number }),
    ]);
  });

  it('is all or nothing: an unknown product among the additions changes no line', async () => {
    const [a] = sellable();
    const orderNumber = await newOrder([{ sku: a!.number, quantity: 1 }]);
    const version = await versionOf(orderNumber);
    const before = orderLines(legacy.dataset, orderNumber);
    const answer = await workflows.gql(CHANGE, {
      input: {
        orderNumber,
        expectedVersion: version,
        change: [{ sequence: before[0]!.sequence, quantity: 7 }],
        add: [{ sku: 'NO-SUCH-SKU', quantity: 1 }],
        idempotencyKey: `unknown-${orderNumber}`,
      },
    });
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'UNKNOWN_PRODUCT',
      orderNumber,
      skus: ['NO-SUCH-SKU'],
    });
    expect(orderLines(legacy.dataset, orderNumber)).toEqual(before);
  });

  it('refuses a released or shipped order with ORDER_NOT_CHANGEABLE, writing nothing', async () => {
    const released = legacy.dataset.erp
      .prepare("SELECT number FROM salesOrders WHERE status = 'Released' ORDER BY number LIMIT 1")
      .get() as { number: string };
    const before = orderLines(legacy.dataset, released.number);
    await legacy.resetCalls();
    const answer = await workflows.gql(CHANGE, {
      input: {
        orderNumber: released.number,
        expectedVersion: 'W/"any"',
        change: [{ sequence: before[0]!.sequence, quantity: 99 }],
        idempotencyKey: `released-${released.number}`,
      },
    });
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'ORDER_NOT_CHANGEABLE',
      orderNumber: released.number,
      status: 'Released',
    });
    expect(orderLines(legacy.dataset, released.number)).toEqual(before);
    const { erp } = await legacy.calls();
    expect(erp.total).toBe(1);

    const missing = await workflows.gql(CHANGE, {
      input: {
        orderNumber: 'SO999999',
        expectedVersion: 'W/"x"',
        remove: [10000],
        idempotencyKey: 'missing-order',
      },
    });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'ERP' });
  });

  it('refuses malformed input before any legacy call', async () => {
    const base = { orderNumber: 'SO000001', expectedVersion: 'W/"v"', idempotencyKey: 'k-change' };
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'input', 'EMPTY'],
      [{ orderNumber: ' ', remove: [10000] }, 'input.orderNumber', 'EMPTY'],
      [{ expectedVersion: '', remove: [10000] }, 'input.expectedVersion', 'EMPTY'],
      [{ change: [{ sequence: 10000 }] }, 'input.change[0]', 'EMPTY'],
      [{ change: [{ sequence: 10000, quantity: 0 }] }, 'input.change[0].quantity', 'OUT_OF_RANGE'],
      [
        { change: [{ sequence: 10000, discountPercent: -1 }] },
        'input.change[0].discountPercent',
        'OUT_OF_RANGE',
      ],
      [{ change: [{ sequence: 10000, quantity: 2 }], remove: [10000] }, 'input.remove[0]', 'NOT_ALLOWED'],
      [{ remove: [-1] }, 'input.remove[0]', 'OUT_OF_RANGE'],
      [{ add: [{ sku: 'X', quantity: 1e9 }] }, 'input.add[0].quantity', 'OUT_OF_RANGE'],
      [{ remove: Array.from({ length: 100 }, (_, i) => i * 10) }, 'input', 'TOO_LONG'],
    ];
    for (const [change, field, reason] of cases) {
      const answer = await workflows.gql(CHANGE, { input: { ...base, ...change } });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });
});
