import { beforeEach, describe, expect, it } from 'vitest';
import {
  CONVERT,
  candidateQuotes,
  eventually,
  type LegacyPair,
  ordersFor,
  postsTo,
  quoteRow,
  type RunningWorkflows,
  takeConvertibleQuote,
  useWorkflows,
} from './workflows-harness.js';

// Quote → order over both stand-ins and the workflows subgraph, all real HTTP; what was
// written is read back from the stand-ins' databases, what was called from /__sim/stats.
let legacy: LegacyPair;
let workflows: RunningWorkflows;
/** Set by a test: the CRM goes down the moment the ERP accepted the order. */
let crmOutageAfterErpCreate = false;

useWorkflows(
  (running) => {
    ({ legacy, workflows } = running);
  },
  {
    deps: {
      afterErpOrderCreated: () => {
        if (crmOutageAfterErpCreate) legacy.crmSim.setConfig({ outage: true });
      },
    },
  },
);

beforeEach(() => {
  crmOutageAfterErpCreate = false;
});

const used = new Set<string>();
/** A quote no other test has used, that the rules let through. */
const convertibleQuote = () => takeConvertibleQuote(legacy.dataset, used);
const postsOfOrders = (stats: { byRoute: Record<string, number> }) => postsTo(stats, 'salesOrders');

describe('convertQuoteToOrder', () => {
  it('creates exactly one ERP order for 50 concurrent calls with one key, and links the quote', async () => {
    const quote = convertibleQuote();
    // A legacy latency, so that calls made side by side overlap and the critical path shows.
    legacy.erpSim.setConfig({ latencyMs: 60 });
    legacy.crmSim.setConfig({ latencyMs: 60 });
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        workflows.gql(CONVERT, { quoteId: quote.Id, key: `k-50-${quote.Id}` }),
      ),
    );
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const orders = ordersFor(legacy.dataset, quote.QuoteNumber);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.customerId).toBe(quote.customerId);
    const payloads = answers.map((a) => a.data.convertQuoteToOrder);
    expect(new Set(payloads.map((p) => p.order.number))).toEqual(new Set([orders[0]!.number]));
    expect(payloads.filter((p) => !p.replayed)).toHaveLength(1);
    expect(payloads.every((p) => p.orderCreated)).toBe(true);
    expect(payloads[0].outcomes).toEqual([
      expect.objectContaining({ system: 'ERP', status: 'DONE' }),
      expect.objectContaining({ system: 'CRM', status: 'DONE' }),
    ]);
    expect(payloads[0].pendingWriteBack).toBeNull();
    expect(payloads[0].customer.id).toBe(quote.customerId);

    const linked = quoteRow(legacy.dataset, quote.Id);
    expect(linked).toMatchObject({
      Status: 'Accepted',
      ERP_Order_Number__c: orders[0]!.number,
      ERP_Order_Id__c: orders[0]!.id,
    });
    const opportunity = legacy.dataset.crm
      .prepare('SELECT StageName, IsWon FROM Opportunity WHERE Id = ?')
      .get(quote.OpportunityId);
    expect(opportunity).toEqual({ StageName: 'Closed Won', IsWon: 1 });

    const { erp, crm } = await legacy.calls();
    expect(postsOfOrders(erp)).toBe(1);
    // One run for all 50: the quote read and one composite write-back in the CRM; in the ERP the
    // order lookup, customer and items side by side, then the create — two ERP round trips in sequence.
    expect(crm.byRoute.query).toBe(1);
    expect(crm.byRoute.composite).toBe(1);
    expect(erp.total).toBe(4);
    expect(erp.sequentialDepth).toBe(2);
    const lines = legacy.dataset.erp
      .prepare('SELECT COUNT(*) AS n FROM salesOrderLines WHERE documentId = ?')
      .get(orders[0]!.id) as {
      n: number;
    };
    const quoteLines = legacy.dataset.crm
      .prepare('SELECT COUNT(*) AS n FROM QuoteLineItem WHERE QuoteId = ?')
      .get(quote.Id) as {
      n: number;
    };
    expect(lines.n).toBe(quoteLines.n);
  });

  it('creates one order when two different keys convert the same quote at once (by its 18- and 15-character ids)', async () => {
    const quote = convertibleQuote();
    const [a, b] = await Promise.all([
      workflows.gql(CONVERT, { quoteId: quote.Id, key: `a-${quote.Id}` }),
      // The same quote by its 15-character id: one quote, one lease.
      workflows.gql(CONVERT, { quoteId: quote.Id.slice(0, 15), key: `b-${quote.Id}` }),
    ]);
    expect(a.errors).toBeUndefined();
    expect(b.errors).toBeUndefined();
    const orders = ordersFor(legacy.dataset, quote.QuoteNumber);
    expect(orders).toHaveLength(1);
    const payloads = [a.data.convertQuoteToOrder, b.data.convertQuoteToOrder];
    expect(payloads.map((p) => p.order.number)).toEqual([orders[0]!.number, orders[0]!.number]);
    expect(payloads.map((p) => p.orderCreated).sort()).toEqual([false, true]);
    const second = payloads.find((p) => !p.orderCreated);
    expect(second.outcomes).toEqual([
      expect.objectContaining({ system: 'ERP', status: 'ALREADY_DONE' }),
      expect.objectContaining({ system: 'CRM', status: 'ALREADY_DONE' }),
    ]);
    expect(postsOfOrders((await legacy.calls()).erp)).toBe(1);

    // A third key later, with the idempotency records gone for good measure, still finds it.
    const third = await workflows.gql(CONVERT, { quoteId: quote.Id, key: `c-${quote.Id}` });
    expect(third.data.convertQuoteToOrder).toMatchObject({
      orderCreated: false,
      order: { number: orders[0]!.number },
    });
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(1);
  });

  it('refuses the same key with another quote, writing nothing', async () => {
    const first = convertibleQuote();
    const other = convertibleQuote();
    const key = `reuse-${first.Id}`;
    expect((await workflows.gql(CONVERT, { quoteId: first.Id, key })).errors).toBeUndefined();
    await legacy.resetCalls();
    const reused = await workflows.gql(CONVERT, { quoteId: other.Id, key });
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(reused.data).toBeNull();
    expect(ordersFor(legacy.dataset, other.QuoteNumber)).toHaveLength(0);
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('answers with the order and a pending write-back when the CRM is down, and completes it once the CRM is back', async () => {
    const quote = convertibleQuote();
    crmOutageAfterErpCreate = true;
    const key = `outage-${quote.Id}`;
    const answer = await workflows.gql(CONVERT, { quoteId: quote.Id, key });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.convertQuoteToOrder;
    const [order] = ordersFor(legacy.dataset, quote.QuoteNumber);
    expect(payload.order.number).toBe(order!.number);
    expect(payload.outcomes).toEqual([
      expect.objectContaining({ system: 'ERP', status: 'DONE' }),
      expect.objectContaining({ system: 'CRM', status: 'PENDING', code: 'LEGACY_UNAVAILABLE' }),
    ]);
    expect(payload.pendingWriteBack).toMatchObject({
      kind: 'QUOTE_LINK',
      system: 'CRM',
      status: 'PENDING',
      targetId: quote.Id,
      order: { number: order!.number },
      quote: { id: quote.Id },
    });
    expect(quoteRow(legacy.dataset, quote.Id).ERP_Order_Number__c).toBeNull();

    const listed = await workflows.gql(
      `{ pendingWriteBacks { edges { node { id kind status quote { id } } } pageInfo { hasNextPage } } }`,
    );
    expect(listed.data.pendingWriteBacks.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(
      payload.pendingWriteBack.id,
    );

    // While the CRM stays down the loop keeps it pending, counting attempts.
    const retried = await eventually(async () => {
      const now = await workflows.gql(`query($id: ID!) { writeBack(id: $id) { status attempts } }`, {
        id: payload.pendingWriteBack.id,
      });
      return now.data.writeBack.attempts >= 2 ? now.data.writeBack : undefined;
    });
    expect(retried.status).toBe('PENDING');

    legacy.crmSim.setConfig({ outage: false });
    const done = await eventually(async () => {
      const now = await workflows.gql(`query($id: ID!) { writeBack(id: $id) { status completedAt } }`, {
        id: payload.pendingWriteBack.id,
      });
      return now.data.writeBack.status === 'DONE' ? now.data.writeBack : undefined;
    });
    expect(done.completedAt).toEqual(expect.any(String));
    expect(quoteRow(legacy.dataset, quote.Id)).toMatchObject({
      Status: 'Accepted',
      ERP_Order_Number__c: order!.number,
    });
    const stillPending = await workflows.gql(`{ pendingWriteBacks { edges { node { id } } } }`);
    expect(
      stillPending.data.pendingWriteBacks.edges.map((e: { node: { id: string } }) => e.node.id),
    ).not.toContain(payload.pendingWriteBack.id);

    // The client's retry with its key gets the same order, now reported complete.
    const replay = await workflows.gql(CONVERT, { quoteId: quote.Id, key });
    expect(replay.data.convertQuoteToOrder).toMatchObject({
      replayed: true,
      order: { number: order!.number },
      pendingWriteBack: null,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
      ],
    });
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(1);
  });

  it('refuses a quote past the credit limit, saying by how much, with nothing written', async () => {
    const quote = candidateQuotes(legacy.dataset).find(
      (q) => q.blocked.trim() === '' && q.creditLimit > 0 && q.balance + q.GrandTotal > q.creditLimit,
    );
    expect(quote).toBeDefined();
    const answer = await workflows.gql(CONVERT, { quoteId: quote!.Id, key: `credit-${quote!.Id}` });
    const error = answer.errors?.[0];
    expect(error?.extensions?.code).toBe('CREDIT_LIMIT_EXCEEDED');
    const exceededBy =
      (Math.round(quote!.balance * 100) +
        Math.round(quote!.GrandTotal * 100) -
        Math.round(quote!.creditLimit * 100)) /
      100;
    expect(Number(error?.extensions?.exceededBy)).toBeCloseTo(exceededBy, 2);
    expect(error?.extensions?.creditLimit).toBe(quote!.creditLimit.toFixed(2));
    expect(error?.message).toContain(error?.extensions?.exceededBy);
    expect(ordersFor(legacy.dataset, quote!.QuoteNumber)).toHaveLength(0);
    expect(quoteRow(legacy.dataset, quote!.Id).ERP_Order_Number__c).toBeNull();
    const { erp, crm } = await legacy.calls();
    expect(postsOfOrders(erp)).toBe(0);
    expect(crm.byRoute.composite ?? 0).toBe(0);
  });

  it('refuses a blocked customer with nothing written', async () => {
    const quote = candidateQuotes(legacy.dataset).find((q) => q.blocked.trim() !== '');
    expect(quote).toBeDefined();
    const answer = await workflows.gql(CONVERT, { quoteId: quote!.Id, key: `blocked-${quote!.Id}` });
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'CUSTOMER_BLOCKED',
      blocked: quote!.blocked.trim().toUpperCase(),
    });
    expect(ordersFor(legacy.dataset, quote!.QuoteNumber)).toHaveLength(0);
    const { erp, crm } = await legacy.calls();
    expect(postsOfOrders(erp)).toBe(0);
    expect(crm.byRoute.composite ?? 0).toBe(0);
  });

  it('refuses malformed input before any legacy call', async () => {
    const quote = convertibleQuote();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ quoteId: quote.Id, key: '' }, 'idempotencyKey', 'EMPTY'],
      [{ quoteId: quote.Id, key: 'k'.repeat(256) }, 'idempotencyKey', 'TOO_LONG'],
      [{ quoteId: quote.Id, key: 'has spaces' }, 'idempotencyKey', 'INVALID_FORMAT'],
      [{ quoteId: 'not-an-id', key: 'k1' }, 'quoteId', 'INVALID_ID'],
      [{ quoteId: quote.AccountId, key: 'k2' }, 'quoteId', 'INVALID_ID'],
      [{ quoteId: "0Q0' OR Id != '", key: 'k3' }, 'quoteId', 'INVALID_ID'],
    ];
    for (const [variables, field, reason] of cases) {
      const answer = await workflows.gql(CONVERT, variables);
      expect(answer.errors?.[0]?.extensions, JSON.stringify(variables).slice(0, 80)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
        reason,
      });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(0);
  });

  it('refuses an unknown quote, an unknown product, a negative quantity and an unlinked account, with nothing written', async () => {
    const missing = await workflows.gql(CONVERT, { quoteId: '0Q05J0zzzzzzzzzSAA', key: 'missing-quote' });
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'CRM' });

    const crmDb = legacy.dataset.crm;
    const unknownProduct = convertibleQuote();
    const line = crmDb
      .prepare('SELECT Id, Product2Id FROM QuoteLineItem WHERE QuoteId = ? ORDER BY LineNumber LIMIT 1')
      .get(unknownProduct.Id) as {
      Id: string;
      Product2Id: string;
    };
    const { ProductCode: sku } = crmDb
      .prepare('SELECT ProductCode FROM Product2 WHERE Id = ?')
      .get(line.Product2Id) as {
      ProductCode: string;
    };
    crmDb.prepare("UPDATE Product2 SET ProductCode = 'NO-SUCH-SKU' WHERE Id = ?").run(line.Product2Id);
    const unknown = await workflows.gql(CONVERT, {
      quoteId: unknownProduct.Id,
      key: `unknown-${unknownProduct.Id}`,
    });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'UNKNOWN_PRODUCT', skus: ['NO-SUCH-SKU'] });
    expect(ordersFor(legacy.dataset, unknownProduct.QuoteNumber)).toHaveLength(0);
    crmDb.prepare('UPDATE Product2 SET ProductCode = ? WHERE Id = ?').run(sku, line.Product2Id);

    const negative = convertibleQuote();
    crmDb
      .prepare(
        'UPDATE QuoteLineItem SET Quantity = -2 WHERE Id = (SELECT Id FROM QuoteLineItem WHERE QuoteId = ? LIMIT 1)',
      )
      .run(negative.Id);
    const refused = await workflows.gql(CONVERT, { quoteId: negative.Id, key: `negative-${negative.Id}` });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'QUOTE_NOT_CONVERTIBLE',
      reason: 'INVALID_QUANTITY',
      quantity: -2,
    });
    expect(ordersFor(legacy.dataset, negative.QuoteNumber)).toHaveLength(0);

    const unlinked = convertibleQuote();
    crmDb.prepare('UPDATE Account SET ERP_Customer_Id__c = NULL WHERE Id = ?').run(unlinked.AccountId);
    const prospect = await workflows.gql(CONVERT, { quoteId: unlinked.Id, key: `unlinked-${unlinked.Id}` });
    expect(prospect.errors?.[0]?.extensions).toMatchObject({ code: 'CUSTOMER_NOT_LINKED' });
    expect(ordersFor(legacy.dataset, unlinked.QuoteNumber)).toHaveLength(0);
    crmDb
      .prepare('UPDATE Account SET ERP_Customer_Id__c = ? WHERE Id = ?')
      .run(unlinked.customerId, unlinked.AccountId);

    const { erp, crm } = await legacy.calls();
    expect(postsOfOrders(erp)).toBe(0);
    expect(crm.byRoute.composite ?? 0).toBe(0);
    // A refused run leaves no idempotency record: after the data is fixed, the same key runs.
    crmDb
      .prepare('UPDATE QuoteLineItem SET Quantity = 2 WHERE QuoteId = ? AND Quantity < 0')
      .run(negative.Id);
    const fixed = await workflows.gql(CONVERT, { quoteId: negative.Id, key: `negative-${negative.Id}` });
    expect(fixed.errors).toBeUndefined();
    expect(ordersFor(legacy.dataset, negative.QuoteNumber)).toHaveLength(1);
  });

  it('tells the ERP being down apart, and a retry with the same key then succeeds', async () => {
    const quote = convertibleQuote();
    legacy.erpSim.setConfig({ outage: true });
    const down = await workflows.gql(CONVERT, { quoteId: quote.Id, key: `erp-down-${quote.Id}` });
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: 'LEGACY_UNAVAILABLE', system: 'ERP' });
    expect(JSON.stringify(down)).not.toMatch(/127\.0\.0\.1|companies\(/);
    legacy.erpSim.setConfig({ outage: false });
    const again = await workflows.gql(CONVERT, { quoteId: quote.Id, key: `erp-down-${quote.Id}` });
    expect(again.data.convertQuoteToOrder).toMatchObject({ orderCreated: true, replayed: false });
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(1);
  });
});
