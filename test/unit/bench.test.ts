import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  authEnv,
  BENCH_SUBJECT,
  callerHeaders,
  FULL_ACCESS_SCOPES,
  openBenchAuth,
  subgraphHeaders,
} from '../../bench/auth.js';
import {
  A_WITHOUT_SHARING,
  AUTH_VARIANTS,
  type AuthVariantId,
  CONFIG_IDS,
  CONFIGS,
  hiveConfigs,
} from '../../bench/configs.js';
import { escapeSoqlLike, formatAmount, mergeInteractions } from '../../bench/direct-client.js';
import {
  CurrencySums,
  type OpportunityRecord,
  overdueBefore,
  SalesSummaryTally,
  WalkDigest,
} from '../../bench/direct-reports.js';
import {
  answerHash,
  canonicalize,
  checkDegraded,
  criticalPathFloor,
  degradedDifference,
  errorCodesOf,
  herdRatio,
  legacyOperations,
  median,
  percentile,
  summarizeLatencies,
  weightedSequence,
  worstWindow,
} from '../../bench/measure.js';
import {
  parsePrometheusText,
  sumOf,
  sumWork,
  type WorkCounters,
  workCounters,
  workDone,
} from '../../bench/metrics.js';
import { instanceKey } from '../../bench/operations.js';
import {
  type AuthCostRow,
  authCostMarkdown,
  behindWhere,
  checkTargets,
  coldFloorTarget,
  dashboardCells,
  dashboardTarget,
  type FaultRow,
  faultCells,
  faultTarget,
  type HerdRoundResult,
  herdRow,
  herdTarget,
  type ReportingOperation,
  type ReportingRun,
  type ReportingSide,
  type Row,
  readAuthRatio,
  reportingMarkdown,
  reportingRow,
  reportingTargets,
  sharingTableRows,
  summarizeAuthCost,
  twoStandardErrors,
  workMarkdown,
} from '../../bench/report.js';
import { firstDifference, reportingPlan } from '../../bench/reporting.js';
import {
  AUTH_COST_MAX_REQUESTS,
  AUTH_COST_SCENARIOS,
  authVariantOrder,
  FAULT,
  FlagError,
  faultConfigs,
  hotPathSlices,
  parseFlags,
  rowBounds,
  WITHOUT_SHARING_SCENARIOS,
  withFaultBudget,
} from '../../bench/run.js';
import { buildScenario, DASHBOARD_BOUNDS, disjointPages } from '../../bench/scenarios.js';
import {
  allPorts,
  authVariantPorts,
  BENCH_RATE_LIMIT,
  HIVE_CONFIG,
  hiveSupergraphFile,
  portsFor,
  stackEnv,
  withoutSharingPorts,
} from '../../bench/stack.js';
import { gatewayConfigFromEnv } from '../../gateway/config.js';
import { Simulator } from '../../legacy/sim/simulator.js';
import { authConfigFromEnv } from '../../lib/auth/config.js';
import { SCOPES } from '../../lib/auth/principal.js';
import { createAuthenticator, secretMatches } from '../../lib/auth/verifier.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { ConfigError } from '../../lib/env.js';

describe('percentiles', () => {
  it('uses the nearest rank, so every figure is a latency that was seen', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('refuses no values and percentiles outside (0, 100]', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
    expect(() => percentile([1], 0)).toThrow(RangeError);
    expect(() => percentile([1], 101)).toThrow(RangeError);
  });

  it('summarises unsorted latencies and says null for none', () => {
    expect(summarizeLatencies([])).toBeNull();
    const summary = summarizeLatencies([30, 10, 20, 40]);
    expect(summary).toEqual({ count: 4, min: 10, mean: 25, p50: 20, p95: 40, p99: 40, max: 40 });
  });
});

describe('answer canonicalisation', () => {
  it('ignores key order and opaque cursors but keeps list order and values', () => {
    const a = {
      customers: {
        edges: [{ cursor: 'x1', node: { id: '1', name: 'A' } }],
        pageInfo: { endCursor: 'x1', hasNextPage: true },
      },
    };
    const b = {
      customers: {
        pageInfo: { hasNextPage: true, endCursor: 'other' },
        edges: [{ node: { name: 'A', id: '1' }, cursor: 'y' }],
      },
    };
    expect(answerHash(a)).toBe(answerHash(b));
    expect(canonicalize(a)).toEqual({
      customers: { edges: [{ node: { id: '1', name: 'A' } }], pageInfo: { hasNextPage: true } },
    });
  });

  it('tells apart different data, list order, null from absent, and number from string', () => {
    const base = { list: [{ id: 1 }, { id: 2 }], amount: '1.00', note: null };
    expect(answerHash({ ...base, list: [{ id: 2 }, { id: 1 }] })).not.toBe(answerHash(base));
    expect(answerHash({ ...base, amount: '1.0' })).not.toBe(answerHash(base));
    expect(answerHash({ list: base.list, amount: base.amount })).not.toBe(answerHash(base));
    expect(answerHash({ ...base, list: [{ id: '1' }, { id: 2 }] })).not.toBe(answerHash(base));
  });
});

describe('critical-path floor over merged traces', () => {
  it('counts calls made one after another across both systems', () => {
    // ERP 0-30, then CRM 30-60 (started when the ERP answered), then ERP 61-90.
    const erp = [
      { start: 0, end: 30 },
      { start: 61, end: 90 },
    ];
    const crm = [{ start: 30, end: 60 }];
    expect(criticalPathFloor([erp, crm], 30)).toEqual({ depth: 3, floorMs: 90 });
    // Each system alone sees a shallower chain: the merge is what makes the floor honest.
    expect(criticalPathFloor([erp], 30).depth).toBe(2);
    expect(criticalPathFloor([crm], 30).depth).toBe(1);
  });

  it('counts calls that overlap as parallel', () => {
    const erp = [
      { start: 0, end: 30 },
      { start: 1, end: 31 },
    ];
    const crm = [{ start: 2, end: 33 }];
    expect(criticalPathFloor([erp, crm], 30)).toEqual({ depth: 1, floorMs: 30 });
  });

  it('treats a call still in flight as running to the end', () => {
    const erp = [
      { start: 0, end: null },
      { start: 10, end: 20 },
      { start: 25, end: 35 },
    ];
    expect(criticalPathFloor([erp, []], 10).depth).toBe(2);
    expect(criticalPathFloor([[], []], 30)).toEqual({ depth: 0, floorMs: 0 });
  });
});

describe("the stand-ins' trace export", () => {
  it('gives wall-clock intervals that merge into the same depth the stand-in reports', async () => {
    const sim = new Simulator(() => {});
    const request = {} as IncomingMessage;
    const answer = () => new EventEmitter() as unknown as ServerResponse;
    const before = Date.now();
    const first = answer();
    await sim.admit(request, first, 'GET /a');
    expect(sim.getTrace().roundTrips[0]?.end).toBeNull();
    first.emit('close');
    const second = answer();
    await sim.admit(request, second, 'GET /b');
    second.emit('close');
    const trace = sim.getTrace().roundTrips;
    expect(trace).toHaveLength(2);
    for (const trip of trace) {
      expect(trip.start).toBeGreaterThanOrEqual(before - 1);
      expect(trip.start).toBeLessThanOrEqual(Date.now() + 1);
      expect(trip.end).not.toBeNull();
    }
    expect(criticalPathFloor([trace], 30).depth).toBe(sim.getStats().sequentialDepth);
    sim.reset();
    expect(sim.getTrace().roundTrips).toEqual([]);
  });
});

describe('legacy operations inside envelopes', () => {
  it('counts each part of a $batch or composite as an operation and the envelope as none', async () => {
    const sim = new Simulator(() => {});
    const request = {} as IncomingMessage;
    const answer = () => new EventEmitter() as unknown as ServerResponse;
    // One $batch of three parts, one composite of two, one plain GET: three round trips.
    await sim.admit(request, answer(), 'POST /$batch');
    for (let i = 0; i < 3; i += 1) sim.count('GET /salesOrders');
    await sim.admit(request, answer(), 'composite');
    for (let i = 0; i < 2; i += 1) sim.count('query');
    await sim.admit(request, answer(), 'GET /items');
    const stats = sim.getStats();
    expect(stats.roundTrips).toBe(3);
    expect(stats.total).toBe(8);
    expect(legacyOperations(stats)).toBe(6);
    expect(legacyOperations({ total: 4, byRoute: { 'GET /customers': 4 } })).toBe(4);
  });
});

describe('the fault row: a degraded answer (issue 12)', () => {
  const full = {
    customers: {
      edges: [
        { cursor: 'a', node: { name: 'Ada', erp: { balance: '10.00', orders: [{ no: 1 }] } } },
        { cursor: 'b', node: { name: 'Bo', erp: { balance: '0.00', orders: [] } } },
      ],
    },
  };
  const timeout = { message: 'ERP too slow', extensions: { code: 'LEGACY_TIMEOUT', system: 'ERP' } };
  const expectation = { reference: full, codes: ['LEGACY_TIMEOUT', 'LEGACY_UNAVAILABLE'], system: 'ERP' };
  const open = {
    message: 'ERP refused',
    extensions: { code: 'LEGACY_UNAVAILABLE', system: 'ERP', reason: 'CIRCUIT_OPEN' },
  };
  const degraded = {
    customers: {
      edges: [
        { cursor: 'x', node: { name: 'Ada', erp: null } },
        { cursor: 'y', node: { name: 'Bo', erp: null } },
      ],
    },
  };

  it("accepts the slow system's fields null with its coded error, the other's data all there", () => {
    expect(checkDegraded({ data: degraded, errors: [timeout] }, expectation)).toEqual({ kind: 'ok' });
    // The full answer with the error is fine too (an answer in time for some customers).
    expect(checkDegraded({ data: full, errors: [timeout] }, expectation)).toEqual({ kind: 'ok' });
    // Once the ERP's breaker is open, its calls are refused at once: as degraded, and as expected.
    expect(checkDegraded({ data: degraded, errors: [open, open] }, expectation)).toEqual({ kind: 'ok' });
  });

  it('refuses a missing or other error, lost records, and values other than the full answer', () => {
    expect(checkDegraded({ data: degraded }, expectation)).toEqual({
      kind: 'error',
      detail: 'no LEGACY_TIMEOUT ERP or LEGACY_UNAVAILABLE ERP error (errors: none)',
    });
    const other = { message: 'x', extensions: { code: 'LEGACY_TIMEOUT', system: 'CRM' } };
    expect(
      checkDegraded({ data: degraded, errors: [other, other, { message: 'y' }] }, expectation),
    ).toMatchObject({
      kind: 'error',
      detail: 'no LEGACY_TIMEOUT ERP or LEGACY_UNAVAILABLE ERP error (errors: LEGACY_TIMEOUT CRM, no code)',
    });
    expect(checkDegraded({ data: null, errors: [timeout] }, expectation).kind).toBe('error');
    expect(checkDegraded({ data: { customers: null }, errors: [timeout] }, expectation)).toMatchObject({
      kind: 'mismatch',
      detail: 'data.customers: null (a root field must be there)',
    });
    const oneLost = { customers: { edges: [degraded.customers.edges[0]] } };
    expect(degradedDifference(oneLost, full)).toBe(
      'data.customers.edges: 1 entries where the full answer has 2',
    );
    const renamed = structuredClone(degraded);
    (renamed.customers.edges[1] as { node: { name: string } }).node.name = 'Bob';
    expect(degradedDifference(renamed, full)).toBe(
      'data.customers.edges[1].node.name: "Bob" where the full answer has "Bo"',
    );
    expect(degradedDifference({ customers: { edges: [null, null] } }, full)).toBe(
      'data.customers.edges[0]: null entry',
    );
    // An entry with nothing left in it (its node nulled) has lost the other system's record too.
    const emptied = { customers: { edges: [{ cursor: 'x', node: null }, degraded.customers.edges[1]] } };
    expect(degradedDifference(emptied, full)).toBe('data.customers.edges[0]: no value left in the entry');
  });

  it('counts the errors by code and system', () => {
    expect(errorCodesOf([timeout, { message: 'z' }, { extensions: { code: 'TIMEOUT' } }])).toEqual([
      'LEGACY_TIMEOUT ERP',
      'no code',
      'TIMEOUT',
    ]);
    expect(errorCodesOf(undefined)).toEqual([]);
  });

  it('judges A and B on answers all degraded as expected within budget + 100 ms; D is shown only', () => {
    const faultRow = (config: Row['config'], p99: number, ok = 40, judged = true): FaultRow => ({
      row: {
        config,
        scenario: 'c360-10',
        customers: 1000,
        calibration: {
          operations: 1,
          erpRoundTrips: 1,
          crmRoundTrips: 2,
          erpRequests: 3,
          crmRequests: 2,
          depth: 2,
          floorMs: 3030,
          latencyMs: 1020,
          failures: 0,
        },
        load: {
          concurrency: 8,
          started: 40,
          completed: 40,
          ok,
          errors: 40 - ok,
          mismatches: 0,
          unfinished: 0,
          durationMs: 6000,
          okPerSecond: ok / 6,
          latency: { count: ok, min: 1000, mean: 1010, p50: 1010, p95: p99, p99, max: p99 },
          roundTripsPerOperation: 3,
          failureSamples: [],
          errorCodes: ok > 0 ? { 'LEGACY_TIMEOUT ERP': ok } : {},
        },
        p50OverFloor: null,
        gatewayPeakRssMiB: 200,
      },
      slowSystem: 'ERP',
      slowLatencyMs: 3000,
      budgetMs: 1000,
      expectedCodes: ['LEGACY_TIMEOUT', 'LEGACY_UNAVAILABLE'],
      judged,
    });
    const met = faultTarget([faultRow('A', 1050), faultRow('B', 1100), faultRow('D', 3200, 0, false)]);
    expect(met.met).toBe(true);
    expect(met.target).toContain('ERP 3000 ms a call, budget 1000 ms');
    expect(met.detail).toContain(
      'A: 40 of 40 degraded as expected, p99 1050 ms; errors seen: LEGACY_TIMEOUT ERP ×40',
    );
    expect(met.detail).toContain('D (shown, not judged): 0 of 40');
    expect(faultTarget([faultRow('A', 1101), faultRow('B', 1000)]).met).toBe(false);
    expect(faultTarget([faultRow('A', 1000, 39), faultRow('B', 1000)]).met).toBe(false);
    expect(faultTarget([]).met).toBeNull();
    expect(faultCells(faultRow('D', 3200, 0, false))).toEqual([
      'D (shown)',
      '1000',
      '1020',
      '40',
      '0',
      '40',
      '0',
      '0.0',
      '1010',
      '3200',
      'no',
      'none',
    ]);
    // Only when the run measured the fault rows is the target in the list.
    expect(checkTargets([]).some((c) => c.target.startsWith('Fault'))).toBe(false);
    expect(
      checkTargets([], [], [], [], { fault: [] }).find((c) => c.target.startsWith('Fault'))?.met,
    ).toBeNull();
  });

  it('gives A and B the budget as GATEWAY_OPERATION_BUDGET_MS and Hive its upstream timeout', async () => {
    expect(faultConfigs(CONFIG_IDS)).toEqual(['A', 'B', 'D']);
    expect(faultConfigs(['B', 'E'])).toEqual(['B']);
    expect(withFaultBudget(CONFIGS.B).gatewayEnv).toEqual({
      ...CONFIGS.B.gatewayEnv,
      GATEWAY_OPERATION_BUDGET_MS: String(FAULT.budgetMs),
    });
    expect(withFaultBudget(CONFIGS.D).gatewayEnv).toEqual({
      HIVE_UPSTREAM_TIMEOUT_MS: String(FAULT.budgetMs),
    });
    expect(FAULT.slowLatencyMs).toBeGreaterThan(FAULT.budgetMs);
    // The file reads the secret when loaded (as Hive loads it): one is set for the import.
    const before = process.env.SUBGRAPH_SHARED_SECRET;
    process.env.SUBGRAPH_SHARED_SECRET = 's'.repeat(40);
    const { upstreamTimeoutFrom } = (await import(
      `${pathToFileURL(join(process.cwd(), HIVE_CONFIG)).href}?upstream`
    ).finally(() => {
      if (before === undefined) delete process.env.SUBGRAPH_SHARED_SECRET;
      else process.env.SUBGRAPH_SHARED_SECRET = before;
    })) as { upstreamTimeoutFrom(raw: string | undefined): Record<string, number> };
    expect(upstreamTimeoutFrom(undefined)).toEqual({});
    expect(upstreamTimeoutFrom('1000')).toEqual({ upstreamTimeout: 1000 });
    expect(() => upstreamTimeoutFrom('soon')).toThrow(/HIVE_UPSTREAM_TIMEOUT_MS/);
  });
});

describe('weighted mix', () => {
  it('gives each operation its weight in every window of sum(weights) picks, spread out', () => {
    const next = weightedSequence([3, 2, 1]);
    const picks = Array.from({ length: 12 }, () => next());
    for (const window of [picks.slice(0, 6), picks.slice(6)]) {
      expect(window.filter((p) => p === 0)).toHaveLength(3);
      expect(window.filter((p) => p === 1)).toHaveLength(2);
      expect(window.filter((p) => p === 2)).toHaveLength(1);
    }
    expect(picks.slice(0, 2)).not.toEqual([0, 0]);
  });

  it('refuses weights that are not positive integers', () => {
    expect(() => weightedSequence([])).toThrow(RangeError);
    expect(() => weightedSequence([1, 0])).toThrow(RangeError);
    expect(() => weightedSequence([1.5])).toThrow(RangeError);
  });
});

describe('scenarios', () => {
  const numbered = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const pools = {
    deepCustomerIds: ['c1', 'c2', 'c3'],
    searchTerms: ['alpha', 'beta'],
    warmUpCustomerIds: ['w1'],
    warmUpSearchTerms: ['omega'],
    dashboardCustomerIds: numbered('d', 25),
    dashboardSearchTerms: numbered('s', 25),
    herdSearchTerms: numbered('h', 7),
  };

  it('sends the exact Customer360 operation and pools of distinct variables', () => {
    expect(buildScenario('c360-100', pools).operations).toEqual([
      { weight: 1, instances: [{ kind: 'customer360', variables: { first: 100 } }] },
    ]);
    expect(buildScenario('deep', pools).operations[0]?.instances.map((i) => i.variables.id)).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
    expect(buildScenario('repeat', pools).operations[0]?.instances).toEqual([
      { kind: 'customerDeep', variables: { id: 'c1' } },
    ]);
    expect(buildScenario('mixed', pools).operations.map((op) => op.weight)).toEqual([3, 2, 1, 3, 3]);
  });

  it('gives the dashboard 16 connections over 40 distinct variants: 20 Customer360 searches, 20 customer details', () => {
    const dashboard = buildScenario('dashboard', pools);
    expect(dashboard.concurrency).toBe(16);
    const instances = dashboard.operations.flatMap((op) => op.instances);
    expect(new Set(instances.map(instanceKey)).size).toBe(40);
    expect(dashboard.operations.map((op) => [op.weight, op.instances.length])).toEqual([
      [1, 20],
      [1, 20],
    ]);
    expect(dashboard.operations[0]?.instances[0]).toEqual({
      kind: 'customer360Search',
      variables: { search: 's0', first: 10 },
    });
    expect(dashboard.operations[1]?.instances[0]).toEqual({ kind: 'customerDeep', variables: { id: 'd0' } });
    expect(buildScenario('dashboard', { ...pools, dashboardSearchTerms: [] }).operations).toHaveLength(1);
  });

  it("runs the dashboard past a TTL (10 s) on bounds of its own, the flags' elsewhere and in a quick run", () => {
    const dashboard = buildScenario('dashboard', pools);
    expect(DASHBOARD_BOUNDS.maxDurationMs).toBeGreaterThan(10_000);
    expect(rowBounds(parseFlags([]), dashboard)).toEqual({ maxRequests: 40_000, maxDurationMs: 15_000 });
    expect(rowBounds(parseFlags([]), buildScenario('repeat', pools))).toEqual({
      maxRequests: 1500,
      maxDurationMs: 6000,
    });
    expect(rowBounds(parseFlags(['--quick']), dashboard)).toEqual({ maxRequests: 32, maxDurationMs: 1000 });
    // A longer --duration still lengthens it; a shorter one does not cut it before the TTL.
    expect(rowBounds(parseFlags(['--duration', '30']), dashboard).maxDurationMs).toBe(30_000);
    expect(rowBounds(parseFlags(['--duration', '2']), dashboard).maxDurationMs).toBe(15_000);
  });

  it('gives the herd three rounds of 16, each a lone variant and a twin no round asked before', () => {
    const herd = buildScenario('herd', pools);
    expect(herd.herd?.size).toBe(16);
    expect(herd.herd?.rounds.map((r) => [r.lone.variables.search, r.burst.variables.search])).toEqual([
      ['h0', 'h1'],
      ['h2', 'h3'],
      ['h4', 'h5'],
    ]);
    // Every variant is among the operations, so each gets a reference answer.
    expect(herd.operations[0]?.instances).toHaveLength(6);
    expect(buildScenario('herd', { ...pools, herdSearchTerms: ['x'] }).herd?.rounds).toEqual([]);
  });

  it("picks herd searches whose pages share no account with each other's or the warm-up's", () => {
    const pages: Record<string, string[]> = { a: ['1', '2'], b: ['2', '3'], c: ['4'], d: ['9'], e: ['5'] };
    expect(disjointPages(['a', 'b', 'c', 'd', 'e'], (term) => pages[term] ?? [], ['9'], 3)).toEqual([
      'a',
      'c',
      'e',
    ]);
  });
});

describe("the servers' counts of identical work done once (issue 14)", () => {
  const gatewayText = [
    '# HELP customer_graph_operations_executed_total Operations the gateway executed.',
    '# TYPE customer_graph_operations_executed_total counter',
    'customer_graph_operations_executed_total 12',
    'customer_graph_operations_coalesced_total 30',
    'customer_graph_subgraph_fetches_deduplicated_total{subgraph="erp"} 4',
    'customer_graph_subgraph_fetches_deduplicated_total{subgraph="crm"} 5 1700000000000',
    'customer_graph_response_cache_refreshes_total{outcome="started"} 2',
    'customer_graph_response_cache_refreshes_total{outcome="succeeded"} 2',
    'not a sample line {',
  ].join('\n');
  const legacyText = (started: number) =>
    `customer_graph_legacy_cache_refreshes_total{outcome="started"} ${started}\ncustomer_graph_legacy_cache_refreshes_total{outcome="skipped"} 7\n`;

  it('parses Prometheus text: labels with escapes, timestamps, special values; skips comments and bad lines', () => {
    expect(
      parsePrometheusText(
        'a_total{path="x\\"y\\\\z",b="1"} 3\n# comment\nb NaN\nc{} +Inf\nbroken{x="1} 2\nd 1e3 123\n',
      ),
    ).toEqual([
      { name: 'a_total', labels: { path: 'x"y\\z', b: '1' }, value: 3 },
      { name: 'b', labels: {}, value: Number.NaN },
      { name: 'c', labels: {}, value: Number.POSITIVE_INFINITY },
      { name: 'd', labels: {}, value: 1000 },
    ]);
  });

  it('sums a metric over its labels, and says null for a metric the server does not have', () => {
    const samples = parsePrometheusText(gatewayText);
    expect(sumOf(samples, 'customer_graph_subgraph_fetches_deduplicated_total')).toBe(9);
    expect(sumOf(samples, 'customer_graph_response_cache_refreshes_total', { outcome: 'started' })).toBe(2);
    expect(sumOf(samples, 'customer_graph_response_cache_refreshes_total', { outcome: 'failed' })).toBe(0);
    expect(sumOf(samples, 'customer_graph_nothing_total')).toBeNull();
  });

  it('reads the gateway and every subgraph; refreshes are the response cache plus each legacy cache, started', () => {
    const counters = workCounters({
      gateway: parsePrometheusText(gatewayText),
      subgraphs: [parsePrometheusText(legacyText(3)), parsePrometheusText(legacyText(1)), null],
    });
    expect(counters).toEqual({
      coalesced: 30,
      executed: 12,
      deduplicatedFetches: 9,
      refreshes: 6,
      responseRefreshes: 2,
      legacyRefreshes: 4,
    });
  });

  it('says null where nobody counts: no gateway /metrics yet (404), Hive Gateway, caches off', () => {
    expect(workCounters({ gateway: null, subgraphs: [parsePrometheusText(legacyText(2))] })).toEqual({
      coalesced: null,
      executed: null,
      deduplicatedFetches: null,
      refreshes: 2,
      responseRefreshes: null,
      legacyRefreshes: 2,
    });
    expect(workCounters({ gateway: [], subgraphs: [[], null] }).refreshes).toBeNull();
  });

  it("adds up the herd's bursts, null where any burst's count is unknown", () => {
    const burst = { coalesced: 15, executed: 1, deduplicatedFetches: 0, refreshes: null };
    expect(sumWork([burst, burst, burst])).toEqual({
      coalesced: 45,
      executed: 3,
      deduplicatedFetches: 0,
      refreshes: null,
      responseRefreshes: null,
      legacyRefreshes: null,
    });
    expect(sumWork([]).executed).toBeNull();
  });

  it("gives a row's work as after − before, null where either end is unknown", () => {
    expect(
      workDone(
        { coalesced: 3, executed: 10, deduplicatedFetches: null, refreshes: 0 },
        { coalesced: 18, executed: 11, deduplicatedFetches: 4, refreshes: 2 },
      ),
    ).toEqual({
      coalesced: 15,
      executed: 1,
      deduplicatedFetches: null,
      refreshes: 2,
      // Counts a result from before them lacks are unknown, not 0.
      responseRefreshes: null,
      legacyRefreshes: null,
    });
  });
});

/** A herd round of 16 at once on 16 connections, every answer right but `failures`. */
const herdRound = (loneMs: number, burstWallMs: number, failures = 0): HerdRoundResult => ({
  loneVariables: { search: 'a', first: 10 },
  burstVariables: { search: 'b', first: 10 },
  loneMs,
  burstWallMs,
  ratio: herdRatio(burstWallMs, loneMs),
  loneRoundTrips: 9,
  burstRoundTrips: 9,
  openConnections: 16,
  ok: 17 - failures,
  failures,
  failureSamples: failures > 0 ? ['at once: wrong'] : [],
});

describe('the herd (issue 14)', () => {
  it('divides the burst wall time by the lone latency, and refuses a lone latency of 0', () => {
    expect(herdRatio(1156, 179)).toBeCloseTo(6.46, 2);
    expect(herdRatio(200, 200)).toBe(1);
    expect(() => herdRatio(100, 0)).toThrow(RangeError);
  });

  it('finds the slowest whole second after the first: the cold first second and the cut last one are no dip', () => {
    // 4.5 s of load: seconds 0..3 are whole, second 4 is cut by the end.
    expect(worstWindow([40, 300, 250, 310, 10], 4500)).toEqual({ second: 2, reqPerSecond: 250 });
    // A second in which nothing was answered counts 0.
    expect(worstWindow([40, 300, 0, 310], 4000)).toEqual({ second: 2, reqPerSecond: 0 });
    expect(worstWindow([40, 300, 250, 310], 4000)).toEqual({ second: 2, reqPerSecond: 250 });
    expect(worstWindow([40, 300, 5], 1999)).toBeNull();
    // The dashboard looks from 8 s on, where entries cross their TTL: a slow cold start is not it.
    const slowStart = [5, 20, 300, 320, 310, 300, 330, 310, 300, 290, 120, 250, 300, 310, 320, 9];
    expect(worstWindow(slowStart, 15_010)).toEqual({ second: 1, reqPerSecond: 20 });
    expect(worstWindow(slowStart, 15_010, 8)).toEqual({ second: 10, reqPerSecond: 120 });
    expect(worstWindow(slowStart, 6000, 8)).toBeNull();
    expect(worstWindow([], 0)).toBeNull();
  });

  it('takes the median of the rounds (the mean of the middle two for an even count)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it("judges A's median ratio against 1.5×, and a failed answer as short", () => {
    const work = { coalesced: 45, executed: 6, deduplicatedFetches: 0, refreshes: 0 };
    const a = herdRow(
      { config: 'A', customers: 1000, size: 16 },
      [herdRound(180, 200), herdRound(170, 400), herdRound(190, 210)],
      work,
    );
    expect(a.medianRatio).toBeCloseTo(200 / 180, 5);
    const b = herdRow({ config: 'B', customers: 1000, size: 16 }, [herdRound(180, 1100)], null);
    const met = herdTarget([a, b]);
    expect(met.met).toBe(true);
    expect(met.detail).toContain('B: median 6.11×');
    const failing = herdRow({ config: 'A', customers: 1000, size: 16 }, [herdRound(180, 200, 1)], work);
    expect(herdTarget([failing]).met).toBe(false);
    expect(herdTarget([b]).met).toBeNull();
    expect(checkTargets([], [], [], [failing]).find((c) => c.target.startsWith('Every answer'))?.met).toBe(
      false,
    );
  });
});

describe('the direct client (configuration E) pure pieces', () => {
  it('merges tasks and events newest first, a task winning a tie, as the CRM subgraph does', () => {
    const merged = mergeInteractions(
      [
        { Id: 't1', Subject: 'call', ActivityDate: '2026-05-02', TaskSubtype: 'Call' },
        { Id: 't2', Subject: 'todo', ActivityDate: '2026-04-01', TaskSubtype: null },
      ],
      [
        { Id: 'e1', Subject: 'meet', ActivityDateTime: '2026-05-03T09:30:00.000+0000', StartDateTime: null },
        { Id: 'e2', Subject: 'tie', ActivityDateTime: '2026-05-02T00:00:00.000+0000', StartDateTime: null },
      ],
      3,
    );
    expect(merged).toEqual([
      { type: 'EVENT', subject: 'meet', occurredAt: '2026-05-03T09:30:00.000Z' },
      { type: 'CALL', subject: 'call', occurredAt: '2026-05-02' },
      { type: 'EVENT', subject: 'tie', occurredAt: '2026-05-02T00:00:00.000Z' },
    ]);
  });

  it('writes amounts as exact two-place decimals and escapes LIKE patterns', () => {
    expect(formatAmount(12.5)).toBe('12.50');
    expect(formatAmount(-0.001)).toBe('0.00');
    expect(formatAmount(1234567.891)).toBe('1234567.89');
    expect(escapeSoqlLike("O'Brien 100%_\\")).toBe("O\\'Brien 100\\%\\_\\\\");
  });
});

describe('flags', () => {
  it('has bounded defaults and a quick mode', () => {
    const full = parseFlags([]);
    expect(full.scaleCustomers).toBe(100_000);
    expect(full.configs).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    const quick = parseFlags(['--quick', '--configs', 'a,e', '--latency', '10']);
    expect(quick.scaleCustomers).toBeNull();
    // The herd first: every stack is fresh for it without a restart.
    expect(quick.scenarios).toEqual(['herd', 'c360-1', 'c360-10', 'search', 'dashboard', 'c360-100']);
    expect(quick.configs).toEqual(['A', 'E']);
    expect(quick.latencyMs).toBe(10);
  });

  it('refuses unknown flags and bad values, naming them', () => {
    expect(() => parseFlags(['--fast'])).toThrow(FlagError);
    expect(() => parseFlags(['--latency', '-1'])).toThrow(/--latency/);
    expect(() => parseFlags(['--configs', 'A,G'])).toThrow(/G/);
    expect(() => parseFlags(['--scenarios', 'everything'])).toThrow(/everything/);
  });

  it('measures the cost of authentication in two rounds, one in a quick run, none with --auth-rounds 0', () => {
    expect(parseFlags([]).authCostRounds).toBe(2);
    expect(parseFlags(['--quick']).authCostRounds).toBe(1);
    expect(parseFlags(['--auth-rounds', '0']).authCostRounds).toBe(0);
    expect(() => parseFlags(['--auth-rounds', 'two'])).toThrow(/--auth-rounds/);
    expect(() => parseFlags(['--auth-rounds', '21'])).toThrow(/--auth-rounds/);
  });
});

describe("the bench's callers authenticate as the product's do", () => {
  const workDir = mkdtempSync(join(tmpdir(), 'bench-auth-'));
  const opened = openBenchAuth(workDir);

  it("keeps the issuer's keys in its own directory and mints one long-lived full-access token", async () => {
    const auth = await opened;
    expect(auth.jwksPath).toBe(join(workDir, 'auth', 'jwks.json'));
    expect(JSON.parse(readFileSync(auth.jwksPath, 'utf8')).keys).toHaveLength(1);
    expect(auth.subgraphSecret.length).toBeGreaterThanOrEqual(32);
    const claims = decodeJwt(auth.token);
    expect(claims.sub).toBe(BENCH_SUBJECT);
    expect(String(claims.scope).split(' ').sort()).toEqual([...FULL_ACCESS_SCOPES].sort());
    expect(FULL_ACCESS_SCOPES).not.toContain(SCOPES.salesOwn);
    expect(FULL_ACCESS_SCOPES).toContain(SCOPES.customerRead);
    // A full run takes minutes, each row at most an hour: the token outlives any run.
    expect((claims.exp as number) - (claims.iat as number)).toBeGreaterThanOrEqual(24 * 3600);
  });

  it('gives every process settings the product accepts in production, and its token verifies under them', async () => {
    const auth = await opened;
    const env = stackEnv(auth);
    expect(env).toMatchObject({ NODE_ENV: 'production', AUTH_MODE: 'jwt', LOG_LEVEL: 'warn' });
    const config = authConfigFromEnv(env, { production: true, dataDir: join(workDir, 'unused') });
    expect(config).toMatchObject({
      mode: 'jwt',
      keys: { kind: 'jwks-file', path: auth.jwksPath },
      issuer: auth.issuer,
      audience: auth.audience,
      subgraphSecret: auth.subgraphSecret,
    });
    const principal = await createAuthenticator(config).authenticate({
      headers: callerHeaders(auth),
    } as unknown as IncomingMessage);
    expect(principal.subject).toBe(BENCH_SUBJECT);
    expect([...principal.scopes].sort()).toEqual([...FULL_ACCESS_SCOPES].sort());
    const toSubgraph = subgraphHeaders(auth);
    expect(toSubgraph.authorization).toBe(`Bearer ${auth.token}`);
    expect(secretMatches(toSubgraph['x-gateway-secret'], config.subgraphSecret)).toBe(true);
  });

  it('runs AUTH_MODE=off only under NODE_ENV=development, which the product requires', async () => {
    const auth = await opened;
    const off = AUTH_VARIANTS.find((v) => v.id === 'off-development');
    expect(off?.setting).toEqual({ mode: 'off', nodeEnv: 'development' });
    const env = stackEnv(auth, off?.setting);
    expect(env).toMatchObject({ NODE_ENV: 'development', AUTH_MODE: 'off' });
    expect(authConfigFromEnv(env, { production: false }).mode).toBe('off');
    expect(() => authConfigFromEnv(authEnv(auth, 'off'), { production: true })).toThrow(ConfigError);
    // The variants differ only where they say: the with-token ones verify as shipped.
    for (const variant of AUTH_VARIANTS.filter((v) => v.setting.mode === 'jwt')) {
      expect(stackEnv(auth, variant.setting).AUTH_JWKS_FILE).toBe(auth.jwksPath);
    }
  });

  it("keeps the gateway's per-caller rate limit in the path but out of the one caller's reach", () => {
    // The whole run is one subject; the longest row sends at most a million requests.
    expect(Number(BENCH_RATE_LIMIT)).toBeGreaterThanOrEqual(1_000_000);
  });
});

describe('Hive cold (F)', () => {
  it("runs Hive Gateway over B's subgraphs (cache off), as D runs it over A's", () => {
    expect(CONFIGS.F.gateway).toBe('hive');
    expect(CONFIGS.F.subgraphEnv).toEqual(CONFIGS.B.subgraphEnv);
    expect(CONFIGS.F.caches).toBe(false);
    expect(CONFIGS.D.subgraphEnv).toEqual(CONFIGS.A.subgraphEnv);
    expect(hiveConfigs(CONFIG_IDS)).toEqual(['D', 'F']);
    expect(hiveConfigs(['A', 'B', 'E'])).toEqual([]);
    // Each Hive stack loads a supergraph pointing at its own subgraphs' ports.
    expect(hiveSupergraphFile('/logs', 'D')).not.toBe(hiveSupergraphFile('/logs', 'F'));
    expect(portsFor(4700, 'F').subgraphs.erp).not.toBe(portsFor(4700, 'D').subgraphs.erp);
  });
});

describe('Hive Gateway configuration (D)', () => {
  const load = async (secret: string | undefined, fresh: string) => {
    const before = process.env.SUBGRAPH_SHARED_SECRET;
    if (secret === undefined) delete process.env.SUBGRAPH_SHARED_SECRET;
    else process.env.SUBGRAPH_SHARED_SECRET = secret;
    try {
      // A query makes a fresh module: the file reads the secret when loaded, as Hive loads it once.
      const url = `${pathToFileURL(join(process.cwd(), HIVE_CONFIG)).href}?${fresh}`;
      return (await import(url)) as {
        gatewayConfig: {
          propagateHeaders: {
            fromClientToSubgraphs(payload: { request: Request }): Record<string, string>;
          };
        };
      };
    } finally {
      if (before === undefined) delete process.env.SUBGRAPH_SHARED_SECRET;
      else process.env.SUBGRAPH_SHARED_SECRET = before;
    }
  };
  const secret = 's'.repeat(40);

  it("forwards the client's Authorization to every subgraph and adds the gateway secret", async () => {
    const { gatewayConfig } = await load(secret, 'with-secret');
    const propagate = gatewayConfig.propagateHeaders.fromClientToSubgraphs;
    const withToken = new Request('http://127.0.0.1/graphql', {
      method: 'POST',
      headers: { Authorization: 'Bearer abc.def.ghi', cookie: 'not forwarded' },
    });
    expect(propagate({ request: withToken })).toEqual({
      authorization: 'Bearer abc.def.ghi',
      'x-gateway-secret': secret,
    });
    // No token from the client: none is made up, the subgraph refuses the caller itself.
    expect(propagate({ request: new Request('http://127.0.0.1/graphql') })).toEqual({
      'x-gateway-secret': secret,
    });
  });

  it('refuses to load without a secret the subgraphs would accept', async () => {
    await expect(load(undefined, 'no-secret')).rejects.toThrow(/SUBGRAPH_SHARED_SECRET/);
    await expect(load('short', 'short-secret')).rejects.toThrow(/at least 32/);
  });
});

describe('targets', () => {
  const row = (
    config: Row['config'],
    scenario: Row['scenario'],
    over: Partial<Row['load']>,
    rt = 6,
  ): Row => ({
    config,
    scenario,
    customers: 1000,
    calibration: {
      operations: 1,
      erpRoundTrips: rt - 2,
      crmRoundTrips: 2,
      erpRequests: rt,
      crmRequests: 2,
      depth: 4,
      floorMs: 120,
      latencyMs: 130,
      failures: 0,
    },
    load: {
      concurrency: 8,
      started: 10,
      completed: 10,
      ok: 10,
      errors: 0,
      mismatches: 0,
      unfinished: 0,
      durationMs: 1000,
      okPerSecond: 10,
      latency: { count: 10, min: 100, mean: 130, p50: 130, p95: 140, p99: 150, max: 150 },
      roundTripsPerOperation: 6,
      failureSamples: [],
      ...over,
    },
    p50OverFloor: 130 / 120,
    gatewayPeakRssMiB: 150,
  });

  it("judges the dashboard against half of A's repeat and against D, with the servers' counts", () => {
    const work = { coalesced: 120, executed: 40, deduplicatedFetches: 7, refreshes: null };
    const dashboardA = { ...row('A', 'dashboard', { okPerSecond: 600 }), work };
    const repeatA = row('A', 'repeat', { okPerSecond: 1000 });
    const dashboardD = row('D', 'dashboard', { okPerSecond: 90 });
    const met = dashboardTarget([dashboardA, repeatA, dashboardD]);
    expect(met.met).toBe(true);
    expect(met.detail).toContain('0.60×');
    expect(met.detail).toContain('coalesced 120, executed 40, deduplicated fetches 7, refreshes —');
    const slowA = { ...dashboardA, load: { ...dashboardA.load, okPerSecond: 400 } };
    expect(dashboardTarget([slowA, repeatA]).met).toBe(false);
    expect(dashboardTarget([dashboardA, row('D', 'dashboard', { okPerSecond: 700 })]).met).toBe(false);
    // Ahead of D but repeat not measured (a run without it): not judged.
    expect(dashboardTarget([dashboardA, dashboardD]).met).toBeNull();
    expect(dashboardTarget([repeatA, dashboardD]).met).toBeNull();
  });

  describe('A without sharing (issue 14)', () => {
    const counts = (over: Partial<WorkCounters>): WorkCounters => ({
      coalesced: 0,
      executed: 0,
      deduplicatedFetches: 0,
      refreshes: 0,
      responseRefreshes: 0,
      legacyRefreshes: 0,
      ...over,
    });
    const meta = { config: 'A', customers: 1000, size: 16 } as const;
    const herdA = herdRow(meta, [herdRound(200, 220), herdRound(200, 240)], counts({ executed: 2 }));
    const herdOff = herdRow(meta, [herdRound(200, 1100), herdRound(200, 1300)], counts({ executed: 32 }));
    /** A's dashboard row over 15 s. */
    const dashboard = (load: Partial<Row['load']>, work: Partial<WorkCounters>) => ({
      ...row('A', 'dashboard', { durationMs: 15_020, ...load }),
      work: counts(work),
    });
    const dashboardA = dashboard(
      {
        okPerSecond: 600,
        okPerWindow: [200, 650, 640, 630, 620, 610, 600, 650, 640, 630, 580, 640, 650, 640, 630, 20],
        latency: { count: 9000, min: 2, mean: 25, p50: 20, p95: 60, p99: 100, max: 300 },
      },
      { executed: 78, refreshes: 30, responseRefreshes: 10, legacyRefreshes: 20 },
    );
    const dashboardOff = dashboard(
      {
        okPerSecond: 400,
        okPerWindow: [200, 450, 440, 430, 420, 410, 400, 450, 440, 430, 150, 440, 450, 440, 430, 20],
        latency: { count: 6000, min: 2, mean: 40, p50: 25, p95: 150, p99: 400, max: 900 },
      },
      { executed: 124, refreshes: 0, responseRefreshes: 0, legacyRefreshes: 0 },
    );

    it('turns off exactly the three mechanisms, as the gateway and the subgraphs read them; the caches stay on', () => {
      const gateway = gatewayConfigFromEnv(A_WITHOUT_SHARING.gatewayEnv);
      expect(gateway.sharing).toEqual({ coalesceOperations: false, deduplicateFetches: false });
      expect(gateway.responseCache.enabled).toBe(true);
      expect(gateway.responseCache.refreshAhead.percent).toBe(0);
      const shipped = gatewayConfigFromEnv(CONFIGS.A.gatewayEnv);
      expect(shipped.sharing).toEqual({ coalesceOperations: true, deduplicateFetches: true });
      expect(shipped.responseCache.refreshAhead.percent).toBeGreaterThan(0);
      const legacy = readLegacyCacheConfig(A_WITHOUT_SHARING.subgraphEnv);
      expect(legacy.mode).toBe('memory');
      expect(legacy.refreshAhead.percent).toBe(0);
      expect(readLegacyCacheConfig(CONFIGS.A.subgraphEnv).refreshAhead.percent).toBeGreaterThan(0);
      expect(WITHOUT_SHARING_SCENARIOS).toEqual(['herd', 'dashboard']);
    });

    it('gives the dashboard per configuration: req/s, its worst second and when, percentiles, refreshes by cache', () => {
      expect(dashboardCells(dashboardA)).toEqual([
        'A',
        '10',
        '15.0',
        '600.0',
        '580 (10–11 s)',
        '20',
        '60',
        '100',
        '10',
        '20',
      ]);
      // D: its gateway's counts are not ours; a result from before the windows has none.
      const d = { ...row('D', 'dashboard', {}), work: { ...counts({}), responseRefreshes: null } };
      expect(dashboardCells(d).slice(4)).toEqual(['—', '130', '140', '150', '—', '0']);
    });

    it('compares A as shipped with A without sharing: the herd ratios, the dashboard req/s and p99', () => {
      const table = sharingTableRows([dashboardA], [herdA], { rows: [dashboardOff], herd: herdOff });
      const byMeasure = Object.fromEntries(table.map(([measure, ...cells]) => [measure, cells]));
      // Medians 1.15× and 6.00×: their ratio is 0.19×.
      expect(byMeasure['herd: at once ÷ alone (median)']).toEqual(['1.15×', '6.00×', '0.19×']);
      expect(byMeasure['herd: executed (2 bursts)']).toEqual(['2', '32', '0.06×']);
      expect(byMeasure['dashboard: req/s']).toEqual(['600.0', '400.0', '1.50×']);
      expect(byMeasure['dashboard: p99 ms']).toEqual(['100', '400', '0.25×']);
      expect(byMeasure['dashboard: executed']).toEqual(['78', '124', '0.63×']);
      expect(byMeasure['dashboard: worst second from 8 s, req/s']).toEqual(['580', '150', '3.87×']);
      expect(byMeasure['dashboard: refreshes started (response + legacy)']).toEqual([
        '10 + 20',
        '0 + 0',
        '—',
      ]);
      // Nothing to compare: no variant measured (A not in --configs), or only one side of a pair.
      expect(sharingTableRows([dashboardA], [herdA], null)).toEqual([]);
      expect(sharingTableRows([], [], { rows: [dashboardOff], herd: herdOff })).toEqual([]);
    });

    it('writes both tables into the issue-14 section, the variant right after A, and says what it does not show', () => {
      const text = workMarkdown([dashboardA], [herdA], {
        quick: false,
        withoutSharing: { rows: [dashboardOff], herd: herdOff },
      }).join('\n');
      expect(text).toContain('**Dashboard over a TTL**');
      expect(text).toContain('| A without sharing | 10 | 15.0 | 400.0 | 150 (10–11 s) |');
      expect(text).toContain('A as shipped ÷ A without sharing');
      expect(text).toContain('- A without sharing: 200, 450, 440,');
      expect(text).toContain('What it does not: the issue\'s "before"');
      expect(workMarkdown([dashboardA], [herdA], { quick: false }).join('\n')).not.toContain(
        'What sharing buys',
      );
    });
  });

  it('reports where A is behind, with the figures, and what was not measured', () => {
    const checks = checkTargets([
      row('A', 'c360-10', { okPerSecond: 50 }),
      row('A', 'c360-100', { okPerSecond: 20 }, 7),
      row('D', 'c360-10', {
        okPerSecond: 5,
        latency: { count: 10, min: 100, mean: 300, p50: 300, p95: 400, p99: 500, max: 500 },
      }),
      row('D', 'c360-100', { okPerSecond: 30 }),
      // C (the naive subgraphs) is no longer a rival: A is not judged against it.
      row('C', 'c360-10', { okPerSecond: 500 }),
    ]);
    const byTarget = (start: string) => checks.find((c) => c.target.startsWith(start));
    expect(byTarget('Customer360 for 100')?.met).toBe(false);
    expect(byTarget('A ahead')?.met).toBe(false);
    expect(byTarget('A ahead')?.detail).toBe(
      '1 of 2 comparisons behind: A behind D on c360-100 in req/s and p99 (20.0 vs 30.0 req/s, p99 150 vs 150 ms)',
    );
    expect(byTarget('Cold p50')?.met).toBeNull();
    expect(byTarget('Warm')?.met).toBeNull();
    expect(byTarget('Every answer')?.met).toBe(true);
    expect(byTarget('Authentication cost')?.met).toBeNull();
  });

  it('judges A against D and E and B against F and E, saying who is behind where, in req/s or p99', () => {
    const p99 = (value: number) => ({
      count: 10,
      min: 1,
      mean: value,
      p50: value,
      p95: value,
      p99: value,
      max: value,
    });
    const { compared, behind } = behindWhere([
      row('A', 'search', { okPerSecond: 300, latency: p99(160) }),
      row('D', 'search', { okPerSecond: 120, latency: p99(150) }),
      row('E', 'search', { okPerSecond: 80, latency: p99(200) }),
      row('B', 'search', { okPerSecond: 60, latency: p99(150) }),
      row('F', 'search', { okPerSecond: 70, latency: p99(140) }),
      row('E', 'deep', { okPerSecond: 1 }),
      // Rows without load (a quick run's, over its bound) are not compared.
      row('A', 'c360-100', { started: 0, okPerSecond: 0, latency: null }),
      row('D', 'c360-100', { started: 0, okPerSecond: 0, latency: null }),
    ]);
    // A vs D, A vs E, B vs F, B vs E: E's deep row has no A or B beside it.
    expect(compared).toBe(4);
    expect(behind).toEqual([
      'A behind D on search in p99 (300.0 vs 120.0 req/s, p99 160 vs 150 ms)',
      'B behind F on search in req/s and p99 (60.0 vs 70.0 req/s, p99 150 vs 140 ms)',
      'B behind E on search in req/s (60.0 vs 80.0 req/s, p99 150 vs 200 ms)',
    ]);
  });

  it("judges cold Customer360 1 and 10 on B against the issue's floor (2 round trips × latency), alone and under load", () => {
    const b = (scenario: Row['scenario'], lone: number, p50: number) => {
      const r = row('B', scenario, {
        latency: { count: 10, min: 1, mean: p50, p50, p95: p50, p99: p50, max: p50 },
      });
      return { ...r, calibration: { ...r.calibration, latencyMs: lone, depth: 2 } };
    };
    // Floor 2 × 30 = 60 ms: at most 72 ms both alone and at p50 under load.
    const met = coldFloorTarget([b('c360-1', 65, 70), b('c360-10', 70, 72)], 30);
    expect(met.met).toBe(true);
    expect(met.detail).toContain('floor 2 × 30 ms = 60 ms');
    expect(met.detail).toContain(
      'c360-10: lone 70 ms (1.17×), p50 under load 72 ms (1.20×) at concurrency 8',
    );
    // Under load alone too slow is short, though one request alone is within.
    expect(coldFloorTarget([b('c360-1', 65, 70), b('c360-10', 70, 90)], 30).met).toBe(false);
    // The measured depth's floor does not count: B with depth 4 at 130 ms is short of 60 ms.
    expect(coldFloorTarget([row('B', 'c360-1', {})], 30).met).toBe(false);
    // Other scenarios and other configurations are not judged here.
    expect(coldFloorTarget([row('A', 'c360-1', {}), row('B', 'deep', {})], 30).met).toBeNull();
    expect(coldFloorTarget([b('c360-1', 65, 70)], undefined).met).toBeNull();
  });

  describe('authentication cost', () => {
    const rates: Record<AuthVariantId, number[]> = {
      'jwt-production': [90, 94],
      'jwt-development': [80, 84],
      'off-development': [100, 100],
    };
    const authRows = (scenario: Row['scenario'], over: Partial<Row['load']> = {}): AuthCostRow[] =>
      [0, 1].flatMap((round) =>
        authVariantOrder(AUTH_VARIANTS, round).map((variant) => ({
          variant: variant.id,
          round,
          row: row('A', scenario, { okPerSecond: rates[variant.id][round] as number, ...over }),
        })),
      );

    it('measures the hot path and a cold scenario, alternating the order of the variants by round', () => {
      expect(AUTH_COST_SCENARIOS).toContain('repeat');
      expect(AUTH_COST_SCENARIOS).toContain('deep');
      const ids = AUTH_VARIANTS.map((v) => v.id);
      expect(authVariantOrder(ids, 0)).toEqual(ids);
      expect(authVariantOrder(ids, 1)).toEqual([...ids].reverse());
      expect(authVariantOrder(ids, 2)).toEqual(ids);
    });

    it('gives req/s with and without, the ratios per round and of the means, hot path first', () => {
      const [hot, cold] = summarizeAuthCost([...authRows('deep'), ...authRows('repeat')]);
      expect(hot?.scenario).toBe('repeat');
      expect(cold?.scenario).toBe('deep');
      expect(hot?.variants['jwt-development'].okPerSecond).toEqual([80, 84]);
      expect(hot?.variants['jwt-development'].meanOkPerSecond).toBe(82);
      expect(hot?.authAlone.perRound).toEqual([0.8, 0.84]);
      expect(hot?.authAlone.mean).toBeCloseTo(0.82);
      expect(hot?.shippedVsOff.mean).toBeCloseTo(0.92);
      // 0.82 is 0.18 from 1, further than two standard errors of the rounds (0.04): they agree.
      expect(readAuthRatio(hot!.authAlone, true)).toBe('resolved');
      expect(readAuthRatio({ mean: 0.98, perRound: [0.95, 1.01] }, true)).toBe('unresolved');
      expect(readAuthRatio({ mean: 0.9, perRound: [0.9] }, true)).toBe('one-round');
      expect(readAuthRatio({ mean: null, perRound: [] }, true)).toBeNull();
      // Checking tokens cannot make A faster: above 1 is noise. NODE_ENV=production may, though.
      expect(readAuthRatio({ mean: 1.14, perRound: [1.12, 1.18] }, true)).toBe('noise-above-1');
      expect(readAuthRatio({ mean: 1.14, perRound: [1.12, 1.18] }, false)).toBe('resolved');
      // Many passes: the noise is the standard error, not the range of the passes.
      const passes = [0.8, 0.95, 0.85, 0.9, 0.88, 0.92];
      expect(twoStandardErrors([0.8, 0.84])).toBeCloseTo(0.04);
      expect(readAuthRatio({ mean: 0.88, perRound: passes }, true)).toBe('resolved');
    });

    it('is a target met with the figures when measured, and its wrong answers count as wrong', () => {
      const checks = checkTargets([], authRows('repeat'));
      const cost = checks.find((c) => c.target.startsWith('Authentication cost'));
      expect(cost?.met).toBe(true);
      expect(cost?.detail).toContain('AUTH_MODE=off 100.0 req/s');
      expect(cost?.detail).toContain('0.82×');
      const wrong = checkTargets([], authRows('repeat', { mismatches: 1 }));
      expect(wrong.find((c) => c.target.startsWith('Every answer'))?.met).toBe(false);
      expect(wrong.find((c) => c.target.startsWith('Every answer'))?.detail).toContain('A/repeat');
      expect(wrong.find((c) => c.target.startsWith('Authentication cost'))?.met).toBe(false);
    });

    it("says in the report what the off variant's NODE_ENV changes and what one token hides", () => {
      const options = { rounds: 2, quick: false, hot: { passes: 12, sliceMs: 1000, warmUpMs: 5000 } };
      const section = authCostMarkdown(summarizeAuthCost(authRows('repeat')), options).join('\n');
      expect(section).toContain('## Authentication cost');
      expect(section).toContain('NODE_ENV=development');
      expect(section).toContain('| repeat | off-development | 100.0, 100.0 | 100.0 |');
      expect(section).toContain('0.82× (rounds: 0.80×, 0.84×; 2 standard errors 0.04)');
      expect(section).toContain('ES256 verification per process per minute');
      expect(section).toContain('2 rounds, the order of the variants reversed');
      expect(section).toContain('12 passes of 1 s of load on each variant in turn');
      expect(section).toContain('loaded for 5 s unmeasured');
      expect(section).not.toContain('Quick run');
      const quick = authCostMarkdown(summarizeAuthCost(authRows('repeat')), {
        rounds: 1,
        quick: true,
        hot: { passes: 2, sliceMs: 1000, warmUpMs: 1000 },
      }).join('\n');
      expect(quick).toContain('one round');
      expect(quick).toContain('These ratios are noise');
      expect(authCostMarkdown([], options)).toEqual([]);
    });

    it('slices the hot path so every variant gets --duration of load per round, in turns', () => {
      expect(hotPathSlices({ quick: false, authCostRounds: 2, maxDurationMs: 6000 })).toEqual({
        passes: 12,
        sliceMs: 1000,
        warmUpMs: 5000,
      });
      expect(hotPathSlices({ quick: false, authCostRounds: 1, maxDurationMs: 500 })).toMatchObject({
        passes: 2,
        sliceMs: 500,
      });
      expect(hotPathSlices({ quick: true, authCostRounds: 1, maxDurationMs: 1000 })).toEqual({
        passes: 2,
        sliceMs: 1000,
        warmUpMs: 1000,
      });
      // Bounded by time only: the hot path would reach the usual request bound within seconds.
      expect(AUTH_COST_MAX_REQUESTS).toBeGreaterThanOrEqual(100_000);
    });

    it('puts A without sharing on ports of its own, after the authentication variants', () => {
      const others = new Set(
        [
          ...CONFIG_IDS.flatMap((id) => allPorts(portsFor(4700, id))),
          ...AUTH_VARIANTS.flatMap((_, i) => allPorts(authVariantPorts(4700, i))),
        ].filter((p) => p > 4702),
      );
      const own = allPorts(withoutSharingPorts(4700, AUTH_VARIANTS.length)).filter((p) => p > 4702);
      expect(own.filter((p) => others.has(p))).toEqual([]);
      // After the six configurations (base+10..60) and the three variants (base+70..90).
      expect(Math.min(...own)).toBe(4800);
    });

    it('puts the variant stacks on ports of their own, after the configurations', () => {
      const configPorts = new Set(
        CONFIG_IDS.flatMap((id) => allPorts(portsFor(4700, id))).filter((p) => p > 4702),
      );
      const variantPorts = AUTH_VARIANTS.flatMap((_, i) => allPorts(authVariantPorts(4700, i))).filter(
        (p) => p > 4702,
      );
      expect(new Set(variantPorts).size).toBe(variantPorts.length);
      expect(variantPorts.filter((p) => configPorts.has(p))).toEqual([]);
    });
  });
});

describe('the reporting section (issue 11)', () => {
  const usd = (amount: string) => ({ amount, currencyCode: 'USD' });
  const empty = {
    pipeline: [],
    weightedPipeline: [],
    openOpportunities: 0,
    won: [],
    wonOpportunities: 0,
    booked: [],
    orders: 0,
    invoiced: [],
    invoices: 0,
    paid: [],
    overdue: [],
  };

  describe("the REST client's sums", () => {
    const opportunity = (over: Partial<OpportunityRecord>): OpportunityRecord => ({
      Amount: 0,
      Probability: null,
      CurrencyIsoCode: 'USD',
      CloseDate: '2026-05-10',
      Owner: { Email: 'Ann@Example.com ' },
      ...over,
    });

    it('joins the ERP salespeople to the CRM owners by e-mail, weighting exactly and rounding once', () => {
      const tally = new SalesSummaryTally({
        from: '2026-05-01',
        to: '2026-05-31',
        groupBy: 'OWNER',
        localCurrencyCode: 'USD',
      });
      tally.addOpenOpportunity(opportunity({ Amount: 100.1, Probability: 25 }));
      tally.addOpenOpportunity(opportunity({ Amount: 33.33, Probability: 33.33 }));
      tally.addWonOpportunity(opportunity({ Amount: 200, CurrencyIsoCode: 'EUR', Owner: null }));
      tally.addOrder({
        orderDate: '2026-05-03',
        salesperson: 'SP1',
        currencyCode: '',
        totalAmountExcludingTax: 50.5,
      });
      tally.addInvoice({
        invoiceDate: '2026-05-04',
        salesperson: 'SP1',
        currencyCode: 'USD',
        totalAmountExcludingTax: 999,
        status: 'Draft',
      });
      tally.addInvoice({
        invoiceDate: '2026-05-04',
        salesperson: 'SP9',
        currencyCode: 'GBP',
        totalAmountExcludingTax: 70,
        status: 'Paid',
      });
      tally.addPayment({
        postingDate: '2026-05-05',
        amount: -20,
        customer: { salespersonCode: 'SP1', currencyCode: 'CAD' },
      });
      tally.addPayment({ postingDate: '2026-05-06', amount: 5, customer: null });
      tally.addOverdueInvoice({
        dueDate: '2026-01-15',
        salesperson: 'SP1',
        currencyCode: null,
        remainingAmount: 10,
        status: 'Open',
      });
      const answer = tally.answer([
        { number: 'SP1', email: 'ann@example.COM' },
        { number: 'SP2', email: 'bob@example.com' },
      ]).salesSummary;
      expect(answer.groups.map((g) => g.key)).toEqual(['NONE', 'ann@example.com']);
      expect(answer.groups[1]).toEqual({
        key: 'ann@example.com',
        month: null,
        figures: {
          ...empty,
          pipeline: [usd('133.43')],
          // 100.10 × 25% + 33.33 × 33.33% = 25.025 + 11.108889: rounded once, not per record (36.14).
          weightedPipeline: [usd('36.13')],
          openOpportunities: 2,
          booked: [usd('50.50')],
          orders: 1,
          paid: [{ amount: '20.00', currencyCode: 'CAD' }],
          overdue: [usd('10.00')],
        },
      });
      // No owner, an unknown salesperson, a payment without a customer: NONE, in the local currency.
      expect(answer.groups[0]?.figures).toEqual({
        ...empty,
        won: [{ amount: '200.00', currencyCode: 'EUR' }],
        wonOpportunities: 1,
        invoiced: [{ amount: '70.00', currencyCode: 'GBP' }],
        invoices: 1,
        paid: [usd('5.00')],
      });
      expect(answer.total.paid).toEqual([{ amount: '20.00', currencyCode: 'CAD' }, usd('5.00')]);
      expect(answer.total.invoices).toBe(1);
    });

    it('puts by MONTH what fell due in the period under its month, what fell due before in the total only', () => {
      const tally = new SalesSummaryTally({
        from: '2026-05-01',
        to: '2026-05-31',
        groupBy: 'MONTH',
        localCurrencyCode: 'USD',
      });
      const open = { salesperson: null, currencyCode: 'USD', status: 'Open' };
      tally.addOverdueInvoice({ ...open, dueDate: '2026-04-30', remainingAmount: 1 });
      tally.addOverdueInvoice({ ...open, dueDate: '2026-05-02', remainingAmount: 2 });
      tally.addOverdueInvoice({ ...open, dueDate: '0001-01-01', remainingAmount: 4 });
      tally.addWonOpportunity(opportunity({ Amount: 8, CloseDate: '2026-05-31' }));
      const answer = tally.answer().salesSummary;
      expect(answer.total.overdue).toEqual([usd('7.00')]);
      expect(answer.groups).toEqual([
        {
          key: '2026-05',
          month: '2026-05',
          figures: { ...empty, overdue: [usd('2.00')], won: [usd('8.00')], wonOpportunities: 1 },
        },
      ]);
      expect(overdueBefore('2026-05-31', '2026-12-03')).toBe('2026-05-30');
      expect(overdueBefore('2026-12-31', '2026-12-03')).toBe('2026-12-02');
    });

    it('sums money per currency exactly, rounding half away from zero', () => {
      const sums = new CurrencySums();
      for (let i = 0; i < 10; i += 1) sums.add(0.1, 'USD');
      sums.addWeighted(0.01, 50, 'EUR');
      sums.addWeighted(-0.01, 50, 'GBP');
      expect(sums.list()).toEqual([
        { amount: '0.01', currencyCode: 'EUR' },
        { amount: '-0.01', currencyCode: 'GBP' },
        usd('1.00'),
      ]);
    });

    it('compares walks by their records in order, not by how they were paged or keyed', () => {
      const a = new WalkDigest();
      a.addPage([{ number: 'I1', dueDate: '2026-01-01', remaining: usd('1.00') }]);
      a.addPage([{ number: 'I2', dueDate: null, remaining: usd('2.00') }]);
      const b = new WalkDigest();
      b.addPage([
        { remaining: { currencyCode: 'USD', amount: '1.00' }, dueDate: '2026-01-01', number: 'I1' },
        { number: 'I2', dueDate: null, remaining: usd('2.00') },
      ]);
      const c = new WalkDigest();
      c.addPage([
        { number: 'I2', dueDate: null, remaining: usd('2.00') },
        { number: 'I1', dueDate: '2026-01-01', remaining: usd('1.00') },
      ]);
      expect([a.pages, a.records, b.pages, b.records]).toEqual([2, 2, 1, 2]);
      const digest = a.digest();
      expect(b.digest()).toBe(digest);
      expect(c.digest()).not.toBe(digest);
    });

    it('names where two answers first differ', () => {
      expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBeNull();
      expect(firstDifference({ a: [1, { b: 2 }] }, { a: [1, { b: 3 }] })).toBe('$.a[1].b: 2 vs 3');
      expect(firstDifference({ a: [1] }, { a: [1, 2] })).toBe('$.a has 1 vs 2 items');
    });
  });

  describe('rows and targets', () => {
    const run = (over: Partial<ReportingRun>): ReportingRun => ({
      latencyMs: 100,
      erpRoundTrips: 1,
      crmRoundTrips: 1,
      erpRequests: 3,
      crmRequests: 1,
      depth: 1,
      answer: 'ref',
      pages: null,
      records: null,
      error: null,
      ...over,
    });
    const memory = { clientPeakMiB: 80, clientBaseMiB: 60, gatewayPeakMiB: 150, subgraphPeakMiB: 120 };
    const rowOf = (
      operation: ReportingOperation,
      side: ReportingSide,
      runs: ReportingRun[],
      customers = 1000,
      variables: Record<string, unknown> = { from: '2026-05-01', to: '2026-05-31' },
    ) =>
      reportingRow({ operation, customers, side, stack: side === 'client' ? null : 'A', variables }, runs, {
        reference: 'ref',
        warm: side === 'graph-warm',
        memory,
      });

    it('takes the p50 and mean calls over the repetitions, a warm row without its cache-filling first', () => {
      const warm = rowOf('summary-owner', 'graph-warm', [
        run({ latencyMs: 300 }),
        run({ latencyMs: 5, erpRoundTrips: 0, crmRoundTrips: 0, depth: 0 }),
        run({ latencyMs: 7, erpRoundTrips: 0, crmRoundTrips: 0, depth: 0 }),
        run({ latencyMs: 6, erpRoundTrips: 0, crmRoundTrips: 0, depth: 0 }),
      ]);
      expect(warm.repetitions).toBe(3);
      expect(warm.p50Ms).toBe(6);
      expect([warm.erpRoundTrips, warm.crmRoundTrips, warm.depth]).toEqual([0, 0, 0]);
      expect(warm.firstRequest).toEqual({ erpRoundTrips: 1, crmRoundTrips: 1, depth: 1, latencyMs: 300 });
      const wrong = rowOf('summary-owner', 'client', [
        run({}),
        run({ answer: 'other' }),
        run({ error: 'boom' }),
      ]);
      expect(wrong.failures).toBe(2);
      expect(wrong.failureSamples.join(' ')).toContain('differs from the reference');
      expect(wrong.failureSamples.join(' ')).toContain('boom');
    });

    const section = (clientErpCalls: number, walkCalls: number, clientAnswer = 'ref') => {
      const walk = { first: 100, maxPages: null };
      return [
        rowOf('summary-owner', 'graph-cold', [run({}), run({ latencyMs: 120 })]),
        rowOf('summary-owner', 'graph-warm', [
          run({}),
          run({ erpRoundTrips: 0, crmRoundTrips: 0, latencyMs: 4 }),
        ]),
        rowOf('summary-owner', 'client', [
          run({ erpRoundTrips: clientErpCalls, crmRoundTrips: 2, latencyMs: 400, answer: clientAnswer }),
        ]),
        rowOf('summary-owner', 'graph-cold', [run({})], 100_000),
        rowOf(
          'open-invoices',
          'graph-cold',
          [run({ erpRoundTrips: walkCalls, crmRoundTrips: 0, pages: 11, records: 1093 })],
          1000,
          walk,
        ),
        rowOf(
          'open-invoices',
          'client',
          [run({ erpRoundTrips: 11, crmRoundTrips: 0, pages: 11, records: 1093 })],
          1000,
          walk,
        ),
      ];
    };

    it("is met when salesSummary's calls stay constant and far below the client's and a page costs one ERP call", () => {
      const checks = reportingTargets(section(7, 11));
      expect(checks.map((c) => c.met)).toEqual([true, true, true]);
      expect(checks[0]?.detail).toContain('summary-owner 1k: 1.0 ERP + 1.0 CRM calls');
      expect(checks[0]?.detail).toContain('client 7.0 ERP + 2.0 CRM calls');
      expect(checks[1]?.detail).toContain('1093 invoices in 11 pages (to the end), 11.0 ERP calls');
    });

    it('says short, with the figures, when the client is not far behind, a page costs more, or an answer differs', () => {
      const checks = reportingTargets(section(1, 22, 'other'));
      expect(checks.map((c) => c.met)).toEqual([false, false, false]);
      expect(checks[0]?.detail).toContain("2.0 calls vs the client's 3.0");
      expect(checks[2]?.detail).toContain('summary-owner 1k client (REST): 1 failed');
      expect(reportingTargets([]).map((c) => c.met)).toEqual([null, null, null]);
      const refused = section(7, 11);
      refused[0] = rowOf('summary-owner', 'graph-cold', [run({ error: 'LEGACY_REJECTED', answer: null })]);
      const summary = reportingTargets(refused)[0];
      expect(summary?.met).toBe(false);
      expect(summary?.detail).toContain('1 of 1 cold answers failed (repetition 1: LEGACY_REJECTED)');
      // The calls of a failed repetition were made: they count.
      expect(refused[0]?.erpRoundTrips).toBe(1);
      expect(checkTargets([], [], section(7, 11)).filter((c) => c.target.startsWith('Paging'))).toHaveLength(
        1,
      );
    });

    it('lays the rows out with the ratio of the client to the graph cold, and says how each side was measured', () => {
      const rows = section(7, 11);
      const md = reportingMarkdown(rows, { quick: false }).join('\n');
      expect(md).toContain('## Reporting (issue 11)');
      expect(md).toContain('2026-05-01..2026-05-31');
      expect(md).toContain('first: 100)` to its end)');
      const large = rowOf('open-invoices', 'graph-cold', [run({ pages: 20 })], 100_000, {
        first: 100,
        maxPages: 20,
      });
      expect(reportingMarkdown([...rows, large], { quick: false }).join('\n')).toContain(
        'to its end on 1k, its first 20 pages on 100k',
      );
      expect(md).toContain(
        '| summary-owner | 1k | client (REST) | 7.0 | 2.0 | 1.0 | 400 | 1 | — | 80 (60 before) | 150 | 120 | 4.5×, 4.0× | 0 |',
      );
      expect(md).toContain('| open-invoices | 1k | graph, cold | 11.0 | 0.0 | 1.0 | 100 | 1 | 11 |');
      expect(md).not.toContain('Quick run');
      expect(reportingMarkdown(rows, { quick: true }).join('\n')).toContain('Quick run');
      expect(reportingMarkdown([], { quick: false })).toEqual([]);
    });

    it('runs small in a quick run and bounds the walk on the large data set', () => {
      expect(reportingPlan(true, 1000)).toEqual({
        summaryRepetitions: 2,
        walkRepetitions: 1,
        maxPages: null,
      });
      expect(reportingPlan(false, 1000).maxPages).toBeNull();
      expect(reportingPlan(false, 100_000)).toEqual({
        summaryRepetitions: 1,
        walkRepetitions: 1,
        maxPages: 20,
      });
      expect(parseFlags([]).reporting).toBe(true);
      expect(parseFlags(['--quick']).reporting).toBe(true);
      expect(parseFlags(['--no-reporting']).reporting).toBe(false);
    });
  });
});
