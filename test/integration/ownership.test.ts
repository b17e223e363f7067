import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../legacy/generator/open.js';
import { SCOPES } from '../../lib/auth/principal.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * sales:own over the real stack: a rep holding it instead of customer:read sees only the
 * customers whose CRM account they own. The condition is in the CRM statement (OwnerId), so
 * every page is full, cursors continue among owned accounts only, and a cached answer or
 * legacy record of a caller who sees more never reaches them.
 */

const PAGE = 7;
const LIST = `query List($first: Int!, $after: String) {
  customers(first: $first, after: $after) { edges { node { id name } } pageInfo { hasNextPage endCursor } }
}`;
const ONE = 'query One($id: ID!) { customer(id: $id) { id name balance { amount } } }';

/** Customer ids as the graph compares them: ERP GUIDs in any case, CRM account ids exactly. */
const normal = (id: string) => (/^[0-9a-f-]{36}$/i.test(id) ? id.toLowerCase() : id);

interface Rep {
  userId: string;
  email: string;
}

/** The customers (Customer.id) whose oldest owned account's owner is `userId`, as the graph lists them. */
function ownedCustomerIds(dataset: Dataset, userId: string): Set<string> {
  const accounts = dataset.crm
    .prepare(
      `SELECT Id, ERP_Customer_Id__c AS erpId FROM Account
       WHERE IsDeleted = 0 AND OwnerId = ? ORDER BY CreatedDate, Id`,
    )
    .all(userId) as { Id: string; erpId: string | null }[];
  const ids = new Set<string>();
  for (const account of accounts) ids.add(normal(account.erpId ?? account.Id));
  return ids;
}

function busiestRep(dataset: Dataset): Rep {
  return dataset.crm
    .prepare(
      `SELECT u.Id AS userId, u.Email AS email FROM Account a JOIN User u ON u.Id = a.OwnerId
       WHERE a.IsDeleted = 0 AND u.IsActive = 1 GROUP BY u.Id ORDER BY COUNT(*) DESC, u.Id LIMIT 1`,
    )
    .get() as Rep;
}

function someoneElsesCustomer(dataset: Dataset, userId: string): string {
  const row = dataset.crm
    .prepare(
      `SELECT ERP_Customer_Id__c AS erpId FROM Account
       WHERE IsDeleted = 0 AND OwnerId != ? AND ERP_Customer_Id__c IS NOT NULL
         AND ERP_Customer_Id__c NOT IN (SELECT ERP_Customer_Id__c FROM Account WHERE OwnerId = ? AND ERP_Customer_Id__c IS NOT NULL)
       LIMIT 1`,
    )
    .get(userId, userId) as { erpId: string };
  return row.erpId;
}

let stack: Stack;
let rep: Rep;
let repToken: string;
beforeAll(async () => {
  stack = await startStack({ customers: 120, responseCache: true });
  rep = busiestRep(stack.dataset);
  repToken = await stack.tokenFor({
    sub: 'rep',
    email: rep.email,
    scopes: [SCOPES.salesOwn, SCOPES.financeRead],
  });
});
afterAll(async () => {
  await stack?.close();
});

async function allPages(token: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 100; page++) {
    const answer = await stack.query(LIST, { first: PAGE, after }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    const { edges, pageInfo } = answer.body.data.customers;
    ids.push(...edges.map((edge: { node: { id: string } }) => normal(edge.node.id)));
    if (!pageInfo.hasNextPage) return ids;
    after = pageInfo.endCursor;
  }
  throw new Error('more than 100 pages');
}

describe('a caller with sales:own', () => {
  it('lists exactly the customers they own, page after page', async () => {
    const expected = ownedCustomerIds(stack.dataset, rep.userId);
    expect(expected.size).toBeGreaterThan(PAGE); // several pages, so cursors are exercised
    const seen = await allPages(repToken);
    expect(new Set(seen).size).toBe(seen.length);
    expect(new Set(seen)).toEqual(expected);
  });

  it("gets another owner's customer(id) as null with UNAUTHORIZED_FIELD_OR_TYPE, and no ERP read for it", async () => {
    const foreign = someoneElsesCustomer(stack.dataset, rep.userId);
    await stack.resetCounts();
    const answer = await stack.query(ONE, { id: foreign }, { authorization: `Bearer ${repToken}` });
    expect(answer.body.data.customer).toBeNull();
    expect(answer.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([
      'UNAUTHORIZED_FIELD_OR_TYPE',
    ]);
    const { erp } = await stack.legacyCalls();
    expect(erp.total).toBe(0);
  });

  it('reads their own customer(id), ERP fields included', async () => {
    const mine = [...ownedCustomerIds(stack.dataset, rep.userId)][0]!;
    const answer = await stack.query(ONE, { id: mine }, { authorization: `Bearer ${repToken}` });
    expect(answer.body.errors).toBeUndefined();
    expect(normal(answer.body.data.customer.id)).toBe(mine);
  });

  it('without a CRM user in the token sees no customer at all', async () => {
    const anonymousRep = await stack.tokenFor({ sub: 'rep-without-email', scopes: [SCOPES.salesOwn] });
    const list = await stack.query(LIST, { first: PAGE }, { authorization: `Bearer ${anonymousRep}` });
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data.customers.edges).toEqual([]);
    const mine = [...ownedCustomerIds(stack.dataset, rep.userId)][0]!;
    const one = await stack.query(ONE, { id: mine }, { authorization: `Bearer ${anonymousRep}` });
    expect(one.body.data?.customer ?? null).toBeNull();
    expect(one.body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});

describe('callers who see different customers never share cached answers', () => {
  it('a reader and a rep asking the same query each get their own (response cache and legacy cache on)', async () => {
    const reader = await stack.tokenFor({ sub: 'reader', scopes: [SCOPES.customerRead, SCOPES.financeRead] });
    const asReader = await stack.query(LIST, { first: 50 }, { authorization: `Bearer ${reader}` });
    const asReaderAgain = await stack.query(LIST, { first: 50 }, { authorization: `Bearer ${reader}` });
    expect(asReaderAgain.headers.get('x-response-cache')).toBe('hit');
    const asRep = await stack.query(LIST, { first: 50 }, { authorization: `Bearer ${repToken}` });
    expect(asRep.headers.get('x-response-cache')).not.toBe('hit');
    const owned = ownedCustomerIds(stack.dataset, rep.userId);
    const repIds = asRep.body.data.customers.edges.map((e: { node: { id: string } }) => normal(e.node.id));
    for (const id of repIds) expect(owned.has(id)).toBe(true);
    const readerIds = asReader.body.data.customers.edges.map((e: { node: { id: string } }) =>
      normal(e.node.id),
    );
    expect(readerIds.some((id: string) => !owned.has(id))).toBe(true);
  });

  it('a second reader with the same scopes shares the first one’s cached answer', async () => {
    const one = await stack.tokenFor({ sub: 'reader-1', scopes: [SCOPES.customerRead] });
    const two = await stack.tokenFor({ sub: 'reader-2', scopes: [SCOPES.customerRead] });
    const query = 'query Names { customers(first: 3) { edges { node { name } } } }';
    await stack.query(query, {}, { authorization: `Bearer ${one}` });
    const shared = await stack.query(query, {}, { authorization: `Bearer ${two}` });
    expect(shared.headers.get('x-response-cache')).toBe('hit');
  });
});

describe('per-user mode (CRM_PER_USER): Salesforce sharing decides', () => {
  let perUser: Stack;
  beforeAll(async () => {
    perUser = await startStack({ customers: 120, crmPerUser: true });
  });
  afterAll(async () => {
    await perUser?.close();
  });

  it("reads with the caller's own Salesforce user, so even customer:read sees only what that user may", async () => {
    const user = busiestRep(perUser.dataset);
    const token = await perUser.tokenFor({ sub: 'rep', email: user.email, scopes: [SCOPES.customerRead] });
    await perUser.resetCounts();
    const answer = await perUser.query(LIST, { first: 100 }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    const ids = answer.body.data.customers.edges.map((e: { node: { id: string } }) => normal(e.node.id));
    expect(new Set(ids)).toEqual(ownedCustomerIds(perUser.dataset, user.userId));
    // The user's own sign-in (JWT bearer) is one token request, then the data call(s).
    const { crm } = await perUser.legacyCalls();
    expect(crm.byRoute['POST /services/oauth2/token'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('a caller whose token names no CRM user reads as the integration, which sees every customer', async () => {
    const token = await perUser.tokenFor({ sub: 'report-service', scopes: [SCOPES.customerRead] });
    const answer = await perUser.query(LIST, { first: 100 }, { authorization: `Bearer ${token}` });
    expect(answer.body.errors).toBeUndefined();
    const user = busiestRep(perUser.dataset);
    const owned = ownedCustomerIds(perUser.dataset, user.userId);
    const ids: string[] = answer.body.data.customers.edges.map((e: { node: { id: string } }) =>
      normal(e.node.id),
    );
    expect(ids.some((id) => !owned.has(id))).toBe(true);
  });
});

describe('the legacy cache keeps what a reader read away from a rep', () => {
  it("a customer a reader's request cached is still not the rep's", async () => {
    const foreign = someoneElsesCustomer(stack.dataset, rep.userId);
    const reader = await stack.tokenFor({ sub: 'reader', scopes: [SCOPES.customerRead, SCOPES.financeRead] });
    const asReader = await stack.query(ONE, { id: foreign }, { authorization: `Bearer ${reader}` });
    expect(asReader.body.data.customer).not.toBeNull();
    const asRep = await stack.query(ONE, { id: foreign }, { authorization: `Bearer ${repToken}` });
    expect(asRep.body.data.customer).toBeNull();
    expect(asRep.body.errors[0].extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });
});
