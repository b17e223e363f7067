import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { ConfigError } from '../../lib/env.js';
import { readWorkflowsSubgraphConfig } from '../../subgraphs/workflows/config.js';
import {
  CONVERT,
  type GraphQLBody,
  type LegacyPair,
  ordersFor,
  postGraphQL,
  postsTo,
  type RunningWorkflows,
  takeConvertibleQuote,
  useWorkflows,
} from './workflows-harness.js';

// Discount approvals over both stand-ins and the workflows subgraph, all real HTTP: what the
// CRM records is read back from the stand-in's database, what was called from /__sim/stats.
let legacy: LegacyPair;
let workflows: RunningWorkflows;

useWorkflows((running) => {
  ({ legacy, workflows } = running);
});

interface Caller {
  sub: string;
  email?: string;
  scopes: string[];
}

const REP: Caller = {
  sub: 'rep-1',
  email: 'rep.one@example.com',
  scopes: [SCOPES.customerRead, SCOPES.ordersWrite],
};
const MANAGER: Caller = {
  sub: 'manager-1',
  email: 'manager.one@example.com',
  scopes: [SCOPES.customerRead, SCOPES.approvalsManager],
};
const DIRECTOR: Caller = {
  sub: 'director-1',
  email: 'director.one@example.com',
  scopes: [SCOPES.customerRead, SCOPES.approvalsDirector],
};

/** A call to the workflows subgraph as `caller` (the gateway's secret and the caller's token). */
function as(caller: Caller, query: string, variables?: Record<string, unknown>): Promise<GraphQLBody> {
  return postGraphQL(workflows.url, query, variables, {
    sub: caller.sub,
    scopes: caller.scopes,
    ...(caller.email ? { email: caller.email } : {}),
  });
}

const FIELDS = `quote { id } status level threshold discountPercent approvalPercent requestedBy decidedBy decidedAt comment replayed outcomes { system status message code }`;
const REQUEST = `mutation($quoteId: ID!, $comment: String, $key: String) { requestQuoteApproval(quoteId: $quoteId, comment: $comment, idempotencyKey: $key) { ${FIELDS} } }`;
const APPROVE = `mutation($quoteId: ID!, $comment: String, $key: String) { approveQuote(quoteId: $quoteId, comment: $comment, idempotencyKey: $key) { ${FIELDS} } }`;
const REJECT = `mutation($quoteId: ID!, $comment: String!, $key: String) { rejectQuote(quoteId: $quoteId, comment: $comment, idempotencyKey: $key) { ${FIELDS} } }`;

interface ApprovalRow {
  Subtotal: number;
  TotalPrice: number;
  Discount: number;
  Discount_Approval_Status__c: string | null;
  Discount_Approval_Level__c: string | null;
  Discount_Approval_Percent__c: number | null;
  Discount_Approval_Requested_By__c: string | null;
  Discount_Approval_Decided_By__c: string | null;
  Discount_Approval_Decided_At__c: string | null;
  Discount_Approval_Comment__c: string | null;
}

function approvalRow(quoteId: string): ApprovalRow {
  return legacy.dataset.crm
    .prepare(
      `SELECT Subtotal, TotalPrice, Discount, Discount_Approval_Status__c, Discount_Approval_Level__c,
              Discount_Approval_Percent__c, Discount_Approval_Requested_By__c, Discount_Approval_Decided_By__c,
              Discount_Approval_Decided_At__c, Discount_Approval_Comment__c
       FROM Quote WHERE Id = ?`,
    )
    .get(quoteId) as ApprovalRow;
}

function historyOf(
  quoteId: string,
): { Subject: string; Description: string | null; AccountId: string; Status: string }[] {
  return legacy.dataset.crm
    .prepare(
      'SELECT Subject, Description, AccountId, Status FROM Task WHERE WhatId = ? ORDER BY CreatedDate, Id',
    )
    .all(quoteId) as { Subject: string; Description: string | null; AccountId: string; Status: string }[];
}

/** The quote as if no approval had ever been asked for, with a discount of about `percent`. */
function resetQuote(quoteId: string, percent: number): number {
  const { TotalPrice } = approvalRow(quoteId);
  const subtotal = Math.round((TotalPrice / (1 - percent / 100)) * 100) / 100;
  const discount = Math.round(((subtotal - TotalPrice) / subtotal) * 10_000) / 100;
  legacy.dataset.crm
    .prepare(
      `UPDATE Quote SET Subtotal = ?, Discount = ?, Discount_Approval_Status__c = NULL, Discount_Approval_Level__c = NULL,
         Discount_Approval_Percent__c = NULL, Discount_Approval_Requested_By__c = NULL,
         Discount_Approval_Decided_By__c = NULL, Discount_Approval_Decided_At__c = NULL,
         Discount_Approval_Comment__c = NULL WHERE Id = ?`,
    )
    .run(subtotal, discount, quoteId);
  return discount;
}

const used = new Set<string>();
/** A quote no other test has used, that conversion's other rules let through. */
const convertibleQuote = () => takeConvertibleQuote(legacy.dataset, used);
const ordersPosted = (stats: { byRoute: Record<string, number> }) => postsTo(stats, 'salesOrders');

describe('discount approval thresholds', () => {
  it('default to 10 % (manager) and 20 % (director), and refuse a bad value naming the variable', () => {
    expect(readWorkflowsSubgraphConfig({}).approvalThresholds).toEqual({
      managerAbovePercent: 10,
      directorAbovePercent: 20,
    });
    expect(
      readWorkflowsSubgraphConfig({
        QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT: '12.5',
        QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT: '30',
      }).approvalThresholds,
    ).toEqual({ managerAbovePercent: 12.5, directorAbovePercent: 30 });
    for (const [env, name] of [
      [{ QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT: 'ten' }, 'QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT'],
      [{ QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT: '-1' }, 'QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT'],
      [{ QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT: '101' }, 'QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT'],
      [{ QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT: '5' }, 'QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT'],
    ] as const) {
      let error: unknown;
      try {
        readWorkflowsSubgraphConfig(env);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain(name);
    }
  });
});

describe('discount approvals', () => {
  it('refuses to convert an unapproved discount before any ERP write, then converts once a manager approved it', async () => {
    const quote = convertibleQuote();
    const discount = resetQuote(quote.Id, 14);
    const tasksBefore = historyOf(quote.Id).length;

    const refused = await as(REP, CONVERT, { quoteId: quote.Id, key: `appr-1-${quote.Id}` });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      quoteId: quote.Id,
      level: 'MANAGER',
      threshold: 10,
      discountPercent: discount,
      status: 'NOT_REQUESTED',
    });
    expect(ordersPosted((await legacy.calls()).erp)).toBe(0);

    const requested = await as(REP, REQUEST, { quoteId: quote.Id, comment: 'Competitor offered 15 %' });
    expect(requested.errors).toBeUndefined();
    expect(requested.data.requestQuoteApproval).toMatchObject({
      quote: { id: quote.Id },
      status: 'PENDING',
      level: 'MANAGER',
      threshold: 10,
      discountPercent: discount,
      approvalPercent: discount,
      requestedBy: REP.email,
      decidedBy: null,
      replayed: false,
      outcomes: [
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
        expect.objectContaining({ system: 'ERP', status: 'NOT_APPLICABLE' }),
      ],
    });
    expect(approvalRow(quote.Id)).toMatchObject({
      Discount_Approval_Status__c: 'Pending',
      Discount_Approval_Level__c: 'Manager',
      Discount_Approval_Percent__c: discount,
      Discount_Approval_Requested_By__c: REP.email,
      Discount_Approval_Comment__c: 'Competitor offered 15 %',
    });

    const pending = await as(REP, CONVERT, { quoteId: quote.Id, key: `appr-2-${quote.Id}` });
    expect(pending.errors?.[0]?.extensions).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      status: 'PENDING',
    });

    // The one who asked cannot grant it, even with the scope.
    const own = await as({ ...REP, scopes: [...REP.scopes, SCOPES.approvalsManager] }, APPROVE, {
      quoteId: quote.Id,
    });
    expect(own.errors?.[0]?.extensions).toMatchObject({
      code: 'APPROVAL_NOT_ALLOWED',
      reason: 'OWN_REQUEST',
    });

    await legacy.resetCalls();
    const approved = await as(MANAGER, APPROVE, { quoteId: quote.Id, comment: 'Strategic account' });
    expect(approved.errors).toBeUndefined();
    expect(approved.data.approveQuote).toMatchObject({
      status: 'APPROVED',
      level: 'MANAGER',
      approvalPercent: discount,
      requestedBy: REP.email,
      decidedBy: MANAGER.email,
      comment: 'Strategic account',
    });
    expect(Date.parse(approved.data.approveQuote.decidedAt)).not.toBeNaN();
    // One query for the quote, one composite for the quote and its history entry; no ERP call.
    const calls = await legacy.calls();
    expect(calls.crm.byRoute).toMatchObject({ query: 1, composite: 1 });
    expect(calls.crm.roundTrips).toBe(2);
    expect(calls.erp.total).toBe(0);
    expect(approvalRow(quote.Id)).toMatchObject({
      Discount_Approval_Status__c: 'Approved',
      Discount_Approval_Decided_By__c: MANAGER.email,
    });

    // The rep sees each step on the quote (and its account) in the CRM.
    const history = historyOf(quote.Id).slice(tasksBefore);
    expect(history.map((task) => task.Subject)).toEqual([
      expect.stringMatching(/^Discount approval requested: .* needs a manager/),
      expect.stringMatching(/^Discount approval granted: /),
    ]);
    expect(history.every((task) => task.AccountId === quote.AccountId && task.Status === 'Completed')).toBe(
      true,
    );
    expect(history[1]!.Description).toContain('Strategic account');

    const converted = await as(REP, CONVERT, { quoteId: quote.Id, key: `appr-3-${quote.Id}` });
    expect(converted.errors).toBeUndefined();
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(1);
  });

  it('needs a director above the director threshold: a manager is refused and nothing is written', async () => {
    const quote = convertibleQuote();
    const discount = resetQuote(quote.Id, 25);
    const requested = await as(REP, REQUEST, { quoteId: quote.Id });
    expect(requested.data.requestQuoteApproval).toMatchObject({
      status: 'PENDING',
      level: 'DIRECTOR',
      threshold: 20,
    });
    const tasks = historyOf(quote.Id).length;

    await legacy.resetCalls();
    const manager = await as(MANAGER, APPROVE, { quoteId: quote.Id });
    expect(manager.errors?.[0]?.extensions).toMatchObject({
      code: 'APPROVAL_NOT_ALLOWED',
      reason: 'LEVEL',
      level: 'DIRECTOR',
      requiredScopes: [SCOPES.approvalsDirector],
    });
    expect((await legacy.calls()).crm.byRoute.composite ?? 0).toBe(0);
    expect(approvalRow(quote.Id).Discount_Approval_Status__c).toBe('Pending');
    expect(historyOf(quote.Id)).toHaveLength(tasks);

    const director = await as(DIRECTOR, APPROVE, { quoteId: quote.Id });
    expect(director.data.approveQuote).toMatchObject({
      status: 'APPROVED',
      level: 'DIRECTOR',
      approvalPercent: discount,
      decidedBy: DIRECTOR.email,
    });
    const converted = await as(REP, CONVERT, { quoteId: quote.Id, key: `dir-${quote.Id}` });
    expect(converted.errors).toBeUndefined();
  });

  it('a rejected discount does not convert, and a decided approval cannot be decided again', async () => {
    const quote = convertibleQuote();
    resetQuote(quote.Id, 15);
    await as(REP, REQUEST, { quoteId: quote.Id });
    const rejected = await as(DIRECTOR, REJECT, { quoteId: quote.Id, comment: 'Margin too thin' });
    expect(rejected.data.rejectQuote).toMatchObject({
      status: 'REJECTED',
      level: 'MANAGER',
      decidedBy: DIRECTOR.email,
      comment: 'Margin too thin',
    });
    expect(approvalRow(quote.Id)).toMatchObject({
      Discount_Approval_Status__c: 'Rejected',
      Discount_Approval_Comment__c: 'Margin too thin',
    });
    const refused = await as(REP, CONVERT, { quoteId: quote.Id, key: `rej-${quote.Id}` });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      status: 'REJECTED',
    });

    for (const [query, variables] of [
      [APPROVE, { quoteId: quote.Id }],
      [REJECT, { quoteId: quote.Id, comment: 'again' }],
    ] as const) {
      const again = await as(MANAGER, query, variables);
      expect(again.errors?.[0]?.extensions).toMatchObject({
        code: 'APPROVAL_NOT_ALLOWED',
        reason: 'NOT_PENDING',
        status: 'REJECTED',
      });
    }
    expect(ordersPosted((await legacy.calls()).erp)).toBe(0);

    // Asked again, it is pending again.
    const asked = await as(REP, REQUEST, { quoteId: quote.Id });
    expect(asked.data.requestQuoteApproval.status).toBe('PENDING');
  });

  it('an approval for a smaller discount than the quote now has does not convert', async () => {
    const quote = convertibleQuote();
    resetQuote(quote.Id, 12);
    await as(REP, REQUEST, { quoteId: quote.Id });
    await as(MANAGER, APPROVE, { quoteId: quote.Id });
    const grown = resetQuote(quote.Id, 16);
    legacy.dataset.crm
      .prepare(
        "UPDATE Quote SET Discount_Approval_Status__c = 'Approved', Discount_Approval_Level__c = 'Manager', Discount_Approval_Percent__c = 12 WHERE Id = ?",
      )
      .run(quote.Id);
    const refused = await as(REP, CONVERT, { quoteId: quote.Id, key: `less-${quote.Id}` });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      status: 'APPROVED_FOR_LESS',
      discountPercent: grown,
      approvedPercent: 12,
      level: 'MANAGER',
    });
    expect(ordersFor(legacy.dataset, quote.QuoteNumber)).toHaveLength(0);
  });

  it('records NOT_REQUIRED for a discount within the rules, and a repeat changes nothing', async () => {
    const quote = convertibleQuote();
    const discount = resetQuote(quote.Id, 5);
    const first = await as(REP, REQUEST, { quoteId: quote.Id });
    expect(first.data.requestQuoteApproval).toMatchObject({
      status: 'NOT_REQUIRED',
      level: null,
      threshold: null,
      discountPercent: discount,
    });
    expect(approvalRow(quote.Id).Discount_Approval_Status__c).toBe('Not Required');
    const tasks = historyOf(quote.Id).length;
    await legacy.resetCalls();
    const again = await as(REP, REQUEST, { quoteId: quote.Id });
    expect(again.data.requestQuoteApproval.outcomes[0]).toMatchObject({
      system: 'CRM',
      status: 'ALREADY_DONE',
    });
    expect((await legacy.calls()).crm.byRoute.composite ?? 0).toBe(0);
    expect(historyOf(quote.Id)).toHaveLength(tasks);
  });

  it('with an idempotency key a retried decision is replayed and recorded once', async () => {
    const quote = convertibleQuote();
    resetQuote(quote.Id, 13);
    const key = `approve-${quote.Id}`;
    await as(REP, REQUEST, { quoteId: quote.Id, key: `request-${quote.Id}` });
    const again = await as(REP, REQUEST, { quoteId: quote.Id, key: `request-${quote.Id}` });
    expect(again.data.requestQuoteApproval.replayed).toBe(true);
    const tasks = historyOf(quote.Id).length;
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => as(MANAGER, APPROVE, { quoteId: quote.Id, comment: 'ok', key })),
    );
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    expect(answers.filter((a) => !a.data.approveQuote.replayed)).toHaveLength(1);
    expect(answers.every((a) => a.data.approveQuote.status === 'APPROVED')).toBe(true);
    expect(historyOf(quote.Id)).toHaveLength(tasks + 1);
    // A key names one decision: the same key with another input is refused.
    const otherInput = await as(MANAGER, APPROVE, { quoteId: quote.Id, comment: 'other', key });
    expect(otherInput.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('when the CRM is down nothing is recorded, and the same call succeeds once it is back', async () => {
    const quote = convertibleQuote();
    resetQuote(quote.Id, 11);
    const tasks = historyOf(quote.Id).length;
    legacy.crmSim.setConfig({ outage: true });
    const down = await as(REP, REQUEST, { quoteId: quote.Id, key: `down-${quote.Id}` });
    expect(down.errors?.[0]?.extensions).toMatchObject({ code: 'LEGACY_UNAVAILABLE', system: 'CRM' });
    expect(approvalRow(quote.Id).Discount_Approval_Status__c).toBeNull();
    expect(historyOf(quote.Id)).toHaveLength(tasks);
    legacy.crmSim.setConfig({ outage: false });
    const again = await as(REP, REQUEST, { quoteId: quote.Id, key: `down-${quote.Id}` });
    expect(again.data.requestQuoteApproval).toMatchObject({ status: 'PENDING', replayed: false });
    expect(historyOf(quote.Id)).toHaveLength(tasks + 1);
  });

  it('refuses malformed input before any legacy call, and callers without the scope', async () => {
    const quote = convertibleQuote();
    const cases: [string, Record<string, unknown>, string, string][] = [
      [REQUEST, { quoteId: 'not-an-id' }, 'quoteId', 'INVALID_ID'],
      [REQUEST, { quoteId: quote.AccountId }, 'quoteId', 'INVALID_ID'],
      [REQUEST, { quoteId: quote.Id, comment: 'x'.repeat(256) }, 'comment', 'TOO_LONG'],
      [REQUEST, { quoteId: quote.Id, key: 'has spaces' }, 'idempotencyKey', 'INVALID_FORMAT'],
      [REJECT, { quoteId: quote.Id, comment: '   ' }, 'comment', 'EMPTY'],
    ];
    for (const [query, variables, field, reason] of cases) {
      const caller = query === REJECT ? MANAGER : REP;
      const answer = await as(caller, query, variables);
      expect(answer.errors?.[0]?.extensions, JSON.stringify(variables).slice(0, 80)).toMatchObject({
        code: 'BAD_USER_INPUT',
        field,
        reason,
      });
    }
    const rep = await as(REP, APPROVE, { quoteId: quote.Id });
    expect(rep.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const manager = await as(MANAGER, REQUEST, { quoteId: quote.Id });
    expect(manager.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    const { erp, crm } = await legacy.calls();
    expect(erp.total + crm.total).toBe(0);
  });

  it('keeps every generated quote convertible: generated discounts above 10 % come approved', () => {
    const rows = (
      legacy.dataset.crm
        .prepare(
          'SELECT Id, Discount, Discount_Approval_Status__c AS status, Discount_Approval_Level__c AS level, Discount_Approval_Percent__c AS percent FROM Quote WHERE Discount > 10',
        )
        .all() as { Id: string; Discount: number; status: string; level: string; percent: number }[]
    ).filter((row) => !used.has(row.Id));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row).toMatchObject({
        status: 'Approved',
        level: row.Discount > 20 ? 'Director' : 'Manager',
        percent: row.Discount,
      });
    }
  });
});
