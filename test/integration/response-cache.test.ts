import { afterAll, beforeAll, expect, it } from 'vitest';
import { RESPONSE_CACHE_HEADER } from '../../gateway/plugins/responseCache.js';
import { SCOPES } from '../../lib/auth/principal.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

// The gateway's cache of whole answers, with the subgraphs' legacy cache off so every count
// below is the response cache's doing.

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ customers: 40, legacyCache: 'off', responseCache: true });
});
afterAll(async () => {
  await stack?.close();
});

async function roundTrips(run: () => Promise<unknown>): Promise<number> {
  await stack.resetCounts();
  await run();
  const { erp, crm } = await stack.legacyCalls();
  return erp.roundTrips + crm.roundTrips;
}

const CUSTOMER_ADDRESS = /* GraphQL */ `
  query ($id: ID!) { customer(id: $id) { id erpBillingAddress { street city } } }
`;

const UPDATE_ADDRESS = /* GraphQL */ `
  mutation ($input: UpdateCustomerAddressInput!) {
    updateCustomerAddress(input: $input) { outcomes { system status } }
  }
`;

it('serves a repeated query from the cache with no legacy call, and the same answer', async () => {
  const first = await stack.query(CUSTOMER_360, { first: 5 });
  expect(first.body.errors).toBeUndefined();
  let second: Awaited<ReturnType<Stack['query']>> | undefined;
  expect(
    await roundTrips(async () => {
      second = await stack.query(CUSTOMER_360, { first: 5 });
    }),
  ).toBe(0);
  expect(second?.headers.get(RESPONSE_CACHE_HEADER)).toBe('hit');
  expect(second?.body).toEqual(first.body);
  // Other variables are another operation.
  expect(await roundTrips(() => stack.query(CUSTOMER_360, { first: 6 }))).toBeGreaterThan(0);
});

it('never answers one caller with what was cached for a caller who may see something else', async () => {
  const alice = { authorization: `Bearer ${await stack.tokenFor({ sub: 'alice' })}` };
  const bob = {
    authorization: `Bearer ${await stack.tokenFor({ sub: 'bob', scopes: [SCOPES.customerRead, SCOPES.financeRead] })}`,
  };
  await stack.query(CUSTOMER_360, { first: 4 }, alice);
  expect(await roundTrips(() => stack.query(CUSTOMER_360, { first: 4 }, alice))).toBe(0);
  // Fewer scopes: another answer (fields refused), never alice's.
  expect(await roundTrips(() => stack.query(CUSTOMER_360, { first: 4 }, bob))).toBeGreaterThan(0);
});

it('a mutation through the gateway makes every cached answer stale', async () => {
  const { customerId } = stack.dataset.crm
    .prepare(
      `SELECT ERP_Customer_Id__c AS customerId FROM Account WHERE ERP_Customer_Id__c IS NOT NULL LIMIT 1`,
    )
    .get() as { customerId: string };
  await stack.query(CUSTOMER_ADDRESS, { id: customerId });
  expect(await roundTrips(() => stack.query(CUSTOMER_ADDRESS, { id: customerId }))).toBe(0);

  const written = await stack.query(UPDATE_ADDRESS, {
    input: {
      customerId,
      purpose: 'BILLING',
      address: { street: '1 Response Row', city: 'Oslo', postalCode: '0150', country: 'NO' },
    },
  });
  expect(written.body.errors).toBeUndefined();

  let after: Awaited<ReturnType<Stack['query']>> | undefined;
  expect(
    await roundTrips(async () => {
      after = await stack.query(CUSTOMER_ADDRESS, { id: customerId });
    }),
  ).toBeGreaterThan(0);
  expect(after?.body.data.customer.erpBillingAddress).toMatchObject({
    street: '1 Response Row',
    city: 'Oslo',
  });
});

it('does not keep an answer with errors: after an outage the next answer is whole', async () => {
  stack.erpSim.setConfig({ outage: true });
  const partial = await stack.query(CUSTOMER_360, { first: 2 });
  stack.erpSim.setConfig({ outage: false });
  expect(partial.body.errors?.length).toBeGreaterThan(0);
  expect(partial.headers.get(RESPONSE_CACHE_HEADER)).toBeNull();
  const whole = await stack.query(CUSTOMER_360, { first: 2 });
  expect(whole.body.errors).toBeUndefined();
  expect(whole.headers.get(RESPONSE_CACHE_HEADER)).toBe('miss');
});

it('answers `me` for each caller: callers with the same scopes but another CRM user never share an answer', async () => {
  const [first, second] = stack.dataset.erp
    .prepare('SELECT lower(email) AS email FROM employees ORDER BY number LIMIT 2')
    .all() as { email: string }[];
  const asPerson = async (email: string) => ({
    authorization: `Bearer ${await stack.tokenFor({ sub: email, email })}`,
  });
  const me = '{ me { email } }';
  const mine = await stack.query(me, {}, await asPerson(first!.email));
  expect(mine.body.data.me.email).toBe(first!.email);
  const theirs = await stack.query(me, {}, await asPerson(second!.email));
  expect(theirs.headers.get(RESPONSE_CACHE_HEADER)).toBe('miss');
  expect(theirs.body.data.me.email).toBe(second!.email);
  // The same person again (a new token): their own answer, from the cache.
  const again = await stack.query(me, {}, await asPerson(first!.email));
  expect(again.headers.get(RESPONSE_CACHE_HEADER)).toBe('hit');
  expect(again.body.data.me.email).toBe(first!.email);
});
