import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DATASET_AS_OF } from '../../legacy/generator/calendar.js';
import {
  type AnswerLosingProxy,
  type LegacyPair,
  type RunningWorkflows,
  startAnswerLosingProxy,
  startWorkflows,
  useWorkflows,
} from './workflows-harness.js';

// Support cases through the workflows subgraph over both stand-ins, all real HTTP: what was
// written is read back from the CRM stand-in's database, what was called from /__sim/stats.
// Warranty eligibility is judged on the clock the test sets (the data set's as-of day unless a
// test moves it).
let legacy: LegacyPair;
let workflows: RunningWorkflows;
let clock = new Date(`${DATASET_AS_OF}T12:00:00Z`);

useWorkflows(
  (running) => {
    ({ legacy, workflows } = running);
  },
  { deps: { now: () => clock } },
);

beforeEach(() => {
  clock = new Date(`${DATASET_AS_OF}T12:00:00Z`);
});

const PAYLOAD = `
  supportCase { id } customer { id } number status lastModified asset { serialNumber }
  entitlement { id name remainingCases } replayed outcomes { system status message code }`;
const OPEN = `mutation($input: OpenSupportCaseInput!) { openSupportCase(input: $input) { ${PAYLOAD} } }`;
const UPDATE = `mutation($input: UpdateSupportCaseInput!) { updateSupportCase(input: $input) { ${PAYLOAD} } }`;
const CLOSE = `mutation($input: CloseSupportCaseInput!) { closeSupportCase(input: $input) { ${PAYLOAD} } }`;

interface Unit {
  assetId: string;
  serialNumber: string;
  accountId: string;
  contactId: string | null;
  /** The graph's customer id: the ERP customer's, else the account's. */
  customerId: string;
  entitlementId: string | null;
  remainingCases: number | null;
  startDate: string | null;
  endDate: string | null;
}

const usedUnits = new Set<string>();
/** A unit (CRM asset) no other test has touched, chosen by its warranty. */
function unit(kind: 'covered' | 'uncovered' | 'exhausted' | 'last-case'): Unit {
  const where = {
    covered: `e.Id IS NOT NULL AND e.RemainingCases >= 2`,
    uncovered: `e.Id IS NULL`,
    exhausted: `e.RemainingCases = 0`,
    'last-case': `e.RemainingCases = 1`,
  }[kind];
  const rows = legacy.dataset.crm
    .prepare(
      `SELECT a.Id AS assetId, a.SerialNumber AS serialNumber, a.AccountId AS accountId, a.ContactId AS contactId,
              COALESCE(acc.ERP_Customer_Id__c, a.AccountId) AS customerId, e.Id AS entitlementId,
              e.RemainingCases AS remainingCases, e.StartDate AS startDate, e.EndDate AS endDate
       FROM Asset a JOIN Account acc ON acc.Id = a.AccountId
       LEFT JOIN Entitlement e ON e.AssetId = a.Id AND e.Type = 'Warranty'
       WHERE ${where}
       ORDER BY a.Id`,
    )
    .all() as Unit[];
  const row = rows.find((r) => !usedUnits.has(r.assetId));
  if (!row) throw new Error(`no ${kind} unit left in the data set`);
  usedUnits.add(row.assetId);
  return row;
}

const caseRow = (id: string) =>
  legacy.dataset.crm.prepare('SELECT * FROM "Case" WHERE Id = ?').get(id) as Record<string, unknown>;
const casesOfAccount = (accountId: string) =>
  (
    legacy.dataset.crm.prepare('SELECT COUNT(*) AS n FROM "Case" WHERE AccountId = ?').get(accountId) as {
      n: number;
    }
  ).n;
const remaining = (entitlementId: string) =>
  (
    legacy.dataset.crm
      .prepare('SELECT RemainingCases AS n FROM Entitlement WHERE Id = ?')
      .get(entitlementId) as {
      n: number | null;
    }
  ).n;
const creates = (stats: { byRoute: Record<string, number> }) => stats.byRoute['sobject.create'] ?? 0;

let keys = 0;
const key = (label: string) => `${label}-${++keys}-${process.pid}`;

async function openClaim(u: Unit, extra: Record<string, unknown> = {}) {
  return workflows.gql(OPEN, {
    input: {
      customerId: u.customerId,
      type: 'WARRANTY_CLAIM',
      subject: 'Unit does not start',
      serialNumber: u.serialNumber,
      idempotencyKey: key('claim'),
      ...extra,
    },
  });
}

describe('openSupportCase', () => {
  it('opens a warranty claim for a covered unit under its entitlement, once per key', async () => {
    const u = unit('covered');
    const input = {
      customerId: u.customerId,
      type: 'WARRANTY_CLAIM',
      subject: 'Display flickers',
      description: 'Since the last firmware update.',
      priority: 'HIGH',
      origin: 'PHONE',
      serialNumber: u.serialNumber,
      idempotencyKey: key('covered'),
    };
    // A legacy latency, so that calls made side by side overlap and the critical path shows.
    legacy.crmSim.setConfig({ latencyMs: 20 });
    const answer = await workflows.gql(OPEN, { input });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.openSupportCase;
    const row = caseRow(payload.supportCase.id);
    expect(row).toMatchObject({
      AccountId: u.accountId,
      AssetId: u.assetId,
      EntitlementId: u.entitlementId,
      // The unit's contact, none being named.
      ContactId: u.contactId,
      Type: 'Warranty Claim',
      Status: 'New',
      Priority: 'High',
      Origin: 'Phone',
      Subject: 'Display flickers',
      Description: 'Since the last firmware update.',
      IsClosed: 0,
      ClosedDate: null,
    });
    // The CRM counted the case against the entitlement.
    expect(remaining(u.entitlementId!)).toBe(u.remainingCases! - 1);
    expect(payload).toMatchObject({
      customer: { id: u.customerId },
      number: row.CaseNumber,
      status: 'New',
      lastModified: row.LastModifiedDate,
      asset: { serialNumber: u.serialNumber },
      entitlement: { id: u.entitlementId, remainingCases: u.remainingCases! - 1 },
      replayed: false,
      outcomes: [
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
        expect.objectContaining({ system: 'ERP', status: 'NOT_APPLICABLE' }),
      ],
    });
    // What it costs: the customer's account and the unit with its entitlements side by side,
    // the create, the case read back (its number, version and the entitlement's count).
    const calls = await legacy.calls();
    expect(calls.crm.byRoute).toEqual({ query: 3, 'sobject.create': 1 });
    expect(calls.crm.sequentialDepth).toBe(3);
    expect(calls.erp.total).toBe(0);
    legacy.crmSim.setConfig({ latencyMs: 0 });

    // The same key again: the first answer, nothing written, no legacy call.
    await legacy.resetCalls();
    const cases = casesOfAccount(u.accountId);
    const again = await workflows.gql(OPEN, { input });
    expect(again.data.openSupportCase).toEqual({ ...payload, replayed: true });
    const replay = await legacy.calls();
    expect(replay.crm.total + replay.erp.total).toBe(0);
    expect(casesOfAccount(u.accountId)).toBe(cases);
    expect(remaining(u.entitlementId!)).toBe(u.remainingCases! - 1);

    // The same key with another input is refused.
    const reused = await workflows.gql(OPEN, { input: { ...input, subject: 'Something else' } });
    expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('refuses a claim for a unit without a warranty, and says why', async () => {
    const u = unit('uncovered');
    const before = casesOfAccount(u.accountId);
    const answer = await openClaim(u);
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'NO_ENTITLEMENT',
      serialNumber: u.serialNumber,
      assetId: u.assetId,
      entitlementId: null,
    });
    expect(casesOfAccount(u.accountId)).toBe(before);
    expect(creates((await legacy.calls()).crm)).toBe(0);
  });

  it('refuses an exhausted warranty, and uses up the last case of one', async () => {
    const exhausted = unit('exhausted');
    const refused = await openClaim(exhausted);
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'EXHAUSTED',
      entitlementId: exhausted.entitlementId,
      remainingCases: 0,
    });

    const last = unit('last-case');
    const first = await openClaim(last);
    expect(first.errors).toBeUndefined();
    expect(first.data.openSupportCase.entitlement.remainingCases).toBe(0);
    const second = await openClaim(last, { subject: 'Another fault' });
    expect(second.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'EXHAUSTED',
    });
    expect(creates((await legacy.calls()).crm)).toBe(1);
  });

  it('lets one of two concurrent claims on a unit’s last case through, and refuses the other', async () => {
    const last = unit('last-case');
    const answers = await Promise.all([
      openClaim(last, { subject: 'Concurrent claim A' }),
      openClaim(last, { subject: 'Concurrent claim B', serialNumber: last.serialNumber.toLowerCase() }),
    ]);
    const opened = answers.filter((a) => a.errors === undefined);
    const refused = answers.filter((a) => a.errors !== undefined);
    expect(opened).toHaveLength(1);
    expect(refused[0]?.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'EXHAUSTED',
    });
    expect(remaining(last.entitlementId!)).toBe(0);
    expect(creates((await legacy.calls()).crm)).toBe(1);
  });

  it('judges by the day: an expired and a not yet started warranty are refused with their reason', async () => {
    const u = unit('covered');
    clock = new Date(Date.parse(`${u.endDate}T00:00:00Z`) + 2 * 86_400_000);
    const expired = await openClaim(u);
    expect(expired.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'EXPIRED',
      endDate: u.endDate,
    });
    clock = new Date(Date.parse(`${u.startDate}T00:00:00Z`) - 2 * 86_400_000);
    const early = await openClaim(u);
    expect(early.errors?.[0]?.extensions).toMatchObject({
      code: 'WARRANTY_NOT_ELIGIBLE',
      reason: 'NOT_STARTED',
      startDate: u.startDate,
    });
    expect(creates((await legacy.calls()).crm)).toBe(0);
    expect(remaining(u.entitlementId!)).toBe(u.remainingCases);
  });

  it("files a complaint about one of the customer's ERP orders, and refuses another customer's", async () => {
    const orders = legacy.dataset.erp
      .prepare(`SELECT o.number, o.customerId FROM salesOrders o ORDER BY o.number`)
      .all() as { number: string; customerId: string }[];
    const linked = legacy.dataset.crm
      .prepare(
        `SELECT ERP_Customer_Id__c AS customerId, MIN(Id) AS accountId FROM Account WHERE ERP_Customer_Id__c IS NOT NULL GROUP BY 1`,
      )
      .all() as { customerId: string; accountId: string }[];
    const customer = linked.find((c) => orders.some((o) => o.customerId === c.customerId))!;
    const own = orders.find((o) => o.customerId === customer.customerId)!;
    const foreign = orders.find((o) => o.customerId !== customer.customerId)!;
    const input = {
      customerId: customer.customerId,
      type: 'COMPLAINT',
      subject: 'Two units arrived damaged',
      orderNumber: own.number.toLowerCase(),
      idempotencyKey: key('complaint'),
    };
    const answer = await workflows.gql(OPEN, { input });
    expect(answer.errors).toBeUndefined();
    expect(caseRow(answer.data.openSupportCase.supportCase.id)).toMatchObject({
      Type: 'Complaint',
      ERP_Order_Number__c: own.number,
      AssetId: null,
      EntitlementId: null,
    });
    await legacy.resetCalls();
    const refused = await workflows.gql(OPEN, {
      input: { ...input, orderNumber: foreign.number, idempotencyKey: key('foreign') },
    });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      system: 'ERP',
      field: 'input.orderNumber',
    });
    expect(creates((await legacy.calls()).crm)).toBe(0);
  });

  it('refuses malformed input before any legacy call', async () => {
    const u = unit('covered');
    const base = {
      customerId: u.customerId,
      type: 'WARRANTY_CLAIM',
      subject: 'Fault',
      serialNumber: u.serialNumber,
      idempotencyKey: key('bad'),
    };
    const cases: [Record<string, unknown>, string, string][] = [
      [{ ...base, customerId: 'nope' }, 'input.customerId', 'INVALID_ID'],
      [{ ...base, serialNumber: undefined }, 'input.serialNumber', 'EMPTY'],
      [{ ...base, assetId: u.assetId }, 'input.serialNumber', 'NOT_ALLOWED'],
      [{ ...base, serialNumber: undefined, assetId: u.accountId }, 'input.assetId', 'INVALID_ID'],
      [{ ...base, subject: '  ' }, 'input.subject', 'EMPTY'],
      [{ ...base, subject: 'x'.repeat(256) }, 'input.subject', 'TOO_LONG'],
      [{ ...base, type: 'PROBLEM', orderNumber: 'SO000001' }, 'input.orderNumber', 'NOT_ALLOWED'],
      [{ ...base, contactId: u.accountId }, 'input.contactId', 'INVALID_ID'],
      [{ ...base, idempotencyKey: '' }, 'input.idempotencyKey', 'EMPTY'],
    ];
    for (const [input, field, reason] of cases) {
      const answer = await workflows.gql(OPEN, { input });
      expect(answer.errors?.[0]?.extensions, field).toMatchObject({ code: 'BAD_USER_INPUT', field, reason });
    }
    const calls = await legacy.calls();
    expect(calls.crm.total + calls.erp.total).toBe(0);
  });

  it("refuses a unit that is not the customer's", async () => {
    const mine = unit('covered');
    const other = legacy.dataset.crm
      .prepare(
        `SELECT COALESCE(ERP_Customer_Id__c, Id) AS customerId FROM Account WHERE Id <> ? AND COALESCE(ERP_Customer_Id__c, '') <> ? ORDER BY Id LIMIT 1`,
      )
      .get(mine.accountId, mine.customerId) as { customerId: string };
    const answer = await openClaim({ ...mine, customerId: other.customerId });
    expect(answer.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'CRM' });
    expect(creates((await legacy.calls()).crm)).toBe(0);
  });
});

describe('updateSupportCase and closeSupportCase', () => {
  async function openQuestion() {
    const linked = legacy.dataset.crm
      .prepare(
        `SELECT ERP_Customer_Id__c AS customerId FROM Account WHERE ERP_Customer_Id__c IS NOT NULL ORDER BY Id`,
      )
      .all() as { customerId: string }[];
    const answer = await workflows.gql(OPEN, {
      input: {
        customerId: linked[keys % linked.length]!.customerId,
        type: 'QUESTION',
        subject: 'How do I reset the unit?',
        idempotencyKey: key('question'),
      },
    });
    expect(answer.errors).toBeUndefined();
    return answer.data.openSupportCase;
  }

  it('changes an open case based on its last modification, and refuses a stale one with CONFLICT', async () => {
    const opened = await openQuestion();
    const changed = await workflows.gql(UPDATE, {
      input: {
        caseId: opened.supportCase.id,
        status: 'ESCALATED',
        priority: 'HIGH',
        description: 'Customer called twice.',
        expectedLastModified: opened.lastModified,
        idempotencyKey: key('update'),
      },
    });
    expect(changed.errors).toBeUndefined();
    expect(caseRow(opened.supportCase.id)).toMatchObject({
      Status: 'Escalated',
      Priority: 'High',
      Description: 'Customer called twice.',
      Subject: 'How do I reset the unit?',
    });
    expect(changed.data.updateSupportCase).toMatchObject({ status: 'Escalated', number: opened.number });

    // Based on the version before that change: refused, nothing written.
    await legacy.resetCalls();
    const stale = await workflows.gql(UPDATE, {
      input: {
        caseId: opened.supportCase.id,
        status: 'WORKING',
        expectedLastModified: '2001-01-01T00:00:00Z',
        idempotencyKey: key('stale'),
      },
    });
    expect(stale.errors?.[0]?.extensions).toMatchObject({
      code: 'CONFLICT',
      system: 'CRM',
      current: { supportCase: { status: 'Escalated', priority: 'High' } },
    });
    expect(caseRow(opened.supportCase.id).Status).toBe('Escalated');
    expect((await legacy.calls()).crm.byRoute['sobject.patch'] ?? 0).toBe(0);
  });

  it('closes a case with its resolution in its history; a closed case is CASE_CLOSED', async () => {
    const opened = await openQuestion();
    const input = {
      caseId: opened.supportCase.id,
      resolution: 'Explained the reset procedure; customer confirmed.',
      idempotencyKey: key('close'),
    };
    const closed = await workflows.gql(CLOSE, { input });
    expect(closed.errors).toBeUndefined();
    expect(closed.data.closeSupportCase).toMatchObject({ status: 'Closed', replayed: false });
    // The CRM stamps the closing: ClosedDate is the closing write's time, the payload's lastModified.
    const row = caseRow(opened.supportCase.id);
    expect(row).toMatchObject({ Status: 'Closed', IsClosed: 1 });
    expect(row.ClosedDate).toBe(row.LastModifiedDate);
    expect(Date.parse(closed.data.closeSupportCase.lastModified)).toBe(Date.parse(String(row.ClosedDate)));
    const history = legacy.dataset.crm
      .prepare('SELECT Subject, Description, Status FROM Task WHERE WhatId = ?')
      .all(opened.supportCase.id);
    expect(history).toEqual([
      {
        Subject: `Case ${opened.number} closed`,
        Description: 'Explained the reset procedure; customer confirmed.',
        Status: 'Completed',
      },
    ]);

    // The same key: replayed, no second task.
    const replay = await workflows.gql(CLOSE, { input });
    expect(replay.data.closeSupportCase.replayed).toBe(true);
    // Another key, or a change: the case is closed.
    const again = await workflows.gql(CLOSE, { input: { ...input, idempotencyKey: key('close-again') } });
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'CASE_CLOSED', caseNumber: opened.number });
    const change = await workflows.gql(UPDATE, {
      input: { caseId: opened.supportCase.id, priority: 'LOW', idempotencyKey: key('after-close') },
    });
    expect(change.errors?.[0]?.extensions).toMatchObject({ code: 'CASE_CLOSED' });
    expect(
      legacy.dataset.crm
        .prepare('SELECT COUNT(*) AS n FROM Task WHERE WhatId = ?')
        .get(opened.supportCase.id),
    ).toEqual({ n: 1 });
  });

  it('refuses an update without changes, and a malformed case id, before any legacy call', async () => {
    const opened = await openQuestion();
    await legacy.resetCalls();
    const none = await workflows.gql(UPDATE, {
      input: { caseId: opened.supportCase.id, idempotencyKey: key('none') },
    });
    expect(none.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input',
      reason: 'EMPTY',
    });
    const badId = await workflows.gql(CLOSE, {
      input: { caseId: '001000000000001AAA', resolution: 'x', idempotencyKey: key('bad-id') },
    });
    expect(badId.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.caseId' });
    const noResolution = await workflows.gql(CLOSE, {
      input: { caseId: opened.supportCase.id, resolution: ' ', idempotencyKey: key('no-resolution') },
    });
    expect(noResolution.errors?.[0]?.extensions).toMatchObject({
      field: 'input.resolution',
      reason: 'EMPTY',
    });
    const calls = await legacy.calls();
    expect(calls.crm.total + calls.erp.total).toBe(0);
  });
});

// The CRM opens the case but its answer never arrives in time: a proxy passes the create through
// and holds the answer past the client's timeout. The workflow must not send the create again;
// it finds the case among the account's newest, by what it wrote.
describe('the answer to the CRM case create is lost', () => {
  const CRM_TIMEOUT_MS = 400;
  let lossy: RunningWorkflows;
  let proxy: AnswerLosingProxy;

  beforeAll(async () => {
    // The CRM has committed the case; its answer is what gets lost.
    proxy = await startAnswerLosingProxy(
      legacy.crmUrl,
      (req) => req.method === 'POST' && /\/sobjects\/Case(\?|$)/.test(req.url ?? ''),
      CRM_TIMEOUT_MS * 3,
    );
    lossy = await startWorkflows(
      legacy,
      { crmUrl: proxy.url, crmTimeoutMs: CRM_TIMEOUT_MS, dbPath: `${legacy.dir}/lossy-cases.sqlite` },
      { now: () => clock },
    );
  });

  afterAll(async () => {
    await lossy?.close();
    await proxy?.close();
  });

  it('finds the case the CRM opened instead of sending the create again', async () => {
    const u = unit('covered');
    const before = casesOfAccount(u.accountId);
    const answer = await lossy.gql(OPEN, {
      input: {
        customerId: u.customerId,
        type: 'WARRANTY_CLAIM',
        subject: 'Lost answer: unit rattles',
        serialNumber: u.serialNumber,
        idempotencyKey: key('lost'),
      },
    });
    expect(answer.errors).toBeUndefined();
    expect(proxy.picked).toHaveLength(1);
    expect(casesOfAccount(u.accountId)).toBe(before + 1);
    const made = legacy.dataset.crm
      .prepare(
        `SELECT Id, CaseNumber FROM "Case" WHERE AccountId = ? AND Subject = 'Lost answer: unit rattles'`,
      )
      .all(u.accountId) as { Id: string; CaseNumber: string }[];
    expect(made).toHaveLength(1);
    expect(answer.data.openSupportCase).toMatchObject({
      supportCase: { id: made[0]!.Id },
      number: made[0]!.CaseNumber,
      entitlement: { id: u.entitlementId, remainingCases: u.remainingCases! - 1 },
    });
  });
});
