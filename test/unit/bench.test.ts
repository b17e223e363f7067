import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { escapeSoqlLike, formatAmount, mergeInteractions } from '../../bench/direct-client.js';
import {
  answerHash,
  canonicalize,
  criticalPathFloor,
  percentile,
  summarizeLatencies,
  weightedSequence,
} from '../../bench/measure.js';
import { checkTargets, type Row } from '../../bench/report.js';
import { FlagError, parseFlags } from '../../bench/run.js';
import { buildScenario } from '../../bench/scenarios.js';
import { Simulator } from '../../legacy/sim/simulator.js';

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
  const pools = {
    deepCustomerIds: ['c1', 'c2', 'c3'],
    searchTerms: ['alpha', 'beta'],
    warmUpCustomerIds: ['w1'],
    warmUpSearchTerms: ['omega'],
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
    expect(full.configs).toEqual(['A', 'B', 'C', 'D', 'E']);
    const quick = parseFlags(['--quick', '--configs', 'a,e', '--latency', '10']);
    expect(quick.scaleCustomers).toBeNull();
    expect(quick.scenarios).toEqual(['c360-1', 'c360-10', 'search', 'c360-100']);
    expect(quick.configs).toEqual(['A', 'E']);
    expect(quick.latencyMs).toBe(10);
  });

  it('refuses unknown flags and bad values, naming them', () => {
    expect(() => parseFlags(['--fast'])).toThrow(FlagError);
    expect(() => parseFlags(['--latency', '-1'])).toThrow(/--latency/);
    expect(() => parseFlags(['--configs', 'A,F'])).toThrow(/F/);
    expect(() => parseFlags(['--scenarios', 'everything'])).toThrow(/everything/);
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

  it('reports where A is behind, with the figures, and what was not measured', () => {
    const checks = checkTargets([
      row('A', 'c360-10', { okPerSecond: 50 }),
      row('A', 'c360-100', { okPerSecond: 20 }, 7),
      row('C', 'c360-10', { okPerSecond: 5 }),
      row('C', 'c360-100', { okPerSecond: 30 }),
    ]);
    const byTarget = (start: string) => checks.find((c) => c.target.startsWith(start));
    expect(byTarget('Customer360 for 100')?.met).toBe(false);
    expect(byTarget('A ahead')?.met).toBe(false);
    expect(byTarget('A ahead')?.detail).toContain('c360-100 vs C');
    expect(byTarget('Warm')?.met).toBeNull();
    expect(byTarget('Every answer')?.met).toBe(true);
  });
});
