import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * The installed base through the gateway over the whole stack: Customer.assets with each unit's
 * warranty and cases costs the same legacy round trips for 10 customers as for 100, and a
 * sales:own caller meets only the units of the accounts they own.
 */

type Row = Record<string, unknown>;

let stack: Stack;
const all = (sql: string, ...params: unknown[]) => stack.dataset.crm.prepare(sql).all(...params) as Row[];
const one = (sql: string, ...params: unknown[]) => all(sql, ...params)[0];

beforeAll(async () => {
  // Counts are of the legacy systems: nothing may come from a cache a previous query filled.
  stack = await startStack({ legacyCache: 'off' });
});

afterAll(async () => {
  await stack?.close();
});

const INSTALLED_BASE = `query InstalledBase($first: Int!) { customers(first: $first) { edges { node { id name
  assets(first: 5) { edges { node { serialNumber inCrm name status purchaseDate contact { name }
    warranty { eligible ineligibleReason endDate remainingCases } supportCases { number status } } }
    pageInfo { hasNextPage endCursor } } } } } }`;

describe('Customer.assets through the gateway', () => {
  it('10 and 100 customers cost the same legacy round trips, warranty and cases included', async () => {
    await stack.resetCounts();
    const ten = await stack.query(INSTALLED_BASE, { first: 10 });
    const afterTen = await stack.legacyCalls();
    await stack.resetCounts();
    const hundred = await stack.query(INSTALLED_BASE, { first: 100 });
    const afterHundred = await stack.legacyCalls();
    expect(ten.body.errors, JSON.stringify(ten.body.errors)).toBeUndefined();
    expect(hundred.body.errors, JSON.stringify(hundred.body.errors)).toBeUndefined();
    expect(ten.body.data.customers.edges).toHaveLength(10);
    const units = hundred.body.data.customers.edges.flatMap(
      (e: { node: { assets: { edges: unknown[] } | null } }) => e.node.assets?.edges ?? [],
    );
    expect(units.length).toBeGreaterThan(50);
    expect(afterHundred.crm.roundTrips).toBe(afterTen.crm.roundTrips);
    expect(afterHundred.erp.roundTrips).toBe(afterTen.erp.roundTrips);
    // The accounts page with the assets read ahead, the duplicates lookup, then the page's
    // units' entitlements, cases and contacts side by side: the ERP is not asked at all.
    expect(afterTen.crm.roundTrips).toBeLessThanOrEqual(5);
    expect(afterTen.erp.roundTrips).toBe(0);
  });

  it('answers "is this unit covered?" for one serial with its customer and cases, as the CRM holds them', async () => {
    const unit = one(
      `SELECT a.SerialNumber AS serial, a.Id AS assetId, acc.Name AS customerName, e.Id AS entitlementId,
              e.StartDate AS startDate, e.EndDate AS endDate, e.RemainingCases AS remaining
       FROM Asset a JOIN Account acc ON acc.Id = a.AccountId JOIN Entitlement e ON e.AssetId = a.Id
       ORDER BY a.Id LIMIT 1`,
    )!;
    const today = new Date().toISOString().slice(0, 10);
    const reason =
      today < String(unit.startDate)
        ? 'NOT_STARTED'
        : today > String(unit.endDate)
          ? 'EXPIRED'
          : Number(unit.remaining) <= 0
            ? 'EXHAUSTED'
            : null;
    const answer = await stack.query(
      `query($serial: String!) { asset(serialNumber: $serial) { serialNumber inCrm customer { name }
         supportCases { number } warranty { eligible ineligibleReason asOf entitlementId endDate remainingCases } } }`,
      { serial: unit.serial },
    );
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    const cases = all(
      'SELECT CaseNumber FROM "Case" WHERE AssetId = ? ORDER BY CreatedDate DESC, Id DESC',
      unit.assetId,
    );
    expect(answer.body.data.asset).toEqual({
      serialNumber: unit.serial,
      inCrm: true,
      customer: { name: unit.customerName },
      supportCases: cases.map((c) => ({ number: c.CaseNumber })),
      warranty: {
        eligible: reason === null,
        ineligibleReason: reason,
        asOf: answer.body.data.asset.warranty.asOf,
        entitlementId: unit.entitlementId,
        endDate: unit.endDate,
        remainingCases: unit.remaining,
      },
    });
    // The day judged on is today's (the test may straddle midnight UTC: then either day).
    expect([today, new Date().toISOString().slice(0, 10)]).toContain(answer.body.data.asset.warranty.asOf);
  });
});

describe('sales:own', () => {
  let rep: { userId: string; email: string };
  let repToken: string;

  beforeAll(async () => {
    rep = one(
      `SELECT u.Id AS userId, u.Email AS email FROM Asset a JOIN Account acc ON acc.Id = a.AccountId
       JOIN User u ON u.Id = acc.OwnerId WHERE u.IsActive = 1 GROUP BY u.Id ORDER BY COUNT(*) DESC, u.Id LIMIT 1`,
    ) as typeof rep;
    repToken = await stack.tokenFor({ sub: 'rep', email: rep.email, scopes: [SCOPES.salesOwn] });
  });

  it("a rep's customers list only their own accounts' units; asset(serialNumber) needs customer:read", async () => {
    const answer = await stack.query(
      `{ customers(first: 50) { edges { node { assets(first: 20) { edges { node { id serialNumber } } } } } } }`,
      {},
      { authorization: `Bearer ${repToken}` },
    );
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    const ids: string[] = answer.body.data.customers.edges.flatMap(
      (e: { node: { assets: { edges: { node: { id: string } }[] } | null } }) =>
        e.node.assets?.edges.map((a) => a.node.id) ?? [],
    );
    expect(ids.length).toBeGreaterThan(0);
    const owners = new Set(
      ids.map(
        (id) =>
          one(
            'SELECT acc.OwnerId AS owner FROM Asset a JOIN Account acc ON acc.Id = a.AccountId WHERE a.Id = ?',
            id,
          )!.owner,
      ),
    );
    expect([...owners]).toEqual([rep.userId]);

    const serial = one('SELECT SerialNumber AS serial FROM Asset LIMIT 1')!.serial;
    const refused = await stack.query(
      'query($s: String!) { asset(serialNumber: $s) { inCrm } }',
      { s: serial },
      { authorization: `Bearer ${repToken}` },
    );
    expect(refused.body.data?.asset ?? null).toBeNull();
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
  });

  it("a reference to another owner's unit resolves, for the rep, to no CRM asset: the statement carries their ownership", async () => {
    const own = one(
      `SELECT a.SerialNumber AS serial FROM Asset a JOIN Account acc ON acc.Id = a.AccountId
       WHERE acc.OwnerId = ? ORDER BY a.Id LIMIT 1`,
      rep.userId,
    )!.serial;
    const theirs = one(
      `SELECT a.SerialNumber AS serial FROM Asset a JOIN Account acc ON acc.Id = a.AccountId
       JOIN Entitlement e ON e.AssetId = a.Id WHERE acc.OwnerId != ? ORDER BY a.Id LIMIT 1`,
      rep.userId,
    )!.serial;
    const response = await fetch(stack.crmSubgraphUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.auth.subgraphHeaders(repToken) },
      body: JSON.stringify({
        query: `query($r: [_Any!]!) { _entities(representations: $r) {
          ... on Asset { serialNumber inCrm warranty { ineligibleReason entitlementId } } } }`,
        variables: {
          r: [
            { __typename: 'Asset', serialNumber: own },
            { __typename: 'Asset', serialNumber: theirs },
          ],
        },
      }),
    });
    const body = (await response.json()) as { data?: { _entities: unknown[] }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?._entities[0]).toMatchObject({ serialNumber: own, inCrm: true });
    expect(body.data?._entities[1]).toEqual({
      serialNumber: theirs,
      inCrm: false,
      warranty: { ineligibleReason: 'NO_ASSET', entitlementId: null },
    });
  });
});
