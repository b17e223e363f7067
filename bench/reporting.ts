/**
 * The reporting section of the benchmark (issue 11): a month's `salesSummary` by OWNER and by
 * MONTH and a walk through every open invoice, run through the graph cold and warm and by a
 * client assembling the same from the two REST APIs (direct-reports.ts), side by side in one
 * run on the same stand-ins. Every repetition runs alone in reporting-client.ts's process, the
 * stand-ins' counters reset before it; every answer must equal the graph's cold one.
 */
import type { Database } from 'better-sqlite3';
import { type BenchAuth, callerHeaders } from './auth.js';
import { type BenchConfig, CONFIGS } from './configs.js';
import type { DirectClientConfig } from './direct-client.js';
import { peakRssMiB, resetPeakRss, startJobProcess } from './processes.js';
import {
  type ReportingMemory,
  type ReportingOperation,
  type ReportingRow,
  type ReportingSide,
  reportingRow,
} from './report.js';
import type { ReportingJob, ReportingReport } from './reporting-client.js';
import type { ConfigStack } from './stack.js';

/**
 * The month summed: the generator dates its documents up to 2026-06-30, and May is a whole
 * month with plenty of them (about 320 orders, 370 invoices and 330 payments per 1,000
 * customers; its opportunities are closed by then, so its pipeline is empty and its won figures
 * are not).
 */
export const REPORTING_PERIOD = { from: '2026-05-01', to: '2026-05-31' } as const;
/**
 * What warms each process before it is measured (code, connections, the company's id), touching
 * nothing a measured row reads: another month's summary by MONTH (no salespeople: OWNER would
 * cache them), and a page of another size (a page is cached by its request, size included).
 */
export const WARM_UP_PERIOD = { from: '2025-07-01', to: '2025-07-31' } as const;
const WARM_UP_PAGE_SIZE = 10;
/** The walk's page: `invoices(first: 100)`, and BC's Prefer: odata.maxpagesize=100 for the client. */
export const WALK_PAGE_SIZE = 100;

export const REPORTING_OPERATIONS: readonly ReportingOperation[] = [
  'summary-owner',
  'summary-month',
  'open-invoices',
];

export interface ReportingPlan {
  /** Measured repetitions per row of salesSummary and of the walk. */
  summaryRepetitions: number;
  walkRepetitions: number;
  /** The walk's bound in pages (null: to the end). */
  maxPages: number | null;
}

/**
 * How much each data size gets. On the large data set the client's summary reads some 100,000
 * records (about 25 s on a busy 2-core machine) and the walk to the end would be about 1,100
 * pages: one repetition each there, and the walk's first 20 pages, enough to show a page costs
 * the same as on 1k, so the section stays within a couple of minutes.
 */
export function reportingPlan(quick: boolean, customers: number): ReportingPlan {
  if (quick) return { summaryRepetitions: 2, walkRepetitions: 1, maxPages: null };
  if (customers > 10_000) return { summaryRepetitions: 1, walkRepetitions: 1, maxPages: 20 };
  return { summaryRepetitions: 5, walkRepetitions: 3, maxPages: null };
}

/** Open invoices in the data set (remainingAmount > 0, as `onlyOpen` selects): a full walk must see them all. */
export function countOpenInvoices(erp: Database): number {
  return (
    erp.prepare('SELECT count(*) AS n FROM salesInvoices WHERE remainingAmount > 0').get() as { n: number }
  ).n;
}

/**
 * Where two answers first differ (a path and both values), for the log; null when they are
 * the same JSON.
 */
export function firstDifference(a: unknown, b: unknown, path = '$'): string | null {
  if (a === b) return null;
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
      if (i >= a.length || i >= b.length) return `${path} has ${a.length} vs ${b.length} items`;
      const diff = firstDifference(a[i], b[i], `${path}[${i}]`);
      if (diff !== null) return diff;
    }
    return null;
  }
  if (
    a !== null &&
    b !== null &&
    typeof a === 'object' &&
    typeof b === 'object' &&
    !Array.isArray(a) &&
    !Array.isArray(b)
  ) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    for (const key of [...new Set([...Object.keys(x), ...Object.keys(y)])].sort()) {
      const diff = firstDifference(x[key], y[key], `${path}.${key}`);
      if (diff !== null) return diff;
    }
    return null;
  }
  return `${path}: ${JSON.stringify(a)?.slice(0, 200)} vs ${JSON.stringify(b)?.slice(0, 200)}`;
}

export interface ReportingContext {
  repoRoot: string;
  quick: boolean;
  customers: number;
  latencyMs: number;
  auth: BenchAuth;
  direct: DirectClientConfig;
  /** Open invoices in the data set (countOpenInvoices). */
  openInvoices: number;
  /** Starts a configuration's stack on its own ports. */
  start: (config: BenchConfig) => Promise<ConfigStack>;
  log: (line: string) => void;
}

const today = () => new Date().toISOString().slice(0, 10);

/** Runs the section on one data size: its rows, in the order of REPORTING_OPERATIONS, cold, warm, client. */
export async function measureReporting(context: ReportingContext): Promise<ReportingRow[]> {
  const plan = reportingPlan(context.quick, context.customers);
  const { log } = context;
  log(
    `  reporting: salesSummary ${REPORTING_PERIOD.from}..${REPORTING_PERIOD.to} by OWNER and MONTH ×${plan.summaryRepetitions}, open invoices (${context.openInvoices}) in pages of ${WALK_PAGE_SIZE}${plan.maxPages === null ? ' to the end' : `, the first ${plan.maxPages} pages`} ×${plan.walkRepetitions}`,
  );
  // reporting-client.ts in its own process, one job at a time.
  const client = startJobProcess<ReportingJob, ReportingReport>({
    script: 'bench/reporting-client.ts',
    cwd: context.repoRoot,
    nodeFlags: ['--expose-gc'],
  });
  /** A job of the client process: through a stack's gateway, or (no stack) as the REST client. */
  const jobFor = (
    stack: ConfigStack | null,
    job: Pick<ReportingJob, 'operation' | 'repetitions' | 'period' | 'pageSize' | 'maxPages'>,
  ): ReportingJob => ({
    side: stack ? 'graph' : 'client',
    ...job,
    ...(stack ? { graphql: { url: stack.url, headers: callerHeaders(context.auth) } } : {}),
    direct: context.direct,
    latencyMs: context.latencyMs,
    timeoutMs: 600_000,
  });
  const stacks: ConfigStack[] = [];
  const rows: ReportingRow[] = [];
  try {
    // A as shipped answers warm; A's processes with the caches off (B's settings) cold, every
    // time. Started one after the other: side by side on a busy 2-core machine each took 3× longer.
    const warmStack = await context.start(CONFIGS.A);
    stacks.push(warmStack);
    const coldStack = await context.start(CONFIGS.B);
    stacks.push(coldStack);
    for (const stack of [warmStack, coldStack, null]) {
      // The client's summary of another month would read as much as a measured one (25 s on
      // 100k): its process warms on a page, the summing code is too simple to need more.
      for (const operation of stack
        ? (['summary-month', 'open-invoices'] as const)
        : (['open-invoices'] as const)) {
        await client.run(
          jobFor(stack, {
            operation,
            repetitions: 1,
            period: { ...WARM_UP_PERIOD, today: today() },
            pageSize: WARM_UP_PAGE_SIZE,
            maxPages: 1,
          }),
        );
      }
    }
    for (const operation of REPORTING_OPERATIONS) {
      const walk = operation === 'open-invoices';
      const repetitions = walk ? plan.walkRepetitions : plan.summaryRepetitions;
      const variables: Record<string, unknown> = walk
        ? { first: WALK_PAGE_SIZE, maxPages: plan.maxPages }
        : { ...REPORTING_PERIOD, groupBy: operation === 'summary-owner' ? 'OWNER' : 'MONTH' };
      const answering = walk ? 'erp' : 'reports';
      /** Runs the operation's job with the stack's peaks reset before it; its report and the row's memory. */
      const measured = async (stack: ConfigStack | null, reps: number) => {
        const subgraph = stack?.subgraphByName[answering];
        for (const p of stack ? [stack.gateway, subgraph] : []) if (p) resetPeakRss(p.pid);
        const report = await client.run(
          jobFor(stack, {
            operation,
            repetitions: reps,
            period: { ...REPORTING_PERIOD, today: today() },
            pageSize: WALK_PAGE_SIZE,
            maxPages: plan.maxPages,
          }),
        );
        const memory: ReportingMemory = {
          clientPeakMiB: report.peakRssMiB,
          clientBaseMiB: report.baseRssMiB,
          gatewayPeakMiB: stack ? peakRssMiB(stack.gateway.pid) : null,
          subgraphPeakMiB: subgraph ? peakRssMiB(subgraph.pid) : null,
        };
        return { report, memory };
      };

      // The graph cold: the reference every other answer of the operation must equal.
      const cold = await measured(coldStack, repetitions);
      const reference = cold.report.runs.find((r) => r.error === null)?.answer ?? null;
      const sample = cold.report.sample;
      const rowOf = (
        side: ReportingSide,
        stack: 'A' | 'B' | null,
        { report, memory }: Awaited<ReturnType<typeof measured>>,
      ) =>
        reportingRow({ operation, customers: context.customers, side, stack, variables }, report.runs, {
          reference,
          warm: side === 'graph-warm',
          memory,
        });
      const coldRow = rowOf('graph-cold', 'B', cold);
      const warmRow = rowOf('graph-warm', 'A', await measured(warmStack, repetitions + 1));
      const direct = await measured(null, repetitions);
      const clientRow = rowOf('client', null, direct);
      if (
        walk &&
        plan.maxPages === null &&
        coldRow.records !== null &&
        coldRow.records !== context.openInvoices
      ) {
        coldRow.failures += 1;
        coldRow.failureSamples.push(
          `the walk gave ${coldRow.records} invoices; the data set holds ${context.openInvoices} open ones`,
        );
      }
      if (clientRow.failures > 0 && !walk && sample && direct.report.sample) {
        const diff = firstDifference(sample, direct.report.sample);
        if (diff !== null) clientRow.failureSamples.push(`first difference (graph vs client): ${diff}`);
      }
      for (const row of [coldRow, warmRow, clientRow]) {
        rows.push(row);
        log(
          `    ${operation.padEnd(14)} ${row.side.padEnd(10)} ERP ${row.erpRoundTrips.toFixed(1).padStart(6)}  CRM ${row.crmRoundTrips.toFixed(1).padStart(4)}  depth ${row.depth.toFixed(1).padStart(6)}  p50 ${(row.p50Ms ?? Number.NaN).toFixed(0).padStart(6)} ms${row.pages === null ? '' : `  ${row.pages} pages`}  client RSS ${(row.memory.clientPeakMiB ?? Number.NaN).toFixed(0)} MiB  failed ${row.failures}`,
        );
        for (const failure of row.failureSamples) log(`      ${failure}`);
      }
    }
  } finally {
    await Promise.all(stacks.map((stack) => stack.stop()));
    await client.close();
  }
  return rows;
}
