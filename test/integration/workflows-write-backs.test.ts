import { describe, expect, it } from 'vitest';
import { LegacyError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/logger.js';
import { CrmWrites } from '../../subgraphs/crm/client/writes.js';
import { ErpWrites } from '../../subgraphs/erp/client/writes.js';
import type { WriteBackRecord } from '../../subgraphs/workflows/store/types.js';
import { WriteBacks } from '../../subgraphs/workflows/writeBacks.js';
import { eventually, type LegacyPair, type RunningWorkflows, useWorkflows } from './workflows-harness.js';

// Write-backs in the store outlive the version that recorded them: the background loop applies
// those recorded before the payloads spoke the domain, and a newer copy for the same record
// takes their place. State read back from the stand-ins' databases.
let legacy: LegacyPair;
let workflows: RunningWorkflows;

useWorkflows((running) => {
  ({ legacy, workflows } = running);
});

interface LinkedCustomer {
  customerId: string;
  accountId: string;
}

/** Linked customers with one CRM account each, a different one per call. */
const linkedCustomers = (() => {
  let next = 0;
  return (): LinkedCustomer => {
    const rows = legacy.dataset.crm
      .prepare(
        `SELECT ERP_Customer_Id__c AS customerId, MIN(Id) AS accountId FROM Account
         WHERE ERP_Customer_Id__c IS NOT NULL GROUP BY ERP_Customer_Id__c HAVING COUNT(*) = 1 ORDER BY ERP_Customer_Id__c`,
      )
      .all() as LinkedCustomer[];
    const row = rows[next++];
    if (!row) throw new Error('no linked customer left');
    return row;
  };
})();

const erpCustomer = (id: string) =>
  legacy.dataset.erp.prepare('SELECT * FROM customers WHERE id = ?').get(id) as Record<string, unknown>;
const crmAccount = (id: string) =>
  legacy.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(id) as Record<string, unknown>;

async function done(id: string): Promise<WriteBackRecord> {
  return eventually(async () => {
    const record = await workflows.subgraph.store.getWriteBack(id);
    return record?.status === 'PENDING' ? undefined : record;
  });
}

describe('write-backs recorded by the version before', () => {
  it('are applied from the legacy fields they were stored in', async () => {
    const byAccount = linkedCustomers();
    const byCustomer = linkedCustomers();
    const contact = linkedCustomers();
    const { store } = workflows.subgraph;
    const now = Date.now();
    const addressPatch = {
      BillingStreet: '7 Quay Street\nFloor 2',
      BillingCity: 'Cork',
      BillingState: null,
      BillingPostalCode: 'T12 X',
      BillingCountry: 'IE',
    };
    const stored = await Promise.all([
      // The account was found before the CRM failed: it is the target.
      store.addWriteBack(
        {
          kind: 'CRM_ACCOUNT_ADDRESS',
          system: 'CRM',
          targetId: byAccount.accountId,
          payload: {
            kind: 'CRM_ACCOUNT_ADDRESS',
            accountId: byAccount.accountId,
            erpCustomerId: byAccount.customerId,
            patch: addressPatch,
          },
          customerId: byAccount.customerId,
          lastErrorCode: 'LEGACY_UNAVAILABLE',
          attempts: 1,
          nextAttemptAt: now,
        },
        now,
      ),
      // The CRM failed the account lookup: found again by the ERP customer.
      store.addWriteBack(
        {
          kind: 'CRM_ACCOUNT_ADDRESS',
          system: 'CRM',
          targetId: byCustomer.customerId,
          payload: {
            kind: 'CRM_ACCOUNT_ADDRESS',
            accountId: null,
            erpCustomerId: byCustomer.customerId,
            patch: { ...addressPatch, BillingCity: 'Galway' },
          },
          customerId: byCustomer.customerId,
          lastErrorCode: 'LEGACY_UNAVAILABLE',
          attempts: 1,
          nextAttemptAt: now,
        },
        now,
      ),
      store.addWriteBack(
        {
          kind: 'ERP_CUSTOMER_CONTACT',
          system: 'ERP',
          targetId: contact.customerId,
          payload: {
            kind: 'ERP_CUSTOMER_CONTACT',
            erpCustomerId: contact.customerId,
            patch: { email: 'billing@stored.example.com', phoneNumber: '555-0199' },
          },
          customerId: contact.customerId,
          lastErrorCode: 'CONFLICT',
          attempts: 1,
          nextAttemptAt: now,
        },
        now,
      ),
    ]);

    for (const record of stored) expect((await done(record.id)).status).toBe('DONE');
    expect(crmAccount(byAccount.accountId)).toMatchObject(addressPatch);
    expect(crmAccount(byCustomer.accountId)).toMatchObject({ ...addressPatch, BillingCity: 'Galway' });
    expect(erpCustomer(contact.customerId)).toMatchObject({
      email: 'billing@stored.example.com',
      phoneNumber: '555-0199',
    });
  });

  it('take the newer copy for the same CRM account, which stays their target', async () => {
    const { customerId, accountId } = linkedCustomers();
    const { store, erpClient, crmClient } = workflows.subgraph;
    const now = Date.now();
    const older = await store.addWriteBack(
      {
        kind: 'CRM_ACCOUNT_ADDRESS',
        system: 'CRM',
        targetId: accountId,
        payload: {
          kind: 'CRM_ACCOUNT_ADDRESS',
          accountId,
          erpCustomerId: customerId,
          patch: {
            BillingStreet: 'Old Road 1',
            BillingCity: 'Older',
            BillingPostalCode: '1',
            BillingCountry: 'IE',
          },
        },
        customerId,
        lastErrorCode: 'LEGACY_UNAVAILABLE',
        attempts: 1,
        // Not due while the newer copy is made.
        nextAttemptAt: now + 3_600_000,
      },
      now,
    );

    // The CRM finds the account, then fails the write: what is owed names the account.
    class CrmFailingWrites extends CrmWrites {
      override async updateAccountAddress(): Promise<void> {
        throw new LegacyError('LEGACY_UNAVAILABLE', 'CRM', 'The CRM did not answer.');
      }
    }
    const writeBacks = new WriteBacks(
      store,
      new ErpWrites(erpClient),
      new CrmFailingWrites(crmClient),
      { baseDelayMs: 50, maxDelayMs: 50, leaseMs: 2_000 },
      silentLogger,
    );
    const billingAddress = {
      street: '9 New Street',
      street2: null,
      city: 'Newer',
      state: null,
      postalCode: '9',
      country: 'IE',
    };
    const result = await writeBacks.applyOrRecord(
      { kind: 'CRM_ACCOUNT_ADDRESS', accountId: null, erpCustomerId: customerId, billingAddress },
      customerId,
      'test-request',
    );
    expect(result.outcome).toMatchObject({ system: 'CRM', status: 'PENDING', code: 'LEGACY_UNAVAILABLE' });
    expect(result.pendingWriteBackId).toBe(older.id);
    expect(await store.getWriteBack(older.id)).toMatchObject({
      targetId: accountId,
      payload: { accountId, billingAddress },
    });

    // The subgraph's own loop, with a CRM that answers, writes the newer value.
    expect((await done(older.id)).status).toBe('DONE');
    expect(crmAccount(accountId)).toMatchObject({
      BillingStreet: '9 New Street',
      BillingCity: 'Newer',
      BillingPostalCode: '9',
    });
  });
});
