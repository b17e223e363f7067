import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AnswerLosingProxy,
  CONVERT,
  candidateQuotes,
  type LegacyPair,
  ordersFor,
  quoteRow,
  type RunningWorkflows,
  startAnswerLosingProxy,
  startLegacyPair,
  startWorkflows,
} from './workflows-harness.js';

// The ERP makes the order but its answer never arrives in time: a proxy in front of the ERP
// stand-in passes the create through and holds the answer past the client's timeout. The
// workflow must not send the create again; it finds the order by the quote number.
const ERP_TIMEOUT_MS = 400;

let legacy: LegacyPair;
let workflows: RunningWorkflows;
let proxy: AnswerLosingProxy;

beforeAll(async () => {
  legacy = await startLegacyPair(60);
  // The ERP has committed the order; its answer is what gets lost.
  proxy = await startAnswerLosingProxy(
    legacy.erpUrl,
    (req) => req.method === 'POST' && /\/salesOrders(\?|$)/.test(req.url ?? ''),
    ERP_TIMEOUT_MS * 3,
  );
  workflows = await startWorkflows(legacy, { erpUrl: proxy.url, erpTimeoutMs: ERP_TIMEOUT_MS });
});

afterAll(async () => {
  await workflows?.close();
  await proxy?.close();
  await legacy?.close();
});

describe('the answer to the ERP create is lost', () => {
  it('finds the order the ERP made instead of sending the create again', async () => {
    const quote = candidateQuotes(legacy.dataset).find(
      (q) => q.blocked.trim() === '' && (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit),
    );
    const answer = await workflows.gql(CONVERT, { quoteId: quote!.Id, key: `lost-${quote!.Id}` });
    expect(answer.errors).toBeUndefined();
    const orders = ordersFor(legacy.dataset, quote!.QuoteNumber);
    expect(orders).toHaveLength(1);
    expect(proxy.picked).toHaveLength(1);
    expect(answer.data.convertQuoteToOrder).toMatchObject({
      order: { number: orders[0]!.number },
      orderCreated: true,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
      ],
    });
    expect(quoteRow(legacy.dataset, quote!.Id).ERP_Order_Number__c).toBe(orders[0]!.number);
  });
});
