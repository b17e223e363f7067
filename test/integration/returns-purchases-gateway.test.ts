import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Returns and purchased products through the gateway over the whole stack (the default data set,
 * as `npm start` has it): a customer's credit memos with the complaint each settles, and what
 * was shipped to it with the unit's CRM asset, warranty and cost, cost the same legacy round
 * trips for 10 customers as for 100; a complaint leads to its order and credit memo, and a
 * serial number to its coverage and cost, in one query each. A credit memo naming no case the
 * CRM holds (or none the caller may see) has no support case: null, not a stub of the number.
 */

type Row = Record<string, unknown>;
// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are arbitrary JSON, read field by field
type Json = any;

let stack: Stack;
const erpAll = (sql: string, ...params: unknown[]) => stack.dataset.erp.prepare(sql).all(...params) as Row[];
const erpOne = (sql: string, ...params: unknown[]) => erpAll(sql, ...params)[0];
const crmOne = (sql: string, ...params: unknown[]) =>
  stack.dataset.crm.prepare(sql).all(...params)[0] as Row | undefined;
const fixed = (value: unknown) => (Math.round(Number(value ?? 0) * 100) / 100).toFixed(2);

beforeAll(async () => {
  // Counts are of the legacy systems: nothing may come from a cache a previous query filled.
  stack = await startStack({ legacyCache: 'off' });
});

afterAll(async () => {
  await stack?.close();
});

const RETURNS = `query Returns($first: Int!) { customers(first: $first) { edges { node { id name
  creditMemos(first: 5) { edges { node { number status creditMemoDate total { amount currencyCode }
    invoice { number } order { number } supportCase { number subject status type }
    lines { quantity product { sku name } amountIncludingTax { amount } } } }
    pageInfo { hasNextPage endCursor } } } } } }`;

const PURCHASES = `query Purchases($first: Int!) { customers(first: $first) { edges { node { id
  purchasedProducts(first: 10) { edges { node { product { sku name } quantity serialNumber shippedOn
    shipment { number } order { number } invoice { number }
    asset { inCrm status warranty { eligible ineligibleReason costToDate { amount currencyCode } } } } }
    pageInfo { hasNextPage endCursor } } } } } }`;

/** The legacy round trips of one query for 10 and for 100 customers. */
async function costs(query: string) {
  const run = async (first: number) => {
    await stack.resetCounts();
    const answer = await stack.query(query, { first });
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    expect(answer.body.data.customers.edges).toHaveLength(first);
    return { answer: answer.body.data, calls: await stack.legacyCalls() };
  };
  return { ten: await run(10), hundred: await run(100) };
}

/** Logs a query's legacy round trips and checks that 100 customers cost what 10 cost. */
function expectSameCost(name: string, { ten, hundred }: Awaited<ReturnType<typeof costs>>) {
  console.log(
    `${name}: 10 customers → ERP ${ten.calls.erp.roundTrips}, CRM ${ten.calls.crm.roundTrips} round trips; 100 → ERP ${hundred.calls.erp.roundTrips}, CRM ${hundred.calls.crm.roundTrips}`,
  );
  expect(hundred.calls.erp.roundTrips).toBe(ten.calls.erp.roundTrips);
  expect(hundred.calls.crm.roundTrips).toBe(ten.calls.crm.roundTrips);
}

describe('lists through the gateway: 10 customers cost what 100 cost', () => {
  it("Customer.creditMemos, each with its invoice, order, lines and the CRM's complaint", async () => {
    const { ten, hundred } = await costs(RETURNS);
    const memos = (data: Json) =>
      data.customers.edges.flatMap((e: Json) => e.node.creditMemos?.edges.map((m: Json) => m.node) ?? []);
    // Both lists meet credit memos, so both follow them to the CRM's cases.
    expect(memos(ten.answer).length).toBeGreaterThan(0);
    expect(memos(hundred.answer).length).toBeGreaterThan(memos(ten.answer).length);
    for (const memo of memos(hundred.answer)) {
      expect(memo.supportCase?.type).toBe('Complaint');
      expect(memo.order?.number).toMatch(/\S/);
    }
    expectSameCost('Customer.creditMemos', { ten, hundred });
  });

  it('Customer.purchasedProducts, each unit with its CRM asset, warranty and warranty cost', async () => {
    const { ten, hundred } = await costs(PURCHASES);
    const units = (data: Json) =>
      data.customers.edges.flatMap(
        (e: Json) =>
          e.node.purchasedProducts?.edges.map((p: Json) => p.node).filter((p: Json) => p.asset) ?? [],
      );
    expect(units(ten.answer).length).toBeGreaterThan(0);
    expect(units(hundred.answer).length).toBeGreaterThan(units(ten.answer).length);
    // Some units shipped have a CRM asset, and every one has a warranty answer and a cost.
    expect(units(hundred.answer).some((u: Json) => u.asset.inCrm)).toBe(true);
    for (const unit of units(hundred.answer)) {
      expect(unit.asset.warranty.costToDate.currencyCode).toBe('USD');
      if (!unit.asset.inCrm) expect(unit.asset.warranty.ineligibleReason).toBe('NO_ASSET');
    }
    expectSameCost('Customer.purchasedProducts', { ten, hundred });
  });
});

const INSTALLED_BASE = `query InstalledBase($first: Int!) { customers(first: $first) { edges { node { id
  assets(first: 5) { edges { node { serialNumber inCrm product { sku } shipment { number } order { number }
    invoice { number } shippedOn warranty { eligible costToDate { amount currencyCode } costEntries { postingDate amount { amount } } } } }
    pageInfo { hasNextPage endCursor } } } } } }`;

describe("the ERP's side of the CRM's installed base", () => {
  it("Customer.assets with each unit's sale and warranty cost: 10 customers cost what 100 cost", async () => {
    const { ten, hundred } = await costs(INSTALLED_BASE);
    const units = (data: Json) =>
      data.customers.edges.flatMap((e: Json) => e.node.assets?.edges.map((a: Json) => a.node) ?? []);
    expect(units(ten.answer).length).toBeGreaterThan(0);
    for (const unit of units(hundred.answer)) {
      const sale = erpOne(
        'SELECT * FROM itemLedgerEntries WHERE serialNumber = ? ORDER BY postingDate DESC, entryNumber DESC',
        unit.serialNumber,
      );
      // Every serial a CRM asset carries left the warehouse on an ERP shipment.
      expect(sale, unit.serialNumber).toBeDefined();
      expect(unit).toMatchObject({
        product: { sku: sale!.itemNumber },
        shipment: { number: sale!.documentNumber },
        order: { number: sale!.orderNumber },
        shippedOn: sale!.postingDate,
      });
      const cost = erpOne(
        'SELECT sum(amount) AS s FROM warrantyLedgerEntries WHERE serialNumber = ?',
        unit.serialNumber,
      );
      expect(unit.warranty.costToDate).toEqual({ amount: fixed(cost!.s), currencyCode: 'USD' });
    }
    expectSameCost("Customer.assets with the ERP's fields", { ten, hundred });
  });
});

describe('one query each', () => {
  it('a complaint case → its order → the credit memo that settled it', async () => {
    const memo = erpOne('SELECT * FROM salesCreditMemos ORDER BY number LIMIT 1')!;
    const complaint = crmOne(
      'SELECT CaseNumber, Type, ERP_Order_Number__c AS orderNumber FROM "Case" WHERE CaseNumber = ?',
      memo.externalDocumentNumber,
    )!;
    expect(complaint.Type).toBe('Complaint');
    const answer = await stack.query(
      `query($n: String!) { supportCase(number: $n) { number type
         order { number creditMemos { number total { amount currencyCode } } }
         creditMemos { number status invoice { number } lines { quantity product { sku } } } } }`,
      { n: complaint.CaseNumber },
    );
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    const invoice = erpOne('SELECT orderNumber FROM salesInvoices WHERE id = ?', memo.invoiceId)!;
    expect(complaint.orderNumber).toBe(invoice.orderNumber);
    const line = erpOne(
      'SELECT quantity, lineObjectNumber FROM salesCreditMemoLines WHERE documentId = ?',
      memo.id,
    )!;
    const supportCase = answer.body.data.supportCase;
    expect(supportCase).toMatchObject({
      number: complaint.CaseNumber,
      type: 'Complaint',
      order: { number: invoice.orderNumber },
      creditMemos: [
        {
          number: memo.number,
          status: 'PAID',
          invoice: { number: memo.invoiceNumber },
          lines: [{ quantity: line.quantity, product: { sku: line.lineObjectNumber } }],
        },
      ],
    });
    expect(supportCase.order.creditMemos).toContainEqual({
      number: memo.number,
      total: {
        amount: fixed(memo.totalAmountIncludingTax),
        currencyCode: memo.currencyCode === '' ? 'USD' : memo.currencyCode,
      },
    });
  });

  it('a serial number: where the unit came from, whether it is covered, and what it has cost', async () => {
    const unit = crmOne(
      `SELECT a.SerialNumber AS serial, a.ERP_Shipment_Number__c AS shipment FROM Asset a
       JOIN Entitlement e ON e.AssetId = a.Id ORDER BY a.Id LIMIT 1`,
    )!;
    const sale = erpOne(
      'SELECT * FROM itemLedgerEntries WHERE serialNumber = ? ORDER BY postingDate DESC, entryNumber DESC',
      unit.serial,
    )!;
    const cost = erpOne(
      'SELECT sum(amount) AS s FROM warrantyLedgerEntries WHERE serialNumber = ?',
      unit.serial,
    )!;
    const answer = await stack.query(
      `query($s: String!) { asset(serialNumber: $s) { serialNumber inCrm product { sku } shipment { number }
         order { number } shippedOn warranty { eligible entitlementId costToDate { amount currencyCode } } } }`,
      { s: unit.serial },
    );
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    expect(answer.body.data.asset).toMatchObject({
      serialNumber: unit.serial,
      inCrm: true,
      product: { sku: sale.itemNumber },
      shipment: { number: unit.shipment },
      order: { number: sale.orderNumber },
      shippedOn: sale.postingDate,
      warranty: { costToDate: { amount: fixed(cost.s), currencyCode: 'USD' } },
    });
    expect(sale.documentNumber).toBe(unit.shipment);
  });
});

describe('who may see it', () => {
  it("without finance:read a customer's credit memos and a warranty's cost are refused, what was shipped is not", async () => {
    const token = await stack.tokenFor({ sub: 'reader', scopes: [SCOPES.customerRead] });
    await stack.resetCounts();
    const answer = await stack.query(
      `{ customers(first: 10) { edges { node { id creditMemos(first: 2) { edges { node { number } } }
         purchasedProducts(first: 2) { edges { node { serialNumber invoice { number }
           asset { warranty { eligible costToDate { amount } } } } } } } } } }`,
      {},
      { authorization: `Bearer ${token}` },
    );
    const codes = new Set((answer.body.errors ?? []).map((e: Json) => e.extensions?.code));
    expect([...codes]).toEqual(['UNAUTHORIZED_FIELD_OR_TYPE']);
    const paths = (answer.body.errors as Json[]).map((e) =>
      e.path.filter((p: unknown) => typeof p === 'string').join('.'),
    );
    expect(paths).toContain('customers.edges.node.creditMemos');
    const nodes = answer.body.data.customers.edges.map((e: Json) => e.node);
    expect(nodes.every((n: Json) => n.creditMemos === null)).toBe(true);
    const shipped = nodes.flatMap((n: Json) => n.purchasedProducts?.edges ?? []);
    expect(shipped.length).toBeGreaterThan(0);
    for (const edge of shipped) expect(edge.node.invoice).toBeNull();
    // Refused fields are never fetched: no credit memo or warranty ledger was read.
    const { erp } = await stack.legacyCalls();
    expect(
      Object.keys(erp.byRoute).filter(
        (route) => /CreditMemo|warranty/i.test(route) && erp.byRoute[route]! > 0,
      ),
    ).toEqual([]);
  });
});

/**
 * A credit memo of `customerId` whose external document number is `reference`, written into the
 * ERP stand-in's database as the newest of the data set (so it heads the customer's list): a
 * copy of the first generated memo, without lines.
 */
function addCreditMemo(number: string, customerId: string, reference: string): void {
  const template = erpOne('SELECT * FROM salesCreditMemos ORDER BY number LIMIT 1')!;
  const customer = erpOne('SELECT id, number, displayName FROM customers WHERE id = ?', customerId)!;
  const newest = erpOne('SELECT max(creditMemoDate) AS d FROM salesCreditMemos')!.d;
  const row: Row = {
    ...template,
    id: randomUUID(),
    number,
    externalDocumentNumber: reference,
    creditMemoDate: newest,
    customerId: customer.id,
    customerNumber: customer.number,
    customerName: customer.displayName,
    billToCustomerId: customer.id,
    billToCustomerNumber: customer.number,
    billToName: customer.displayName,
  };
  const columns = Object.keys(row);
  stack.dataset.erp
    .prepare(
      `INSERT INTO salesCreditMemos (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    )
    .run(...columns.map((c) => row[c]));
}

const isErpCustomer = (id: string) => erpOne('SELECT id FROM customers WHERE id = ?', id) !== undefined;

describe("a credit memo's support case is the CRM's", () => {
  // Numbers after every generated one: the tests above (run first) never meet these memos.
  const NO_CASE = { number: 'CM990001', reference: '99999999' };
  const NOT_A_CASE_NUMBER = { number: 'CM990002', reference: 'RMA 2026/7' };
  const NO_CASE_FURTHER_DOWN = { number: 'CM990003', reference: '99999998' };

  it('a number the CRM holds no case of answers supportCase null, for the same round trips with 10 customers as with 100', async () => {
    for (const { reference } of [NO_CASE, NO_CASE_FURTHER_DOWN]) {
      expect(crmOne('SELECT Id FROM "Case" WHERE CaseNumber = ?', reference)).toBeUndefined();
    }
    const page = await stack.query('{ customers(first: 100) { edges { node { id } } } }');
    const ids: string[] = page.body.data.customers.edges.map((e: Json) => e.node.id);
    const inTen = ids.slice(0, 10).find(isErpCustomer)!;
    const beyondTen = ids.slice(10).find(isErpCustomer)!;
    expect(inTen && beyondTen).toBeTruthy();
    addCreditMemo(NO_CASE.number, inTen, NO_CASE.reference);
    addCreditMemo(NOT_A_CASE_NUMBER.number, inTen, NOT_A_CASE_NUMBER.reference);
    addCreditMemo(NO_CASE_FURTHER_DOWN.number, beyondTen, NO_CASE_FURTHER_DOWN.reference);

    const one = await stack.query(
      `query($n: String!) { creditMemo(number: $n) { number externalDocumentNumber
         supportCase { number subject status } } }`,
      { n: NO_CASE.number },
    );
    expect(one.body.errors, JSON.stringify(one.body.errors)).toBeUndefined();
    expect(one.body.data.creditMemo).toEqual({
      number: NO_CASE.number,
      externalDocumentNumber: NO_CASE.reference,
      supportCase: null,
    });

    const { ten, hundred } = await costs(RETURNS);
    const memos = (data: Json) =>
      new Map<string, Json>(
        data.customers.edges.flatMap(
          (e: Json) => e.node.creditMemos?.edges.map((m: Json) => [m.node.number, m.node]) ?? [],
        ),
      );
    const ours = [NO_CASE.number, NOT_A_CASE_NUMBER.number, NO_CASE_FURTHER_DOWN.number];
    expect(memos(ten.answer).get(NO_CASE.number)).toMatchObject({ supportCase: null });
    expect(memos(ten.answer).get(NOT_A_CASE_NUMBER.number)).toMatchObject({ supportCase: null });
    expect(memos(ten.answer).has(NO_CASE_FURTHER_DOWN.number)).toBe(false);
    for (const [number, memo] of memos(hundred.answer)) {
      if (ours.includes(number)) expect(memo.supportCase, number).toBeNull();
      else expect(memo.supportCase?.type, number).toBe('Complaint');
    }
    expect(memos(hundred.answer).get(NO_CASE_FURTHER_DOWN.number)).toMatchObject({ supportCase: null });
    expectSameCost('Customer.creditMemos with memos naming no case', { ten, hundred });
  });

  it("a sales:own rep does not see another owner's case through their customer's credit memo", async () => {
    // A customer the rep owns, and a complaint case on an account someone else owns.
    const mine = crmOne(
      `SELECT a.ERP_Customer_Id__c AS customerId, u.Id AS userId, u.Email AS email FROM Account a
       JOIN User u ON u.Id = a.OwnerId WHERE u.IsActive = 1 AND a.ERP_Customer_Id__c IS NOT NULL
       ORDER BY a.Id LIMIT 1`,
    )!;
    const theirs = crmOne(
      `SELECT c.CaseNumber AS number FROM "Case" c JOIN Account a ON a.Id = c.AccountId
       WHERE a.OwnerId <> ? ORDER BY c.CaseNumber LIMIT 1`,
      mine.userId,
    )!;
    const number = 'CM990004';
    addCreditMemo(number, String(mine.customerId), String(theirs.number));
    const query = `query($id: ID!) { customer(id: $id) { creditMemos(first: 5) { edges { node {
      number supportCase { number } } } } } }`;
    const memoOf = (answer: Json) =>
      answer.body.data.customer.creditMemos.edges
        .map((e: Json) => e.node)
        .find((m: Json) => m.number === number);

    const full = await stack.query(query, { id: mine.customerId });
    expect(full.body.errors, JSON.stringify(full.body.errors)).toBeUndefined();
    expect(memoOf(full)).toEqual({ number, supportCase: { number: theirs.number } });

    const repToken = await stack.tokenFor({
      sub: 'rep',
      email: String(mine.email),
      scopes: [SCOPES.salesOwn, SCOPES.financeRead],
    });
    const rep = await stack.query(query, { id: mine.customerId }, { authorization: `Bearer ${repToken}` });
    expect(rep.body.errors, JSON.stringify(rep.body.errors)).toBeUndefined();
    expect(memoOf(rep)).toEqual({ number, supportCase: null });
  });
});
