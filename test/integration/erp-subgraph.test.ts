import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import { type ErpStack, type Json, startErpStack } from './erp-subgraph-harness.js';

let dataset: Dataset;
let stack: ErpStack;

beforeAll(async () => {
  dataset = openDataset({ customers: 60 });
  stack = await startErpStack(dataset.erp, dataset.summary.companyId);
});
afterAll(async () => {
  await stack?.close();
  dataset?.close();
});

const customerIds = (n: number): string[] =>
  (dataset.erp.prepare('SELECT id FROM customers ORDER BY number LIMIT ?').all(n) as { id: string }[]).map(
    (r) => r.id,
  );

const ENTITIES = /* GraphQL */ `
  query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      ... on Customer {
        id inErp number erpName
        balance { amount currencyCode }
        orders(first: 5) { edges { node { number status total { amount currencyCode } lines { quantity product { sku name } } } } pageInfo { hasNextPage endCursor } }
        invoices(first: 5) { edges { node { number dueDate remaining { amount currencyCode } } } }
      }
    }
  }
`;

describe('smoke', () => {
  it('health', async () => {
    const res = await fetch(stack.subgraphUrl.replace('/graphql', '/health'));
    expect(await res.json()).toEqual({ status: 'ok' });
  });
  it('resolves customers', async () => {
    const ids = customerIds(10);
    await stack.resetStats();
    const res = await stack.gql(ENTITIES, {
      representations: [
        ...ids.map((id) => ({ __typename: 'Customer', id })),
        { __typename: 'Customer', id: '001000000000000AAA' },
      ],
    });
    console.log(JSON.stringify(res.body).slice(0, 3000));
    console.log(await stack.stats());
    const data: Json = res.body.data;
    expect(data._entities).toHaveLength(11);
  });
});
