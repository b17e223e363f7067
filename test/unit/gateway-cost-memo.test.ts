import { readFileSync } from 'node:fs';
import { type FragmentDefinitionNode, getOperationAST, Kind, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SUPERGRAPH_PATH } from '../../gateway/config.js';
import {
  COST_MEMO_ENTRIES,
  type CostInput,
  costMemo,
  costModelFromSupergraph,
  estimateCost,
} from '../../gateway/cost.js';
import { CUSTOMER_360 } from '../helpers/expected.js';

const model = costModelFromSupergraph(readFileSync(DEFAULT_SUPERGRAPH_PATH, 'utf8'));

/** A memo over a counting estimateCost: `walks` is how many times the operation was walked. */
function counted() {
  const counter = { walks: 0 };
  const memo = costMemo(model, (m, input) => {
    counter.walks += 1;
    return estimateCost(m, input);
  });
  return { memo, counter };
}

/** One parsed document, as Apollo Server hands the same object over for the same text. */
function parsed(query: string): Omit<CostInput, 'variables'> {
  const document = parse(query);
  const operation = getOperationAST(document);
  if (!operation) throw new Error('no operation');
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  return { operation, fragments };
}

const DEEP = `query Deep($id: ID!, $orders: Int, $withLines: Boolean!) {
  customer(id: $id) { name ...Orders }
}
fragment Orders on Customer {
  orders(first: $orders) { edges { node { number lines @include(if: $withLines) { quantity } } } }
}`;

describe('costMemo', () => {
  it('walks a document once for the same values of the variables the cost reads', () => {
    const { memo, counter } = counted();
    const document = parsed(CUSTOMER_360);
    expect(memo({ ...document, variables: { first: 10 } })).toBe(
      estimateCost(model, { ...document, variables: { first: 10 } }),
    );
    expect(memo({ ...document, variables: { first: 10 } })).toBe(
      estimateCost(model, { ...document, variables: { first: 10 } }),
    );
    expect(counter.walks).toBe(1);
  });

  it('does not key by a variable the cost never reads (an id), through fragments too', () => {
    const { memo, counter } = counted();
    const document = parsed(DEEP);
    const answers = ['C1', 'C2', 'C3'].map((id) => memo({ ...document, variables: { id, withLines: true } }));
    expect(new Set(answers).size).toBe(1);
    expect(counter.walks).toBe(1);
  });

  it('walks again for another size, another @include, or a size left to its default', () => {
    const { memo, counter } = counted();
    const document = parsed(DEEP);
    const cases: Record<string, unknown>[] = [
      { id: 'C1', orders: 5, withLines: true },
      { id: 'C1', orders: 50, withLines: true },
      { id: 'C1', orders: 50, withLines: false },
      { id: 'C1', withLines: false },
      { id: 'C1', orders: null, withLines: false },
    ];
    for (const variables of cases) {
      expect(memo({ ...document, variables })).toBe(estimateCost(model, { ...document, variables }));
    }
    expect(counter.walks).toBe(cases.length);
    // The same values again: all remembered.
    for (const variables of cases) memo({ ...document, variables });
    expect(counter.walks).toBe(cases.length);
  });

  it('keeps each parsed document apart, and at most COST_MEMO_ENTRIES values of one', () => {
    const { memo, counter } = counted();
    memo({ ...parsed(CUSTOMER_360), variables: { first: 10 } });
    memo({ ...parsed(CUSTOMER_360), variables: { first: 10 } });
    expect(counter.walks).toBe(2);
    const document = parsed(CUSTOMER_360);
    for (let first = 1; first <= COST_MEMO_ENTRIES + 1; first += 1)
      memo({ ...document, variables: { first } });
    counter.walks = 0;
    memo({ ...document, variables: { first: 1 } });
    memo({ ...document, variables: { first: COST_MEMO_ENTRIES + 1 } });
    expect(counter.walks).toBe(1);
  });
});
