import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../helpers/expected.js';
import { readMetrics } from '../helpers/metrics.js';
import { type Stack, startStack } from '../helpers/stack.js';

// GET /metrics of every subgraph, through the whole product (`npm start`'s shape: three
// subgraphs sharing one memory cache): the legacy cache's operations and refreshes, and each
// subgraph's own legacy calls and shared reads, counted as the stand-ins count them.

let stack: Stack;

beforeAll(async () => {
  // Fixed tokens: every call to a stand-in is then a LegacyHttp call (no OAuth token requests).
  stack = await startStack({ customers: 30, legacyAuth: 'fixed' });
});

afterAll(async () => {
  await stack?.close();
});

type Subgraph = 'erp' | 'crm' | 'reports' | 'workflows';

function baseUrl(subgraph: Subgraph): string {
  const graphql = {
    erp: stack.erpSubgraphUrl,
    crm: stack.crmSubgraphUrl,
    reports: stack.reportsSubgraphUrl,
    workflows: stack.workflowsSubgraphUrl,
  }[subgraph];
  return graphql.replace(/\/graphql$/, '/');
}

const calls = (system: 'erp' | 'crm') => ['customer_graph_legacy_calls_total', { system }] as const;
const cache = (result: string) => ['customer_graph_legacy_cache_operations_total', { result }] as const;

describe('/metrics of the subgraphs', () => {
  it('lists the legacy cache, its refreshes and the legacy calls on every subgraph, unauthenticated', async () => {
    for (const subgraph of ['erp', 'crm', 'reports', 'workflows'] as const) {
      // No token and no gateway secret: /metrics is open like /health.
      const res = await fetch(new URL('/metrics', baseUrl(subgraph)));
      expect(res.status, subgraph).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      const text = await res.text();
      for (const result of ['hit', 'miss', 'write', 'failure'])
        expect(text, subgraph).toContain(`customer_graph_legacy_cache_operations_total{result="${result}"}`);
      for (const outcome of ['started', 'succeeded', 'failed', 'skipped'])
        expect(text, subgraph).toContain(`customer_graph_legacy_cache_refreshes_total{outcome="${outcome}"}`);
      const systems = subgraph === 'erp' ? ['erp'] : subgraph === 'crm' ? ['crm'] : ['erp', 'crm'];
      for (const system of systems) {
        expect(text, subgraph).toContain(`customer_graph_legacy_calls_total{system="${system}"}`);
        expect(text, subgraph).toContain(`customer_graph_legacy_reads_shared_total{system="${system}"}`);
      }
    }
  });

  it('counts the calls each subgraph made, as the stand-ins saw them, and the cache hits that spared them', async () => {
    const erpBefore = await readMetrics(baseUrl('erp'));
    const crmBefore = await readMetrics(baseUrl('crm'));
    const reportsBefore = await readMetrics(baseUrl('reports'));
    await stack.resetCounts();

    const first = await stack.query(CUSTOMER_360, { first: 5 });
    expect(first.body.errors).toBeUndefined();
    const seen = await stack.legacyCalls();
    expect(seen.erp.roundTrips).toBeGreaterThan(0);
    expect(seen.crm.roundTrips).toBeGreaterThan(0);
    const erpAfter = await readMetrics(baseUrl('erp'));
    const crmAfter = await readMetrics(baseUrl('crm'));
    expect(erpAfter(...calls('erp')) - erpBefore(...calls('erp'))).toBe(seen.erp.roundTrips);
    expect(crmAfter(...calls('crm')) - crmBefore(...calls('crm'))).toBe(seen.crm.roundTrips);
    expect(erpAfter(...cache('write'))).toBeGreaterThan(erpBefore(...cache('write')));
    // The reports subgraph was not asked: its calls stand still.
    const reportsAfter = await readMetrics(baseUrl('reports'));
    expect(reportsAfter(...calls('erp'))).toBe(reportsBefore(...calls('erp')));
    expect(reportsAfter(...calls('crm'))).toBe(reportsBefore(...calls('crm')));

    // The same query again is answered from the cache: hits move, calls do not.
    await stack.resetCounts();
    const again = await stack.query(CUSTOMER_360, { first: 5 });
    expect(again.body).toEqual(first.body);
    const repeated = await stack.legacyCalls();
    expect(repeated.erp.roundTrips + repeated.crm.roundTrips).toBe(0);
    const erpAgain = await readMetrics(baseUrl('erp'));
    expect(erpAgain(...calls('erp'))).toBe(erpAfter(...calls('erp')));
    expect(erpAgain(...cache('hit'))).toBeGreaterThan(erpAfter(...cache('hit')));
  });
});
