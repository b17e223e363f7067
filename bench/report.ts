/**
 * The benchmark's results: one row per configuration × scenario, the table printed and written
 * to bench/results/latest.md, and the issue's targets checked against the rows.
 */
import type { ConfigId } from './configs.js';
import type { LatencySummary } from './measure.js';
import type { ScenarioId } from './scenarios.js';

export interface Calibration {
  /** Operations run one at a time, each alone against freshly reset stand-in counters. */
  operations: number;
  /** Mean HTTP round trips per operation to each stand-in ($batch / composite count once). */
  erpRoundTrips: number;
  crmRoundTrips: number;
  /** Mean requests served per operation, envelope parts included. */
  erpRequests: number;
  crmRequests: number;
  /** Mean critical-path depth (round trips in sequence over both systems) and its floor. */
  depth: number;
  floorMs: number;
  /** Mean latency of those lone operations (the first of each is cold for a caching stack). */
  latencyMs: number;
  /** Lone answers that differed from the reference or carried errors. */
  failures: number;
}

export interface Row {
  config: ConfigId;
  scenario: ScenarioId;
  customers: number;
  calibration: Calibration;
  load: {
    concurrency: number;
    started: number;
    completed: number;
    ok: number;
    errors: number;
    mismatches: number;
    unfinished: number;
    durationMs: number;
    okPerSecond: number;
    latency: LatencySummary | null;
    /** Legacy round trips (ERP + CRM) per completed operation while under load. */
    roundTripsPerOperation: number | null;
    failureSamples: string[];
  };
  /** p50 under load ÷ the calibrated floor. */
  p50OverFloor: number | null;
  /** VmHWM of the gateway process (Hive's for D); null for E (no gateway). */
  gatewayPeakRssMiB: number | null;
}

export interface BenchResult {
  machine: {
    cpu: string;
    cores: number;
    node: string;
    platform: string;
    memoryGiB: number;
    /** 1-minute load average before and after the run: other work on the machine shows here. */
    loadAverage: { before: number; after: number };
  };
  settings: {
    argv: string[];
    quick: boolean;
    latencyMs: number;
    jitterMs: number;
    concurrency: number;
    maxRequests: number;
    maxDurationMs: number;
    graceMs: number;
    seed: number;
    customers: number;
    scaleCustomers: number | null;
    configs: ConfigId[];
    scenarios: ScenarioId[];
  };
  /** The commit measured, and files outside bench/ with uncommitted changes at the start. */
  code: { commit: string; uncommitted: string[] };
  startedAt: string;
  finishedAt: string;
  rows: Row[];
  targets: TargetCheck[];
  notes: string[];
}

export interface TargetCheck {
  target: string;
  met: boolean | null;
  detail: string;
}

const fixed = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined || !Number.isFinite(value) ? '—' : value.toFixed(digits);

export const TABLE_HEADER = [
  'scenario',
  'data',
  'cfg',
  'ERP rt/op',
  'CRM rt/op',
  'depth',
  'floor ms',
  'lone ms',
  'req/s',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'p50÷floor',
  'rt/op load',
  'RSS MiB',
  'ok',
  'err',
  'wrong',
  'cut',
] as const;

export function rowCells(row: Row): string[] {
  const c = row.calibration;
  const l = row.load;
  return [
    row.scenario,
    row.customers >= 1000 ? `${row.customers / 1000}k` : String(row.customers),
    row.config,
    fixed(c.erpRoundTrips, 1),
    fixed(c.crmRoundTrips, 1),
    fixed(c.depth, 1),
    fixed(c.floorMs),
    fixed(c.latencyMs),
    l.started === 0 ? '—' : fixed(l.okPerSecond, 1),
    fixed(l.latency?.p50),
    fixed(l.latency?.p95),
    fixed(l.latency?.p99),
    fixed(row.p50OverFloor, 2),
    fixed(l.roundTripsPerOperation, 1),
    fixed(row.gatewayPeakRssMiB),
    String(l.ok),
    String(l.errors),
    String(l.mismatches),
    String(l.unfinished),
  ];
}

/** A GitHub-flavoured markdown table (also readable as plain text). */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    `| ${TABLE_HEADER.join(' | ')} |`,
    `|${TABLE_HEADER.map((_, i) => (i < 3 ? '---' : '---:')).join('|')}|`,
  ];
  for (const row of rows) lines.push(`| ${rowCells(row).join(' | ')} |`);
  return lines.join('\n');
}

/** Columns padded for a terminal. */
export function textTable(rows: readonly Row[]): string {
  const cells = [TABLE_HEADER as readonly string[], ...rows.map(rowCells)];
  const widths = TABLE_HEADER.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  return cells
    .map((r) =>
      r.map((cell, i) => (i < 3 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    )
    .join('\n');
}

const find = (rows: readonly Row[], config: ConfigId, scenario: ScenarioId) =>
  rows.find((r) => r.config === config && r.scenario === scenario);

/** The issue's targets, each met, short (with the figures), or not measured in this run. */
export function checkTargets(rows: readonly Row[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const a10 = find(rows, 'A', 'c360-10');
  const a100 = find(rows, 'A', 'c360-100');
  if (a10 && a100) {
    const calls = (r: Row) => r.calibration.erpRoundTrips + r.calibration.crmRoundTrips;
    checks.push({
      target: 'Customer360 for 100 customers: at most 10 legacy calls, the same as for 10',
      met: calls(a100) <= 10 && calls(a100) === calls(a10),
      detail: `A: ${fixed(calls(a10), 1)} round trips for 10, ${fixed(calls(a100), 1)} for 100 (cold, one operation alone)`,
    });
  } else {
    checks.push({
      target: 'Customer360 100 vs 10 legacy calls',
      met: null,
      detail: 'not measured in this run',
    });
  }

  const coldRatios: string[] = [];
  const loneRatios: string[] = [];
  let coldMet: boolean | null = null;
  for (const scenario of ['c360-1', 'c360-10', 'c360-100', 'deep', 'search'] as const) {
    const b = find(rows, 'B', scenario);
    if (b?.p50OverFloor !== null && b?.p50OverFloor !== undefined) {
      coldRatios.push(`${scenario} ${b.p50OverFloor.toFixed(2)}×`);
      coldMet = (coldMet ?? true) && b.p50OverFloor <= 1.2;
    }
    if (b && b.calibration.floorMs > 0) {
      loneRatios.push(`${scenario} ${(b.calibration.latencyMs / b.calibration.floorMs).toFixed(2)}×`);
    }
  }
  checks.push({
    target: 'Cold p50 within 1.2× the critical-path floor',
    met: coldMet,
    detail:
      coldRatios.length > 0
        ? `B (cache off: every request is cold) p50 under load ÷ floor: ${coldRatios.join(', ')}; one request alone ÷ floor: ${loneRatios.join(', ')}`
        : 'not measured in this run',
  });

  const deepA = find(rows, 'A', 'deep');
  const repeatA = find(rows, 'A', 'repeat');
  if (deepA && repeatA && deepA.load.okPerSecond > 0) {
    const ratio = repeatA.load.okPerSecond / deepA.load.okPerSecond;
    checks.push({
      target: 'Warm (cached) throughput at least 10× cold',
      met: ratio >= 10,
      detail: `A: repeat ${fixed(repeatA.load.okPerSecond, 1)} req/s vs deep (distinct customers) ${fixed(deepA.load.okPerSecond, 1)} req/s = ${ratio.toFixed(1)}×`,
    });
  } else {
    checks.push({ target: 'Warm throughput ≥ 10× cold', met: null, detail: 'not measured in this run' });
  }

  const behind: string[] = [];
  let compared = 0;
  for (const rowA of rows.filter((r) => r.config === 'A')) {
    for (const other of ['C', 'D', 'E'] as const) {
      const r = find(rows, other, rowA.scenario);
      if (!r) continue;
      compared += 1;
      const aP99 = rowA.load.latency?.p99 ?? Number.POSITIVE_INFINITY;
      const oP99 = r.load.latency?.p99 ?? Number.POSITIVE_INFINITY;
      if (
        !(rowA.load.okPerSecond > r.load.okPerSecond) ||
        !(aP99 < oP99 || oP99 === Number.POSITIVE_INFINITY)
      ) {
        behind.push(
          `${rowA.scenario} vs ${other} (${fixed(rowA.load.okPerSecond, 1)} vs ${fixed(r.load.okPerSecond, 1)} req/s, p99 ${fixed(rowA.load.latency?.p99)} vs ${fixed(r.load.latency?.p99)} ms)`,
        );
      }
    }
  }
  checks.push({
    target: 'A ahead of C, D and E on every scenario in req/s and p99',
    met: compared === 0 ? null : behind.length === 0,
    detail:
      compared === 0
        ? 'not measured in this run'
        : behind.length === 0
          ? `${compared} comparisons`
          : `behind: ${behind.join('; ')}`,
  });

  const rssA = rows.filter((r) => r.config === 'A' && r.gatewayPeakRssMiB !== null);
  if (rssA.length > 0) {
    const peak = Math.max(...rssA.map((r) => r.gatewayPeakRssMiB as number));
    checks.push({
      target: "The gateway's peak RSS under 300 MB",
      met: peak < 300,
      detail: `A: ${peak.toFixed(0)} MiB`,
    });
  } else {
    checks.push({
      target: "The gateway's peak RSS under 300 MB",
      met: null,
      detail: 'not measured in this run',
    });
  }

  // Judged without the cache (B), where every request reads the legacy systems: that is where a
  // full scan or an unbounded read would show. A's figures follow for information.
  const scaleB = find(rows, 'B', 'scale');
  const b10 = find(rows, 'B', 'c360-10');
  const scaleA = find(rows, 'A', 'scale');
  if (scaleB && b10 && scaleB.load.latency && b10.load.latency) {
    const ratio = scaleB.load.latency.p50 / b10.load.latency.p50;
    const lone = scaleB.calibration.latencyMs / b10.calibration.latencyMs;
    const a =
      scaleA?.load.latency && a10?.load.latency
        ? `; A (cached): p50 ${fixed(scaleA.load.latency.p50)} vs ${fixed(a10.load.latency.p50)} ms`
        : '';
    checks.push({
      target: 'Large data set: latency within 10% of the small one',
      met: ratio <= 1.1 && lone <= 1.1,
      detail: `B Customer360-10, ${scaleB.customers} vs ${b10.customers} customers: p50 ${fixed(scaleB.load.latency.p50)} vs ${fixed(b10.load.latency.p50)} ms (${ratio.toFixed(2)}×), lone ${fixed(scaleB.calibration.latencyMs)} vs ${fixed(b10.calibration.latencyMs)} ms (${lone.toFixed(2)}×), round trips ${fixed(scaleB.calibration.erpRoundTrips + scaleB.calibration.crmRoundTrips)} vs ${fixed(b10.calibration.erpRoundTrips + b10.calibration.crmRoundTrips)}${a}`,
    });
  } else {
    checks.push({
      target: 'Large data set: latency within 10%',
      met: null,
      detail: 'not measured in this run',
    });
  }

  const wrong = rows.filter((r) => r.load.mismatches > 0 || r.load.errors > 0 || r.calibration.failures > 0);
  checks.push({
    target: 'Every answer correct (no errors, same data as the reference)',
    met: wrong.length === 0,
    detail:
      wrong.length === 0
        ? 'all answers matched'
        : wrong
            .map(
              (r) =>
                `${r.config}/${r.scenario}: ${r.load.errors} errors, ${r.load.mismatches} wrong, ${r.calibration.failures} lone failures`,
            )
            .join('; '),
  });
  return checks;
}

const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'met' : 'SHORT');

export function renderMarkdown(result: BenchResult, configTitles: Record<ConfigId, string>): string {
  const s = result.settings;
  const m = result.machine;
  const lines = [
    '# Benchmark results',
    '',
    `Produced by \`npm run bench${s.argv.length > 0 ? ` -- ${s.argv.join(' ')}` : ''}\` on ${result.startedAt} (finished ${result.finishedAt}).`,
    '',
    `Code: commit ${result.code.commit}${result.code.uncommitted.length > 0 ? ` plus uncommitted changes in ${result.code.uncommitted.join(', ')}` : ''}.`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, ${m.platform}, Node ${m.node}; 1-minute load average ${m.loadAverage.before.toFixed(1)} before the run, ${m.loadAverage.after.toFixed(1)} after (the run itself adds about ${m.cores}; more means other work shared the machine).`,
    '',
    `Settings: stand-in latency ${s.latencyMs} ms ± ${s.jitterMs} ms per call; concurrency ${s.concurrency}; per row at most ${s.maxRequests} requests and ${s.maxDurationMs / 1000} s (then ${s.graceMs / 1000} s grace for requests in flight); data seed ${s.seed}, ${s.customers} customers${s.scaleCustomers ? ` (scale row: ${s.scaleCustomers})` : ''}.`,
    '',
    'Configurations:',
    '',
    ...s.configs.map((id) => `- **${id}**: ${configTitles[id]}`),
    '',
    '## Targets (issue 5)',
    '',
    '| target | verdict | figures |',
    '|---|---|---|',
    ...result.targets.map((t) => `| ${t.target} | ${verdict(t.met)} | ${t.detail} |`),
    '',
    '## Table',
    '',
    markdownTable(result.rows),
    '',
    'Columns (bench/README.md explains them): round trips per operation to each legacy system and',
    'the critical-path depth, measured on operations run alone; floor = depth × latency; lone ms =',
    'the latency of those lone operations; req/s and percentiles under load at the fixed concurrency;',
    'rt/op load = legacy round trips per operation while under load (lower than the lone figure when',
    'a cache answers); RSS = peak resident memory of the gateway process; ok / err / wrong / cut =',
    'correct answers, errors, answers with other data than the reference, requests cut at the time limit.',
  ];
  if (result.notes.length > 0) lines.push('', '## Notes', '', ...result.notes.map((n) => `- ${n}`));
  return `${lines.join('\n')}\n`;
}
