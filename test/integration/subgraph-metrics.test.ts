import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_360 } from '../helpers/expected.js';
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

function metricsUrl(subgraph: Subgraph): string {
  const graphql = {
    erp: stack.erpSubgraphUrl,
    crm: stack.crmSubgraphUrl,
    reports: stack.reportsSubgraphUrl,
    workflows: stack.workflowsSubgraphUrl,
  }[subgraph];
  return graphql.replace(/\/graphql$/, '/metrics');
}

/** One scrape, as `name{labels}` → value. */
async function scrape(subgraph: Subgraph): Promise<Map<string, number>> {
  // No token and no gateway secret: /metrics is open like /health.
  const res = await fetch(metricsUrl(subgraph));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    const match = /^(customer_graph_\w+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1] as string, Number(match[2]));
  }
  return samples;
}

const calls = (system: 'erp' | 'crm') => `customer_graph_legacy_calls_total{system="${system}"}`;
const cacheResult = (result: string) => `customer_graph_legacy_cache_operations_total{result="${result}"}`;

describe('/metrics of the subgraphs', () => {
  it('lists the legacy cache, its refreshes and the legacy calls on every subgraph', async () => {
    for (const subgraph of ['erp', 'crm', 'reports', 'workflows'] as const) {
      const samples = await scrape(subgraph);
      const names = [...samples.keys()];
      for (const result of ['hit', 'miss', 'write', 'failure'])
        expect(names, subgraph).toContain(cacheResult(result));
      for (const outcome of ['started', 'succeeded', 'failed', 'skipped'])
        expect(names, subgraph).toContain(
          `customer_graph_legacy_cache_refreshes_total{outcome="${outcome}"}`,
        );
      const systems = subgraph === 'erp' ? ['erp'] : subgraph === 'crm' ? ['crm'] : ['erp', 'crm'];
      for (const system of systems) {
        expect(names, subgraph).toContain(`customer_graph_legacy_calls_total{system="${system}"}`);
        expect(names, subgraph).toContain(`customer_graph_legacy_reads_shared_total{system="${system}"}`);
      }
    }
  });

  it('counts the calls each subgraph made, as the stand-ins saw them, and the cache hits that spared them', async () => {
    const erpBefore = await scrape('erp');
    const crmBefore = await scrape('crm');
    const reportsBefore = await scrape('reports');
    await stack.resetCounts();

    const first = await stack.query(CUSTOMER_360, { first: 5 });
    expect(first.body.errors).toBeUndefined();
    const seen = await stack.legacyCalls();
    expect(seen.erp.roundTrips).toBeGreaterThan(0);
    expect(seen.crm.roundTrips).toBeGreaterThan(0);
    const erpAfter = await scrape('erp');
    const crmAfter = await scrape('crm');
    expect((erpAfter.get(calls('erp')) ?? 0) - (erpBefore.get(calls('erp')) ?? 0)).toBe(seen.erp.roundTrips);
    expect((crmAfter.get(calls('crm')) ?? 0) - (crmBefore.get(calls('crm')) ?? 0)).toBe(seen.crm.roundTrips);
    expect(erpAfter.get(cacheResult('write'))).toBeGreaterThan(erpBefore.get(cacheResult('write')) ?? 0);
    // The reports subgraph was not asked: its calls stand still.
    const reportsAfter = await scrape('reports');
    expect(reportsAfter.get(calls('erp'))).toBe(reportsBefore.get(calls('erp')));
    expect(reportsAfter.get(calls('crm'))).toBe(reportsBefore.get(calls('crm')));

    // The same query again is answered from the cache: hits move, calls do not.
    await stack.resetCounts();
    const again = await stack.query(CUSTOMER_360, { first: 5 });
    expect(again.body).toEqual(first.body);
    const repeated = await stack.legacyCalls();
    expect(repeated.erp.roundTrips + repeated.crm.roundTrips).toBe(0);
    const erpAgain = await scrape('erp');
    expect(erpAgain.get(calls('erp'))).toBe(erpAfter.get(calls('erp')));
    expect(erpAgain.get(cacheResult('hit'))).toBeGreaterThan(erpAfter.get(cacheResult('hit')) ?? 0);
  });
});
