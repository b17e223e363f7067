import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../../subgraphs/workflows/idempotency.js';
import {
  type AnswerLosingProxy,
  CONVERT,
  eventually,
  type LegacyPair,
  ordersFor,
  postsTo,
  type RunningWorkflows,
  startAnswerLosingProxy,
  startWorkflows,
  useWorkflows,
} from './workflows-harness.js';

// Prospect onboarding over both stand-ins and the workflows subgraph, all real HTTP: the ERP
// customer made from a CRM account, found again by its number whatever goes wrong, the account
// linked back (durably owed while the CRM is down), and the prospect's quote converted after.
let legacy: LegacyPair;
let workflows: RunningWorkflows;
/** Set by a test: the CRM goes down the moment the ERP accepted the customer. */
let crmOutageAfterErpCreate = false;

useWorkflows(
  (running) => {
    ({ legacy, workflows } = running);
  },
  {
    customers: 120,
    deps: {
      afterErpCustomerCreated: () => {
        if (crmOutageAfterErpCreate) legacy.crmSim.setConfig({ outage: true });
      },
    },
  },
);

beforeEach(() => {
  crmOutageAfterErpCreate = false;
});

const ONBOARD = `
  mutation($accountId: ID!, $key: String!) {
    createErpCustomerFromAccount(accountId: $accountId, idempotencyKey: $key) {
      customer { id }
      erpCustomerNumber
      customerCreated
      replayed
      outcomes { system status message code }
      pendingWriteBack { id kind system status targetId customer { id } }
    }
  }`;

interface AccountRow {
  Id: string;
  Name: string;
  Type: string;
  ERP_Customer_Id__c: string | null;
  AccountNumber: string | null;
  BillingStreet: string;
  BillingCity: string;
  BillingState: string | null;
  BillingPostalCode: string;
  BillingCountry: string;
  Phone: string;
  Website: string;
  CurrencyIsoCode: string;
  OwnerId: string;
}

const account = (id: string) =>
  legacy.dataset.crm.prepare('SELECT * FROM Account WHERE Id = ?').get(id) as AccountRow;
const erpCustomersNumbered = (number: string) =>
  legacy.dataset.erp.prepare('SELECT * FROM customers WHERE number = ?').all(number) as Record<
    string,
    unknown
  >[];

const used = new Set<string>();
/** A prospect (an account not linked to the ERP) no other test has touched, optionally one with a quote. */
function prospect(withQuote = false): AccountRow {
  const rows = legacy.dataset.crm
    .prepare(
      `SELECT a.* FROM Account a WHERE a.ERP_Customer_Id__c IS NULL AND a.Type = 'Prospect'
       AND (? = 0 OR EXISTS (SELECT 1 FROM Quote q WHERE q.AccountId = a.Id AND q.Status IN ('Approved', 'Presented', 'Accepted')))
       ORDER BY a.Id`,
    )
    .all(withQuote ? 1 : 0) as AccountRow[];
  const row = rows.find((r) => !used.has(r.Id));
  if (!row) throw new Error('no prospect left in the data set');
  used.add(row.Id);
  return row;
}

const customerPosts = (stats: { byRoute: Record<string, number> }) => postsTo(stats, 'customers');

describe('createErpCustomerFromAccount', () => {
  it('makes the ERP customer by the field rules, links the account, and the prospect’s quote then converts', async () => {
    const prospectAccount = prospect(true);
    const quote = legacy.dataset.crm
      .prepare(
        `SELECT Id, QuoteNumber FROM Quote WHERE AccountId = ? AND Status IN ('Approved', 'Presented', 'Accepted') ORDER BY QuoteNumber LIMIT 1`,
      )
      .get(prospectAccount.Id) as { Id: string; QuoteNumber: string };
    // Before: a prospect's quote cannot become an order.
    const before = await workflows.gql(CONVERT, { quoteId: quote.Id, key: `before-${quote.Id}` });
    expect(before.errors?.[0]?.extensions?.code).toBe('CUSTOMER_NOT_LINKED');
    await legacy.resetCalls();

    // A legacy latency, so that calls made side by side overlap and the critical path shows.
    legacy.erpSim.setConfig({ latencyMs: 20 });
    legacy.crmSim.setConfig({ latencyMs: 20 });
    const answer = await workflows.gql(ONBOARD, {
      accountId: prospectAccount.Id,
      key: `onboard-${prospectAccount.Id}`,
    });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.createErpCustomerFromAccount;
    const number = prospectAccount.Id.toUpperCase();
    const [customer] = erpCustomersNumbered(number);
    expect(customer).toBeDefined();
    expect(payload).toMatchObject({
      customer: { id: customer!.id },
      erpCustomerNumber: number,
      customerCreated: true,
      replayed: false,
      pendingWriteBack: null,
    });
    expect(payload.outcomes.map((o: { system: string; status: string }) => [o.system, o.status])).toEqual([
      ['ERP', 'DONE'],
      ['CRM', 'DONE'],
    ]);

    // The field rules.
    const owner = legacy.dataset.crm
      .prepare('SELECT Email FROM User WHERE Id = ?')
      .get(prospectAccount.OwnerId) as { Email: string } | undefined;
    const salesperson = owner
      ? (legacy.dataset.erp.prepare('SELECT number FROM employees WHERE email = ?').get(owner.Email) as
          | { number: string }
          | undefined)
      : undefined;
    const billingContact = legacy.dataset.crm
      .prepare(
        `SELECT Email FROM Contact WHERE AccountId = ? AND Contact_Role__c = 'Billing' AND Email IS NOT NULL ORDER BY CreatedDate, Id LIMIT 1`,
      )
      .get(prospectAccount.Id) as { Email: string } | undefined;
    const [street, ...more] = prospectAccount.BillingStreet.split('\n');
    expect(customer).toMatchObject({
      displayName: prospectAccount.Name,
      type: 'Company',
      addressLine1: street,
      addressLine2: more.join(', '),
      city: prospectAccount.BillingCity,
      postalCode: prospectAccount.BillingPostalCode,
      country: prospectAccount.BillingCountry,
      phoneNumber: prospectAccount.Phone,
      website: prospectAccount.Website,
      // USD is the ERP's local currency: BC keeps it blank.
      currencyCode: prospectAccount.CurrencyIsoCode === 'USD' ? '' : prospectAccount.CurrencyIsoCode,
      email: billingContact?.Email ?? '',
      salespersonCode: salesperson?.number ?? null,
      blocked: ' ',
    });
    // The account is linked, numbered, and a customer now.
    expect(account(prospectAccount.Id)).toMatchObject({
      ERP_Customer_Id__c: customer!.id,
      AccountNumber: number,
      Type: 'Customer - Direct',
    });
    // What it costs: the account in one query, the link in one PATCH; the ERP asked for the
    // number and the owner's salesperson side by side, then the create.
    const calls = await legacy.calls();
    expect(calls.crm.byRoute).toEqual({ query: 1, 'sobject.patch': 1 });
    expect(calls.erp.byRoute).toEqual({ 'GET /customers': 1, 'GET /employees': 1, 'POST /customers': 1 });
    expect(calls.erp.sequentialDepth).toBe(2);
    legacy.erpSim.setConfig({ latencyMs: 0 });
    legacy.crmSim.setConfig({ latencyMs: 0 });

    // After: the quote converts, into an order of the new customer.
    const converted = await workflows.gql(CONVERT, { quoteId: quote.Id, key: `after-${quote.Id}` });
    expect(converted.errors).toBeUndefined();
    expect(converted.data.convertQuoteToOrder).toMatchObject({
      customer: { id: customer!.id },
      orderCreated: true,
    });
    const orders = ordersFor(legacy.dataset, quote.QuoteNumber);
    expect(orders).toHaveLength(1);
    expect(orders[0]!.customerId).toBe(customer!.id);
  });

  it('creates nothing for a repeated key, and finds the customer for another key', async () => {
    const prospectAccount = prospect();
    const key = `repeat-${prospectAccount.Id}`;
    const first = await workflows.gql(ONBOARD, { accountId: prospectAccount.Id, key });
    expect(first.errors).toBeUndefined();
    await legacy.resetCalls();

    const again = await workflows.gql(ONBOARD, { accountId: prospectAccount.Id, key });
    expect(again.errors).toBeUndefined();
    expect(again.data.createErpCustomerFromAccount).toEqual({
      ...first.data.createErpCustomerFromAccount,
      replayed: true,
    });
    const replayCalls = await legacy.calls();
    expect(replayCalls.erp.total + replayCalls.crm.total).toBe(0);

    // Another key: the account is linked now; nothing is made, both systems say so.
    const other = await workflows.gql(ONBOARD, { accountId: prospectAccount.Id, key: `${key}-other` });
    expect(other.errors).toBeUndefined();
    expect(other.data.createErpCustomerFromAccount).toMatchObject({
      customer: first.data.createErpCustomerFromAccount.customer,
      customerCreated: false,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'ALREADY_DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'ALREADY_DONE' }),
      ],
    });
    expect(customerPosts((await legacy.calls()).erp)).toBe(0);
    expect(erpCustomersNumbered(prospectAccount.Id.toUpperCase())).toHaveLength(1);
  });

  it('finds a customer an earlier attempt made (its record lost) by its number instead of making a second', async () => {
    const prospectAccount = prospect();
    const number = prospectAccount.Id.toUpperCase();
    // An attempt that made the customer and died before anything else: only the ERP knows.
    const made = await fetch(
      `${legacy.erpUrl}/api/v2.0/companies(${legacy.dataset.summary.companyId})/customers`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer erp-dev-token', 'content-type': 'application/json' },
        body: JSON.stringify({ number, displayName: prospectAccount.Name }),
      },
    );
    expect(made.status).toBe(201);
    const { id } = (await made.json()) as { id: string };
    await legacy.resetCalls();

    const answer = await workflows.gql(ONBOARD, {
      accountId: prospectAccount.Id,
      key: `found-${prospectAccount.Id}`,
    });
    expect(answer.errors).toBeUndefined();
    expect(answer.data.createErpCustomerFromAccount).toMatchObject({
      customer: { id },
      customerCreated: false,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'ALREADY_DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
      ],
    });
    expect(customerPosts((await legacy.calls()).erp)).toBe(0);
    expect(erpCustomersNumbered(number)).toHaveLength(1);
    expect(account(prospectAccount.Id).ERP_Customer_Id__c).toBe(id);
  });

  it('makes one customer for concurrent calls with different keys', async () => {
    const prospectAccount = prospect();
    const answers = await Promise.all(
      ['a', 'b', 'c'].map((k) =>
        workflows.gql(ONBOARD, { accountId: prospectAccount.Id, key: `race-${k}-${prospectAccount.Id}` }),
      ),
    );
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    const created = answers.filter((a) => a.data.createErpCustomerFromAccount.customerCreated);
    expect(created).toHaveLength(1);
    expect(new Set(answers.map((a) => a.data.createErpCustomerFromAccount.customer.id)).size).toBe(1);
    expect(erpCustomersNumbered(prospectAccount.Id.toUpperCase())).toHaveLength(1);
    expect(customerPosts((await legacy.calls()).erp)).toBe(1);
  });

  it('owes the account link durably when the CRM goes down after the ERP create, and completes it later', async () => {
    const prospectAccount = prospect();
    crmOutageAfterErpCreate = true;
    const answer = await workflows.gql(ONBOARD, {
      accountId: prospectAccount.Id,
      key: `outage-${prospectAccount.Id}`,
    });
    expect(answer.errors).toBeUndefined();
    const payload = answer.data.createErpCustomerFromAccount;
    const [customer] = erpCustomersNumbered(prospectAccount.Id.toUpperCase());
    expect(payload.outcomes).toEqual([
      expect.objectContaining({ system: 'ERP', status: 'DONE' }),
      expect.objectContaining({ system: 'CRM', status: 'PENDING', code: 'LEGACY_UNAVAILABLE' }),
    ]);
    expect(payload.pendingWriteBack).toMatchObject({
      kind: 'CRM_ACCOUNT_ERP_LINK',
      system: 'CRM',
      status: 'PENDING',
      targetId: prospectAccount.Id,
      customer: { id: customer!.id },
    });
    expect(account(prospectAccount.Id).ERP_Customer_Id__c).toBeNull();
    // Listed with what else is owed.
    const listed = await workflows.gql(`{ pendingWriteBacks(first: 100) { edges { node { id kind } } } }`);
    expect(listed.data.pendingWriteBacks.edges.map((e: { node: { id: string } }) => e.node.id)).toContain(
      payload.pendingWriteBack.id,
    );

    legacy.crmSim.setConfig({ outage: false });
    await eventually(() =>
      account(prospectAccount.Id).ERP_Customer_Id__c === customer!.id ? true : undefined,
    );
    expect(account(prospectAccount.Id)).toMatchObject({
      AccountNumber: prospectAccount.Id.toUpperCase(),
      Type: 'Customer - Direct',
    });
    const status = await workflows.gql(`query($id: ID!) { writeBack(id: $id) { status } }`, {
      id: payload.pendingWriteBack.id,
    });
    expect(status.data.writeBack.status).toBe('DONE');
    expect(erpCustomersNumbered(prospectAccount.Id.toUpperCase())).toHaveLength(1);
  });

  it('finishes an onboarding whose process died after the ERP create, and releases one that made nothing', async () => {
    const operation = 'createErpCustomerFromAccount';
    const { store } = workflows.subgraph;
    const dead = async (accountId: string, key: string, progress: string | null) => {
      const input = { accountId };
      const claim = await store.claimIdempotency({
        operation,
        key,
        fingerprint: fingerprintOf(operation, input),
        input,
        owner: 'dead-process/1',
        leaseMs: 1,
        now: Date.now() - 60_000,
      });
      expect(claim.kind).toBe('claimed');
      if (progress) await store.noteProgress(operation, key, 'dead-process/1', progress);
    };

    // Died right after the ERP made the customer: the background loop links the account.
    const made = prospect();
    const number = made.Id.toUpperCase();
    const created = await fetch(
      `${legacy.erpUrl}/api/v2.0/companies(${legacy.dataset.summary.companyId})/customers`,
      {
        method: 'POST',
        headers: { authorization: 'Bearer erp-dev-token', 'content-type': 'application/json' },
        body: JSON.stringify({ number, displayName: made.Name }),
      },
    );
    const { id } = (await created.json()) as { id: string };
    await dead(made.Id, `dead-${made.Id}`, 'ERP_CREATE_SENT');
    await eventually(() => (account(made.Id).ERP_Customer_Id__c === id ? true : undefined));
    // The client's retry gets the answer the loop stored: this key made the customer.
    const retried = await workflows.gql(ONBOARD, { accountId: made.Id, key: `dead-${made.Id}` });
    expect(retried.data.createErpCustomerFromAccount).toMatchObject({
      customer: { id },
      customerCreated: true,
      replayed: true,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
      ],
    });
    expect(erpCustomersNumbered(number)).toHaveLength(1);

    // Died before the create: nothing to finish; the record is released, nothing is made.
    const none = prospect();
    await dead(none.Id, `dead-${none.Id}`, null);
    await eventually(async () =>
      (await store.getIdempotency(operation, `dead-${none.Id}`)) ? undefined : true,
    );
    expect(erpCustomersNumbered(none.Id.toUpperCase())).toHaveLength(0);
    expect(account(none.Id).ERP_Customer_Id__c).toBeNull();
  });

  it('refuses an account the ERP cannot take as it stands, before asking the ERP anything', async () => {
    const prospectAccount = prospect();
    legacy.dataset.crm
      .prepare(`UPDATE Account SET BillingCountry = 'United States', CurrencyIsoCode = 'Dollar' WHERE Id = ?`)
      .run(prospectAccount.Id);
    const answer = await workflows.gql(ONBOARD, {
      accountId: prospectAccount.Id,
      key: `bad-${prospectAccount.Id}`,
    });
    expect(answer.data).toBeNull();
    expect(answer.errors?.[0]?.extensions).toMatchObject({
      code: 'ACCOUNT_NOT_ONBOARDABLE',
      accountId: prospectAccount.Id,
      problems: [
        { field: 'billingAddress.country', reason: 'INVALID_FORMAT' },
        { field: 'currencyCode', reason: 'INVALID_FORMAT' },
      ],
    });
    const calls = await legacy.calls();
    expect(calls.erp.total).toBe(0);
    expect(calls.crm.total).toBe(1);
    expect(erpCustomersNumbered(prospectAccount.Id.toUpperCase())).toHaveLength(0);
  });

  it('refuses malformed input before any legacy call, and names an unknown account', async () => {
    const bad = await workflows.gql(ONBOARD, { accountId: '003000000000001AAA', key: 'k' });
    expect(bad.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'accountId',
      reason: 'INVALID_ID',
    });
    const badKey = await workflows.gql(ONBOARD, { accountId: prospect().Id, key: 'has space' });
    expect(badKey.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    const calls = await legacy.calls();
    expect(calls.erp.total + calls.crm.total).toBe(0);

    const unknown = await workflows.gql(ONBOARD, { accountId: '001000000000001AAA', key: 'unknown-account' });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', system: 'CRM' });
  });
});

// The ERP makes the customer but its answer never arrives in time: a proxy passes the create
// through and holds the answer past the client's timeout. The workflow must not send the create
// again; it finds the customer by its number.
describe('the answer to the ERP customer create is lost', () => {
  const ERP_TIMEOUT_MS = 400;
  let lossy: RunningWorkflows;
  let proxy: AnswerLosingProxy;

  beforeAll(async () => {
    // The ERP has committed the customer; its answer is what gets lost.
    proxy = await startAnswerLosingProxy(
      legacy.erpUrl,
      (req) => req.method === 'POST' && /\/customers(\?|$)/.test(req.url ?? ''),
      ERP_TIMEOUT_MS * 3,
    );
    lossy = await startWorkflows(legacy, {
      erpUrl: proxy.url,
      erpTimeoutMs: ERP_TIMEOUT_MS,
      dbPath: `${legacy.dir}/lossy.sqlite`,
    });
  });

  afterAll(async () => {
    await lossy?.close();
    await proxy?.close();
  });

  it('finds the customer the ERP made instead of sending the create again', async () => {
    const prospectAccount = prospect();
    const answer = await lossy.gql(ONBOARD, {
      accountId: prospectAccount.Id,
      key: `lost-${prospectAccount.Id}`,
    });
    expect(answer.errors).toBeUndefined();
    const customers = erpCustomersNumbered(prospectAccount.Id.toUpperCase());
    expect(customers).toHaveLength(1);
    expect(proxy.picked).toHaveLength(1);
    expect(answer.data.createErpCustomerFromAccount).toMatchObject({
      customer: { id: customers[0]!.id },
      customerCreated: true,
      outcomes: [
        expect.objectContaining({ system: 'ERP', status: 'DONE' }),
        expect.objectContaining({ system: 'CRM', status: 'DONE' }),
      ],
    });
    expect(account(prospectAccount.Id).ERP_Customer_Id__c).toBe(customers[0]!.id);
  });
});
