import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedCredentials } from '../../lib/legacyCredentials.js';
import { type CrmFixture, startCrmFixture } from './crm-subgraph-fixture.js';

type Row = Record<string, unknown>;

let fixture: CrmFixture;
const all = (sql: string, ...params: unknown[]) => fixture.dataset.crm.prepare(sql).all(...params) as Row[];

beforeAll(async () => {
  // A batch size of 5 makes every query longer than 5 records span several CRM pages.
  fixture = await startCrmFixture({ customers: 60, standIn: { maxBatchSize: 5 } });
});

afterAll(async () => {
  await fixture?.stop();
});

async function callsOf(run: () => Promise<unknown>): Promise<number> {
  await fixture.resetStats();
  await run();
  return (await fixture.stats()).total;
}

describe('quotes, opportunities, contacts, cases', () => {
  it('reads a quote with its lines, products, opportunity and the ERP order it became', async () => {
    const quote = all('SELECT * FROM Quote WHERE ERP_Order_Number__c IS NOT NULL ORDER BY Id LIMIT 1')[0]!;
    const lines = all('SELECT * FROM QuoteLineItem WHERE QuoteId = ? ORDER BY LineNumber, Id', quote.Id);
    const answer = await fixture.batched.query(
      `query($id: ID!) { quote(id: $id) { id number status total { amount currencyCode }
         lines { lineNumber quantity unitPrice { amount } total { amount } product { sku } }
         opportunity { id name } order { number } customer { id } } }`,
      { id: quote.Id },
    );
    expect(answer.errors).toBeUndefined();
    const q = answer.data.quote;
    expect(q).toMatchObject({
      id: quote.Id,
      number: quote.QuoteNumber,
      status: quote.Status,
      order: { number: quote.ERP_Order_Number__c },
      opportunity: { id: quote.OpportunityId },
    });
    expect(q.total.amount).toBe(Number(quote.GrandTotal ?? quote.TotalPrice).toFixed(2));
    expect(q.lines).toHaveLength(lines.length);
    const productCodes = new Map(
      all('SELECT Id, ProductCode FROM Product2').map((p) => [p.Id as string, p.ProductCode as string]),
    );
    q.lines.forEach(
      (line: { quantity: number; product: { sku: string }; total: { amount: string } }, i: number) => {
        expect(line.quantity).toBe(lines[i]!.Quantity);
        expect(line.total.amount).toBe(Number(lines[i]!.TotalPrice).toFixed(2));
        expect(line.product.sku).toBe(productCodes.get(lines[i]!.Product2Id as string));
      },
    );
  });

  it('finds an opportunity, a contact and a support case; null when unknown; BAD_USER_INPUT for malformed ids', async () => {
    const opportunity = all('SELECT * FROM Opportunity ORDER BY Id LIMIT 1')[0]!;
    const contact = all('SELECT * FROM Contact ORDER BY Id LIMIT 1')[0]!;
    const supportCase = all('SELECT * FROM "Case" ORDER BY Id LIMIT 1')[0]!;
    const answer = await fixture.batched.query(
      `query($o: ID!, $c: ID!, $n: String!) {
         opportunity(id: $o) { id name stage isWon amount { amount } quotes { id } }
         contact(id: $c) { id lastName email customer { id } }
         supportCase(number: $n) { id number status openedAt isClosed } }`,
      { o: opportunity.Id, c: contact.Id, n: supportCase.CaseNumber },
    );
    expect(answer.errors, JSON.stringify(answer.errors)).toBeUndefined();
    expect(answer.data.opportunity).toMatchObject({
      id: opportunity.Id,
      name: opportunity.Name,
      stage: opportunity.StageName,
      isWon: opportunity.IsWon === 1,
    });
    const quoteIds = all('SELECT Id FROM Quote WHERE OpportunityId = ?', opportunity.Id).map((r) => r.Id);
    expect(answer.data.opportunity.quotes.map((q: { id: string }) => q.id).sort()).toEqual(quoteIds.sort());
    expect(answer.data.contact).toMatchObject({
      id: contact.Id,
      lastName: contact.LastName,
      email: contact.Email,
    });
    expect(answer.data.supportCase).toMatchObject({ id: supportCase.Id, number: supportCase.CaseNumber });

    const unknown = await fixture.batched.query(
      '{ quote(id: "0Q0000000000000CAA") { id } supportCase(number: "99999999") { id } }',
    );
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data).toEqual({ quote: null, supportCase: null });
    for (const id of ["x' OR Id != '", '003000000000000ZZZ']) {
      const bad = await fixture.batched.query('query($id: ID!) { contact(id: $id) { id } }', { id });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it("pages a customer's contacts by keyset across several CRM pages", async () => {
    const { AccountId: accountId } = all(
      'SELECT AccountId, count(*) n FROM Contact GROUP BY AccountId ORDER BY n DESC LIMIT 1',
    )[0]! as { AccountId: string };
    const expected = all('SELECT Id FROM Contact WHERE AccountId = ?', accountId).map((r) => r.Id as string);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const answer = await fixture.batched.query(
        `query($id: ID!, $after: String) { contact: customer(id: $id) { contacts(first: 1, after: $after) {
           edges { node { id } } pageInfo { hasNextPage endCursor } } } }`,
        { id: accountId, after },
      );
      expect(answer.errors).toBeUndefined();
      const connection = answer.data.contact.contacts;
      seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
    } while (after !== null && seen.length < 100);
    expect(seen.sort()).toEqual(expected.sort());
  });
});

describe('what the CRM adds to ERP entities', () => {
  it('SalesOrder: the quote each order came from, for many orders in one CRM query', async () => {
    const quotes = all(
      'SELECT Id, ERP_Order_Number__c FROM Quote WHERE ERP_Order_Number__c IS NOT NULL ORDER BY Id',
    );
    expect(quotes.length).toBeGreaterThan(5);
    const representations = [
      ...quotes.map((q) => ({ __typename: 'SalesOrder', number: q.ERP_Order_Number__c })),
      { __typename: 'SalesOrder', number: 'SO-NOT-FROM-A-QUOTE' },
    ];
    let answer: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const calls = await callsOf(async () => {
      answer = await fixture.batched.query(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on SalesOrder { number quote { id } } } }',
        { r: representations },
      );
    });
    expect(answer?.errors).toBeUndefined();
    const entities = answer?.data._entities as { number: string; quote: { id: string } | null }[];
    entities.slice(0, -1).forEach((e, i) => {
      expect(e.quote?.id).toBe(quotes[i]!.Id);
    });
    expect(entities.at(-1)?.quote).toBeNull();
    // One statement; the CRM hands the answer out in pages of 5.
    expect(calls).toBe(Math.ceil(quotes.length / 5));
  });

  it('Product: the CRM catalogue entry by SKU; Employee: the CRM user by e-mail, batched', async () => {
    const products = all('SELECT Id, ProductCode, Family FROM Product2 ORDER BY ProductCode LIMIT 3');
    const users = all('SELECT Id, Email, Username, Department FROM "User" ORDER BY Id LIMIT 3');
    const answer = await fixture.batched.query(
      `query($r: [_Any!]!) { _entities(representations: $r) {
         ... on Product { sku crmProductId family }
         ... on Employee { email crmUserId crmUsername department } } }`,
      {
        r: [
          ...products.map((p) => ({ __typename: 'Product', sku: p.ProductCode })),
          ...users.map((u) => ({ __typename: 'Employee', email: String(u.Email).toUpperCase() })),
          { __typename: 'Product', sku: 'NO-SUCH-SKU' },
        ],
      },
    );
    expect(answer.errors).toBeUndefined();
    const entities = answer.data._entities;
    products.forEach((p, i) => {
      expect(entities[i]).toEqual({ sku: p.ProductCode, crmProductId: p.Id, family: p.Family });
    });
    users.forEach((u, i) => {
      expect(entities[products.length + i]).toMatchObject({
        crmUserId: u.Id,
        crmUsername: u.Username,
        department: u.Department,
      });
    });
    expect(entities.at(-1)).toEqual({ sku: 'NO-SUCH-SKU', crmProductId: null, family: null });
  });

  it('Product: the quotes that include it, for many products in a constant number of CRM calls, paged by keyset', async () => {
    const products = all(
      `SELECT p.ProductCode AS sku, count(DISTINCT l.QuoteId) AS n FROM Product2 p JOIN QuoteLineItem l ON l.Product2Id = p.Id
       GROUP BY p.Id ORDER BY n DESC, p.ProductCode`,
    ) as { sku: string; n: number }[];
    expect(products.length).toBeGreaterThan(10);
    const quotesOf = (sku: string) =>
      all(
        'SELECT DISTINCT l.QuoteId AS id FROM QuoteLineItem l JOIN Product2 p ON p.Id = l.Product2Id WHERE p.ProductCode = ?',
        sku,
      ).map((r) => r.id as string);
    const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Product { sku quotes(first: 3) {
      edges { node { id number } } pageInfo { hasNextPage endCursor } } } } }`;
    const representations = (n: number) =>
      products.slice(0, n).map((p) => ({ __typename: 'Product', sku: p.sku }));
    // Statements (the `query` route; `queryMore` pages follow them in batches of 5 here).
    const statementsOf = async (run: () => Promise<unknown>) => {
      await fixture.resetStats();
      await run();
      return (await fixture.stats()).byRoute.query;
    };
    const statements2 = await statementsOf(() => fixture.batched.query(query, { r: representations(2) }));
    let answer: Awaited<ReturnType<typeof fixture.batched.query>> | undefined;
    const statements10 = await statementsOf(async () => {
      answer = await fixture.batched.query(query, { r: representations(10) });
    });
    expect(answer?.errors).toBeUndefined();
    // Products with their quote lines (one statement), then those quotes (one statement).
    expect(statements2).toBe(2);
    expect(statements10).toBe(2);
    for (const entity of answer?.data._entities ?? []) {
      const expected = quotesOf(entity.sku);
      for (const edge of entity.quotes.edges) expect(expected).toContain(edge.node.id);
    }

    // Every quote of the busiest product, page by page.
    const busiest = products[0]!;
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = await fixture.batched.query(
        `query($r: [_Any!]!, $after: String) { _entities(representations: $r) { ... on Product {
           quotes(first: 1, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } } } }`,
        { r: [{ __typename: 'Product', sku: busiest.sku }], after },
      );
      expect(page.errors).toBeUndefined();
      const connection = page.data._entities[0].quotes;
      seen.push(...connection.edges.map((e: { node: { id: string } }) => e.node.id));
      after = connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null;
      pages += 1;
    } while (after !== null && pages < 200);
    expect([...new Set(seen)].sort()).toEqual(quotesOf(busiest.sku).sort());
  });

  it('Interaction: a task or an event by id', async () => {
    const task = all('SELECT Id, Subject FROM Task ORDER BY Id LIMIT 1')[0]!;
    const event = all('SELECT Id, Subject FROM Event ORDER BY Id LIMIT 1')[0]!;
    const answer = await fixture.batched.query(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Interaction { id type subject } } }',
      {
        r: [
          { __typename: 'Interaction', id: task.Id },
          { __typename: 'Interaction', id: event.Id },
        ],
      },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities[0]).toMatchObject({ id: task.Id, subject: task.Subject });
    expect(answer.data._entities[1]).toEqual({ id: event.Id, type: 'EVENT', subject: event.Subject });
  });

  it('follows nextRecordsUrl for reference lookups larger than one CRM page', async () => {
    const accounts = all('SELECT Id, Name FROM Account ORDER BY Id');
    expect(accounts.length).toBeGreaterThan(20);
    const answer = await fixture.batched.query(
      'query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id name } } }',
      { r: accounts.map((a) => ({ __typename: 'Customer', id: a.Id })) },
    );
    expect(answer.errors).toBeUndefined();
    expect(answer.data._entities).toEqual(accounts.map((a) => ({ id: a.Id, name: a.Name })));
  });
});

describe('CRM refusals', () => {
  it('maps 403 REQUEST_LIMIT_EXCEEDED to LEGACY_THROTTLED and a refused token to LEGACY_AUTH_FAILED', async () => {
    const limited = await startCrmFixture({ customers: 5, standIn: { dailyApiLimit: 0 } });
    try {
      const throttled = await limited.batched.query('{ customers(first: 2) { edges { node { id } } } }');
      expect(throttled.errors?.[0]?.extensions).toMatchObject({ code: 'LEGACY_THROTTLED', system: 'CRM' });
      const badToken = await limited.startSubgraph({ crmCredentials: fixedCredentials('wrong-token') });
      const rejected = await badToken.query('{ customers(first: 2) { edges { node { id } } } }');
      expect(rejected.errors?.[0]?.extensions).toMatchObject({ system: 'CRM' });
      expect(['LEGACY_AUTH_FAILED', 'LEGACY_THROTTLED']).toContain(rejected.errors?.[0]?.extensions?.code);
      expect(JSON.stringify(rejected)).not.toMatch(/INVALID_SESSION_ID|REQUEST_LIMIT_EXCEEDED/);
    } finally {
      await limited.stop();
    }
  });

  it('answers GET /health', async () => {
    const response = await fetch(`${fixture.batched.url}/health`);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});
