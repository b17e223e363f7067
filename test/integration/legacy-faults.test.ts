import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CONFIG, type SimConfig } from '../../legacy/sim/simulator.js';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { type Stack, startStack } from '../helpers/stack.js';

/**
 * Each fault the stand-ins simulate, on one legacy system at a time, under Customer360: the answer
 * is HTTP 200 with the other system's data, the failing system's fields null, and an error whose
 * code says what happened and whose `system` names the system. The operation's budget is short
 * (GATEWAY_OPERATION_BUDGET_MS) while the legacy and subgraph timeouts are long, so a slow system
 * is cut by the one deadline and reported as LEGACY_TIMEOUT naming it — not as the gateway's own
 * subgraph timeout.
 */
const BUDGET_MS = 1500;
const FAULTS: [string, Partial<SimConfig>, string][] = [
  ['outage', { outage: true }, 'LEGACY_UNAVAILABLE'],
  ['HTTP 500 on every call', { errorRate: 1, errorStatus: 500 }, 'LEGACY_UNAVAILABLE'],
  ['HTTP 503 on every call', { errorRate: 1, errorStatus: 503 }, 'LEGACY_UNAVAILABLE'],
  ['malformed answers', { malformedRate: 1 }, 'LEGACY_BAD_RESPONSE'],
  ['connections reset', { connectionResetRate: 1 }, 'LEGACY_UNAVAILABLE'],
  ['throttled, Retry-After 1 s', { throttleAfter: 0, throttleRetryAfterSeconds: 1 }, 'LEGACY_THROTTLED'],
  ['throttled, no Retry-After', { throttleAfter: 0, throttleRetryAfterSeconds: null }, 'LEGACY_THROTTLED'],
  ['slower than the operation budget', { latencyMs: BUDGET_MS * 2 }, 'LEGACY_TIMEOUT'],
];
const FAULT_KEYS = Object.keys(Object.assign({}, ...FAULTS.map(([, fault]) => fault))) as (keyof SimConfig)[];
const healthy = Object.fromEntries(
  FAULT_KEYS.map((key) => [key, DEFAULT_SIM_CONFIG[key]]),
) as Partial<SimConfig>;

// biome-ignore lint/suspicious/noExplicitAny: GraphQL answers are indexed loosely
type Node = any;

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    legacyCache: 'off',
    legacyTimeoutMs: { erp: 20_000, crm: 20_000 },
    subgraphTimeoutMs: 20_000,
    gateway: { operationBudgetMs: BUDGET_MS },
  });
}, 120_000);
afterAll(async () => {
  await stack?.close();
});
afterEach(async () => {
  stack.erpSim.setConfig(healthy);
  stack.crmSim.setConfig(healthy);
  // A healthy query resets the breakers' consecutive failure counts: no fault leaks into the next.
  await stack.query(CUSTOMER_360, { first: 1 });
});

function errorsOf(answer: { body: { errors?: Node[] } }, system: 'ERP' | 'CRM'): Node[] {
  return (answer.body.errors ?? []).filter((error: Node) => error.extensions?.system === system);
}

describe('the ERP failing: CRM data, ERP fields null, an error naming the ERP', () => {
  it.each(FAULTS)('%s', async (_name, fault, code) => {
    stack.erpSim.setConfig(fault);
    const answer = await stack.query(CUSTOMER_360, { first: 3 });
    expect(answer.status).toBe(200);
    const edges = answer.body.data.customers.edges as Node[];
    expect(edges.length).toBe(3);
    for (const { node } of edges) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.interactions).not.toBeNull();
      expect(node.balance).toBeNull();
      expect(node.orders).toBeNull();
      expect(node.invoices).toBeNull();
    }
    const erpErrors = errorsOf(answer, 'ERP');
    expect(erpErrors.length, JSON.stringify(answer.body.errors)).toBeGreaterThan(0);
    expect(erpErrors.map((error) => error.extensions.code)).toContain(code);
    for (const error of erpErrors) {
      expect(error.message).toMatch(/ERP/);
      expect(JSON.stringify(error)).not.toMatch(/https?:\/\/|127\.0\.0\.1|stacktrace/i);
    }
    expect(
      (answer.body.errors as Node[]).filter((error) => error.extensions?.code === 'SUBGRAPH_UNAVAILABLE'),
    ).toEqual([]);
  });
});

/** The CRM subgraph's fallback list: customers from the ERP when the CRM fails. */
describe('the CRM failing: the ERP customers listed, CRM fields null, an error naming the CRM', () => {
  // A CRM slower than the budget: its read keeps part of the budget back for the ERP's list.
  it.each(FAULTS)('%s', async (_name, fault, code) => {
    stack.crmSim.setConfig(fault);
    const answer = await stack.query(CUSTOMER_360, { first: 3 });
    expect(answer.status).toBe(200);
    const edges = answer.body.data?.customers?.edges as Node[] | undefined;
    expect(edges?.length, JSON.stringify(answer.body.errors)).toBe(3);
    for (const { node } of edges ?? []) {
      expect(node.name).toEqual(expect.any(String));
      expect(node.balance).not.toBeNull();
      expect(node.interactions).toBeNull();
    }
    const crmErrors = errorsOf(answer, 'CRM');
    expect(crmErrors.length, JSON.stringify(answer.body.errors)).toBeGreaterThan(0);
    expect(crmErrors.map((error) => error.extensions.code)).toContain(code);
    expect(
      (answer.body.errors as Node[]).filter((error) => error.extensions?.code === 'SUBGRAPH_UNAVAILABLE'),
    ).toEqual([]);
  });
});
