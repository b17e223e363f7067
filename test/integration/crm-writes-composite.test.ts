import { afterAll, beforeAll, expect, it } from 'vitest';
import { LegacyError } from '../../lib/errors.js';
import { fixedTokenSource } from '../../lib/legacyCredentials.js';
import { CrmClient } from '../../subgraphs/crm/client/crmClient.js';
import { CrmWrites } from '../../subgraphs/crm/client/writes.js';
import { buildDatabase, type Running, sfId, start, TOKEN } from '../helpers/crm-legacy-fixture.js';

/**
 * With allOrNone, Salesforce answers the parts that merely did not run with PROCESSING_HALTED;
 * the write client must report the part that failed for its own reason.
 */
let crm: Running;
let writes: CrmWrites;

beforeAll(async () => {
  crm = await start(buildDatabase());
  writes = new CrmWrites(
    new CrmClient({
      crmUrl: crm.base,
      credentials: fixedTokenSource('CRM', TOKEN),
      apiVersion: 'v62.0',
      timeoutMs: 5000,
      maxRetries: 0,
      maxConnections: 2,
    }),
  );
});
afterAll(() => crm.close());

it('a missing opportunity in the quote write-back is NOT_FOUND, and the quote is left as it was', async () => {
  const quoteId = sfId('Quote', 1);
  const before = crm.db.prepare('SELECT Status, ERP_Order_Number__c FROM Quote WHERE Id = ?').get(quoteId);
  const failure = await writes
    .linkQuoteToOrder({
      quoteId,
      opportunityId: sfId('Opportunity', 999),
      orderNumber: 'SO999999',
      orderId: '00000000-0000-4000-8000-000000000999',
    })
    .catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(LegacyError);
  expect((failure as LegacyError).code).toBe('NOT_FOUND');
  expect(crm.db.prepare('SELECT Status, ERP_Order_Number__c FROM Quote WHERE Id = ?').get(quoteId)).toEqual(
    before,
  );
});
