import { readFileSync } from 'node:fs';
import { ApolloGateway } from '@apollo/gateway';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { executableSupergraph } from '../../gateway/authorization.js';
import { POLICIES } from '../../lib/auth/policies.js';
import { ALL_SCOPES, type Principal, SCOPES } from '../../lib/auth/principal.js';
import { allowed, readAccessRules, unauthorizedError } from '../../lib/auth/requirements.js';
import { silentLogger } from '../../lib/logger.js';
import { SUPERGRAPH_PATH } from '../../scripts/compose.js';

const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
const rules = readAccessRules(supergraph);
const subgraphSdl = (name: string) =>
  readFileSync(new URL(`../../schema/${name}.graphql`, import.meta.url), 'utf8');

const caller = (scopes: string[], crmUser?: string): Principal => ({
  subject: 'test',
  scopes: new Set(scopes),
  token: '',
  ...(crmUser ? { crmUser } : {}),
});

describe('access rules read from the supergraph', () => {
  it("a field's requirement is its own directives and its return type's", () => {
    expect(rules.field('Customer', 'balance')?.conditions).toEqual([
      { kind: 'scopes', anyOf: [['finance:read']] },
      { kind: 'authenticated' },
    ]);
    // SalesOrder.invoices declares nothing itself: Invoice's type-level requirement applies.
    expect(rules.field('SalesOrder', 'invoices')?.conditions).toEqual(rules.type('Invoice')?.conditions);
    expect(rules.field('Query', 'customer')?.conditions).toEqual([
      { kind: 'scopes', anyOf: [['customer:read'], ['sales:own']] },
      { kind: 'policies', anyOf: [['crm_owner_known']] },
    ]);
    // A field returning a scalar of an unrestricted type has no requirement of its own.
    expect(rules.field('Customer', 'name')).toBeUndefined();
  });

  it('scopes are OR of AND-lists; no caller meets any requirement', () => {
    const invoice = rules.type('Invoice');
    expect(allowed(invoice, caller([SCOPES.customerRead, SCOPES.financeRead]))).toBe(true);
    expect(allowed(invoice, caller([SCOPES.salesOwn, SCOPES.financeRead], 'rep@example.com'))).toBe(true);
    expect(allowed(invoice, caller([SCOPES.financeRead]))).toBe(false);
    expect(allowed(invoice, caller([SCOPES.customerRead]))).toBe(false);
    expect(allowed(invoice, undefined)).toBe(false);
    expect(allowed(rules.type('Money'), caller([]))).toBe(true);
    expect(allowed(rules.type('Money'), undefined)).toBe(false);
    expect(allowed(undefined, undefined)).toBe(true);
  });

  it('policy crm_owner_known: sales:own callers must carry their CRM user', () => {
    const customer = rules.field('Query', 'customer');
    expect(allowed(customer, caller([SCOPES.customerRead]))).toBe(true);
    expect(allowed(customer, caller([SCOPES.salesOwn], 'rep@example.com'))).toBe(true);
    expect(allowed(customer, caller([SCOPES.salesOwn]))).toBe(false);
    expect(unauthorizedError(customer!, caller([SCOPES.salesOwn])).message).toBe(
      'Not allowed to see or run Query.customer: it needs the policy crm_owner_known.',
    );
  });

  it('the error names the coordinate and what it needs, coded UNAUTHORIZED_FIELD_OR_TYPE', () => {
    const error = unauthorizedError(rules.field('Customer', 'balance')!, caller([SCOPES.customerRead]));
    expect(error.extensions.code).toBe('UNAUTHORIZED_FIELD_OR_TYPE');
    expect(error.message).toBe(
      'Not allowed to see or run Customer.balance: it needs the scope finance:read.',
    );
  });

  it('a subgraph may name the directives under the federation prefix, unimported', () => {
    const own = readAccessRules(
      'type Query { a: String @federation__requiresScopes(scopes: [["pii:read"]]) @federation__authenticated }',
    );
    expect(own.field('Query', 'a')?.conditions).toEqual([
      { kind: 'scopes', anyOf: [['pii:read']] },
      { kind: 'authenticated' },
    ]);
  });

  it('a policy the code does not define stops the reading, naming it', () => {
    expect(() =>
      readAccessRules(
        'type Query { a: String @policy(policies: [["nobody_knows"]]) } directive @policy(policies: [[String!]!]!) on FIELD_DEFINITION',
      ),
    ).toThrow(/nobody_knows/);
    expect(Object.keys(POLICIES)).toContain('crm_owner_known');
  });
});

describe('nothing in the graph is open by default', () => {
  const schemaTypes = parse(supergraph).definitions.filter(
    (definition) => definition.kind === 'ObjectTypeDefinition',
  ) as import('graphql').ObjectTypeDefinitionNode[];

  it('every root field needs an authenticated caller with a scope', () => {
    const roots = schemaTypes.filter((type) => type.name.value === 'Query' || type.name.value === 'Mutation');
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      for (const field of root.fields ?? []) {
        const requirement = rules.field(root.name.value, field.name.value);
        expect(
          requirement?.conditions.some((condition) => condition.kind === 'scopes'),
          `${root.name.value}.${field.name.value} has no scope`,
        ).toBe(true);
        expect(allowed(requirement, caller([])), `${root.name.value}.${field.name.value}`).toBe(false);
        expect(allowed(requirement, undefined)).toBe(false);
      }
    }
  });

  it('every other object type has a requirement of its own (so every field returning it has one)', () => {
    const open = schemaTypes
      .map((type) => type.name.value)
      .filter(
        (name) =>
          !['Query', 'Mutation'].includes(name) && !name.startsWith('join__') && !name.startsWith('link__'),
      )
      .filter((name) => rules.type(name) === undefined);
    expect(open).toEqual([]);
  });

  it('every scope of SCOPES opens something, and the schema names no other scope', () => {
    const named = new Set<string>();
    for (const requirement of [...rules.fields.values(), ...rules.types.values()]) {
      for (const condition of requirement.conditions)
        if (condition.kind === 'scopes') for (const s of condition.anyOf.flat()) named.add(s);
    }
    expect([...named].sort()).toEqual([...ALL_SCOPES].sort());
  });
});

describe('the subgraphs check what the gateway checks', () => {
  for (const name of ['erp', 'crm', 'workflows']) {
    it(`every rule of schema/${name}.graphql is one of the supergraph's at the same coordinate`, () => {
      const own = readAccessRules(subgraphSdl(name));
      expect(own.fields.size).toBeGreaterThan(0);
      for (const [coordinate, requirement] of own.fields) {
        const [type, field] = coordinate.split('.') as [string, string];
        const composed = rules.field(type, field);
        for (const condition of requirement.conditions) {
          expect(composed?.conditions, coordinate).toContainEqual(condition);
        }
      }
      for (const [type, requirement] of own.types) {
        for (const condition of requirement.conditions) {
          expect(rules.type(type)?.conditions, type).toContainEqual(condition);
        }
      }
    });
  }
});

describe('the supergraph the gateway loads', () => {
  it('keeps every link but says no SECURITY purpose on the authorization specs', () => {
    const loaded = executableSupergraph(supergraph);
    expect(supergraph).toMatch(/requiresScopes\/v0\.1", for: SECURITY\)/);
    expect(loaded).not.toMatch(/for: SECURITY/);
    expect(loaded).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/requiresScopes\/v0\.1"\)/);
    expect(loaded).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/join\/v0\.5", for: EXECUTION\)/);
    expect(loaded.replace(/\s+/g, '')).toBe(supergraph.replace(/, for: SECURITY/g, '').replace(/\s+/g, ''));
  });

  it('is one @apollo/gateway accepts, where the composed one is refused', async () => {
    const load = async (supergraphSdl: string) => {
      const gateway = new ApolloGateway({ supergraphSdl, logger: silentLogger });
      try {
        await gateway.load();
      } finally {
        await gateway.stop();
      }
    };
    await expect(load(supergraph)).rejects.toThrow(/SECURITY/);
    await expect(load(executableSupergraph(supergraph))).resolves.toBeUndefined();
  });
});
