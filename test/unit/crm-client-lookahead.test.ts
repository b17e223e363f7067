import { buildSchema, execute, type GraphQLResolveInfo, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { ChildListRequest } from '../../subgraphs/crm/client/lists.js';
import { childListsAhead } from '../../subgraphs/crm/selectionLookahead.js';

const schema = buildSchema(`
  type Query { customers(first: Int, after: String): Conn }
  type Conn { edges: [Edge] }
  type Edge { node: Customer }
  type Conn2 { totalCount: Int }
  type Customer {
    id: ID
    interactions(first: Int, after: String): Conn2
    contacts(first: Int, after: String): Conn2
    quotes(first: Int, after: String): Conn2
  }
`);

/** The child lists childListsAhead sees for `customers` in an operation. */
function ahead(operation: string, variableValues: Record<string, unknown> = {}): ChildListRequest[] {
  let seen: ChildListRequest[] = [];
  execute({
    schema,
    document: parse(operation),
    variableValues,
    rootValue: {
      customers: (_args: unknown, _ctx: unknown, info: GraphQLResolveInfo) => {
        seen = childListsAhead(info);
        return null;
      },
    },
  });
  return seen;
}

describe('look-ahead from a customers page into its child lists', () => {
  it('finds first pages through fragments, aliases and variables, with page size + 1', () => {
    const lists = ahead(
      `query($n: Int) { customers { edges { ...E } } }
       fragment E on Edge { node { ... on Customer { interactions(first: $n) { totalCount } c: contacts { totalCount } } } }`,
      { n: 5 },
    );
    expect(lists).toEqual([
      { list: 'tasks', limit: 6 },
      { list: 'events', limit: 6 },
      { list: 'contacts', limit: 21 },
    ]);
  });

  it('leaves later pages and out-of-range sizes to their resolvers', () => {
    expect(
      ahead(
        `query($after: String) { customers { edges { node {
           interactions(first: 5, after: $after) { totalCount } contacts(first: 0) { totalCount } quotes(first: 101) { totalCount } } } } }`,
        { after: 'abc' },
      ),
    ).toEqual([]);
    expect(
      ahead(
        'query($after: String) { customers { edges { node { quotes(first: 3, after: $after) { totalCount } } } } }',
        {
          after: null,
        },
      ),
    ).toEqual([{ list: 'quotes', limit: 4 }]);
  });
});
