/**
 * `npm run bench`: the benchmark of issue 5. Starts the stand-ins, then each configuration's
 * processes in turn on loopback, measures every scenario (lone operations for legacy calls and
 * the critical-path floor, then load from a separate process), and writes the table to
 * bench/results/latest.md and latest.json. bench/README.md explains the flags and the columns.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { openDataset } from '../legacy/generator/open.js';
import { type BenchAuth, callerHeaders, openBenchAuth } from './auth.js';
import {
  A_WITHOUT_SHARING,
  AUTH_VARIANTS,
  type AuthVariant,
  type BenchConfig,
  CONFIG_IDS,
  CONFIGS,
  type ConfigId,
  hiveConfigs,
  REFERENCE_CONFIG,
} from './configs.js';
import { createDirectClient, type DirectClientConfig } from './direct-client.js';
import {
  checkHttpAnswer,
  graphqlHeaders,
  type HttpAnswer,
  type LoadInstance,
  type LoadJob,
  type LoadReport,
  type Outcome,
  operationBody,
  postOnPool,
} from './loadgen.js';
import { answerHash, checkDegraded, herdRatio, legacyOperations } from './measure.js';
import { countWork, sumWork, type WorkCounters } from './metrics.js';
import { instanceKey, type OperationInstance } from './operations.js';
import {
  assertPortsFree,
  type JobProcess,
  peakRssMiB,
  startJobProcess,
  stopAllServices,
} from './processes.js';
import {
  type AuthCostRow,
  authCostLines,
  type BenchResult,
  type Calibration,
  checkTargets,
  type FaultRow,
  faultTextTable,
  type HerdRoundResult,
  type HerdRow,
  herdRow,
  type ReportingRow,
  type Row,
  renderMarkdown,
  reportingTextTable,
  summarizeAuthCost,
  textTable,
  type WithoutSharing,
  workTextTables,
} from './report.js';
import { countOpenInvoices, measureReporting } from './reporting.js';
import {
  buildScenario,
  type LoadBounds,
  type Pools,
  readPools,
  type Scenario,
  type ScenarioId,
} from './scenarios.js';
import { erpCompanyId, simConfigure, simLoneCost, simResetBoth, simStatsBoth } from './sim.js';
import {
  allPorts,
  authVariantPorts,
  type BenchPorts,
  type ConfigStack,
  CRM_TOKEN,
  ERP_TOKEN,
  ensureHiveInstalled,
  hiveSupergraphFile,
  LOCAL_CURRENCY,
  portsFor,
  type StandIns,
  startConfigStack,
  startStandIns,
  supergraphSubgraphs,
  withoutSharingPorts,
  writeHiveSupergraph,
} from './stack.js';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_SCENARIOS: readonly ScenarioId[] = [
  'c360-1',
  'c360-10',
  'c360-100',
  'deep',
  'search',
  'repeat',
  'mixed',
  'dashboard',
  'herd',
];
/**
 * The herd first: every stack is fresh for it without a restart (a quick run restarts nothing
 * else). c360-100 last: the naive configurations' requests may be cut there, which costs a restart.
 */
const QUICK_SCENARIOS: readonly ScenarioId[] = [
  'herd',
  'c360-1',
  'c360-10',
  'search',
  'dashboard',
  'c360-100',
];
/**
 * Where authentication's cost is measured (A with and without it): the hot path, where the cache
 * answers and authentication is the largest share of the work, and one cold scenario, where the
 * legacy calls dominate. Measured whatever --scenarios says.
 */
export const AUTH_COLD_SCENARIO: ScenarioId = 'deep';
export const AUTH_HOT_SCENARIO: ScenarioId = 'repeat';
export const AUTH_COST_SCENARIOS: readonly ScenarioId[] = [AUTH_COLD_SCENARIO, AUTH_HOT_SCENARIO];
/**
 * The section's rows are bounded by time only: the hot path reaches the usual request bound
 * (--requests, 1500) in a second or two (a quick run keeps its small bounds).
 */
export const AUTH_COST_MAX_REQUESTS = 1_000_000;
/**
 * Where A without sharing (issue 14) is measured beside A: the scenarios where identical work
 * meets in flight (herd) and where hot entries cross their TTL under load (dashboard).
 */
export const WITHOUT_SHARING_SCENARIOS: readonly ScenarioId[] = ['herd', 'dashboard'];

/**
 * A row's load bounds: the flags', or the scenario's own where it needs more (the dashboard must
 * run past a TTL), each bound the larger of the two, so a longer --duration still lengthens it.
 * A quick run keeps its small bounds: it is a smoke run.
 */
export function rowBounds(
  settings: Pick<Settings, 'quick' | 'maxRequests' | 'maxDurationMs'>,
  scenario: Pick<Scenario, 'bounds'>,
): LoadBounds {
  const flags = { maxRequests: settings.maxRequests, maxDurationMs: settings.maxDurationMs };
  if (settings.quick || !scenario.bounds) return flags;
  return {
    maxRequests: Math.max(flags.maxRequests, scenario.bounds.maxRequests),
    maxDurationMs: Math.max(flags.maxDurationMs, scenario.bounds.maxDurationMs),
  };
}

/** The hot path's slices: each variant in turn for this long, the order reversed every pass. */
export const HOT_SLICE_MS = 1000;
/**
 * Unmeasured load on each variant's hot path before its passes. The usual warm-up (a few dozen
 * mixed operations) leaves the hot path far from compiled: measured from the first second, a
 * fresh stack's req/s rose about threefold over its first four seconds under load.
 */
export const HOT_WARM_UP_MS = 5000;

/**
 * How the hot path is loaded: `passes` times every variant for `sliceMs` each, so each variant
 * gets --duration of load per round in all (in a quick run, two passes of its small bounds per
 * round). Short alternating slices on stacks that are all up put every variant under the same
 * machine conditions: other work on a shared machine comes and goes within seconds.
 */
export function hotPathSlices(settings: Pick<Settings, 'quick' | 'authCostRounds' | 'maxDurationMs'>): {
  passes: number;
  sliceMs: number;
  warmUpMs: number;
} {
  if (settings.quick) {
    const sliceMs = settings.maxDurationMs;
    return { passes: 2 * settings.authCostRounds, sliceMs, warmUpMs: sliceMs };
  }
  const perRound = Math.max(2, Math.round(settings.maxDurationMs / HOT_SLICE_MS));
  return {
    passes: perRound * settings.authCostRounds,
    sliceMs: Math.min(HOT_SLICE_MS, settings.maxDurationMs),
    warmUpMs: HOT_WARM_UP_MS,
  };
}

export interface Settings {
  /** The flags as given, for the results header. */
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
  /** null skips the data-scale phase. */
  scaleCustomers: number | null;
  configs: ConfigId[];
  scenarios: ScenarioId[];
  portBase: number;
  outDir: string;
  /** Distinct customers / search terms per pooled scenario. */
  poolSize: number;
  /**
   * Rounds of the authentication cost measurement (each: every variant of AUTH_VARIANTS on every
   * AUTH_COST_SCENARIOS, order reversed every other round); 0 skips it. Needs configuration A.
   */
  authCostRounds: number;
  /** Whether the reporting section (issue 11) runs, on every data size measured. */
  reporting: boolean;
  /** Whether the fault rows (issue 12) run, on the first data size. */
  fault: boolean;
}

/** A flag the benchmark does not understand, or a bad value: printed, exit code 2. */
export class FlagError extends Error {}

const USAGE = `usage: npm run bench -- [--quick] [--latency MS] [--jitter MS] [--concurrency N]
  [--requests N] [--duration S] [--grace S] [--customers N] [--scale-customers N | --no-scale]
  [--configs A,B,C,D,E,F] [--scenarios c360-1,c360-10,c360-100,deep,search,repeat,mixed,dashboard,herd]
  [--auth-rounds N] [--no-reporting] [--no-fault] [--seed N] [--port-base P] [--out DIR]`;

export function parseFlags(argv: readonly string[]): Settings {
  const quick = argv.includes('--quick');
  const settings: Settings = {
    argv: [...argv],
    quick,
    latencyMs: 30,
    jitterMs: 5,
    concurrency: 8,
    maxRequests: quick ? 32 : 1500,
    maxDurationMs: quick ? 1000 : 6000,
    graceMs: quick ? 4000 : 15000,
    seed: 42,
    customers: 1000,
    scaleCustomers: quick ? null : 100_000,
    configs: [...CONFIG_IDS],
    scenarios: [...(quick ? QUICK_SCENARIOS : ALL_SCENARIOS)],
    portBase: 4700,
    outDir: join(REPO_ROOT, 'bench/results'),
    poolSize: quick ? 12 : 400,
    authCostRounds: quick ? 1 : 2,
    reporting: true,
    fault: true,
  };
  const integer = (flag: string, raw: string | undefined, min: number, max: number) => {
    const value = Number(raw);
    if (raw === undefined || !/^\d+$/.test(raw) || value < min || value > max) {
      throw new FlagError(`${flag} needs an integer from ${min} to ${max}; got ${raw ?? 'nothing'}`);
    }
    return value;
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const value = () => argv[++i];
    switch (flag) {
      case '--quick':
        break;
      case '--latency':
        settings.latencyMs = integer(flag, value(), 0, 10_000);
        break;
      case '--jitter':
        settings.jitterMs = integer(flag, value(), 0, 10_000);
        break;
      case '--concurrency':
        settings.concurrency = integer(flag, value(), 1, 1000);
        break;
      case '--requests':
        settings.maxRequests = integer(flag, value(), 1, 1_000_000);
        break;
      case '--duration':
        settings.maxDurationMs = integer(flag, value(), 1, 3600) * 1000;
        break;
      case '--grace':
        settings.graceMs = integer(flag, value(), 0, 3600) * 1000;
        break;
      case '--customers':
        settings.customers = integer(flag, value(), 50, 10_000_000);
        break;
      case '--scale-customers':
        settings.scaleCustomers = integer(flag, value(), 50, 10_000_000);
        break;
      case '--no-scale':
        settings.scaleCustomers = null;
        break;
      case '--no-reporting':
        settings.reporting = false;
        break;
      case '--no-fault':
        settings.fault = false;
        break;
      case '--auth-rounds':
        settings.authCostRounds = integer(flag, value(), 0, 20);
        break;
      case '--seed':
        settings.seed = integer(flag, value(), 0, 2_147_483_647);
        break;
      case '--port-base':
        settings.portBase = integer(flag, value(), 1024, 65_000);
        break;
      case '--out':
        settings.outDir = resolve(value() ?? '');
        break;
      case '--configs': {
        const ids = (value() ?? '').split(',').map((s) => s.trim().toUpperCase());
        const unknown = ids.filter((id) => !(CONFIG_IDS as readonly string[]).includes(id));
        if (ids.length === 0 || unknown.length > 0)
          throw new FlagError(`--configs: unknown ${unknown.join(', ')}`);
        settings.configs = CONFIG_IDS.filter((id) => ids.includes(id));
        break;
      }
      case '--scenarios': {
        const ids = (value() ?? '').split(',').map((s) => s.trim());
        const unknown = ids.filter((id) => !(ALL_SCENARIOS as readonly string[]).includes(id));
        if (ids.length === 0 || unknown.length > 0)
          throw new FlagError(`--scenarios: unknown ${unknown.join(', ')}`);
        settings.scenarios = ALL_SCENARIOS.filter((id) => ids.includes(id));
        break;
      }
      default:
        throw new FlagError(`unknown flag ${flag}\n${USAGE}`);
    }
  }
  return settings;
}

const began = performance.now();
/** Progress on stdout, each line with the seconds since the run began. */
const log = (line: string) =>
  process.stdout.write(`${`${((performance.now() - began) / 1000).toFixed(0)}s`.padStart(5)} ${line}\n`);

// ---------------------------------------------------------------------------------------------
// Talking to the stand-ins' control API and to the system under test.

/** One operation through a GraphQL endpoint; the parsed answer or a transport/HTTP error. */
async function postGraphql(
  url: string,
  instance: OperationInstance,
  auth: BenchAuth,
): Promise<{ data?: unknown; errors?: unknown[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: graphqlHeaders(callerHeaders(auth)),
    body: operationBody(instance),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await response.text();
  if (response.status !== 200)
    return { errors: [{ message: `HTTP ${response.status}: ${text.slice(0, 200)}` }] };
  return JSON.parse(text) as { data?: unknown; errors?: unknown[] };
}

/** A way to run one operation as the configuration does: via its gateway, or as the front end. */
interface Runner {
  run(instance: OperationInstance): Promise<{ data?: unknown; errors?: unknown[] }>;
  close(): Promise<void>;
}

function graphqlRunner(url: string, auth: BenchAuth): Runner {
  return { run: (instance) => postGraphql(url, instance, auth), close: async () => {} };
}

function directRunner(config: DirectClientConfig): Runner {
  const client = createDirectClient(config);
  return {
    async run(instance) {
      try {
        return { data: await client.run(instance, AbortSignal.timeout(120_000)) };
      } catch (error) {
        return { errors: [{ message: error instanceof Error ? error.message : String(error) }] };
      }
    },
    close: () => client.close(),
  };
}

async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await work(item);
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Measuring.

interface PhaseContext {
  settings: Settings;
  pools: Pools;
  loadgen: LoadGenerator;
  standIns: StandIns;
  direct: DirectClientConfig;
  references: Map<string, string>;
  customers: number;
  /** The run's issuer, secret and token: every request to a gateway carries the token. */
  auth: BenchAuth;
}

/**
 * Each distinct operation of the scenario run alone (one per operation of a mix), with the stand-ins'
 * counters reset first: round trips per system and the critical path over both traces.
 */
async function calibrate(context: PhaseContext, scenario: Scenario, runner: Runner): Promise<Calibration> {
  const sums = {
    erpRoundTrips: 0,
    crmRoundTrips: 0,
    erpRequests: 0,
    crmRequests: 0,
    erpOperations: 0,
    crmOperations: 0,
    depth: 0,
    floorMs: 0,
    latencyMs: 0,
  };
  let failures = 0;
  const lone = scenario.operations.map((op) => op.instances[0] as OperationInstance);
  for (const instance of lone) {
    await simResetBoth(context.standIns);
    const started = performance.now();
    const answer = await runner.run(instance);
    const latency = performance.now() - started;
    const { erp, crm, floor } = await simLoneCost(context.standIns, context.settings.latencyMs);
    const expected = context.references.get(instanceKey(instance));
    const failed =
      (answer.errors?.length ?? 0) > 0 || answer.data === undefined || answerHash(answer.data) !== expected;
    if (failed) {
      failures += 1;
      log(
        `    lone ${instance.kind} ${JSON.stringify(instance.variables)}: ${describeFailure(answer, expected)}`,
      );
    }
    sums.erpRoundTrips += erp.roundTrips;
    sums.crmRoundTrips += crm.roundTrips;
    sums.erpRequests += erp.total;
    sums.crmRequests += crm.total;
    sums.erpOperations += legacyOperations(erp);
    sums.crmOperations += legacyOperations(crm);
    sums.depth += floor.depth;
    sums.floorMs += floor.floorMs;
    sums.latencyMs += latency;
  }
  const n = lone.length;
  return {
    operations: n,
    erpRoundTrips: sums.erpRoundTrips / n,
    crmRoundTrips: sums.crmRoundTrips / n,
    erpRequests: sums.erpRequests / n,
    crmRequests: sums.crmRequests / n,
    erpOperations: sums.erpOperations / n,
    crmOperations: sums.crmOperations / n,
    depth: sums.depth / n,
    floorMs: sums.floorMs / n,
    latencyMs: sums.latencyMs / n,
    failures,
  };
}

function describeFailure(
  answer: { data?: unknown; errors?: unknown[] },
  expected: string | undefined,
): string {
  if ((answer.errors?.length ?? 0) > 0) return `errors ${JSON.stringify(answer.errors).slice(0, 300)}`;
  if (answer.data === undefined) return 'no data';
  return `data differs from the reference (${answerHash(answer.data)} vs ${expected})`;
}

/** bench/loadgen.ts in its own process, started once per run, given one job at a time. */
export type LoadGenerator = JobProcess<LoadJob, LoadReport>;

function startLoadGenerator(): LoadGenerator {
  return startJobProcess({
    script: 'bench/loadgen.ts',
    cwd: REPO_ROOT,
    killAfterMs: (job) => job.maxDurationMs + job.graceMs + 30_000,
  });
}

/**
 * Operations that warm connections, code and query plans without touching data a scenario reads
 * (a page size the graph refuses, a customer that does not exist, a name nobody has), then a
 * burst of real operations on customers no scenario reads (the Customer360 selection over name
 * searches that only match accounts after the largest page, deep reads of other customers), so
 * a fresh process has compiled its hot paths before it is measured. Products are shared between
 * customers, so some may already be in a cache after it; the records of the scenarios' own
 * customers are not.
 */
const PROBES: readonly OperationInstance[] = [
  { kind: 'customer360', variables: { first: 0 } },
  { kind: 'customerDeep', variables: { id: '00000000-0000-4000-8000-000000000000' } },
  { kind: 'customerSearch', variables: { search: 'no customer is named like this', first: 1 } },
];
const WARM_UP_OPERATIONS = 48;
const QUICK_WARM_UP_OPERATIONS = 16;

function warmUpOperations(pools: Pools, count: number): OperationInstance[] {
  const operations: OperationInstance[] = [...PROBES];
  for (let i = 0; operations.length < PROBES.length + count; i += 1) {
    const term = pools.warmUpSearchTerms[i % Math.max(1, pools.warmUpSearchTerms.length)];
    const customerId = pools.warmUpCustomerIds[i % Math.max(1, pools.warmUpCustomerIds.length)];
    if (customerId) operations.push({ kind: 'customerDeep', variables: { id: customerId } });
    if (term) operations.push({ kind: 'customer360Search', variables: { search: term, first: 10 } });
    if (!customerId && !term) break;
  }
  return operations;
}

/** Stacks (and the direct client's stand-ins) already warmed, by a key of their processes. */
const warmed = new Set<string>();

async function warmUp(runner: Runner, key: string, pools: Pools, settings: Settings): Promise<void> {
  if (warmed.has(key)) return;
  for (const probe of PROBES) await runner.run(probe);
  const count = settings.quick ? QUICK_WARM_UP_OPERATIONS : WARM_UP_OPERATIONS;
  await inParallel(
    warmUpOperations(pools, count).slice(PROBES.length),
    settings.concurrency,
    async (instance) => {
      await runner.run(instance);
    },
  );
  warmed.add(key);
}

async function measure(
  context: PhaseContext,
  config: BenchConfig,
  scenario: Scenario,
  stack: ConfigStack | null,
): Promise<Row> {
  const calibration = await prepare(context, scenario, stack);
  if (context.settings.quick && calibration.latencyMs > context.settings.maxDurationMs) {
    return skippedLoadRow(context, config, scenario, calibration, stack);
  }
  return loadRow(context, config, scenario, stack, calibration);
}

/** Warms the stack (once per process) and runs the scenario's operations alone: the lone figures. */
async function prepare(
  context: PhaseContext,
  scenario: Scenario,
  stack: ConfigStack | null,
): Promise<Calibration> {
  const runner = stack ? graphqlRunner(stack.url, context.auth) : directRunner(context.direct);
  await warmUp(
    runner,
    stack ? `${stack.gateway.pid}` : `direct ${context.standIns.service.pid}`,
    context.pools,
    context.settings,
  );
  const calibration = await calibrate(context, scenario, runner);
  await runner.close();
  return calibration;
}

/** The scenario under load from the load generator, within the settings' bounds. */
async function loadRow(
  context: PhaseContext,
  config: BenchConfig,
  scenario: Scenario,
  stack: ConfigStack | null,
  calibration: Calibration,
  /** What each instance's answer must be: by default the reference's (none: left out). */
  expect: (instance: OperationInstance) => LoadInstance | undefined = (instance) => {
    const expectedHash = context.references.get(instanceKey(instance));
    return expectedHash === undefined ? undefined : { ...instance, expectedHash };
  },
): Promise<Row> {
  const { settings, standIns } = context;
  const operations = scenario.operations.map((op) => ({
    weight: op.weight,
    instances: op.instances.flatMap((instance) => {
      const expected = expect(instance);
      return expected ? [expected] : [];
    }),
  }));
  const concurrency = scenario.concurrency ?? settings.concurrency;
  const bounds = rowBounds(settings, scenario);
  const counted = stack ? await countWork(workOrigins(config, stack)) : null;
  await simResetBoth(standIns);
  const report = await context.loadgen.run({
    target: stack
      ? { kind: 'graphql', url: stack.url, headers: callerHeaders(context.auth) }
      : { kind: 'direct', legacy: context.direct },
    operations,
    concurrency,
    ...bounds,
    graceMs: settings.graceMs,
    requestTimeoutMs: 120_000,
  });
  const { erp, crm } = await simStatsBoth(standIns);
  const work = counted ? await counted() : null;
  for (const sample of report.failureSamples) log(`    ${sample}`);
  const p50 = report.latency?.p50;
  return {
    config: config.id,
    scenario: scenario.id,
    customers: context.customers,
    calibration,
    load: {
      concurrency,
      started: report.started,
      completed: report.completed,
      ok: report.ok,
      errors: report.errors,
      mismatches: report.mismatches,
      unfinished: report.unfinished,
      durationMs: report.durationMs,
      okPerSecond: report.okPerSecond,
      latency: report.latency,
      okPerWindow: report.okPerWindow,
      roundTripsPerOperation:
        report.completed > 0 ? (erp.roundTrips + crm.roundTrips) / report.completed : null,
      failureSamples: report.failureSamples,
      errorCodes: report.errorCodes,
    },
    p50OverFloor: p50 !== undefined && calibration.floorMs > 0 ? p50 / calibration.floorMs : null,
    gatewayPeakRssMiB: stack ? peakRssMiB(stack.gateway.pid) : null,
    work,
  };
}

/**
 * Where a stack's counts of identical work done once are read: our gateway's /metrics and every
 * subgraph's. Hive Gateway (D) counts other things, if anything: only its subgraphs are asked.
 */
function workOrigins(config: BenchConfig, stack: ConfigStack) {
  return {
    gatewayOrigin: config.gateway === 'apollo' ? stack.gatewayOrigin : null,
    subgraphOrigins: stack.subgraphOrigins,
  };
}

/** One request on the herd's pool: when it started, when its whole answer was in, and the answer. */
interface TimedAnswer {
  startedAt: number;
  endedAt: number;
  answer: HttpAnswer | { error: string };
}

/**
 * Sends one request and keeps its answer unread: the herd checks answers after the whole burst
 * is in, so parsing one answer never delays taking the time of another.
 */
async function timedRequest(
  pool: Pool,
  url: URL,
  headers: Record<string, string>,
  body: string,
): Promise<TimedAnswer> {
  const startedAt = performance.now();
  try {
    const answer = await postOnPool(pool, url, headers, body, AbortSignal.timeout(120_000));
    return { startedAt, endedAt: performance.now(), answer };
  } catch (error) {
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { startedAt, endedAt: performance.now(), answer: { error: detail } };
  }
}

/** A herd answer against the reference, as the load generator checks its answers. */
function checkTimed(timed: TimedAnswer, instance: LoadInstance): Outcome {
  const { answer } = timed;
  if ('error' in answer) return { kind: 'error', detail: answer.error };
  try {
    return checkHttpAnswer(answer, instance);
  } catch (error) {
    return { kind: 'error', detail: `not JSON: ${String(error)}` };
  }
}

const legacyRoundTrips = async (standIns: StandIns) => {
  const { erp, crm } = await simStatsBoth(standIns);
  return erp.roundTrips + crm.roundTrips;
};

/**
 * The herd (issue 14) on a stack that has answered nothing but its warm-up: per round, the
 * round's lone operation alone (cold), then `size` connections opened with a request that reads
 * no data, then its twin sent `size` times at once. Ratio: the burst's wall time (first request
 * started → last answer in) ÷ the lone latency. Every answer is checked against the reference.
 * The servers' counts are those of the bursts (read before and after each), so the lone
 * operations and the requests that open connections are not among them.
 */
async function measureHerd(
  context: PhaseContext,
  config: BenchConfig,
  scenario: Scenario,
  stack: ConfigStack,
): Promise<HerdRow> {
  const plan = scenario.herd ?? { size: 0, rounds: [] };
  const { auth, standIns } = context;
  await warmUp(graphqlRunner(stack.url, auth), `${stack.gateway.pid}`, context.pools, context.settings);
  const url = new URL(stack.url);
  const headers = graphqlHeaders(callerHeaders(auth));
  const pool = new Pool(url.origin, { connections: plan.size, pipelining: 1, keepAliveTimeout: 60_000 });
  const withReference = (instance: OperationInstance): LoadInstance => ({
    ...instance,
    expectedHash: context.references.get(instanceKey(instance)) ?? 'no reference answer',
  });
  const send = (instance: OperationInstance) => timedRequest(pool, url, headers, operationBody(instance));
  const origins = workOrigins(config, stack);
  const burstWork: WorkCounters[] = [];
  const rounds: HerdRoundResult[] = [];
  try {
    for (const round of plan.rounds) {
      await simResetBoth(standIns);
      const lone = await send(round.lone);
      const loneRoundTrips = await legacyRoundTrips(standIns);
      // The burst's connections open first, so it measures the work and not TCP handshakes.
      await Promise.all(
        Array.from({ length: plan.size }, () => timedRequest(pool, url, headers, OPEN_CONNECTION)),
      );
      const openConnections = pool.stats.connected;
      const counted = await countWork(origins);
      await simResetBoth(standIns);
      const firstStart = performance.now();
      const burst = await Promise.all(Array.from({ length: plan.size }, () => send(round.burst)));
      const burstWallMs = Math.max(...burst.map((answer) => answer.endedAt)) - firstStart;
      const burstRoundTrips = await legacyRoundTrips(standIns);
      burstWork.push(await counted());
      const loneMs = lone.endedAt - lone.startedAt;
      const loneOutcome = checkTimed(lone, withReference(round.lone));
      const failed = [
        ...(loneOutcome.kind === 'ok'
          ? []
          : [`lone ${JSON.stringify(round.lone.variables)}: ${loneOutcome.detail}`]),
        ...burst.flatMap((answer) => {
          const outcome = checkTimed(answer, withReference(round.burst));
          return outcome.kind === 'ok'
            ? []
            : [`at once ${JSON.stringify(round.burst.variables)}: ${outcome.detail}`];
        }),
      ];
      for (const sample of failed.slice(0, 3)) log(`    herd ${sample}`);
      rounds.push({
        loneVariables: round.lone.variables,
        burstVariables: round.burst.variables,
        loneMs,
        burstWallMs,
        ratio: herdRatio(burstWallMs, loneMs),
        loneRoundTrips,
        burstRoundTrips,
        openConnections,
        ok: 1 + plan.size - failed.length,
        failures: failed.length,
        failureSamples: failed.slice(0, 3),
      });
    }
  } finally {
    await pool.close();
  }
  return herdRow(
    { config: config.id, customers: context.customers, size: plan.size },
    rounds,
    sumWork(burstWork),
  );
}

/** Opens a connection without reading any data (answered by the gateway alone). */
const OPEN_CONNECTION = JSON.stringify({ query: '{ __typename }' });

/**
 * In a quick run, an operation that alone takes longer than the time bound cannot be measured
 * under load in that bound: its row keeps the lone figures only.
 */
function skippedLoadRow(
  context: PhaseContext,
  config: BenchConfig,
  scenario: Scenario,
  calibration: Calibration,
  stack: ConfigStack | null,
): Row {
  log(
    `    ${scenario.id}: one operation alone takes ${calibration.latencyMs.toFixed(0)} ms, over the quick bound: no load`,
  );
  return {
    config: config.id,
    scenario: scenario.id,
    customers: context.customers,
    calibration,
    load: {
      concurrency: scenario.concurrency ?? context.settings.concurrency,
      started: 0,
      completed: 0,
      ok: 0,
      errors: 0,
      mismatches: 0,
      unfinished: 0,
      durationMs: 0,
      okPerSecond: 0,
      latency: null,
      okPerWindow: [],
      roundTripsPerOperation: null,
      failureSamples: [],
    },
    p50OverFloor: null,
    gatewayPeakRssMiB: stack ? peakRssMiB(stack.gateway.pid) : null,
  };
}

/** The reference answer of every distinct operation, from configuration B, computed once per data set. */
async function computeReferences(
  url: string,
  auth: BenchAuth,
  instances: readonly OperationInstance[],
  concurrency: number,
  notes: string[],
): Promise<Map<string, string>> {
  const references = new Map<string, string>();
  const failed: string[] = [];
  await inParallel(instances, concurrency, async (instance) => {
    const answer = await postGraphql(url, instance, auth);
    if ((answer.errors?.length ?? 0) > 0 || answer.data === undefined) {
      failed.push(
        `${instance.kind} ${JSON.stringify(instance.variables)}: ${JSON.stringify(answer.errors).slice(0, 200)}`,
      );
      return;
    }
    references.set(instanceKey(instance), answerHash(answer.data));
  });
  if (failed.length > 0) {
    const note = `${failed.length} of ${instances.length} operations had no reference answer (configuration B answered with errors) and were left out, e.g. ${failed[0]}`;
    notes.push(note);
    log(`  ${note}`);
  }
  return references;
}

function distinctInstances(scenarios: readonly Scenario[]): OperationInstance[] {
  const byKey = new Map<string, OperationInstance>();
  for (const scenario of scenarios) {
    for (const op of scenario.operations)
      for (const instance of op.instances) byKey.set(instanceKey(instance), instance);
  }
  return [...byKey.values()];
}

interface Phase {
  customers: number;
  scenarios: ScenarioId[];
  /** Whether this phase also measures authentication's cost (AUTH_COST_SCENARIOS on A). */
  authCost: boolean;
  /** Whether this phase also runs the reporting section (issue 11). */
  reporting: boolean;
  /** Whether this phase also runs the fault rows (issue 12). */
  fault: boolean;
}

async function runPhase(
  settings: Settings,
  loadgen: LoadGenerator,
  phase: Phase,
  logDir: string,
  hiveSupergraphDir: string,
  auth: BenchAuth,
  notes: string[],
): Promise<{
  rows: Row[];
  authCost: AuthCostRow[];
  reporting: ReportingRow[];
  herd: HerdRow[];
  withoutSharing: WithoutSharing | null;
  fault: FaultRow[];
}> {
  log(`\n== data set: ${phase.customers} customers (seed ${settings.seed})`);
  // Read now, not at start-up: the supergraph is what the gateways will load.
  const subgraphs = supergraphSubgraphs(REPO_ROOT);
  const openedAt = performance.now();
  const dataset = openDataset({ seed: settings.seed, customers: phase.customers });
  let pools: Pools;
  let openInvoices = 0;
  try {
    pools = readPools(dataset.erp, dataset.crm, settings.poolSize);
    if (phase.reporting) openInvoices = countOpenInvoices(dataset.erp);
  } finally {
    dataset.close();
  }
  log(
    `  data set ready in ${((performance.now() - openedAt) / 1000).toFixed(1)} s; ${pools.deepCustomerIds.length} customers and ${pools.searchTerms.length} search terms for the scenarios, ${pools.warmUpCustomerIds.length} and ${pools.warmUpSearchTerms.length} for warm-ups`,
  );
  const standIns = await startStandIns({
    repoRoot: REPO_ROOT,
    logDir,
    ports: portsFor(settings.portBase, REFERENCE_CONFIG),
    customers: phase.customers,
    seed: settings.seed,
    startTimeoutMs: 600_000,
  });
  const rows: Row[] = [];
  const authCost: AuthCostRow[] = [];
  const reporting: ReportingRow[] = [];
  const herd: HerdRow[] = [];
  let withoutSharing: WithoutSharing | null = null;
  const fault: FaultRow[] = [];
  try {
    for (const origin of [standIns.erpUrl, standIns.crmUrl]) {
      await simConfigure(origin, { latencyMs: settings.latencyMs, jitterMs: settings.jitterMs });
    }
    const context: PhaseContext = {
      settings,
      pools,
      loadgen,
      standIns,
      customers: phase.customers,
      references: new Map(),
      auth,
      direct: {
        erpUrl: standIns.erpUrl,
        crmUrl: standIns.crmUrl,
        erpToken: ERP_TOKEN,
        crmToken: CRM_TOKEN,
        erpCompanyId: await erpCompanyId(standIns.erpUrl),
        localCurrencyCode: LOCAL_CURRENCY,
        connectionsPerHost: 6,
      },
    };
    const scenarios = phase.scenarios.map((id) => buildScenario(id, pools));
    const authCostScenarios = phase.authCost ? AUTH_COST_SCENARIOS.map((id) => buildScenario(id, pools)) : [];
    // The fault rows compare with the full answer of their operation, whatever --scenarios says.
    const faultScenarios = phase.fault ? [buildScenario(FAULT.scenario, pools)] : [];
    /** Starts a stack: a configuration's, an authentication variant's, or one placed apart (`apart`). */
    const timed = async (
      config: BenchConfig,
      variant?: AuthVariant,
      apart?: { ports: BenchPorts; label: string },
    ) => {
      const startedAt = performance.now();
      const variantIndex = variant ? AUTH_VARIANTS.indexOf(variant) : -1;
      const stack = await startConfigStack({
        config,
        repoRoot: REPO_ROOT,
        logDir,
        ports:
          apart?.ports ??
          (variantIndex >= 0
            ? authVariantPorts(settings.portBase, variantIndex)
            : portsFor(settings.portBase, config.id)),
        standIns,
        subgraphs,
        hiveSupergraphPath: hiveSupergraphFile(hiveSupergraphDir, config.id),
        startTimeoutMs: 60_000,
        auth,
        ...(variant ? { authSetting: variant.setting, nameSuffix: `-auth-${variant.id}` } : {}),
        ...(apart ? { nameSuffix: `-${apart.label.replaceAll(' ', '-')}` } : {}),
      });
      const label = variant?.id ?? apart?.label;
      log(
        `  ${config.id}${label ? ` (${label})` : ''} started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
      );
      return stack;
    };

    // The reference configuration runs first: its answers are what every other one must give.
    const order = [REFERENCE_CONFIG, ...settings.configs.filter((id) => id !== REFERENCE_CONFIG)];
    const stacks = new Map<ConfigId, ConfigStack>();
    try {
      for (const id of order) {
        const config = CONFIGS[id];
        const reported = settings.configs.includes(id);
        log(`  ${id}: ${config.title}`);
        for (const [index, scenario] of scenarios.entries()) {
          // A configuration left out of --configs (B) only answers the references, on its first
          // scenario: starting it again for the next ones (the herd restarts every stack) is waste.
          if (!reported && index > 0) break;
          const previous = rows.at(-1);
          // A stack that keeps answers starts fresh for each scenario (its lone operations are
          // cold); any stack starts fresh after requests were cut, which may still be running.
          // The herd's variants must be cold in every configuration: its stack has answered
          // nothing but the warm-up, in a quick run too.
          const restart =
            (index > 0 && config.caches && !settings.quick) ||
            (index > 0 && scenario.herd !== undefined) ||
            (previous !== undefined && previous.config === id && previous.load.unfinished > 0);
          const start = async () => {
            await stacks.get(id)?.stop();
            stacks.delete(id);
            stacks.set(id, await timed(config));
          };
          if (config.gateway !== 'none' && (restart || !stacks.has(id))) await start();
          if (id === REFERENCE_CONFIG && index === 0) {
            const stack = stacks.get(id) as ConfigStack;
            await warmUp(graphqlRunner(stack.url, auth), `${stack.gateway.pid}`, pools, settings);
            const instances = distinctInstances([...scenarios, ...authCostScenarios, ...faultScenarios]);
            const t = performance.now();
            context.references = await computeReferences(
              stack.url,
              auth,
              instances,
              settings.concurrency,
              notes,
            );
            log(
              `    reference answers: ${context.references.size} in ${((performance.now() - t) / 1000).toFixed(1)} s`,
            );
            // The references asked the herd's variants: it needs a stack that never did.
            if (scenario.herd && reported) await start();
          }
          if (!reported) continue;
          const stack = stacks.get(id) ?? null;
          if (scenario.herd) {
            if (!stack || scenario.herd.rounds.length === 0) {
              log(`    herd: ${stack ? 'no variants in this data set' : 'not measured without a gateway'}`);
              continue;
            }
            const row = await measureHerd(context, config, scenario, stack);
            herd.push(row);
            logHerd(row);
            continue;
          }
          const row = await measure(context, config, scenario, stack);
          rows.push(row);
          logRow(row);
        }
        await stacks.get(id)?.stop();
        stacks.delete(id);
        if (id === 'A' && reported) {
          const measured = scenarios.filter((s) => WITHOUT_SHARING_SCENARIOS.includes(s.id));
          if (measured.length > 0) {
            withoutSharing = await measureWithoutSharing(context, measured, () =>
              timed(A_WITHOUT_SHARING, undefined, {
                ports: withoutSharingPorts(settings.portBase, AUTH_VARIANTS.length),
                label: 'without sharing',
              }),
            );
          }
        }
      }
      if (phase.authCost) authCost.push(...(await measureAuthCost(context, timed)));
      if (phase.fault) {
        fault.push(
          ...(await measureFault(context, (config) =>
            timed(config, undefined, { ports: portsFor(settings.portBase, config.id), label: 'fault' }),
          )),
        );
      }
      if (phase.reporting) {
        reporting.push(
          ...(await measureReporting({
            repoRoot: REPO_ROOT,
            quick: settings.quick,
            customers: phase.customers,
            latencyMs: settings.latencyMs,
            auth,
            direct: context.direct,
            openInvoices,
            start: (config) => timed(config),
            log,
          })),
        );
      }
    } finally {
      await Promise.all([...stacks.values()].map((stack) => stack.stop()));
    }
  } finally {
    await standIns.stop();
  }
  return { rows, authCost, reporting, herd, withoutSharing, fault };
}

function logRow(row: Row, label: string = row.scenario): void {
  const l = row.load;
  log(
    `    ${label.padEnd(8)} ${l.okPerSecond.toFixed(1).padStart(7)} req/s  p50 ${(l.latency?.p50 ?? Number.NaN).toFixed(0).padStart(5)} ms  p99 ${(l.latency?.p99 ?? Number.NaN).toFixed(0).padStart(5)} ms  rt/op ${(row.calibration.erpRoundTrips + row.calibration.crmRoundTrips).toFixed(1)}  floor ${row.calibration.floorMs.toFixed(0)} ms  ok ${l.ok} err ${l.errors} wrong ${l.mismatches} cut ${l.unfinished}${workLine(row.work)}`,
  );
}

function logHerd(row: HerdRow, label = 'herd'): void {
  log(
    `    ${label.padEnd(8)} median ${row.medianRatio?.toFixed(2)}× (${row.rounds.map((r) => `${r.loneMs.toFixed(0)} ms alone, ${r.burstWallMs.toFixed(0)} ms ${row.size} at once on ${r.openConnections} connections`).join('; ')}) failed ${row.failures}${workLine(row.work)}`,
  );
}

/**
 * A without sharing (issue 14): the herd and the dashboard on A with coalescing, fetch
 * deduplication and refresh ahead off (A_WITHOUT_SHARING), on ports of its own, right after A's
 * own rows and measured as they were: a fresh stack per scenario, the same references, the same
 * bounds.
 */
async function measureWithoutSharing(
  context: PhaseContext,
  scenarios: readonly Scenario[],
  start: () => Promise<ConfigStack>,
): Promise<WithoutSharing> {
  const measured: WithoutSharing = { rows: [], herd: null };
  for (const scenario of scenarios) {
    if (scenario.herd && scenario.herd.rounds.length === 0) continue;
    const stack = await start();
    try {
      if (scenario.herd) {
        measured.herd = await measureHerd(context, A_WITHOUT_SHARING, scenario, stack);
        logHerd(measured.herd, 'herd, A without sharing');
      } else {
        const row = await measure(context, A_WITHOUT_SHARING, scenario, stack);
        measured.rows.push(row);
        logRow(row, `${scenario.id}, A without sharing`);
      }
    } finally {
      await stack.stop();
    }
  }
  return measured;
}

const countCell = (value: number | null) => (value === null ? '—' : String(value));

/** The servers' counts for a progress line (nothing for E, which has no servers). */
function workLine(work: WorkCounters | null | undefined): string {
  if (!work) return '';
  return `  coalesced ${countCell(work.coalesced)} executed ${countCell(work.executed)} dedup ${countCell(work.deduplicatedFetches)} refreshes ${countCell(work.refreshes)}`;
}

/**
 * The order the variants run in, in a round: reversed every other round, so a drift of the
 * machine over the section (another process, heat) does not always favour the same variant.
 */
export function authVariantOrder<T>(variants: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...variants] : [...variants].reverse();
}

/** One variant of the authentication cost section and the stack it runs on. */
interface VariantStack {
  variant: AuthVariant;
  stack: ConfigStack;
}

/**
 * Authentication's cost on configuration A, each variant (with tokens under NODE_ENV=production
 * as shipped, with tokens under development, AUTH_MODE=off under development) on a stack of its
 * own, the three stacks up side by side against the same stand-ins, every answer checked
 * against the same references.
 *
 * Cold (deep): per round, three fresh stacks (A's cache empty, as in A's own rows), each variant
 * loaded for the whole duration, one after the other, the order reversed every other round.
 * Hot (repeat): three fresh stacks, each warmed and its lone operation run, then loaded for
 * HOT_WARM_UP_MS unmeasured, then short slices of load on each in turn, the order reversed every
 * pass (hotPathSlices). A quick run starts the
 * three stacks once for both scenarios (deep first: the repeated customer is deep's first,
 * whose lone operation stays cold).
 */
async function measureAuthCost(
  context: PhaseContext,
  start: (config: BenchConfig, variant: AuthVariant) => Promise<ConfigStack>,
): Promise<AuthCostRow[]> {
  const config = CONFIGS.A;
  const { settings, pools } = context;
  const cold = buildScenario(AUTH_COLD_SCENARIO, pools);
  const hot = buildScenario(AUTH_HOT_SCENARIO, pools);
  const section: PhaseContext = settings.quick
    ? context
    : { ...context, settings: { ...settings, maxRequests: AUTH_COST_MAX_REQUESTS } };
  const rows: AuthCostRow[] = [];
  const slices = hotPathSlices(settings);
  log(
    `  authentication cost on A: ${AUTH_VARIANTS.length} variants side by side; ${cold.id}: ${settings.authCostRounds} round(s); ${hot.id}: ${slices.passes} passes of ${slices.sliceMs} ms`,
  );
  /** Starts the three stacks (AUTH_VARIANTS' order), runs `run` on them, then stops them. */
  const onStacks = async (run: (stacks: readonly VariantStack[]) => Promise<void>) => {
    const stacks: VariantStack[] = [];
    try {
      for (const variant of AUTH_VARIANTS) stacks.push({ variant, stack: await start(config, variant) });
      await run(stacks);
    } finally {
      await Promise.all(stacks.map(({ stack }) => stack.stop()));
    }
  };
  const coldRound = async (stacks: readonly VariantStack[], round: number) => {
    for (const { variant, stack } of authVariantOrder(stacks, round)) {
      const row = await measure(section, config, cold, stack);
      rows.push({ variant: variant.id, round, row });
      logRow(row, `${cold.id} ${variant.id}`);
    }
  };
  const hotPath = async (stacks: readonly VariantStack[]) => {
    const bounded = (maxDurationMs: number): PhaseContext => ({
      ...section,
      settings: { ...section.settings, maxDurationMs },
    });
    const prepared: (VariantStack & { calibration: Calibration })[] = [];
    for (const s of stacks) prepared.push({ ...s, calibration: await prepare(section, hot, s.stack) });
    const warming = bounded(slices.warmUpMs);
    for (const { variant, stack, calibration } of prepared) {
      const warm = await loadRow(warming, config, hot, stack, calibration);
      log(
        `    ${hot.id} ${variant.id} warmed under load: ${warm.load.okPerSecond.toFixed(1)} req/s (not counted)`,
      );
    }
    const sliced = bounded(slices.sliceMs);
    for (let pass = 0; pass < slices.passes; pass += 1) {
      for (const { variant, stack, calibration } of authVariantOrder(prepared, pass)) {
        const row = await loadRow(sliced, config, hot, stack, calibration);
        rows.push({ variant: variant.id, round: pass, row });
      }
    }
    for (const summary of authCostLines(summarizeAuthCost(rows.filter((a) => a.row.scenario === hot.id)))) {
      log(`    ${summary.trim()}`);
    }
  };

  if (settings.quick) {
    await onStacks(async (stacks) => {
      for (let round = 0; round < settings.authCostRounds; round += 1) await coldRound(stacks, round);
      await hotPath(stacks);
    });
  } else {
    for (let round = 0; round < settings.authCostRounds; round += 1) {
      await onStacks((stacks) => coldRound(stacks, round));
    }
    await onStacks(hotPath);
  }
  return rows;
}

/**
 * The fault rows (issue 12): the ERP stand-in slower than the operation's budget on every call,
 * Customer360 (first 10: CRM accounts, ERP figures) under load. The budget is the gateway's
 * GATEWAY_OPERATION_BUDGET_MS (Hive Gateway, for D: its upstreamTimeout); the subgraphs get the
 * deadline from the gateway. A and B are judged; D shows Hive's own behaviour.
 */
export const FAULT = {
  system: 'ERP',
  slowLatencyMs: 3000,
  budgetMs: 1000,
  /** Time-outs until the ERP's breaker opens (a few consecutive ones), then refusals, at once. */
  codes: ['LEGACY_TIMEOUT', 'LEGACY_UNAVAILABLE'],
  scenario: 'c360-10',
  judged: ['A', 'B'],
  shown: ['D'],
} as const satisfies {
  system: 'ERP' | 'CRM';
  slowLatencyMs: number;
  budgetMs: number;
  codes: readonly string[];
  scenario: ScenarioId;
  judged: readonly ConfigId[];
  shown: readonly ConfigId[];
};

/** The configurations of --configs the fault rows run on, in order. */
export const faultConfigs = (configs: readonly ConfigId[]): ConfigId[] =>
  [...FAULT.judged, ...FAULT.shown].filter((id) => configs.includes(id));

/** A configuration as the fault rows run it: its gateway given the budget. */
export function withFaultBudget(config: BenchConfig): BenchConfig {
  const budget = String(FAULT.budgetMs);
  return {
    ...config,
    gatewayEnv: {
      ...config.gatewayEnv,
      ...(config.gateway === 'hive'
        ? { HIVE_UPSTREAM_TIMEOUT_MS: budget }
        : { GATEWAY_OPERATION_BUDGET_MS: budget }),
    },
  };
}

async function measureFault(
  context: PhaseContext,
  start: (config: BenchConfig) => Promise<ConfigStack>,
): Promise<FaultRow[]> {
  const { settings, standIns } = context;
  const scenario = buildScenario(FAULT.scenario, context.pools);
  const slowOrigin = FAULT.system === 'ERP' ? standIns.erpUrl : standIns.crmUrl;
  const configs = faultConfigs(settings.configs);
  log(
    `  fault: ${FAULT.system} ${FAULT.slowLatencyMs} ms a call, budget ${FAULT.budgetMs} ms, ${scenario.id} under load on ${configs.join(', ')}`,
  );
  // The full answers, from the front end's client against healthy stand-ins (no stack's cache
  // gets to see them), each checked against the reference.
  const full = new Map<string, unknown>();
  const direct = directRunner(context.direct);
  try {
    for (const op of scenario.operations) {
      for (const instance of op.instances) {
        const answer = await direct.run(instance);
        const key = instanceKey(instance);
        if (answer.data !== undefined && answerHash(answer.data) === context.references.get(key))
          full.set(key, answer.data);
        else
          log(
            `    fault: no full answer for ${key}: ${describeFailure(answer, context.references.get(key))}`,
          );
      }
    }
  } finally {
    await direct.close();
  }
  if (full.size === 0) {
    log('    fault: no full answer to compare with, so no fault rows');
    return [];
  }
  const expect = (instance: OperationInstance): LoadInstance | undefined => {
    const reference = full.get(instanceKey(instance));
    return reference === undefined
      ? undefined
      : {
          ...instance,
          expectedHash: 'degraded',
          degraded: { reference, codes: FAULT.codes, system: FAULT.system },
        };
  };
  const rows: FaultRow[] = [];
  for (const id of configs) {
    const config = withFaultBudget(CONFIGS[id]);
    const stack = await start(config);
    try {
      const runner = graphqlRunner(stack.url, context.auth);
      await warmUp(runner, `${stack.gateway.pid}`, context.pools, settings);
      await simConfigure(slowOrigin, { latencyMs: FAULT.slowLatencyMs });
      try {
        const lone = scenario.operations[0]?.instances[0] as OperationInstance;
        const expected = expect(lone);
        await simResetBoth(standIns);
        const began = performance.now();
        const answer = await runner.run(lone);
        const latencyMs = performance.now() - began;
        const { erp, crm, floor } = await simLoneCost(standIns, settings.latencyMs);
        const outcome = expected?.degraded
          ? checkDegraded(answer, expected.degraded)
          : { kind: 'error' as const, detail: 'no full answer to compare with' };
        if (outcome.kind !== 'ok') log(`    fault ${id} lone: ${outcome.detail}`);
        const calibration: Calibration = {
          operations: 1,
          erpRoundTrips: erp.roundTrips,
          crmRoundTrips: crm.roundTrips,
          erpRequests: erp.total,
          crmRequests: crm.total,
          erpOperations: legacyOperations(erp),
          crmOperations: legacyOperations(crm),
          depth: floor.depth,
          floorMs: floor.floorMs,
          latencyMs,
          failures: outcome.kind === 'ok' ? 0 : 1,
        };
        const row = await loadRow(context, config, scenario, stack, calibration, expect);
        logRow(row, `${scenario.id}, fault`);
        log(`    errors seen: ${JSON.stringify(row.load.errorCodes ?? {})}`);
        rows.push({
          row,
          slowSystem: FAULT.system,
          slowLatencyMs: FAULT.slowLatencyMs,
          budgetMs: FAULT.budgetMs,
          expectedCodes: FAULT.codes,
          judged: (FAULT.judged as readonly ConfigId[]).includes(id),
        });
      } finally {
        await simConfigure(slowOrigin, { latencyMs: settings.latencyMs });
      }
    } finally {
      await stack.stop();
    }
  }
  return rows;
}

/**
 * The code the run measured: the commit, and the files outside bench/ that differed from it
 * while the run started (a run over uncommitted work says so in its header).
 */
function codeVersion(): { commit: string; uncommitted: string[] } {
  const git = (args: string[]) =>
    spawnSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).stdout?.trimEnd() ?? '';
  const uncommitted = git(['status', '--porcelain', '--untracked-files=no'])
    .split('\n')
    .map((line) => line.slice(3).trim())
    .filter((path) => path !== '' && !path.startsWith('bench/'));
  return { commit: git(['rev-parse', '--short', 'HEAD']).trim() || 'unknown', uncommitted };
}

export async function runBench(settings: Settings): Promise<BenchResult> {
  const code = codeVersion();
  const startedAt = new Date().toISOString();
  const loadBefore = loadavg()[0] ?? 0;
  const ports = new Set([
    ...CONFIG_IDS.flatMap((id) => allPorts(portsFor(settings.portBase, id))),
    ...AUTH_VARIANTS.flatMap((_, index) => allPorts(authVariantPorts(settings.portBase, index))),
    ...(settings.configs.includes('A')
      ? allPorts(withoutSharingPorts(settings.portBase, AUTH_VARIANTS.length))
      : []),
  ]);
  await assertPortsFree([...ports]);
  const logDir = join(REPO_ROOT, '.data/bench-logs');
  mkdirSync(logDir, { recursive: true });
  const hive = hiveConfigs(settings.configs);
  if (hive.length > 0) ensureHiveInstalled(REPO_ROOT, log);
  for (const id of hive) {
    writeHiveSupergraph(REPO_ROOT, portsFor(settings.portBase, id), hiveSupergraphFile(logDir, id));
  }
  const notes: string[] = [];
  if (settings.quick) {
    notes.push(
      'Quick run (a smoke run, not a measurement to quote): small bounds; caching stacks (A, D) are not restarted between scenarios, so their lone operations after the first scenario may be answered from a warm cache; a row whose lone operation takes longer than the time bound gets no load.',
    );
  }
  // The issuer's keys in the bench's own directory: the developer's .data/auth is never touched.
  const auth = await openBenchAuth(logDir);
  log(`auth: issuer keys in ${auth.jwksPath}, one full-access token for the run`);
  const authCostMeasured = settings.authCostRounds > 0 && settings.configs.includes('A');
  if (settings.authCostRounds > 0 && !authCostMeasured) {
    notes.push(
      'Authentication cost not measured: it is measured on configuration A, which this run leaves out.',
    );
  }
  const phases: Phase[] = [
    {
      customers: settings.customers,
      scenarios: settings.scenarios,
      authCost: authCostMeasured,
      reporting: settings.reporting,
      fault: settings.fault && faultConfigs(settings.configs).length > 0,
    },
  ];
  if (settings.scaleCustomers !== null)
    phases.push({
      customers: settings.scaleCustomers,
      scenarios: ['scale'],
      authCost: false,
      reporting: settings.reporting,
      fault: false,
    });
  const rows: Row[] = [];
  const authCost: AuthCostRow[] = [];
  const reporting: ReportingRow[] = [];
  const herd: HerdRow[] = [];
  let withoutSharing: WithoutSharing | null = null;
  const fault: FaultRow[] = [];
  const loadgen = startLoadGenerator();
  try {
    for (const phase of phases) {
      const measured = await runPhase(settings, loadgen, phase, logDir, logDir, auth, notes);
      rows.push(...measured.rows);
      authCost.push(...measured.authCost);
      reporting.push(...measured.reporting);
      herd.push(...measured.herd);
      withoutSharing ??= measured.withoutSharing;
      fault.push(...measured.fault);
    }
  } finally {
    await loadgen.close();
  }
  const scenarioOrder: ScenarioId[] = [...ALL_SCENARIOS, 'scale'];
  rows.sort(
    (a, b) =>
      scenarioOrder.indexOf(a.scenario) - scenarioOrder.indexOf(b.scenario) ||
      CONFIG_IDS.indexOf(a.config) - CONFIG_IDS.indexOf(b.config),
  );
  herd.sort((a, b) => CONFIG_IDS.indexOf(a.config) - CONFIG_IDS.indexOf(b.config));
  const cpu = cpus();
  return {
    machine: {
      cpu: cpu[0]?.model ?? 'unknown',
      cores: cpu.length,
      node: process.version,
      platform: `${platform()} ${release()}`,
      memoryGiB: totalmem() / 2 ** 30,
      loadAverage: { before: loadBefore, after: loadavg()[0] ?? 0 },
    },
    settings: {
      argv: settings.argv,
      quick: settings.quick,
      latencyMs: settings.latencyMs,
      jitterMs: settings.jitterMs,
      concurrency: settings.concurrency,
      maxRequests: settings.maxRequests,
      maxDurationMs: settings.maxDurationMs,
      graceMs: settings.graceMs,
      seed: settings.seed,
      customers: settings.customers,
      scaleCustomers: settings.scaleCustomers,
      configs: settings.configs,
      scenarios: [...settings.scenarios, ...(settings.scaleCustomers === null ? [] : (['scale'] as const))],
      authCostRounds: authCostMeasured ? settings.authCostRounds : 0,
      authCostHot: authCostMeasured ? hotPathSlices(settings) : { passes: 0, sliceMs: 0, warmUpMs: 0 },
      reporting: settings.reporting,
      fault: settings.fault,
    },
    code,
    startedAt,
    finishedAt: new Date().toISOString(),
    rows,
    authCost,
    reporting,
    herd,
    ...(withoutSharing ? { withoutSharing } : {}),
    fault,
    targets: checkTargets(rows, authCost, reporting, herd, {
      latencyMs: settings.latencyMs,
      ...(settings.fault ? { fault } : {}),
    }),
    notes,
  };
}

async function main(): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping the services it started\n`);
      void stopAllServices().finally(() => process.exit(130));
    });
  }
  let settings: Settings;
  try {
    settings = parseFlags(process.argv.slice(2));
  } catch (error) {
    if (error instanceof FlagError) {
      process.stderr.write(`bench: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const result = await runBench(settings);
  const titles = Object.fromEntries(CONFIG_IDS.map((id) => [id, CONFIGS[id].title])) as Record<
    ConfigId,
    string
  >;
  mkdirSync(settings.outDir, { recursive: true });
  writeFileSync(join(settings.outDir, 'latest.md'), renderMarkdown(result, titles));
  writeFileSync(join(settings.outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`\n${textTable(result.rows)}\n`);
  const work = workTextTables(result.rows, result.herd ?? [], result.withoutSharing ?? null);
  if (work !== '') out(`identical work done once (issue 14):\n${work}\n`);
  for (const line of authCostLines(summarizeAuthCost(result.authCost))) out(line);
  if ((result.fault ?? []).length > 0) out(`\nfault (issue 12):\n${faultTextTable(result.fault ?? [])}\n`);
  if (result.reporting.length > 0) out(`\nreporting (issue 11):\n${reportingTextTable(result.reporting)}\n`);
  for (const t of result.targets) out(`${t.met === null ? '·' : t.met ? '✓' : '✗'} ${t.target}: ${t.detail}`);
  out(`\nwritten: ${join(settings.outDir, 'latest.md')} and latest.json`);
  log('done');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  });
}
