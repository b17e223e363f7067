import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASET_AS_OF } from '../../legacy/generator/calendar.js';
import { type Stack, startStack } from '../helpers/stack.js';
import { ordersFor } from './workflows-harness.js';

// Support cases and prospect onboarding through the gateway, on the whole stack: the mutation's
// case, unit and customer are expanded by the CRM and ERP subgraphs in the same answer, and a
// caller without the mutation's scope runs nothing.
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    customers: 60,
    workflowsDeps: { now: () => new Date(`${DATASET_AS_OF}T12:00:00Z`) },
  });
});

afterAll(async () => {
  await stack?.close();
});

describe('support cases and onboarding through the gateway', () => {
  it('opens a warranty claim and answers with the case and its unit as the CRM sees them', async () => {
    const unit = stack.dataset.crm
      .prepare(
        `SELECT a.SerialNumber AS serialNumber, COALESCE(acc.ERP_Customer_Id__c, a.AccountId) AS customerId,
                e.RemainingCases AS remainingCases
         FROM Asset a JOIN Account acc ON acc.Id = a.AccountId JOIN Entitlement e ON e.AssetId = a.Id
         WHERE e.Type = 'Warranty' AND e.RemainingCases = 3 AND e.EndDate > '2027-12-31' ORDER BY a.Id LIMIT 1`,
      )
      .get() as { serialNumber: string; customerId: string; remainingCases: number };
    const answer = await stack.query(
      `mutation($input: OpenSupportCaseInput!) {
        openSupportCase(input: $input) {
          supportCase { number type status asset { serialNumber warranty { eligible remainingCases } } }
          customer { id name }
          entitlement { name remainingCases }
          replayed
          outcomes { system status message }
        }
      }`,
      {
        input: {
          customerId: unit.customerId,
          type: 'WARRANTY_CLAIM',
          subject: 'Display flickers',
          serialNumber: unit.serialNumber,
          priority: 'HIGH',
          idempotencyKey: `stack-claim-${unit.serialNumber}`,
        },
      },
    );
    expect(answer.body.errors).toBeUndefined();
    const payload = answer.body.data.openSupportCase;
    expect(payload).toMatchObject({
      supportCase: {
        type: 'Warranty Claim',
        status: 'New',
        asset: { serialNumber: unit.serialNumber, warranty: { eligible: true, remainingCases: 2 } },
      },
      customer: { id: unit.customerId },
      entitlement: { remainingCases: 2 },
      replayed: false,
    });
    expect(payload.supportCase.number).toMatch(/^\d{8}$/);
  });

  it('answers a change with the case as it is now, and a refusal with its details', async () => {
    const customer = stack.dataset.crm
      .prepare(
        `SELECT ERP_Customer_Id__c AS id FROM Account WHERE ERP_Customer_Id__c IS NOT NULL ORDER BY Id LIMIT 1`,
      )
      .get() as { id: string };
    const CASE = 'supportCase { id number status priority } status lastModified';
    const opened = await stack.query(
      `mutation($input: OpenSupportCaseInput!) { openSupportCase(input: $input) { ${CASE} } }`,
      {
        input: { customerId: customer.id, type: 'QUESTION', subject: 'Reset?', idempotencyKey: 'stack-q-1' },
      },
    );
    const { supportCase, lastModified } = opened.body.data.openSupportCase;
    // Read through the graph (and its cache) before the changes.
    await stack.query(`query($n: String!) { supportCase(number: $n) { status priority } }`, {
      n: supportCase.number,
    });
    const changed = await stack.query(
      `mutation($input: UpdateSupportCaseInput!) { updateSupportCase(input: $input) { ${CASE} } }`,
      {
        input: {
          caseId: supportCase.id,
          priority: 'HIGH',
          status: 'WORKING',
          expectedLastModified: lastModified,
          idempotencyKey: 'stack-q-2',
        },
      },
    );
    expect(changed.body.data.updateSupportCase.supportCase).toMatchObject({
      status: 'Working',
      priority: 'High',
    });
    const closed = await stack.query(
      `mutation($input: CloseSupportCaseInput!) { closeSupportCase(input: $input) { ${CASE} } }`,
      { input: { caseId: supportCase.id, resolution: 'Explained.', idempotencyKey: 'stack-q-3' } },
    );
    expect(closed.body.data.closeSupportCase.supportCase.status).toBe('Closed');
    const read = await stack.query(
      `query($n: String!) { supportCase(number: $n) { status priority isClosed closedAt } }`,
      { n: supportCase.number },
    );
    // Closed when the CRM took the closing write: its closing time is the case's last change.
    expect(read.body.data.supportCase).toEqual({
      status: 'Closed',
      priority: 'High',
      isClosed: true,
      closedAt: closed.body.data.closeSupportCase.lastModified,
    });
    const again = await stack.query(
      `mutation($input: CloseSupportCaseInput!) { closeSupportCase(input: $input) { status } }`,
      { input: { caseId: supportCase.id, resolution: 'Again.', idempotencyKey: 'stack-q-4' } },
    );
    expect(again.body.errors?.[0]?.extensions).toMatchObject({
      code: 'CASE_CLOSED',
      caseNumber: supportCase.number,
      status: 'Closed',
    });

    const uncovered = stack.dataset.crm
      .prepare(
        `SELECT a.SerialNumber AS serialNumber, COALESCE(acc.ERP_Customer_Id__c, a.AccountId) AS customerId
         FROM Asset a JOIN Account acc ON acc.Id = a.AccountId LEFT JOIN Entitlement e ON e.AssetId = a.Id
         WHERE e.Id IS NULL ORDER BY a.Id LIMIT 1`,
      )
      .get() as { serialNumber: string; customerId: string };
    const refused = await stack.query(
      `mutation($input: OpenSupportCaseInput!) { openSupportCase(input: $input) { status } }`,
      {
        input: {
          customerId: uncovered.customerId,
          type: 'WARRANTY_CLAIM',
          subject: 'Broken',
          serialNumber: uncovered.serialNumber,
          idempotencyKey: 'stack-uncovered-1',
        },
      },
    );
    expect(refused.body.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'NO_ENTITLEMENT',
      serialNumber: uncovered.serialNumber,
      asOf: DATASET_AS_OF,
    });
  });

  it('onboards a prospect and answers with the ERP customer; its quote then converts', async () => {
    const prospect = stack.dataset.crm
      .prepare(
        `SELECT a.Id, q.Id AS quoteId, q.QuoteNumber FROM Account a JOIN Quote q ON q.AccountId = a.Id
         WHERE a.ERP_Customer_Id__c IS NULL AND q.Status IN ('Approved', 'Presented', 'Accepted') ORDER BY a.Id LIMIT 1`,
      )
      .get() as { Id: string; quoteId: string; QuoteNumber: string };
    const answer = await stack.query(
      `mutation($accountId: ID!, $key: String!) {
        createErpCustomerFromAccount(accountId: $accountId, idempotencyKey: $key) {
          customer { id number name }
          erpCustomerNumber
          customerCreated
          outcomes { system status message }
          pendingWriteBack { id }
        }
      }`,
      { accountId: prospect.Id, key: `stack-onboard-${prospect.Id}` },
    );
    expect(answer.body.errors).toBeUndefined();
    const payload = answer.body.data.createErpCustomerFromAccount;
    expect(payload).toMatchObject({
      customer: { number: prospect.Id.toUpperCase() },
      erpCustomerNumber: prospect.Id.toUpperCase(),
      customerCreated: true,
      pendingWriteBack: null,
    });
    const converted = await stack.query(
      `mutation($quoteId: ID!, $key: String!) {
        convertQuoteToOrder(quoteId: $quoteId, idempotencyKey: $key) { order { number customer { id } } orderCreated }
      }`,
      { quoteId: prospect.quoteId, key: `stack-convert-${prospect.quoteId}` },
    );
    expect(converted.body.errors).toBeUndefined();
    expect(converted.body.data.convertQuoteToOrder).toMatchObject({
      order: { customer: { id: payload.customer.id } },
      orderCreated: true,
    });
    expect(ordersFor(stack.dataset, prospect.QuoteNumber)).toHaveLength(1);
  });

  it('runs neither for a caller without its scope', async () => {
    const token = await stack.tokenFor({ scopes: ['customer:read', 'orders:write'] });
    await stack.resetCounts();
    for (const mutation of [
      'closeSupportCase(input: { caseId: "500000000000001AAA", resolution: "x", idempotencyKey: "k" }) { status }',
      'createErpCustomerFromAccount(accountId: "001000000000001AAA", idempotencyKey: "k") { customerCreated }',
    ]) {
      const answer = await stack.query(`mutation { ${mutation} }`, {}, { authorization: `Bearer ${token}` });
      expect(answer.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    }
    const calls = await stack.legacyCalls();
    expect(calls.erp.total + calls.crm.total).toBe(0);
  });
});
