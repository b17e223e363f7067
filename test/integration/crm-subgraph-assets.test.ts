import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../legacy/generator/calendar.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { type Answer, type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';

/**
 * The installed base and warranty over the real CRM stand-in: Query.asset, Customer.assets,
 * Asset and Warranty as entities, and SupportCase's asset, order and key by number. Expected
 * values come from the stand-in's database; eligibility is judged on days the test fixes
 * through the subgraph's clock seam.
 */

type Row = Record<string, unknown>;

let fixture: CrmFixture;
const all = (sql: string, ...params: unknown[]) => fixture.dataset.crm.prepare(sql).all(...params) as Row[];
const one = (sql: string, ...params: unknown[]) => all(sql, ...params)[0];

/** A CRM subgraph whose clock says `day` (noon UTC). */
async function subgraphOn(day: string) {
  return fixture.startSubgraph({}, { now: () => new Date(`${day}T12:00:00.000Z`) });
}

async function callsOf(run: () => Promise<unknown>): Promise<number> {
  await fixture.resetStats();
  await run();
  return (await fixture.stats()).total;
}

const noErrors = (answer: Answer) => expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();

const WARRANTY = `warranty { serialNumber eligible ineligibleReason asOf entitlementId entitlementName
  startDate endDate casesPerEntitlement remainingCases }`;

beforeAll(async () => {
  fixture = await startCrmFixture({ customers: 60 });
});

afterAll(async () => {
  await fixture?.stop();
});

describe('asset(serialNumber)', () => {
  it('reads the CRM asset, its customer, contact, cases and warranty in one query', async () => {
    const asset = one(
      `SELECT a.* FROM Asset a WHERE a.ContactId IS NOT NULL
         AND EXISTS (SELECT 1 FROM "Case" c WHERE c.AssetId = a.Id)
         AND EXISTS (SELECT 1 FROM Entitlement e WHERE e.AssetId = a.Id) ORDER BY a.Id LIMIT 1`,
    )!;
    const account = one('SELECT * FROM Account WHERE Id = ?', asset.AccountId)!;
    const entitlement = one('SELECT * FROM Entitlement WHERE AssetId = ?', asset.Id)!;
    const cases = all(
      'SELECT CaseNumber FROM "Case" WHERE AssetId = ? ORDER BY CreatedDate DESC, Id DESC',
      asset.Id,
    );
    const day = String(entitlement.StartDate);
    const subgraph = await subgraphOn(day);
    const answer = await subgraph.query(
      `query($serial: String!) { asset(serialNumber: $serial) { serialNumber inCrm id name status
         installDate purchaseDate customer { id } contact { id } supportCases { number asset { serialNumber } }
         ${WARRANTY} } }`,
      { serial: asset.SerialNumber },
    );
    noErrors(answer);
    expect(answer.data.asset).toEqual({
      serialNumber: asset.SerialNumber,
      inCrm: true,
      id: asset.Id,
      name: asset.Name,
      status: asset.Status,
      installDate: asset.InstallDate,
      purchaseDate: asset.PurchaseDate,
      customer: { id: account.ERP_Customer_Id__c ?? account.Id },
      contact: { id: asset.ContactId },
      supportCases: cases.map((c) => ({ number: c.CaseNumber, asset: { serialNumber: asset.SerialNumber } })),
      warranty: {
        serialNumber: asset.SerialNumber,
        eligible: Number(entitlement.RemainingCases) > 0,
        ineligibleReason: Number(entitlement.RemainingCases) > 0 ? null : 'EXHAUSTED',
        asOf: day,
        entitlementId: entitlement.Id,
        entitlementName: entitlement.Name,
        startDate: entitlement.StartDate,
        endDate: entitlement.EndDate,
        casesPerEntitlement: entitlement.CasesPerEntitlement,
        remainingCases: entitlement.RemainingCases,
      },
    });
  });

  it('a serial the CRM holds no asset for is inCrm: false with NO_ASSET; a malformed one is refused before any call', async () => {
    const answer = await fixture.batched.query(
      `{ asset(serialNumber: "SN-NOBODY-REGISTERED") { serialNumber inCrm id customer { id } supportCases { number }
         warranty { eligible ineligibleReason entitlementId remainingCases } } }`,
    );
    noErrors(answer);
    expect(answer.data.asset).toEqual({
      serialNumber: 'SN-NOBODY-REGISTERED',
      inCrm: false,
      id: null,
      customer: null,
      supportCases: [],
      warranty: { eligible: false, ineligibleReason: 'NO_ASSET', entitlementId: null, remainingCases: null },
    });
    let refused: Answer | undefined;
    const calls = await callsOf(async () => {
      refused = await fixture.batched.query('{ asset(serialNumber: " padded ") { inCrm } }');
    });
    expect(refused?.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'serialNumber',
    });
    expect(calls).toBe(0);
  });
});

describe('warranty eligibility, as of the day the clock says', () => {
  const query = `query($serial: String!) { asset(serialNumber: $serial) { ${WARRANTY} } }`;

  it('covered, exhausted, no entitlement, not started, expired', async () => {
    const covered = one(
      `SELECT a.SerialNumber AS serial, e.* FROM Asset a JOIN Entitlement e ON e.AssetId = a.Id
       WHERE e.RemainingCases > 0 ORDER BY e.StartDate, e.Id LIMIT 1`,
    )!;
    const exhausted = one(
      `SELECT a.SerialNumber AS serial, e.* FROM Asset a JOIN Entitlement e ON e.AssetId = a.Id
       WHERE e.IsPerIncident = 1 AND e.RemainingCases = 0 ORDER BY e.Id LIMIT 1`,
    );
    const bare = one(
      `SELECT SerialNumber AS serial FROM Asset a WHERE NOT EXISTS (SELECT 1 FROM Entitlement e WHERE e.AssetId = a.Id)
       ORDER BY Id LIMIT 1`,
    )!;
    // Inside the covered one's dates: covered; the day before its start: not yet; the day after its end: over.
    const inside = await subgraphOn(String(covered.EndDate));
    const before = await subgraphOn(addDays(String(covered.StartDate), -1));
    const after = await subgraphOn(addDays(String(covered.EndDate), 1));
    const reasonOf = async (subgraph: typeof inside, serial: unknown) => {
      const answer = await subgraph.query(query, { serial });
      noErrors(answer);
      return answer.data.asset.warranty;
    };
    expect(await reasonOf(inside, covered.serial)).toMatchObject({
      eligible: true,
      ineligibleReason: null,
      asOf: covered.EndDate,
      remainingCases: covered.RemainingCases,
    });
    expect(await reasonOf(before, covered.serial)).toMatchObject({
      eligible: false,
      ineligibleReason: 'NOT_STARTED',
      startDate: covered.StartDate,
    });
    expect(await reasonOf(after, covered.serial)).toMatchObject({
      eligible: false,
      ineligibleReason: 'EXPIRED',
      endDate: covered.EndDate,
    });
    expect(await reasonOf(inside, bare.serial)).toMatchObject({
      eligible: false,
      ineligibleReason: 'NO_ENTITLEMENT',
      entitlementId: null,
      startDate: null,
    });
    if (exhausted) {
      const during = await subgraphOn(String(exhausted.StartDate));
      expect(await reasonOf(during, exhausted.serial)).toMatchObject({
        eligible: false,
        ineligibleReason: 'EXHAUSTED',
        remainingCases: 0,
        casesPerEntitlement: exhausted.CasesPerEntitlement,
      });
    }
  });
});

describe('Customer.assets', () => {
  const PAGE = `query($id: ID!, $first: Int!, $after: String) { customer(id: $id) { assets(first: $first, after: $after) {
    edges { cursor node { serialNumber id purchaseDate } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;

  it("pages an account's assets newest purchase first, cursors continuing where the last page stopped", async () => {
    const busiest = one(
      `SELECT a.AccountId AS accountId, acc.ERP_Customer_Id__c AS erpId, COUNT(*) AS n FROM Asset a
       JOIN Account acc ON acc.Id = a.AccountId GROUP BY a.AccountId ORDER BY n DESC, a.AccountId LIMIT 1`,
    )!;
    const expected = all(
      'SELECT Id FROM Asset WHERE AccountId = ? ORDER BY PurchaseDate DESC, Id DESC',
      busiest.accountId,
    ).map((r) => r.Id);
    expect(expected.length).toBeGreaterThan(4);
    const id = busiest.erpId ?? busiest.accountId;
    const seen: unknown[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const answer = await fixture.batched.query(PAGE, { id, first: 4, after });
      noErrors(answer);
      const { edges, pageInfo } = answer.data.customer.assets;
      seen.push(...edges.map((e: { node: { id: string } }) => e.node.id));
      expect(pageInfo.hasPreviousPage).toBe(after !== null);
      pages += 1;
      if (!pageInfo.hasNextPage) break;
      after = pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
    expect(pages).toBe(Math.ceil(expected.length / 4));
    const foreign = await fixture.batched.query(
      `query($id: ID!, $after: String) { customer(id: $id) { assets(first: 2) { pageInfo { endCursor } }
         supportCases(first: 2, after: $after) { edges { node { id } } } } }`,
      { id, after: 'bm90IGEgY3Vyc29y' },
    );
    expect(foreign.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const first = await fixture.batched.query(PAGE, { id, first: 2, after: null });
    const misused = await fixture.batched.query(
      `query($id: ID!, $after: String) { customer(id: $id) { supportCases(first: 2, after: $after) { edges { node { id } } } } }`,
      { id, after: first.data.customer.assets.pageInfo.endCursor },
    );
    expect(misused.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('costs the same CRM calls for 10 customers as for 40, warranty and cases included', async () => {
    const query = `query($first: Int!) { customers(first: $first) { edges { node { id assets(first: 3) {
      edges { node { serialNumber inCrm status warranty { eligible ineligibleReason endDate remainingCases }
        supportCases { number } customer { id } } } } } } } }`;
    const counts: number[] = [];
    for (const first of [10, 40]) {
      let answer: Answer | undefined;
      counts.push(
        await callsOf(async () => {
          answer = await fixture.batched.query(query, { first });
        }),
      );
      noErrors(answer!);
      const assets = answer!.data.customers.edges.flatMap(
        (e: { node: { assets: { edges: unknown[] } | null } }) => e.node.assets?.edges ?? [],
      );
      expect(assets.length).toBeGreaterThan(0);
    }
    expect(counts[0]).toBe(counts[1]);
    // The accounts page (assets read with it), the duplicates lookup, entitlements and cases of the page's assets.
    expect(counts[0]).toBeLessThanOrEqual(4);
  });

  it('the naive baseline (batching off) costs a call per asset: the loaders are what make it constant', async () => {
    const naive = await fixture.startSubgraph({ batching: false });
    const query = `query($first: Int!) { customers(first: $first) { edges { node { assets(first: 3) {
      edges { node { warranty { eligible } } } } } } } }`;
    const calls = await callsOf(() => naive.query(query, { first: 10 }));
    const batched = await callsOf(() => fixture.batched.query(query, { first: 10 }));
    expect(calls).toBeGreaterThan(batched);
  });
});

describe('the shared cache', () => {
  it('a repeated installed-base query within the TTLs makes no CRM call', async () => {
    const cached = await fixture.startSubgraph({ cache: readLegacyCacheConfig({ LEGACY_CACHE: 'memory' }) });
    const query = `{ customers(first: 10) { edges { node { assets(first: 3) { edges { node { serialNumber
      warranty { eligible remainingCases } supportCases { number } } } } } } }
      asset(serialNumber: "SN-NOT-THERE") { inCrm } }`;
    const first = await callsOf(() => cached.query(query));
    let again: Answer | undefined;
    const second = await callsOf(async () => {
      again = await cached.query(query);
    });
    noErrors(again!);
    expect(first).toBeGreaterThan(0);
    expect(second).toBe(0);
  });
});

describe('entities', () => {
  const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) {
    ... on Asset { serialNumber inCrm assetId: id }
    ... on Warranty { serialNumber eligible ineligibleReason }
    ... on SupportCase { id number type asset { serialNumber inCrm } order { number } } } }`;

  it('resolves assets and warranties by serial (unknown: inCrm false / NO_ASSET) and cases by number, in few calls', async () => {
    const assets = all('SELECT Id, SerialNumber FROM Asset ORDER BY Id LIMIT 5');
    const claim = one(
      `SELECT c.*, a.SerialNumber AS serial FROM "Case" c JOIN Asset a ON a.Id = c.AssetId ORDER BY c.Id LIMIT 1`,
    )!;
    const complaint = one('SELECT * FROM "Case" WHERE ERP_Order_Number__c IS NOT NULL ORDER BY Id LIMIT 1');
    const representations = [
      ...assets.map((a) => ({ __typename: 'Asset', serialNumber: a.SerialNumber })),
      { __typename: 'Asset', serialNumber: 'SN-UNKNOWN-1' },
      { __typename: 'Warranty', serialNumber: assets[0]!.SerialNumber },
      { __typename: 'Warranty', serialNumber: 'SN-UNKNOWN-1' },
      { __typename: 'SupportCase', number: claim.CaseNumber },
      ...(complaint ? [{ __typename: 'SupportCase', number: complaint.CaseNumber }] : []),
      { __typename: 'SupportCase', id: claim.Id },
    ];
    let answer: Answer | undefined;
    const calls = await callsOf(async () => {
      answer = await fixture.batched.query(ENTITIES, { r: representations });
    });
    noErrors(answer!);
    const found = answer!.data._entities;
    expect(found.slice(0, 5)).toEqual(
      assets.map((a) => ({ serialNumber: a.SerialNumber, inCrm: true, assetId: a.Id })),
    );
    expect(found[5]).toEqual({ serialNumber: 'SN-UNKNOWN-1', inCrm: false, assetId: null });
    expect(found[6]).toMatchObject({ serialNumber: assets[0]!.SerialNumber });
    expect(found[7]).toEqual({ serialNumber: 'SN-UNKNOWN-1', eligible: false, ineligibleReason: 'NO_ASSET' });
    expect(found[8]).toEqual({
      id: claim.Id,
      number: claim.CaseNumber,
      type: claim.Type,
      asset: { serialNumber: claim.serial, inCrm: true },
      order: claim.ERP_Order_Number__c ? { number: claim.ERP_Order_Number__c } : null,
    });
    if (complaint) {
      expect(found[9]).toMatchObject({
        number: complaint.CaseNumber,
        order: { number: complaint.ERP_Order_Number__c },
      });
    }
    expect(found.at(-1)).toMatchObject({ id: claim.Id, number: claim.CaseNumber });
    // Assets by serial, cases by number, cases by id (one batch each, side by side); then the
    // warranty's entitlements and the cases' assets: whatever the number of representations.
    expect(calls).toBeLessThanOrEqual(5);
  });
});
