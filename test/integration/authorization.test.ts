import { readFileSync } from 'node:fs';
import {
  buildASTSchema,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  parse,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executableSupergraph } from '../../gateway/authorization.js';
import { ALL_SCOPES, SCOPES } from '../../lib/auth/principal.js';
import { allowed, type Requirement, readAccessRules } from '../../lib/auth/requirements.js';
import { SUPERGRAPH_PATH } from '../../scripts/compose.js';
import { badTokens } from '../helpers/auth.js';
import { type GraphQLAnswer, type Stack, startStack } from '../helpers/stack.js';

/**
 * Authorization through the whole stack. The list of restricted fields and mutations is read
 * from the supergraph, not written here: for each, a caller lacking what it needs (and holding
 * what the way to it needs) gets null and UNAUTHORIZED_FIELD_OR_TYPE at its path, the rest of
 * the answer, and not one legacy call more than the same query without the field; a caller with
 * the scope gets it served.
 */

const supergraph = readFileSync(SUPERGRAPH_PATH, 'utf8');
const rules = readAccessRules(supergraph);
// The API schema as the gateway serves it (the join__ machinery is only in the supergraph's directives).
const schema = buildASTSchema(parse(executableSupergraph(supergraph)), { assumeValidSDL: true });

/** Every scope but sales:own, with a CRM user: the caller the default token is. */
const FULL = ALL_SCOPES.filter((scope) => scope !== SCOPES.salesOwn);
const CRM_USER = 'test-user@example.com';

interface Caller {
  scopes: string[];
  crmUser?: string;
}
const asPrincipal = (caller: Caller) => ({
  subject: 'test-user',
  scopes: new Set(caller.scopes),
  token: '',
  ...(caller.crmUser ? { crmUser: caller.crmUser } : {}),
});

let stack: Stack;
const tokens = new Map<string, string>();
async function tokenOf(caller: Caller): Promise<string> {
  const key = `${[...caller.scopes].sort().join(' ')}|${caller.crmUser ?? ''}`;
  let token = tokens.get(key);
  if (!token) {
    token = await stack.tokenFor({
      scopes: caller.scopes,
      ...(caller.crmUser ? { email: caller.crmUser } : {}),
    });
    tokens.set(key, token);
  }
  return token;
}
async function queryAs(
  caller: Caller,
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLAnswer> {
  return stack.query(query, variables, { authorization: `Bearer ${await tokenOf(caller)}` });
}
async function legacyCallsOf(send: () => Promise<unknown>): Promise<Record<string, number>> {
  await stack.resetCounts();
  await send();
  const { erp, crm } = await stack.legacyCalls();
  return {
    ...Object.fromEntries(Object.entries(erp.byRoute).map(([route, n]) => [`erp ${route}`, n])),
    ...Object.fromEntries(Object.entries(crm.byRoute).map(([route, n]) => [`crm ${route}`, n])),
  };
}
const unauthorized = (answer: GraphQLAnswer) =>
  ((answer.body.errors ?? []) as { path?: (string | number)[]; extensions?: { code?: string } }[]).filter(
    (error) => error.extensions?.code === 'UNAUTHORIZED_FIELD_OR_TYPE',
  );

/** Values for the root fields' required arguments, found through the graph by the full-access caller. */
const entry: Record<string, Record<string, unknown>> = {};

// biome-ignore lint/suspicious/noExplicitAny: answers are indexed as their query shapes them
type Loose = any;

beforeAll(async () => {
  // No legacy cache: each query's legacy calls are counted the same every time.
  stack = await startStack({
    customers: 60,
    legacyCache: 'off',
    // The seeded write-back below must stay put: no background retry during the test.
    workflows: { retryIntervalMs: 3_600_000 },
  });
  const full = { scopes: FULL, crmUser: CRM_USER };
  const found = await queryAs(
    full,
    `{ customers(first: 60) { edges { node { id number owner { email }
        orders(first: 20) { edges { node { number shipments { number } invoices { number } } } }
        contacts(first: 1) { edges { node { id } } }
        opportunities(first: 1) { edges { node { id } } }
        quotes(first: 1) { edges { node { id } } }
        supportCases(first: 1) { edges { node { number } } } } } }
      products(first: 1) { edges { node { sku } } } }`,
  );
  expect(found.body.errors).toBeUndefined();
  const customers = found.body.data.customers.edges.map((edge: Loose) => edge.node);
  const rich = customers.find(
    (c: Loose) =>
      c.number &&
      c.owner &&
      c.contacts?.edges.length &&
      c.opportunities?.edges.length &&
      c.quotes?.edges.length &&
      c.supportCases?.edges.length &&
      c.orders?.edges.some((o: Loose) => o.node.shipments.length && o.node.invoices.length),
  );
  expect(rich, 'a customer with every kind of record in the data set').toBeDefined();
  const order = rich.orders.edges
    .map((edge: Loose) => edge.node)
    .find((o: Loose) => o.shipments.length && o.invoices.length);
  const writeBack = await stack.workflows.store.addWriteBack(
    {
      kind: 'QUOTE_LINK',
      system: 'CRM',
      targetId: rich.quotes.edges[0].node.id,
      payload: {},
      customerId: rich.id,
      orderNumber: order.number,
      quoteId: rich.quotes.edges[0].node.id,
      status: 'FAILED',
      nextAttemptAt: Date.now() + 3_600_000,
    },
    Date.now(),
  );
  Object.assign(entry, {
    customer: { id: rich.id },
    customerByNumber: { number: rich.number },
    salesOrder: { number: order.number },
    invoice: { number: order.invoices[0].number },
    shipment: { number: order.shipments[0].number },
    product: { sku: found.body.data.products.edges[0].node.sku },
    quote: { id: rich.quotes.edges[0].node.id },
    opportunity: { id: rich.opportunities.edges[0].node.id },
    contact: { id: rich.contacts.edges[0].node.id },
    supportCase: { number: rich.supportCases.edges[0].node.number },
    asset: {
      serialNumber: stack.dataset.crm
        .prepare('SELECT SerialNumber FROM Asset ORDER BY Id LIMIT 1')
        .pluck()
        .get(),
    },
    creditMemo: {
      number: stack.dataset.erp
        .prepare('SELECT number FROM salesCreditMemos ORDER BY number LIMIT 1')
        .pluck()
        .get(),
    },
    campaign: {
      id: stack.dataset.crm.prepare('SELECT Id FROM Campaign ORDER BY Id LIMIT 1').pluck().get(),
    },
    salesSummary: { from: '2026-05-01', to: '2026-05-31', groupBy: 'OWNER' },
    salesForecast: { from: '2026-07-01', to: '2026-09-30' },
    employee: { email: rich.owner.email },
    writeBack: { id: writeBack.id },
    owner: { crmUser: rich.owner.email },
    customers: { first: 1 },
    products: { first: 1 },
    pendingWriteBacks: { first: 1, status: ['FAILED'] },
  });
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

// ---------------------------------------------------------------------------------------------
// What to ask: the restricted coordinates, a caller refused each, and a way to reach its type.

/** The smallest set of scopes to take from FULL (and whether to drop the CRM user) so that `refused` is refused and every `needed` allowed. */
function refusedCaller(refused: Requirement, needed: (Requirement | undefined)[]): Caller | undefined {
  const subsets: string[][] = [[]];
  for (let size = 1; size <= 3; size++) {
    const grow = (start: number, picked: string[]) => {
      if (picked.length === size) return subsets.push(picked);
      for (let i = start; i < FULL.length; i++) grow(i + 1, [...picked, FULL[i]!]);
    };
    grow(0, []);
  }
  const callers: Caller[] = subsets.flatMap((taken) => {
    const scopes = FULL.filter((scope) => !taken.includes(scope));
    return [{ scopes, crmUser: CRM_USER }, { scopes: [...scopes, SCOPES.salesOwn] }];
  });
  return callers.find(
    (caller) =>
      !allowed(refused, asPrincipal(caller)) &&
      needed.every((requirement) => allowed(requirement, asPrincipal(caller))),
  );
}

/** The root fields the test has arguments for (found in `beforeAll`). */
const ENTRY_ROOTS = new Set([
  'customer',
  'customerByNumber',
  'customers',
  'salesOrder',
  'invoice',
  'shipment',
  'product',
  'products',
  'quote',
  'opportunity',
  'contact',
  'supportCase',
  'asset',
  'creditMemo',
  'campaign',
  'salesSummary',
  'salesForecast',
  'employee',
  'writeBack',
  'pendingWriteBacks',
]);

/** Ways from the root to an object type (each step a field name), shortest first. */
function waysTo(typeName: string, maxDepth: number): string[][] {
  const ways: string[][] = [];
  const walk = (type: GraphQLObjectType, path: string[]) => {
    if (type.name === typeName && path.length > 0) ways.push(path);
    if (path.length >= maxDepth) return;
    for (const field of Object.values(type.getFields())) {
      const target = getNamedType(field.type);
      if (!isObjectType(target) || path.includes(field.name)) continue;
      if (
        path.length === 0 ? !ENTRY_ROOTS.has(field.name) : field.args.some((arg) => isNonNullType(arg.type))
      )
        continue;
      walk(target, [...path, field.name]);
    }
  };
  walk(queryType, []);
  return ways.sort((a, b) => a.length - b.length);
}

/** What each field along a way requires. */
function requirementsAlong(way: string[]): (Requirement | undefined)[] {
  const requirements: (Requirement | undefined)[] = [];
  let type: GraphQLObjectType = queryType;
  for (const step of way) {
    requirements.push(rules.field(type.name, step));
    type = getNamedType(type.getFields()[step]!.type) as GraphQLObjectType;
  }
  return requirements;
}

/** Beside the field, a root field the refused caller may see: the rest of the answer. */
const SERVED_ROOTS = ['product', 'writeBack'];

interface Plan {
  /** The steps to the field's type (empty for a root field). */
  way: string[];
  caller: Caller;
  servedRoot: string | undefined;
}

/** Ways to ask the field as a caller who may reach its type that way but not see it, shortest first. */
function plansFor(type: GraphQLObjectType, requirement: Requirement): Plan[] {
  const ways = type === queryType ? [[]] : waysTo(type.name, 6);
  const plans: Plan[] = [];
  for (const way of ways) {
    const needed = requirementsAlong(way);
    for (const servedRoot of [...SERVED_ROOTS, undefined]) {
      const caller = refusedCaller(
        requirement,
        servedRoot ? [...needed, rules.field('Query', servedRoot)] : needed,
      );
      if (caller) {
        plans.push({ way, caller, servedRoot });
        break;
      }
    }
    if (plans.length >= 5) break;
  }
  return plans;
}

const literal = (value: unknown): string =>
  Array.isArray(value)
    ? `[${value.map(literal).join(', ')}]`
    : typeof value === 'string' && /^[A-Z_]+$/.test(value)
      ? value
      : JSON.stringify(value);
const argsText = (args: Record<string, unknown> | undefined) =>
  !args || Object.keys(args).length === 0
    ? ''
    : `(${Object.entries(args)
        .map(([name, value]) => `${name}: ${literal(value)}`)
        .join(', ')})`;
const selectionOf = (type: GraphQLNamedType) => (isObjectType(type) ? ' { __typename }' : '');

/** `{ a(args) { __typename b { __typename <leaf> } } served: … }`. */
function queryAlong(way: string[], leaf: string, servedRoot?: string): string {
  let inner = `__typename ${leaf}`;
  for (const [index, step] of [...way.entries()].reverse()) {
    inner = `${step}${index === 0 ? argsText(entry[step]) : ''} { __typename ${inner} }`;
  }
  const served = servedRoot ? ` served: ${servedRoot}${argsText(entry[servedRoot])} { __typename }` : '';
  return `{ ${inner}${served} }`;
}

/** The value the answer holds along `path` (first item of each list): whether the way there has data. */
function valueAt(data: Loose, path: string[]): unknown {
  let value = data;
  for (const key of path) {
    if (Array.isArray(value)) value = value[0];
    if (value === null || value === undefined) return value;
    value = value[key];
  }
  return Array.isArray(value) ? value[0] : value;
}

const queryType = schema.getQueryType()!;
const mutationType = schema.getMutationType()!;

/** Types only a mutation returns: their fields are judged with the mutation (the whole mutation is refused). */
function isPayloadType(type: GraphQLObjectType): boolean {
  return Object.values(mutationType.getFields()).some((field) => getNamedType(field.type) === type);
}

interface FieldCase {
  coordinate: string;
  type: GraphQLObjectType;
  field: GraphQLField<unknown, unknown>;
  requirement: Requirement;
  plans: Plan[];
}
const fieldRules = [...rules.fields]
  .map(([coordinate, requirement]) => {
    const [typeName, fieldName] = coordinate.split('.') as [string, string];
    const type = schema.getType(typeName);
    const field = isObjectType(type) ? type.getFields()[fieldName] : undefined;
    return isObjectType(type) && field && type !== mutationType && !isPayloadType(type)
      ? { coordinate, type, field, requirement }
      : undefined;
  })
  .filter((c) => c !== undefined);
/** Restricted beyond every way to them: some caller who may reach the field's type may not see it. */
const fieldCases: FieldCase[] = fieldRules
  .map((c) => ({ ...c, plans: plansFor(c.type, c.requirement) }))
  .filter((c) => c.plans.length > 0);

/** A minimal input of the right shape: empty strings, first enum values (refused by the workflows' own input checks). */
function sampleInput(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleInput(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => [field.name, sampleInput(field.type)]),
    );
  }
  if (isScalarType(type))
    return type.name === 'Int' || type.name === 'Float' ? 0 : type.name === 'Boolean' ? false : '';
  return null;
}

describe('every restricted field, through the gateway', () => {
  it('the supergraph has restricted fields, each checked below; the others are implied by every way to them', () => {
    expect(fieldCases.length).toBeGreaterThan(30);
    // A field whose rule no way to it can break (its type is reached only through fields asking as much).
    const implied = fieldRules.filter((c) => !fieldCases.some((f) => f.coordinate === c.coordinate));
    for (const c of implied) {
      for (const way of c.type === queryType ? [[]] : waysTo(c.type.name, 4)) {
        expect(
          refusedCaller(c.requirement, requirementsAlong(way)),
          `${c.coordinate} via ${way.join('.')}`,
        ).toBeUndefined();
      }
    }
  });

  for (const { coordinate, type, field, requirement, plans } of fieldCases) {
    it(coordinate, async () => {
      const rootArgs = type === queryType ? entry[field.name] : undefined;
      const leaf = `${field.name}${argsText(rootArgs)}${selectionOf(getNamedType(field.type))}`;
      // The first plan whose way has data for its caller (an empty list or a null reaches nothing).
      let plan: Plan | undefined;
      for (const candidate of plans) {
        const probe = await queryAs(candidate.caller, queryAlong(candidate.way, '', candidate.servedRoot));
        if (candidate.way.length === 0 || valueAt(probe.body.data, candidate.way)) {
          plan = candidate;
          break;
        }
      }
      if (!plan) {
        // Whoever may reach the type but not this field sees no record on any way to it (e.g. a
        // sales:own caller without a CRM user owns no customer): nothing is served to refuse.
        for (const candidate of plans) {
          const answer = await queryAs(candidate.caller, queryAlong(candidate.way, leaf));
          expect(valueAt(answer.body.data, [...candidate.way, field.name]) ?? null).toBeNull();
        }
        return;
      }
      const { way, caller, servedRoot } = plan;
      expect(allowed(requirement, asPrincipal(caller))).toBe(false);

      const text = queryAlong(way, leaf, servedRoot);
      let answer: GraphQLAnswer | undefined;
      const withField = await legacyCallsOf(async () => {
        answer = await queryAs(caller, text);
      });
      const without = await legacyCallsOf(() => queryAs(caller, queryAlong(way, '', servedRoot)));
      expect(answer!.status).toBe(200);
      const expectedPath = [...way, field.name];
      expect(
        unauthorized(answer!).map((error) => error.path?.filter((key) => typeof key === 'string')),
        JSON.stringify(answer!.body),
      ).toContainEqual(expectedPath);
      // Null where it was asked (or a parent nulled by a non-null field), the rest served.
      expect(valueAt(answer!.body.data, expectedPath) ?? null).toBeNull();
      if (servedRoot && answer!.body.data !== null) expect(answer!.body.data.served).not.toBeNull();
      expect(withField, 'legacy calls with the refused field = without it').toEqual(without);

      const allowedAnswer = await queryAs({ scopes: FULL, crmUser: CRM_USER }, text);
      expect(unauthorized(allowedAnswer), JSON.stringify(allowedAnswer.body.errors)).toEqual([]);
      expect(allowedAnswer.body.data).not.toBeNull();
    });
  }
});

describe('every mutation and what its answer may ask, through the gateway', () => {
  const payloadFields = [...rules.fields].filter(([coordinate]) => {
    const type = schema.getType(coordinate.split('.')[0]!);
    return isObjectType(type) && isPayloadType(type);
  });

  for (const mutation of Object.values(mutationType.getFields())) {
    const input = Object.fromEntries(mutation.args.map((arg) => [arg.name, sampleInput(arg.type)]));
    const variables = mutation.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
    const passed = mutation.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const requirement = rules.field('Mutation', mutation.name)!;
    const payload = getNamedType(mutation.type) as GraphQLObjectType;
    const cases: [string, string, Requirement][] = [
      [`Mutation.${mutation.name}`, '__typename', requirement],
      ...payloadFields
        .filter(([coordinate]) => coordinate.startsWith(`${payload.name}.`))
        // Only what a caller who may run the mutation may still be refused (outcomes, for one, never are).
        .filter(([, inner]) => refusedCaller(inner, [requirement]) !== undefined)
        .map(([coordinate, inner]): [string, string, Requirement] => {
          const fieldName = coordinate.split('.')[1]!;
          return [
            coordinate,
            `${fieldName}${selectionOf(getNamedType(payload.getFields()[fieldName]!.type))}`,
            inner,
          ];
        }),
    ];
    for (const [coordinate, selection, refusedRequirement] of cases) {
      it(`${coordinate}: refused whole, nothing run; run with the scope`, async () => {
        const text = `mutation Run(${variables}) { ${mutation.name}(${passed}) { __typename ${selection} } }`;
        const refused = refusedCaller(
          refusedRequirement,
          refusedRequirement === requirement ? [] : [requirement],
        );
        expect(refused, `a caller who may run ${mutation.name} but not see ${coordinate}`).toBeDefined();
        let answer: GraphQLAnswer | undefined;
        const calls = await legacyCallsOf(async () => {
          answer = await queryAs(refused!, text, input);
        });
        expect(calls).toEqual({});
        expect(unauthorized(answer!).map((error) => error.path)).toEqual([[mutation.name]]);
        // The payload is non-null: the refusal nulls the answer, as GraphQL says.
        expect(answer!.body.data).toBeNull();

        const ran = await queryAs({ scopes: FULL, crmUser: CRM_USER }, text, input);
        expect(unauthorized(ran)).toEqual([]);
        // The minimal input is refused by the workflow's own checks: proof the resolver ran.
        expect(ran.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      });
    }
  }
});

describe('the policy and the callers around it', () => {
  it('sales:own without a CRM user is refused customers (crm_owner_known); with one, let through', async () => {
    const query = `{ customer(id: ${JSON.stringify(entry.customer!.id)}) { id } }`;
    const without = await queryAs({ scopes: [SCOPES.salesOwn] }, query);
    expect(unauthorized(without).map((error) => error.path)).toEqual([['customer']]);
    expect(without.body.errors[0].message).toContain('crm_owner_known');
    // With one, the gateway lets it through, and the CRM serves the customers that user owns.
    const owner = entry.owner!.crmUser as string;
    const withUser = await queryAs({ scopes: [SCOPES.salesOwn], crmUser: owner }, query);
    expect(unauthorized(withUser), JSON.stringify(withUser.body)).toEqual([]);
    expect(withUser.body.data.customer).toEqual({ id: entry.customer!.id });
  });

  it('a token with no scope gets nothing, and no legacy system is called', async () => {
    let answer: GraphQLAnswer | undefined;
    const calls = await legacyCallsOf(async () => {
      answer = await queryAs(
        { scopes: [] },
        `{ customer(id: ${JSON.stringify(entry.customer!.id)}) { id name } product(sku: "${entry.product!.sku}") { sku } }`,
      );
    });
    expect(calls).toEqual({});
    expect(answer!.body.data).toEqual({ customer: null, product: null });
    expect(unauthorized(answer!)).toHaveLength(2);
  });

  it('a variable only a refused field used: the rest is planned and served without it', async () => {
    const answer = await queryAs(
      { scopes: [SCOPES.customerRead] },
      'query Q($id: ID!, $onlyOpen: Boolean) { customer(id: $id) { id invoices(onlyOpen: $onlyOpen) { edges { node { number } } } } }',
      { id: entry.customer!.id, onlyOpen: true },
    );
    expect(answer.body.data).toEqual({ customer: { id: entry.customer!.id, invoices: null } });
    expect(unauthorized(answer).map((error) => error.path)).toEqual([['customer', 'invoices']]);
  });

  it('fragments and aliases: each refused field null at the path the client asked', async () => {
    const answer = await queryAs(
      { scopes: [SCOPES.customerRead] },
      `query Q($id: ID!) { c: customer(id: $id) { ...Money ... on Customer { who: name } } }
       fragment Money on Customer { id owed: balance { amount } limit: creditLimit { amount } }`,
      { id: entry.customer!.id },
    );
    expect(answer.body.data.c.id).toBe(entry.customer!.id);
    expect(answer.body.data.c.owed).toBeNull();
    expect(answer.body.data.c.limit).toBeNull();
    expect(typeof answer.body.data.c.who).toBe('string');
    expect(
      unauthorized(answer)
        .map((error) => error.path)
        .sort(),
    ).toEqual([
      ['c', 'limit'],
      ['c', 'owed'],
    ]);
  });
});

describe('the subgraphs refuse on their own (reached without the gateway)', () => {
  async function askSubgraph(
    url: string,
    caller: Caller,
    query: string,
    variables?: Record<string, unknown>,
  ) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...stack.auth.subgraphHeaders(await tokenOf(caller)) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphQLAnswer['body'] };
  }

  it('a field: refused before its resolver, no legacy call for it', async () => {
    const reader = { scopes: [SCOPES.customerRead], crmUser: CRM_USER };
    const number = JSON.stringify(entry.customerByNumber!.number);
    let answer: Awaited<ReturnType<typeof askSubgraph>> | undefined;
    const withField = await legacyCallsOf(async () => {
      answer = await askSubgraph(
        stack.erpSubgraphUrl,
        reader,
        `{ customerByNumber(number: ${number}) { id invoices { edges { node { number } } } } }`,
      );
    });
    const without = await legacyCallsOf(() =>
      askSubgraph(stack.erpSubgraphUrl, reader, `{ customerByNumber(number: ${number}) { id } }`),
    );
    expect(answer!.body.data.customerByNumber).toEqual({ id: entry.customer!.id, invoices: null });
    expect(unauthorized(answer as GraphQLAnswer).map((error) => error.path)).toEqual([
      ['customerByNumber', 'invoices'],
    ]);
    expect(withField).toEqual(without);
  });

  it('a mutation: refused before its resolver, nothing written, no legacy call', async () => {
    const reader = { scopes: [SCOPES.customerRead], crmUser: CRM_USER };
    let answer: Awaited<ReturnType<typeof askSubgraph>> | undefined;
    const calls = await legacyCallsOf(async () => {
      answer = await askSubgraph(
        stack.workflowsSubgraphUrl,
        reader,
        'mutation L($input: LogInteractionInput!) { logInteraction(input: $input) { replayed } }',
        { input: { customerId: entry.customer!.id, type: 'CALL', subject: 'Not allowed' } },
      );
    });
    expect(answer!.body.data).toBeNull();
    expect(unauthorized(answer as GraphQLAnswer).map((error) => error.path)).toEqual([['logInteraction']]);
    expect(calls).toEqual({});
  });

  it('an entity of a type the caller may not see: refused at its index, the others resolved', async () => {
    const reader = { scopes: [SCOPES.customerRead], crmUser: CRM_USER };
    let answer: Awaited<ReturnType<typeof askSubgraph>> | undefined;
    const calls = await legacyCallsOf(async () => {
      answer = await askSubgraph(
        stack.erpSubgraphUrl,
        reader,
        'query E($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Invoice { number } ... on Product { sku } } }',
        {
          r: [
            { __typename: 'Product', sku: entry.product!.sku },
            { __typename: 'Invoice', number: entry.invoice!.number },
            { __typename: 'Product', sku: entry.product!.sku },
          ],
        },
      );
    });
    const product = { __typename: 'Product', sku: entry.product!.sku };
    expect(answer!.body.data._entities).toEqual([product, null, product]);
    expect(unauthorized(answer as GraphQLAnswer).map((error) => error.path)).toEqual([['_entities', 1]]);
    expect(Object.keys(calls).some((route) => /invoice/i.test(route))).toBe(false);
  });
});

describe('every restricted field and mutation, with a token that is not good', () => {
  it('is refused whole with 401 UNAUTHENTICATED, none of it in the answer, no legacy call', async () => {
    const tokens = await badTokens(stack.auth);
    const operations: [string, string, Record<string, unknown>?][] = [
      ...fieldCases.map(({ coordinate, type, field, plans }): [string, string] => {
        const rootArgs = type === queryType ? entry[field.name] : undefined;
        const leaf = `${field.name}${argsText(rootArgs)}${selectionOf(getNamedType(field.type))}`;
        return [coordinate, queryAlong(plans[0]!.way, leaf)];
      }),
      ...Object.values(mutationType.getFields()).map(
        (mutation): [string, string, Record<string, unknown>] => {
          const variables = mutation.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
          const passed = mutation.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
          return [
            `Mutation.${mutation.name}`,
            `mutation Run(${variables}) { ${mutation.name}(${passed}) { __typename } }`,
            Object.fromEntries(mutation.args.map((arg) => [arg.name, sampleInput(arg.type)])),
          ];
        },
      ),
    ];
    expect(operations.length).toBeGreaterThan(30);
    const withoutToken = { '(no token)': '' };
    const calls = await legacyCallsOf(async () => {
      for (const [coordinate, text, variables] of operations) {
        for (const [name, token] of Object.entries({ ...withoutToken, ...tokens })) {
          const answer = await stack.query(text, variables, {
            authorization: token ? `Bearer ${token}` : '',
          });
          const what = `${coordinate} with ${name}`;
          expect(answer.status, what).toBe(401);
          expect(answer.body.data, what).toBeUndefined();
          expect(
            answer.body.errors.map((e: Loose) => e.extensions.code),
            what,
          ).toEqual(['UNAUTHENTICATED']);
        }
      }
    });
    expect(calls).toEqual({});
  });
});
