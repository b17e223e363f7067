/**
 * The reporting section's client process (issue 11): runs one row's repetitions of an operation
 * — through the graph, or as the REST client of direct-reports.ts — each alone, the stand-ins'
 * counters reset before it and read after it, and reports the figures and its own peak memory.
 * A process of its own so that what a client needs in memory for the operation is measured
 * apart from the bench. Jobs and reports are JSON lines on stdin and stdout, as loadgen.ts.
 */
import { pathToFileURL } from 'node:url';
import type { DirectClientConfig } from './direct-client.js';
import { createDirectReports, type SummaryGrouping, WalkDigest } from './direct-reports.js';
import { describeError, graphqlHeaders } from './loadgen.js';
import { answerHash } from './measure.js';
import { OPEN_INVOICES_PAGE, SALES_SUMMARY } from './operations.js';
import { peakRssMiB, resetPeakRss, rssMiB, serveJobs } from './processes.js';
import type { ReportingOperation, ReportingRun } from './report.js';
import { simLoneCost, simResetBoth } from './sim.js';

export interface ReportingJob {
  side: 'graph' | 'client';
  operation: ReportingOperation;
  repetitions: number;
  /** salesSummary's period; `today` is the day overdue is judged by when the period runs on. */
  period: { from: string; to: string; today: string };
  /** The walk's page size and bound (null: to the end). */
  pageSize: number;
  maxPages: number | null;
  /** The gateway and the caller's headers (side graph). */
  graphql?: { url: string; headers: Record<string, string> };
  /** The REST client's settings (side client), and the stand-ins whose counters are read. */
  direct: DirectClientConfig;
  latencyMs: number;
  timeoutMs: number;
}

export interface ReportingReport {
  runs: ReportingRun[];
  /** Resident set before the first repetition and its peak over them, MiB. */
  baseRssMiB: number | null;
  peakRssMiB: number | null;
  /** The first answer (salesSummary only): the bench shows where it differs from the reference. */
  sample: unknown;
}

const GROUPING: Readonly<Record<Exclude<ReportingOperation, 'open-invoices'>, SummaryGrouping>> = {
  'summary-owner': 'OWNER',
  'summary-month': 'MONTH',
};

async function postGraphql(
  job: ReportingJob,
  query: string,
  variables: Record<string, unknown>,
  signal: AbortSignal,
): Promise<unknown> {
  if (!job.graphql) throw new Error('a graph job needs the gateway');
  const response = await fetch(job.graphql.url, {
    method: 'POST',
    headers: graphqlHeaders(job.graphql.headers),
    body: JSON.stringify({ query, variables }),
    signal,
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
  if (body.errors && body.errors.length > 0)
    throw new Error(`errors: ${JSON.stringify(body.errors).slice(0, 400)}`);
  if (body.data === undefined || body.data === null) throw new Error('no data');
  return body.data;
}

/** Every page of the graph's open invoices, each digested and dropped before the next is asked for. */
async function walkGraph(job: ReportingJob, signal: AbortSignal): Promise<WalkDigest> {
  const walk = new WalkDigest();
  let after: string | null = null;
  for (;;) {
    const data = (await postGraphql(job, OPEN_INVOICES_PAGE, { first: job.pageSize, after }, signal)) as {
      invoices: { edges: { node: unknown }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    };
    walk.addPage(data.invoices.edges.map((edge) => edge.node));
    const { hasNextPage, endCursor } = data.invoices.pageInfo;
    if (!hasNextPage || (job.maxPages !== null && walk.pages >= job.maxPages)) return walk;
    after = endCursor;
  }
}

export async function runReportingJob(job: ReportingJob): Promise<ReportingReport> {
  const direct = job.side === 'client' ? createDirectReports(job.direct) : null;
  const runs: ReportingRun[] = [];
  let sample: unknown = null;
  (globalThis as { gc?: () => void }).gc?.();
  // This process's own: not Linux, the peak is the process's since it started.
  resetPeakRss(process.pid);
  const baseRssMiB = rssMiB(process.pid);
  try {
    for (let i = 0; i < job.repetitions; i += 1) {
      await simResetBoth(job.direct);
      const signal = AbortSignal.timeout(job.timeoutMs);
      const started = performance.now();
      let answer: string | null = null;
      let walked: WalkDigest | null = null;
      let error: string | null = null;
      try {
        if (job.operation === 'open-invoices') {
          walked = direct
            ? await direct.walkOpenInvoices(job.pageSize, job.maxPages, signal)
            : await walkGraph(job, signal);
          answer = walked.digest();
        } else {
          const args = { from: job.period.from, to: job.period.to, groupBy: GROUPING[job.operation] };
          const data = direct
            ? await direct.salesSummary({ ...args, today: job.period.today }, signal)
            : await postGraphql(job, SALES_SUMMARY, args, signal);
          if (i === 0) sample = data;
          answer = answerHash(data);
        }
      } catch (caught) {
        error = describeError(caught);
      }
      const latencyMs = performance.now() - started;
      const { erp, crm, floor } = await simLoneCost(job.direct, job.latencyMs);
      runs.push({
        latencyMs,
        erpRoundTrips: erp.roundTrips,
        crmRoundTrips: crm.roundTrips,
        erpRequests: erp.total,
        crmRequests: crm.total,
        depth: floor.depth,
        answer,
        pages: walked?.pages ?? null,
        records: walked?.records ?? null,
        error,
      });
    }
  } finally {
    await direct?.close();
  }
  return { runs, baseRssMiB, peakRssMiB: peakRssMiB(process.pid), sample };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveJobs('reporting-client', runReportingJob);
}
