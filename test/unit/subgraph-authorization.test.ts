import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { describe, expect, it } from 'vitest';
import { type Principal, SCOPES } from '../../lib/auth/principal.js';
import { enforceAccessRules } from '../../lib/auth/subgraphAuthorization.js';

// graphql as @apollo/subgraph loads it (CommonJS): vitest would hand this file the ESM copy.
const { execute, parse } = createRequire(import.meta.url)('graphql') as typeof import('graphql');

/**
 * The subgraphs' own check, on the ERP subgraph's real SDL with stand-in resolvers that count
 * their calls: a refused field's resolver never runs, nor an entity's reference resolver.
 */
function erpSchema(calls: string[]) {
  const typeDefs = parse(readFileSync(new URL('../../schema/erp.graphql', import.meta.url), 'utf8'));
  const resolvers = {
    Query: {
      customerByNumber: () => {
        calls.push('customerByNumber');
        return { id: 'c1', number: 'C1' };
      },
    },
    Customer: {
      balance: () => {
        calls.push('balance');
        return { amount: '1.00', currencyCode: 'USD' };
      },
      erpName: () => {
        calls.push('erpName');
        return 'Name';
      },
    },
    Invoice: {
      __resolveReference: (reference: { number: string }) => {
        calls.push(`Invoice ${reference.number}`);
        return { number: reference.number };
      },
    },
    Product: {
      __resolveReference: (reference: { sku: string }) => {
        calls.push(`Product ${reference.sku}`);
        return { sku: reference.sku };
      },
    },
  };
  // biome-ignore lint/suspicious/noExplicitAny: stand-in resolvers, not the generated map
  return enforceAccessRules(buildSubgraphSchema([{ typeDefs, resolvers: resolvers as any }]), typeDefs);
}

const caller = (...scopes: string[]): Principal => ({ subject: 'test', scopes: new Set(scopes), token: '' });

async function run(principal: Principal | undefined, query: string, variables?: Record<string, unknown>) {
  const calls: string[] = [];
  const result = await execute({
    schema: erpSchema(calls),
    document: parse(query),
    contextValue: principal ? { principal } : {},
    ...(variables ? { variableValues: variables } : {}),
  });
  return {
    calls,
    data: result.data,
    errors: (result.errors ?? []).map((error) => [
      error.extensions.code,
      error.path?.join('.'),
      error.message,
    ]),
  };
}

describe('a subgraph enforces its own access rules', () => {
  it('a refused field throws before its resolver runs; the rest resolves', async () => {
    const { calls, data, errors } = await run(
      caller(SCOPES.customerRead),
      '{ customerByNumber(number: "C1") { id erpName balance { amount } } }',
    );
    expect(calls).toEqual(['customerByNumber', 'erpName']);
    expect(data).toEqual({ customerByNumber: { id: 'c1', erpName: 'Name', balance: null } });
    expect(errors).toEqual([
      [
        'UNAUTHORIZED_FIELD_OR_TYPE',
        'customerByNumber.balance',
        'Not allowed to see or run Customer.balance: it needs the scope finance:read.',
      ],
    ]);
  });

  it('with the scope, the resolver runs', async () => {
    const { calls, errors } = await run(
      caller(SCOPES.customerRead, SCOPES.financeRead),
      '{ customerByNumber(number: "C1") { balance { amount } } }',
    );
    expect(errors).toEqual([]);
    expect(calls).toEqual(['customerByNumber', 'balance']);
  });

  it('no principal in the context: nothing runs', async () => {
    const { calls, data } = await run(undefined, '{ customerByNumber(number: "C1") { id } }');
    expect(calls).toEqual([]);
    expect(data).toEqual({ customerByNumber: null });
  });

  it('_entities: a type the caller may not see is refused at its index, unresolved; the others resolve', async () => {
    const { calls, data, errors } = await run(
      caller(SCOPES.customerRead),
      'query E($r: [_Any!]!) { _entities(representations: $r) { ... on Invoice { number } ... on Product { sku } } }',
      {
        r: [
          { __typename: 'Invoice', number: 'I1' },
          { __typename: 'Product', sku: 'P1' },
          { __typename: 'Invoice', number: 'I2' },
          { __typename: 'Product', sku: 'P2' },
        ],
      },
    );
    expect(calls).toEqual(['Product P1', 'Product P2']);
    expect(data).toEqual({ _entities: [null, { sku: 'P1' }, null, { sku: 'P2' }] });
    expect(errors.map(([code, path]) => [code, path])).toEqual([
      ['UNAUTHORIZED_FIELD_OR_TYPE', '_entities.0'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', '_entities.2'],
    ]);
  });
});
