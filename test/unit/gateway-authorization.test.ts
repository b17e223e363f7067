import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import type {
  GatewayExecutionResult,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from '@apollo/server-gateway-interface';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizingGateway, executableSupergraph } from '../../gateway/authorization.js';
import { type Principal, SCOPES } from '../../lib/auth/principal.js';
import { readAccessRules } from '../../lib/auth/requirements.js';
import { silentLogger } from '../../lib/logger.js';
import { SUPERGRAPH_PATH } from '../../scripts/compose.js';

/**
 * The gateway's enforcement engine on the real supergraph and API schema, with the executor the
 * gateway would plan and run replaced by one that records what it was given and answers canned
 * data: what reaches the query planner, and how the answer is re-shaped.
 */
const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');

interface Call {
  document: string;
  queryHash: string;
  context: GatewayGraphQLRequestContext;
}

let calls: Call[] = [];
let answer: GatewayExecutionResult = { data: {} };
let real: ApolloGateway;
let execute: (context: GatewayGraphQLRequestContext) => Promise<GatewayExecutionResult>;

beforeAll(async () => {
  real = new ApolloGateway({ supergraphSdl: executableSupergraph(supergraph), logger: silentLogger });
  const recording: GatewayInterface = {
    onSchemaLoadOrUpdate: (callback) => real.onSchemaLoadOrUpdate(callback),
    async load(options) {
      await real.load(options);
      return {
        executor: async (context) => {
          calls.push({ document: print(context.document), queryHash: context.queryHash, context });
          return answer;
        },
      };
    },
    stop: () => real.stop(),
  };
  const loaded = await authorizingGateway(recording, readAccessRules(supergraph)).load({ apollo: {} });
  execute = loaded.executor!;
});

afterAll(() => real.stop());

const caller = (...scopes: string[]): Principal => ({ subject: 'test', scopes: new Set(scopes), token: '' });
const reader = caller(SCOPES.customerRead);

function run(
  query: string,
  principal: Principal | undefined,
  variables: Record<string, unknown> = {},
  document = parse(query),
) {
  calls = [];
  return execute({
    request: { query, variables },
    document,
    queryHash: 'hash-of-the-text',
    operationName: null,
    context: principal ? { principal } : {},
  } as unknown as GatewayGraphQLRequestContext);
}

const codes = (result: GatewayExecutionResult) =>
  (result.errors ?? []).map((error) => [error.extensions?.code, error.path?.join('.')]);

describe('gateway authorization before the plan', () => {
  it('a caller allowed everything it asks: the request goes through untouched', async () => {
    answer = { data: { customer: { id: '1', name: 'A' } } };
    const result = await run('{ customer(id: "1") { id name } }', reader);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.queryHash).toBe('hash-of-the-text');
    expect(result).toBe(answer);
  });

  it('a refused field is not planned, comes back null with its error, the rest served', async () => {
    answer = { data: { customer: { id: '1', name: 'A' } } };
    const result = await run('{ customer(id: "1") { id name balance { amount } } }', reader);
    expect(calls[0]!.document).not.toContain('balance');
    expect(calls[0]!.queryHash).not.toBe('hash-of-the-text');
    expect(result.data).toEqual({ customer: { id: '1', name: 'A', balance: null } });
    expect(codes(result)).toEqual([['UNAUTHORIZED_FIELD_OR_TYPE', 'customer.balance']]);
    expect(result.errors![0]!.message).toBe(
      'Not allowed to see or run Customer.balance: it needs the scope finance:read.',
    );
  });

  it('the plan key names the cut: the same text for a caller allowed more is another plan', async () => {
    answer = { data: { customer: { id: '1' } } };
    await run('{ customer(id: "1") { id balance { amount } erpEmail } }', reader);
    const noFinanceNoPii = calls[0]!.queryHash;
    await run(
      '{ customer(id: "1") { id balance { amount } erpEmail } }',
      caller(SCOPES.customerRead, SCOPES.piiRead),
    );
    const noFinance = calls[0]!.queryHash;
    await run(
      '{ customer(id: "1") { id balance { amount } erpEmail } }',
      caller(SCOPES.customerRead, SCOPES.piiRead),
    );
    expect(new Set([noFinanceNoPii, noFinance, 'hash-of-the-text']).size).toBe(3);
    expect(calls[0]!.queryHash).toBe(noFinance);
  });

  it('the same parsed document for callers the rules treat differently: each gets its own cut', async () => {
    const query = '{ customer(id: "1") { id balance { amount } erpEmail } }';
    const document = parse(query);
    answer = { data: { customer: { id: '1' } } };
    const sequence = [
      reader,
      caller(SCOPES.customerRead, SCOPES.financeRead, SCOPES.piiRead),
      reader,
      caller(SCOPES.customerRead, SCOPES.piiRead),
      reader,
    ];
    const seen: string[] = [];
    for (const principal of sequence) {
      const result = await run(query, principal, {}, document);
      seen.push(
        `${calls[0]!.document.replace(/\s+/g, ' ')} | ${codes(result)
          .map(([, path]) => path)
          .join(',')}`,
      );
    }
    expect(seen).toEqual([
      '{ customer(id: "1") { id } } | customer.balance,customer.erpEmail',
      '{ customer(id: "1") { id balance { amount } erpEmail } } | ',
      '{ customer(id: "1") { id } } | customer.balance,customer.erpEmail',
      '{ customer(id: "1") { id erpEmail } } | customer.balance',
      '{ customer(id: "1") { id } } | customer.balance,customer.erpEmail',
    ]);
  });

  it('a selection emptied by the cut asks __typename instead', async () => {
    answer = { data: { customer: { __typename: 'Customer' } } };
    const result = await run('{ customer(id: "1") { balance { amount } creditLimit { amount } } }', reader);
    expect(calls[0]!.document.replace(/\s+/g, ' ')).toContain('customer(id: "1") { __typename }');
    expect(result.data).toEqual({ customer: { balance: null, creditLimit: null } });
    expect(codes(result)).toEqual([
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'customer.balance'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'customer.creditLimit'],
    ]);
  });

  it('a refused non-null field nulls its nearest nullable parent, as GraphQL says', async () => {
    answer = { data: { salesOrder: { number: 'SO1' }, product: { sku: 'P1' } } };
    const result = await run(
      '{ salesOrder(number: "SO1") { number invoices { number } } product(sku: "P1") { sku } }',
      reader,
    );
    expect(calls[0]!.document).not.toContain('invoices');
    expect(result.data).toEqual({ salesOrder: null, product: { sku: 'P1' } });
    expect(codes(result)).toEqual([['UNAUTHORIZED_FIELD_OR_TYPE', 'salesOrder.invoices']]);
  });

  it('named and inline fragments and aliases: the error at the path the client asked', async () => {
    answer = { data: { c: { id: '1', owner: { email: 'o@example.com' } } } };
    const result = await run(
      `query { c: customer(id: "1") { ...Parts ... on Customer { owed: balance { amount } } } }
       fragment Parts on Customer { id money: creditLimit { amount } owner { email phone: crmUsername } }`,
      reader,
    );
    expect(calls[0]!.document).not.toMatch(/creditLimit|balance|crmUsername/);
    expect(result.data).toEqual({
      c: { id: '1', money: null, owner: { email: 'o@example.com', phone: null }, owed: null },
    });
    expect(codes(result).sort()).toEqual(
      [
        ['UNAUTHORIZED_FIELD_OR_TYPE', 'c.money'],
        ['UNAUTHORIZED_FIELD_OR_TYPE', 'c.owner.phone'],
        ['UNAUTHORIZED_FIELD_OR_TYPE', 'c.owed'],
      ].sort(),
    );
  });

  it('errors the subgraphs gave are kept beside the refusals', async () => {
    answer = {
      data: { customer: { id: '1', name: null } },
      errors: [
        {
          message: 'The CRM is unavailable.',
          path: ['customer', 'name'],
          extensions: { code: 'LEGACY_UNAVAILABLE' },
        },
      ] as never,
    };
    const result = await run('{ customer(id: "1") { id name balance { amount } } }', reader);
    expect(codes(result)).toEqual([
      ['LEGACY_UNAVAILABLE', 'customer.name'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'customer.balance'],
    ]);
  });

  it('a root field refused: nothing of it is planned; a query refused whole runs nothing', async () => {
    answer = { data: { product: { sku: 'P1' } } };
    const partly = await run('{ writeBack(id: "w1") { id } product(sku: "P1") { sku } }', reader);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.document).not.toContain('writeBack');
    expect(partly.data).toEqual({ writeBack: null, product: { sku: 'P1' } });

    const whole = await run(
      '{ writeBack(id: "w1") { id } pendingWriteBacks { edges { node { id } } } }',
      reader,
    );
    expect(calls).toHaveLength(0);
    // pendingWriteBacks is non-null: its refusal nulls the whole answer, as GraphQL says.
    expect(whole.data).toBeNull();
    expect(codes(whole)).toEqual([
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'writeBack'],
      ['UNAUTHORIZED_FIELD_OR_TYPE', 'pendingWriteBacks'],
    ]);
  });

  it('no caller: every field is refused and nothing runs', async () => {
    const result = await run('{ product(sku: "P1") { sku } customer(id: "1") { id } }', undefined);
    expect(calls).toHaveLength(0);
    expect(result.data).toEqual({ product: null, customer: null });
    expect(codes(result)).toHaveLength(2);
  });

  it('a mutation the caller may not run is refused and not executed', async () => {
    const result = await run(
      'mutation { logInteraction(input: { customerId: "1", type: CALL, subject: "s" }) { replayed } }',
      reader,
    );
    expect(calls).toHaveLength(0);
    // The payload is non-null: the refusal nulls the whole answer, as GraphQL says.
    expect(result.data).toBeNull();
    expect(codes(result)).toEqual([['UNAUTHORIZED_FIELD_OR_TYPE', 'logInteraction']]);
  });

  it('a mutation whose answer asks what the caller may not see is refused whole, nothing written', async () => {
    const writer = caller(SCOPES.customerWrite, SCOPES.customerRead);
    const mutation = `mutation M($input: UpdateCustomerAddressInput!) {
      updateCustomerAddress(input: $input) { erpVersion ...Values } }
      fragment Values on UpdateCustomerAddressPayload { address { street } }`;
    const input = {
      customerId: '1',
      purpose: 'BILLING',
      address: { street: 's', city: 'c', postalCode: 'p', country: 'US' },
    };
    const refused = await run(mutation, writer, { input });
    expect(calls).toHaveLength(0);
    expect(refused.errors![0]!.message).toBe(
      'Mutation.updateCustomerAddress was not run: its selection asks for UpdateCustomerAddressPayload.address, which needs the scope pii:read.',
    );
    expect(refused.errors![0]!.path).toEqual(['updateCustomerAddress']);

    answer = { data: { updateCustomerAddress: { erpVersion: 'v2', address: { street: 's' } } } };
    const served = await run(mutation, caller(SCOPES.customerWrite, SCOPES.customerRead, SCOPES.piiRead), {
      input,
    });
    expect(calls).toHaveLength(1);
    expect(served).toBe(answer);
  });
});
