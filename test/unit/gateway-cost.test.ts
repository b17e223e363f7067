import { readFileSync } from 'node:fs';
import { type FragmentDefinitionNode, getOperationAST, Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH } from '../../gateway/config.js';
import {
  costModelFromSupergraph,
  DEFAULT_LIST_SIZE,
  estimateCost,
  MUTATION_BASE_COST,
} from '../../gateway/cost.js';
import { DEFAULT_DEMAND_CONTROL } from '../../gateway/demandControlConfig.js';
import { CUSTOMER_360 } from '../helpers/expected.js';

/**
 * The cost estimator over the committed supergraph and real operations of our schema: every
 * figure below is worked out by hand from the @cost/@listSize annotations in schema/*.graphql
 * (a lookup or connection: 10; an object: 1; a scalar: 0; a connection's `edges` sized by `first`;
 * an unannotated list: DEFAULT_LIST_SIZE).
 */

const model = costModelFromSupergraph(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));

function cost(query: string, variables?: Record<string, unknown>, operationName?: string): number {
  const document = parse(query);
  const operation = getOperationAST(document, operationName);
  if (!operation) throw new Error('no operation');
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return estimateCost(model, { operation, fragments, ...(variables ? { variables } : {}) });
}

describe('the cost model read from the supergraph', () => {
  it('carries the annotations of the three subgraphs', () => {
    expect(model.fieldCosts.get('Customer.orders')).toMatchObject({
      weight: 10,
      listSize: { slicingArguments: ['first'], sizedFields: ['edges'] },
    });
    expect(model.fieldCosts.get('Query.customers')?.weight).toBe(10);
    expect(model.fieldCosts.get('Query.salesOrder')?.weight).toBe(10);
    expect(model.fieldCosts.get('Customer.interactions')?.listSize?.sizedFields).toEqual(['edges']);
    expect(model.fieldCosts.get('Query.pendingWriteBacks')?.listSize?.slicingArguments).toEqual(['first']);
    // Unannotated: Apollo's defaults apply.
    expect(model.fieldCosts.has('Customer.name')).toBe(false);
  });
});

describe('estimateCost', () => {
  it('Customer360 (README) for 100 customers is 17,311: well under the default maximum', () => {
    // Per customer: edge 1 + node 1 + balance 1 + orders (10 + 5 × (edge 1 + order 1 + total 1
    // + 10 lines × (line 1 + product 1))) + invoices (10 + 5 × 3) + interactions (10 + 5 × 2) = 173.
    const perCustomer =
      1 + 1 + 1 + (10 + 5 * (1 + 1 + 1 + DEFAULT_LIST_SIZE * 2)) + (10 + 5 * 3) + (10 + 5 * 2);
    expect(perCustomer).toBe(173);
    const hundred = cost(CUSTOMER_360, { first: 100 });
    expect(hundred).toBe(10 + 100 * perCustomer + 1);
    expect(hundred).toBeLessThan(DEFAULT_DEMAND_CONTROL.maxCost / 2);
    expect(cost(CUSTOMER_360, { first: 10 })).toBe(10 + 10 * perCustomer + 1);
  });

  it('100 × 100 × 100 nested pages is far over the default maximum', () => {
    const query = `{ customers(first: 100) { edges { node { orders(first: 100) { edges { node {
      customer { interactions(first: 100) { edges { node { subject } } } } } } } } } } }`;
    const interactions = 10 + 100 * (1 + 1);
    const orders = 10 + 100 * (1 + 1 + (1 + interactions));
    expect(cost(query)).toBe(10 + 100 * (1 + 1 + orders));
    expect(cost(query)).toBeGreaterThan(DEFAULT_DEMAND_CONTROL.maxCost * 10);
  });

  it('sizes a connection by its literal, its variable, the variable default or the schema default', () => {
    // A lookup's weight (10) stands for its object; the connection's (10) for its own.
    expect(cost('{ customer(id: "x") { orders(first: 7) { edges { node { number } } } } }')).toBe(
      10 + 10 + 7 * 2,
    );
    const withVariable =
      'query Q($n: Int) { salesOrder(number: "S1") { customer { orders(first: $n) { edges { node { number } } } } } }';
    // salesOrder 10 + customer 1 + orders (10 + n × (edge 1 + order 1))
    expect(cost(withVariable, { n: 3 })).toBe(10 + 1 + 10 + 3 * 2);
    expect(cost(withVariable.replace('$n: Int', '$n: Int = 4'))).toBe(10 + 1 + 10 + 4 * 2);
    // No argument: `first: Int = 20` in the schema.
    expect(cost('{ salesOrder(number: "S1") { customer { orders { edges { node { number } } } } } }')).toBe(
      10 + 1 + 10 + 20 * 2,
    );
    // A size the subgraph will refuse still counts as asked (and cannot overflow).
    expect(cost(withVariable, { n: 1e300 })).toBe(10 + 1 + 10 + (2 ** 31 - 1) * 2);
    expect(cost(withVariable, { n: -5 })).toBe(10 + 1 + 10);
  });

  it('counts the same through named and inline fragments, and fragments spread many times stay cheap to measure', () => {
    const inline = cost(CUSTOMER_360, { first: 20 });
    const withFragments = cost(
      `query Customer360($first: Int!) { customers(first: $first) { ...Page } }
       fragment Page on CustomerConnection { edges { node { ...C360 } } pageInfo { hasNextPage endCursor } }
       fragment C360 on Customer {
         id name balance { amount currencyCode }
         ... on Customer { orders(first: 5) { edges { node { number status total { amount currencyCode } lines { quantity product { sku name } } } } } }
         invoices(first: 5) { edges { node { ...Inv } } }
         interactions(first: 5) { edges { node { type subject occurredAt } } }
       }
       fragment Inv on Invoice { number dueDate remaining { amount currencyCode } }`,
      { first: 20 },
    );
    expect(withFragments).toBe(inline);

    // F0 spreads F1 twice, F1 spreads F2 twice, …: 2^40 paths, one measure per fragment.
    const fragments = Array.from(
      { length: 40 },
      (_, i) => `fragment F${i} on Product { sku ${i < 39 ? `...F${i + 1} ...F${i + 1}` : 'name'} }`,
    ).join('\n');
    expect(cost(`{ product(sku: "1") { ...F0 } } ${fragments}`)).toBe(10);
  });

  it('honours @skip and @include', () => {
    const query = `query Q($withOrders: Boolean!) { customer(id: "x") { name
      orders(first: 50) @include(if: $withOrders) { edges { node { number } } } } }`;
    expect(cost(query, { withOrders: false })).toBe(10);
    expect(cost(query, { withOrders: true })).toBe(10 + 10 + 50 * 2);
    expect(
      cost('{ customer(id: "x") { name orders(first: 50) @skip(if: true) { edges { node { number } } } } }'),
    ).toBe(10);
  });

  it('unannotated lists count DEFAULT_LIST_SIZE elements; introspection and scalars are free', () => {
    // salesOrder 10 (the order included) + lines 10 × (line 1 + product 1 + bill of materials 10 × 1)
    expect(
      cost('{ salesOrder(number: "S1") { number lines { product { billOfMaterials { quantityPer } } } } }'),
    ).toBe(10 + DEFAULT_LIST_SIZE * (1 + 1 + DEFAULT_LIST_SIZE * 1));
    expect(cost('{ __typename }')).toBe(0);
    expect(cost('{ __schema { types { name } } }')).toBe(0);
  });

  it('a mutation starts at its base cost', () => {
    const mutation = `mutation { convertQuoteToOrder(quoteId: "0Q0", idempotencyKey: "k") {
      order { number } orderCreated outcomes { system status } } }`;
    // payload 1 + order 1 + outcomes 10 × 1
    expect(cost(mutation)).toBe(MUTATION_BASE_COST + 1 + 1 + DEFAULT_LIST_SIZE);
  });

  it('the operation named in a document of several is the one measured', () => {
    const document = `query Small { product(sku: "1") { sku } } query Big { products(first: 100) { edges { node { sku } } } }`;
    expect(cost(document, undefined, 'Small')).toBe(10);
    expect(cost(document, undefined, 'Big')).toBe(10 + 100 * 2);
  });
});
