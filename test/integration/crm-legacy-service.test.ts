import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { buildDatabase, type Running, sfId, start } from '../helpers/crm-legacy-fixture.js';

/**
 * The CRM stand-in's service and approval fields (issue 10): entitlement case counts that a
 * Case insert uses up, as Salesforce entitlement management does; Cases created and changed
 * through sobjects; the quote discount approval fields.
 */
let crm: Running;

beforeEach(async () => {
  await crm?.close();
  crm = await start(buildDatabase());
});
afterAll(async () => {
  await crm.close();
});

async function entitlement(fields: Record<string, unknown>): Promise<string> {
  const res = await crm.send('POST', 'sobjects/Entitlement', {
    Name: 'Warranty SN-1',
    AccountId: sfId('Account', 1),
    Type: 'Warranty',
    StartDate: '2025-01-01',
    EndDate: '2027-01-01',
    Status: 'Active',
    ...fields,
  });
  expect(res.status).toBe(201);
  return res.body.id;
}

const remaining = async (id: string) => (await crm.get(`sobjects/Entitlement/${id}`)).body.RemainingCases;

async function openCase(fields: Record<string, unknown>): Promise<string> {
  const res = await crm.send('POST', 'sobjects/Case', {
    AccountId: sfId('Account', 1),
    Subject: 'Device fault',
    Status: 'New',
    Type: 'Warranty Claim',
    ...fields,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id;
}

describe('entitlement case counts', () => {
  it('start a per-incident entitlement with its cases; RemainingCases is read-only', async () => {
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 3 });
    const read = (await crm.get(`sobjects/Entitlement/${id}`)).body;
    expect(read).toMatchObject({ IsPerIncident: true, CasesPerEntitlement: 3, RemainingCases: 3 });
    const unlimited = await entitlement({ IsPerIncident: false, Type: 'Phone Support' });
    expect((await crm.get(`sobjects/Entitlement/${unlimited}`)).body).toMatchObject({
      IsPerIncident: false,
      CasesPerEntitlement: null,
      RemainingCases: null,
    });
    const write = await crm.send('PATCH', `sobjects/Entitlement/${id}`, { RemainingCases: 7 });
    expect(write.status).toBe(400);
    expect(write.body[0]).toMatchObject({
      errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      fields: ['RemainingCases'],
    });
  });

  it('go down by one per Case inserted against a per-incident entitlement, never below 0', async () => {
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 2 });
    await openCase({ EntitlementId: id });
    expect(await remaining(id)).toBe(1);
    await openCase({ EntitlementId: id });
    expect(await remaining(id)).toBe(0);
    // Salesforce does not refuse the case; the count just stays at 0.
    await openCase({ EntitlementId: id });
    expect(await remaining(id)).toBe(0);
    const used = await crm.query(`SELECT COUNT() FROM Case WHERE EntitlementId = '${id}'`);
    expect(used.body.totalSize).toBe(3);
  });

  it('stay as they are for an unlimited entitlement, a case without one, and a changed case', async () => {
    const unlimited = await entitlement({ IsPerIncident: false, Type: 'Phone Support' });
    await openCase({ EntitlementId: unlimited, Type: 'Question' });
    expect(await remaining(unlimited)).toBeNull();
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 3 });
    const caseId = await openCase({});
    expect(await remaining(id)).toBe(3);
    const moved = await crm.send('PATCH', `sobjects/Case/${caseId}`, { EntitlementId: id });
    expect(moved.status).toBe(204);
    expect(await remaining(id)).toBe(3);
    await crm.send('DELETE', `sobjects/Case/${caseId}`);
    expect(await remaining(id)).toBe(3);
  });

  it('follow a change of CasesPerEntitlement', async () => {
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 2 });
    await openCase({ EntitlementId: id });
    expect((await crm.send('PATCH', `sobjects/Entitlement/${id}`, { CasesPerEntitlement: 5 })).status).toBe(
      204,
    );
    expect(await remaining(id)).toBe(4);
    await crm.send('PATCH', `sobjects/Entitlement/${id}`, { CasesPerEntitlement: 0 });
    expect(await remaining(id)).toBe(0);
  });

  it('count cases created through the collections API, and roll the count back with the cases', async () => {
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 3 });
    const record = (fields: Record<string, unknown>) => ({
      attributes: { type: 'Case' },
      AccountId: sfId('Account', 1),
      Subject: 'Device fault',
      Status: 'New',
      Type: 'Warranty Claim',
      EntitlementId: id,
      ...fields,
    });
    const ok = await crm.send('POST', 'composite/sobjects', {
      allOrNone: false,
      records: [record({}), record({})],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.every((r: { success: boolean }) => r.success)).toBe(true);
    expect(await remaining(id)).toBe(1);
    const failed = await crm.send('POST', 'composite/sobjects', {
      allOrNone: true,
      records: [record({}), record({ Priority: 42 })],
    });
    expect(failed.body.some((r: { success: boolean }) => !r.success)).toBe(true);
    expect(await remaining(id)).toBe(1);
  });

  it('refuse a Case naming an entitlement that does not exist', async () => {
    const res = await crm.send('POST', 'sobjects/Case', {
      AccountId: sfId('Account', 1),
      Subject: 'x',
      EntitlementId: sfId('Entitlement', 99),
    });
    expect(res.status).toBe(400);
    expect(res.body[0]).toMatchObject({
      errorCode: 'INVALID_CROSS_REFERENCE_KEY',
      fields: ['EntitlementId'],
    });
  });
});

describe('cases through sobjects', () => {
  it('creates a case with its number, entitlement and ERP order; updates and closes it', async () => {
    const id = await entitlement({ IsPerIncident: true, CasesPerEntitlement: 3, Name: 'Warranty SN-9' });
    const caseId = await openCase({
      EntitlementId: id,
      ContactId: sfId('Contact', 1),
      Type: 'Complaint',
      ERP_Order_Number__c: 'SO000123',
      Origin: 'Web',
      Priority: 'High',
    });
    const read = (await crm.get(`sobjects/Case/${caseId}`)).body;
    expect(read).toMatchObject({
      EntitlementId: id,
      ERP_Order_Number__c: 'SO000123',
      IsClosed: false,
      Status: 'New',
    });
    expect(read.CaseNumber).toMatch(/^\d{8}$/);
    const changed = await crm.send('PATCH', `sobjects/Case/${caseId}`, {
      Status: 'Closed',
      Description: 'Replaced under warranty',
    });
    expect(changed.status).toBe(204);
    const soql = await crm.query(
      `SELECT CaseNumber, IsClosed, Entitlement.Name, ERP_Order_Number__c FROM Case WHERE Id = '${caseId}'`,
    );
    expect(soql.body.records[0]).toMatchObject({
      CaseNumber: read.CaseNumber,
      IsClosed: true,
      Entitlement: { Name: 'Warranty SN-9' },
      ERP_Order_Number__c: 'SO000123',
    });
    const children = await crm.query(
      `SELECT Name, (SELECT Id FROM Cases) FROM Entitlement WHERE Id = '${id}'`,
    );
    expect(children.body.records[0].Cases.records.map((c: { Id: string }) => c.Id)).toEqual([caseId]);
    const readOnly = await crm.send('PATCH', `sobjects/Case/${caseId}`, { CaseNumber: '1' });
    expect(readOnly.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });
});

describe('quote discount approval fields', () => {
  it('are written and read back through sobjects and SOQL', async () => {
    const quote = sfId('Quote', 1);
    const comment = 'Strategic account; approved for this order only. '.repeat(10);
    const res = await crm.send('PATCH', `sobjects/Quote/${quote}`, {
      Discount_Approval_Status__c: 'Approved',
      Discount_Approval_Level__c: 'Director',
      Discount_Approval_Percent__c: 22.5,
      Discount_Approval_Requested_By__c: 'rep@cronus-demo.com',
      Discount_Approval_Decided_By__c: 'sales.director@cronus-demo.com',
      Discount_Approval_Decided_At__c: '2026-06-30T09:15:00.000+0000',
      Discount_Approval_Comment__c: comment,
    });
    expect(res.status).toBe(204);
    const read = await crm.query(
      `SELECT Discount_Approval_Status__c, Discount_Approval_Level__c, Discount_Approval_Percent__c, Discount_Approval_Requested_By__c, Discount_Approval_Decided_By__c, Discount_Approval_Decided_At__c, Discount_Approval_Comment__c FROM Quote WHERE Discount_Approval_Status__c = 'Approved'`,
    );
    expect(read.body.records).toHaveLength(1);
    expect(read.body.records[0]).toMatchObject({
      Discount_Approval_Status__c: 'Approved',
      Discount_Approval_Level__c: 'Director',
      Discount_Approval_Percent__c: 22.5,
      Discount_Approval_Requested_By__c: 'rep@cronus-demo.com',
      Discount_Approval_Decided_By__c: 'sales.director@cronus-demo.com',
      Discount_Approval_Comment__c: comment,
    });
    expect(read.body.records[0].Discount_Approval_Decided_At__c).toMatch(/^2026-06-30T09:15:00\.000\+0000$/);
    const bad = await crm.send('PATCH', `sobjects/Quote/${quote}`, { Discount_Approval_Percent__c: 'high' });
    expect(bad.body[0].errorCode).toBe('JSON_PARSER_ERROR');
  });

  it('closing a case sets IsClosed and ClosedDate (read-only) to the closing write; reopening clears them', async () => {
    const caseId = await openCase({ Type: 'Question' });
    const fields = 'Status,IsClosed,ClosedDate,LastModifiedDate';
    const read = async () => (await crm.get(`sobjects/Case/${caseId}?fields=${fields}`)).body;
    expect(await read()).toMatchObject({ Status: 'New', IsClosed: false, ClosedDate: null });

    expect((await crm.send('PATCH', `sobjects/Case/${caseId}`, { Status: 'Closed' })).status).toBe(204);
    const closed = await read();
    expect(closed).toMatchObject({ Status: 'Closed', IsClosed: true });
    // The closing write's own time, as Salesforce stamps it.
    expect(closed.ClosedDate).toBe(closed.LastModifiedDate);
    const soql = await crm.query(`SELECT Id FROM Case WHERE Id = '${caseId}' AND ClosedDate != null`);
    expect(soql.body.totalSize).toBe(1);

    // Still closed: a later change keeps the day it was closed.
    expect((await crm.send('PATCH', `sobjects/Case/${caseId}`, { Priority: 'Low' })).status).toBe(204);
    const later = await read();
    expect(later.ClosedDate).toBe(closed.ClosedDate);
    expect(later.LastModifiedDate).not.toBe(closed.LastModifiedDate);

    // Neither field is the client's to write.
    for (const body of [{ ClosedDate: '2026-06-30T10:00:00.000Z' }, { IsClosed: false }]) {
      const refused = await crm.send('PATCH', `sobjects/Case/${caseId}`, body);
      expect(refused.status).toBe(400);
      expect(refused.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
    }

    // Reopened: open again, no closing time.
    expect((await crm.send('PATCH', `sobjects/Case/${caseId}`, { Status: 'Working' })).status).toBe(204);
    expect(await read()).toMatchObject({ Status: 'Working', IsClosed: false, ClosedDate: null });

    // Created closed: closed when created.
    const createdClosed = await openCase({ Type: 'Question', Status: 'Closed' });
    const created = (await crm.get(`sobjects/Case/${createdClosed}?fields=IsClosed,ClosedDate,CreatedDate`))
      .body;
    expect(created).toMatchObject({ IsClosed: true, ClosedDate: created.CreatedDate });
    const refusedOnInsert = await crm.send('POST', 'sobjects/Case', {
      AccountId: sfId('Account', 1),
      Subject: 'x',
      Status: 'Closed',
      ClosedDate: '2026-06-30T10:00:00.000Z',
    });
    expect(refusedOnInsert.status).toBe(400);
    expect(refusedOnInsert.body[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });
});
