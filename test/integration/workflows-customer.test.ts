import { describe, expect, it } from 'vitest';
import { eventually, type LegacyPair, type RunningWorkflows, useWorkflows } from './workflows-harness.js';

// Customer changes through the workflows subgraph: each system of record written with its
// concurrency check, the other system following where the rules say so; state read back from
// the stand-ins' databases.
let legacy: LegacyPair;
let workflows: RunningWorkflows;

useWorkflows((running) => {
  ({ legacy, workflows } = running);
});

interface LinkedCustomer {
  customerId: string;
  accountId: string;
}

const usedCustomers = new Set<string>();
/** A linked customer (one CRM account) no other test has touched. */
function linkedCustomer(): LinkedCustomer {
  const rows = legacy.dataset.crm
    .prepare(
      `SELECT ERP_Customer_Id__c AS customerId, MIN(Id) AS accountId FROM Account
       WHERE ERP_Customer_Id__c IS NOT NULL GROUP BY ERP_Customer_Id__c HAVING COUNT(*) = 1 ORDER BY ERP_Customer_Id__c`,
    )
    .all() as LinkedCustomer[];
  const row = rows.find((r) => !usedCustomers.has(r.customerId));
  if (!row) throw new Error('no linked customer left');
  usedCustomers.add(row.customerId);
  return row;
}

const erpCustomer = (id: string) =>
  legacy.dataset.erp.prepare('SELECT * FROM customers WHERE id = ?').get(id) as Record<string, unknown>;
const crmAccount = (id: string) =>
  legacy.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(id) as Record<string, unknown>;
const crmContact = (id: string) =>
  legacy.dataset.crm.prepare('SELECT * FROM Contact WHERE Id = ?').get(id) as Record<string, unknown>;

async function erpEtag(customerId: string): Promise<string> {
  const response = await fetch(
    `${legacy.erpUrl}/api/v2.0/companies(${legacy.dataset.summary.companyId})/customers(${customerId})?$select=id`,
    { headers: { authorization: 'Bearer erp-dev-token' } },
  );
  return ((await response.json()) as { '@odata.etag': string })['@odata.etag'];
}

const UPDATE_ADDRESS = `
  mutation($input: UpdateCustomerAddressInput!) {
    updateCustomerAddress(input: $input) {
      customer { id } purpose erpVersion
      address { street street2 city state postalCode country }
      outcomes { system status code }
      pendingWriteBack { id kind status }
    }
  }`;

const UPSERT_CONTACT = `
  mutation($input: UpsertCustomerContactInput!) {
    upsertCustomerContact(input: $input) {
      contact { id } customer { id } created lastModified
      outcomes { system status code }
      pendingWriteBack { id kind status }
    }
  }`;

const LOG_INTERACTION = `
  mutation($input: LogInteractionInput!) {
    logInteraction(input: $input) { interaction { id } customer { id } replayed outcomes { system status } }
  }`;

const newAddress = {
  street: '1 Harbour Road',
  street2: 'Unit 4',
  city: 'Bergen',
  state: 'Vestland',
  postalCode: '5003',
  country: 'no',
};

describe('updateCustomerAddress', () => {
  it('changes the billing address in the ERP with its ETag, then in the CRM account', async () => {
    const { customerId, accountId } = linkedCustomer();
    const before = await erpEtag(customerId);
    const answer = await workflows.gql(UPDATE_ADDRESS, {
      input: { customerId, purpose: 'BILLING', address: newAddress },
    });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.updateCustomerAddress;
    expect(payload.outcomes).toEqual([
      { system: 'ERP', status: 'DONE', code: null },
      { system: 'CRM', status: 'DONE', code: null },
    ]);
    expect(payload.address).toEqual({ ...newAddress, country: 'NO' });
    expect(erpCustomer(customerId)).toMatchObject({
      addressLine1: '1 Harbour Road',
      addressLine2: 'Unit 4',
      city: 'Bergen',
      state: 'Vestland',
      postalCode: '5003',
      country: 'NO',
    });
    expect(crmAccount(accountId)).toMatchObject({
      BillingStreet: '1 Harbour Road\nUnit 4',
      BillingCity: 'Bergen',
      BillingPostalCode: '5003',
      BillingCountry: 'NO',
    });
    expect(payload.erpVersion).not.toBe(before);
    expect(payload.erpVersion).toBe(await erpEtag(customerId));
    const { erp } = await legacy.calls();
    expect(erp.byRoute['PATCH /customers({id})']).toBe(1);

    // The version it handed out is what the next change is based on.
    const next = await workflows.gql(UPDATE_ADDRESS, {
      input: {
        customerId,
        purpose: 'BILLING',
        address: { ...newAddress, city: 'Oslo' },
        expectedVersion: payload.erpVersion,
      },
    });
    expect(next.errors).toBeUndefined();
    expect(erpCustomer(customerId).city).toBe('Oslo');
  });

  it('refuses a stale version with CONFLICT and the current values, writing nothing', async () => {
    const { customerId, accountId } = linkedCustomer();
    const stale = await erpEtag(customerId);
    // Someone else changes the customer in the ERP.
    const patched = await fetch(
      `${legacy.erpUrl}/api/v2.0/companies(${legacy.dataset.summary.companyId})/customers(${customerId})`,
      {
        method: 'PATCH',
        headers: {
          authorization: 'Bearer erp-dev-token',
          'content-type': 'application/json',
          'if-match': stale,
        },
        body: JSON.stringify({ city: 'Elsewhere' }),
      },
    );
    expect(patched.status).toBe(200);
    const erpBefore = erpCustomer(customerId);
    const crmBefore = crmAccount(accountId);
    await legacy.resetCalls();

    const answer = await workflows.gql(UPDATE_ADDRESS, {
      input: { customerId, purpose: 'BILLING', address: newAddress, expectedVersion: stale },
    });
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'ERP',
      current: {
        version: await erpEtag(customerId),
        address: expect.objectContaining({ city: 'Elsewhere' }),
      },
    });
    expect(erpCustomer(customerId)).toEqual(erpBefore);
    expect(crmAccount(accountId)).toEqual(crmBefore);
    const { erp, crm } = await legacy.calls();
    expect(erp.byRoute['PATCH /customers({id})'] ?? 0).toBe(0);
    expect(crm.total).toBe(0);
  });

  it('reports the CRM copy as pending when the CRM is down, and completes it later', async () => {
    const { customerId, accountId } = linkedCustomer();
    legacy.crmSim.setConfig({ outage: true });
    const answer = await workflows.gql(UPDATE_ADDRESS, {
      input: { customerId, purpose: 'BILLING', address: newAddress },
    });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.updateCustomerAddress;
    expect(payload.outcomes).toEqual([
      { system: 'ERP', status: 'DONE', code: null },
      { system: 'CRM', status: 'PENDING', code: 'LEGACY_UNAVAILABLE' },
    ]);
    expect(payload.pendingWriteBack).toMatchObject({ kind: 'CRM_ACCOUNT_ADDRESS', status: 'PENDING' });
    expect(erpCustomer(customerId).city).toBe('Bergen');
    expect(crmAccount(accountId).BillingCity).not.toBe('Bergen');
    legacy.crmSim.setConfig({ outage: false });
    await eventually(() => (crmAccount(accountId).BillingCity === 'Bergen' ? true : undefined));
    const status = await workflows.gql(`query($id: ID!) { writeBack(id: $id) { status } }`, {
      id: payload.pendingWriteBack.id,
    });
    expect(status.data.writeBack.status).toBe('DONE');
  });

  it('keeps a delivery address on the CRM account only, with the last-modified check', async () => {
    const { customerId, accountId } = linkedCustomer();
    const erpBefore = erpCustomer(customerId);
    const answer = await workflows.gql(UPDATE_ADDRESS, {
      input: { customerId, purpose: 'SHIPPING', address: newAddress },
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.updateCustomerAddress.outcomes).toEqual([
      { system: 'CRM', status: 'DONE', code: null },
      { system: 'ERP', status: 'NOT_APPLICABLE', code: null },
    ]);
    expect(crmAccount(accountId)).toMatchObject({ ShippingCity: 'Bergen', ShippingCountry: 'NO' });
    expect(erpCustomer(customerId)).toEqual(erpBefore);

    const stale = await workflows.gql(UPDATE_ADDRESS, {
      input: {
        customerId,
        purpose: 'SHIPPING',
        address: newAddress,
        expectedVersion: '2001-01-01T00:00:00Z',
      },
    });
    expect(stale.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'CRM',
      current: { address: { city: 'Bergen' } },
    });
  });

  it('refuses invalid input before any legacy call', async () => {
    const { customerId } = linkedCustomer();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ customerId: 'nope', purpose: 'BILLING', address: newAddress }, 'input.customerId', 'INVALID_ID'],
      [{ customerId, purpose: 'MAILING', address: newAddress }, 'input.purpose', 'NOT_ALLOWED'],
      [
        { customerId, purpose: 'BILLING', address: { ...newAddress, street: 'x'.repeat(101) } },
        'input.address.street',
        'TOO_LONG',
      ],
      [
        { customerId, purpose: 'BILLING', address: { ...newAddress, city: '   ' } },
        'input.address.city',
        'EMPTY',
      ],
      [
        { customerId, purpose: 'BILLING', address: { ...newAddress, country: 'Norway' } },
        'input.address.country',
        'INVALID_FORMAT',
      ],
      [
        { customerId, purpose: 'BILLING', address: { ...newAddress, street: 'a\u0000b' } },
        'input.address.street',
        'INVALID_FORMAT',
      ],
    ];
    const before = erpCustomer(customerId);
    for (const [input, field, reason] of cases) {
      const answer = await workflows.gql(UPDATE_ADDRESS, { input });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
    expect(erpCustomer(customerId)).toEqual(before);
  });
});

describe('upsertCustomerContact', () => {
  it('creates a contact, then updates it matched by e-mail, and mirrors a billing contact to the ERP', async () => {
    const { customerId, accountId } = linkedCustomer();
    const input = {
      customerId,
      firstName: 'Ada',
      lastName: "O'Hara",
      email: 'ada.ohara@example.com',
      phone: '555-0100',
      role: 'BILLING',
    };
    const created = await workflows.gql(UPSERT_CONTACT, { input });
    expect(created.errors).toBeUndefined();
    const payload = created.data.upsertCustomerContact;
    expect(payload).toMatchObject({ created: true, customer: { id: customerId } });
    expect(payload.outcomes).toEqual([
      { system: 'CRM', status: 'DONE', code: null },
      { system: 'ERP', status: 'DONE', code: null },
    ]);
    expect(crmContact(payload.contact.id)).toMatchObject({
      AccountId: accountId,
      LastName: "O'Hara",
      Email: 'ada.ohara@example.com',
      Contact_Role__c: 'Billing',
    });
    expect(erpCustomer(customerId)).toMatchObject({
      email: 'ada.ohara@example.com',
      phoneNumber: '555-0100',
    });

    const again = await workflows.gql(UPSERT_CONTACT, {
      input: {
        ...input,
        email: 'ADA.OHARA@example.com',
        title: 'Controller',
        expectedLastModified: payload.lastModified,
      },
    });
    expect(again.errors).toBeUndefined();
    expect(again.data.upsertCustomerContact).toMatchObject({
      created: false,
      contact: { id: payload.contact.id },
    });
    expect(crmContact(payload.contact.id).Title).toBe('Controller');
    const count = legacy.dataset.crm
      .prepare('SELECT COUNT(*) AS n FROM Contact WHERE AccountId = ? AND lower(Email) = ?')
      .get(accountId, 'ada.ohara@example.com') as { n: number };
    expect(count.n).toBe(1);
  });

  it('refuses a change based on a stale read with CONFLICT and the current values', async () => {
    const { customerId } = linkedCustomer();
    const contact = legacy.dataset.crm
      .prepare(
        `SELECT c.Id, c.LastName, c.LastModifiedDate FROM Contact c JOIN Account a ON a.Id = c.AccountId WHERE a.ERP_Customer_Id__c = ? LIMIT 1`,
      )
      .get(customerId) as { Id: string; LastName: string; LastModifiedDate: string } | undefined;
    expect(contact).toBeDefined();
    const before = crmContact(contact!.Id);
    const answer = await workflows.gql(UPSERT_CONTACT, {
      input: {
        customerId,
        contactId: contact!.Id,
        lastName: 'Overwritten',
        role: 'SALES',
        expectedLastModified: new Date(Date.parse(contact!.LastModifiedDate) - 60_000).toISOString(),
      },
    });
    const extensions = answer.errors?.[0]?.extensions;
    expect(extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'CRM',
      current: { contact: { lastName: contact!.LastName } },
    });
    expect(Date.parse(extensions.current.lastModified)).toBe(Date.parse(contact!.LastModifiedDate));
    expect(crmContact(contact!.Id)).toEqual(before);
  });

  it('refuses invalid input before any legacy call', async () => {
    const { customerId } = linkedCustomer();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ customerId, lastName: '', role: 'SALES' }, 'input.lastName', 'EMPTY'],
      [{ customerId, lastName: 'x'.repeat(81), role: 'SALES' }, 'input.lastName', 'TOO_LONG'],
      [
        { customerId, lastName: 'Doe', email: 'not-an-email', role: 'SALES' },
        'input.email',
        'INVALID_FORMAT',
      ],
      [
        { customerId, contactId: '001000000000001', lastName: 'Doe', role: 'SALES' },
        'input.contactId',
        'INVALID_ID',
      ],
      [
        { customerId, lastName: 'Doe', role: 'SALES', expectedLastModified: 'yesterday' },
        'input.expectedLastModified',
        'INVALID_FORMAT',
      ],
    ];
    for (const [input, field, reason] of cases) {
      const answer = await workflows.gql(UPSERT_CONTACT, { input });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });
});

describe('logInteraction', () => {
  it('logs a task and an event in the CRM, once per idempotency key', async () => {
    const { customerId, accountId } = linkedCustomer();
    const task = await workflows.gql(LOG_INTERACTION, {
      input: {
        customerId,
        type: 'TASK',
        subject: 'Called about the renewal',
        occurredAt: '2026-06-01',
        idempotencyKey: `task-${customerId}`,
      },
    });
    expect(task.errors).toBeUndefined();
    const taskId = task.data.logInteraction.interaction.id;
    expect(
      legacy.dataset.crm
        .prepare('SELECT AccountId, WhatId, Subject, ActivityDate, Status FROM Task WHERE Id = ?')
        .get(taskId),
    ).toEqual({
      AccountId: accountId,
      WhatId: accountId,
      Subject: 'Called about the renewal',
      ActivityDate: '2026-06-01',
      Status: 'Completed',
    });
    const replay = await workflows.gql(LOG_INTERACTION, {
      input: {
        customerId,
        type: 'TASK',
        subject: 'Called about the renewal',
        occurredAt: '2026-06-01',
        idempotencyKey: `task-${customerId}`,
      },
    });
    expect(replay.data.logInteraction).toMatchObject({ replayed: true, interaction: { id: taskId } });
    const tasks = legacy.dataset.crm
      .prepare("SELECT COUNT(*) AS n FROM Task WHERE AccountId = ? AND Subject = 'Called about the renewal'")
      .get(accountId) as {
      n: number;
    };
    expect(tasks.n).toBe(1);

    const event = await workflows.gql(LOG_INTERACTION, {
      input: {
        customerId,
        type: 'EVENT',
        subject: 'Site visit',
        occurredAt: '2026-07-02T09:30:00Z',
        durationMinutes: 90,
      },
    });
    expect(event.errors).toBeUndefined();
    expect(
      legacy.dataset.crm
        .prepare('SELECT StartDateTime, EndDateTime, DurationInMinutes FROM Event WHERE Id = ?')
        .get(event.data.logInteraction.interaction.id),
    ).toEqual({
      StartDateTime: '2026-07-02T09:30:00.000Z',
      EndDateTime: '2026-07-02T11:00:00.000Z',
      DurationInMinutes: 90,
    });
  });

  it('refuses invalid input before any legacy call', async () => {
    const { customerId } = linkedCustomer();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ customerId, type: 'TASK', subject: ' ' }, 'input.subject', 'EMPTY'],
      [{ customerId, type: 'TASK', subject: 's'.repeat(256) }, 'input.subject', 'TOO_LONG'],
      [
        { customerId, type: 'TASK', subject: 'ok', durationMinutes: 30 },
        'input.durationMinutes',
        'NOT_ALLOWED',
      ],
      [
        { customerId, type: 'EVENT', subject: 'ok', durationMinutes: -5 },
        'input.durationMinutes',
        'OUT_OF_RANGE',
      ],
      [
        { customerId, type: 'EVENT', subject: 'ok', occurredAt: '31/12/2026' },
        'input.occurredAt',
        'INVALID_FORMAT',
      ],
      [{ customerId, type: 'TASK', subject: 'ok', idempotencyKey: '' }, 'input.idempotencyKey', 'EMPTY'],
    ];
    for (const [input, field, reason] of cases) {
      const answer = await workflows.gql(LOG_INTERACTION, { input });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });
});
