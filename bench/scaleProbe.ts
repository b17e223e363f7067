/**
 * Scale probe (issue 5, "100k-customer data within 10% of 1k"): runs the benchmark's read
 * scenarios through the real stack in this process (stand-ins, both subgraphs with the shared
 * cache off, the gateway, all on loopback port 0, stand-in latency 0) at each data size, and
 * records every SQL statement the stand-ins run with its time, then asks SQLite for each
 * statement's plan. Bounded: a fixed number of operations per scenario.
 *
 *   npx tsx bench/scaleProbe.ts [customers,customers,…] [repetitions] [--plans]   (default 1000,100000 40)
 *
 * Prints per scenario the p50 of the GraphQL operation and, per SQL statement shape, the calls
 * per operation, the median stand-in time and whether its plan scans a table or sorts in a
 * temporary B-tree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { gatewayConfig } from '../gateway/config.js';
import { createGateway } from '../gateway/createGateway.js';
import { DEFAULT_DEMAND_CONTROL } from '../gateway/demandControlConfig.js';
import { createCrmStandIn } from '../legacy/crm/createCrmStandIn.js';
import { createErpStandIn } from '../legacy/erp/createErpStandIn.js';
import { Store } from '../legacy/erp/store.js';
import { type Dataset, openDataset } from '../legacy/generator/open.js';
import { authConfigFromEnv } from '../lib/auth/config.js';
import { createAuthenticator } from '../lib/auth/verifier.js';
import { fixedCredentials } from '../lib/legacyCredentials.js';
import { silentLogger } from '../lib/logger.js';
import { closeServer, listenOnFreePort } from '../lib/runServer.js';
import { readCrmSubgraphConfig } from '../subgraphs/crm/config.js';
import { createCrmSubgraph } from '../subgraphs/crm/createCrmSubgraph.js';
import { readErpSubgraphConfig } from '../subgraphs/erp/config.js';
import { createErpSubgraph } from '../subgraphs/erp/createErpSubgraph.js';
import { readWorkflowsSubgraphConfig } from '../subgraphs/workflows/config.js';
import { createWorkflowsSubgraph } from '../subgraphs/workflows/createWorkflowsSubgraph.js';
import { authEnv, type BenchAuth, callerHeaders, openBenchAuth } from './auth.js';
import { percentile } from './measure.js';
import { CUSTOMER_360, CUSTOMER_DEEP, CUSTOMER_SEARCH } from './operations.js';
import { CRM_TOKEN, ERP_TOKEN } from './stack.js';

/** Names only, page after page: each operation continues from the previous one's cursor. */
const CUSTOMER_NAMES_AFTER = `query CustomerNames($after: String) {
  customers(first: 10, after: $after) { edges { node { id name } } pageInfo { endCursor } }
}`;

const WARM_UP_OPERATIONS = 5;

/** The median as the bench reports it: a value that was measured (nearest rank). */
const p50 = (values: readonly number[]): number =>
  values.length === 0
    ? Number.NaN
    : percentile(
        [...values].sort((a, b) => a - b),
        50,
      );

// ------------------------------------------------------------------ statements

interface StatementStats {
  db: 'erp' | 'crm';
  shape: string;
  /** The first statement of this shape seen, with its parameters (for its plan). */
  sql: string;
  params: readonly unknown[];
  times: number[];
}

/** Every statement the stand-ins run, by scenario and SQL text. */
const recorded = new Map<string, Map<string, StatementStats>>();
let currentScenario: string | undefined;
const dbNames = new WeakMap<Database, 'erp' | 'crm'>();

/** The statement with its variable-length lists (`IN (?, ?, …)`, `a = ? OR a = ? …`) collapsed. */
function shapeOf(sql: string): string {
  return sql
    .replace(/\(+("[\w]+" = \?)/g, '($1')
    .replace(/( OR "\w+" = \?\)?)+/g, ' OR …)')
    .replace(/\?(, \?)+/g, '?, …');
}

function record(store: Store, sql: string, params: readonly unknown[], ms: number): void {
  if (!currentScenario) return;
  let byScenario = recorded.get(currentScenario);
  if (!byScenario) {
    byScenario = new Map();
    recorded.set(currentScenario, byScenario);
  }
  const shape = shapeOf(sql);
  let stats = byScenario.get(shape);
  if (!stats) {
    stats = { db: dbNames.get(store.db) ?? 'erp', shape, sql, params, times: [] };
    byScenario.set(shape, stats);
  }
  stats.times.push(ms);
}

/** Times every read both stand-ins make (the CRM's query engine reads through the same Store). */
function timeStoreReads(): void {
  for (const method of ['all', 'get'] as const) {
    const original = Store.prototype[method] as (
      this: Store,
      sql: string,
      params?: readonly unknown[],
    ) => unknown;
    (Store.prototype as unknown as Record<string, unknown>)[method] = function (
      this: Store,
      sql: string,
      params: readonly unknown[] = [],
    ) {
      const started = performance.now();
      try {
        return original.call(this, sql, params);
      } finally {
        record(this, sql, params, performance.now() - started);
      }
    };
  }
}

function planOf(db: Database, sql: string, params: readonly unknown[]): string[] {
  try {
    return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...(params as never[])) as { detail: string }[]).map(
      (r) => r.detail,
    );
  } catch (error) {
    return [`(no plan: ${(error as Error).message})`];
  }
}

// ------------------------------------------------------------------ the stack in this process

interface InProcessStack {
  gatewayUrl: string;
  /** The probe's caller: every GraphQL request carries its full-access token. */
  auth: BenchAuth;
  /** Milliseconds the two stand-ins took to open (index checks on an old data file included). */
  standInMs: number;
  close(): Promise<void>;
}

async function startStack(dataset: Dataset): Promise<InProcessStack> {
  const servers: Server[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const companyId = dataset.summary.companyId;
  const standInStarted = performance.now();
  const erpStandIn = createErpStandIn({ db: dataset.erp, companyId, token: ERP_TOKEN, logger: silentLogger });
  const crmStandIn = createCrmStandIn({ db: dataset.crm, token: CRM_TOKEN, logger: silentLogger });
  const standInMs = performance.now() - standInStarted;
  servers.push(erpStandIn.server, crmStandIn.server);
  const erpUrl = await listenOnFreePort(erpStandIn.server);
  const crmUrl = await listenOnFreePort(crmStandIn.server);
  // Authentication on, as shipped, with an issuer of the probe's own (never the developer's
  // .data/auth); one verifier for the process, as `npm start` shares one.
  const authDir = mkdtempSync(join(tmpdir(), 'scale-probe-auth-'));
  const auth = await openBenchAuth(authDir);
  const authConfig = authConfigFromEnv(authEnv(auth), { production: false });
  const authenticator = createAuthenticator(authConfig);
  const erpSubgraph = createErpSubgraph(
    {
      ...readErpSubgraphConfig({ LEGACY_CACHE: 'off' }),
      erpUrl,
      erpCredentials: fixedCredentials(ERP_TOKEN),
      companyId,
      port: 0,
      auth: authConfig,
    },
    { logger: silentLogger, authenticator },
  );
  const crmSubgraph = createCrmSubgraph(
    {
      ...readCrmSubgraphConfig({ LEGACY_CACHE: 'off' }),
      crmUrl,
      crmCredentials: fixedCredentials(CRM_TOKEN),
      port: 0,
      auth: authConfig,
    },
    { logger: silentLogger, authenticator },
  );
  closers.push(
    () => erpSubgraph.close(),
    () => crmSubgraph.close(),
  );
  servers.push(erpSubgraph.server, crmSubgraph.server);
  const erpSubgraphUrl = `${await listenOnFreePort(erpSubgraph.server)}/graphql`;
  const crmSubgraphUrl = `${await listenOnFreePort(crmSubgraph.server)}/graphql`;
  const workflowsDir = mkdtempSync(join(tmpdir(), 'scale-probe-'));
  const workflows = createWorkflowsSubgraph(
    {
      ...readWorkflowsSubgraphConfig({}),
      erpUrl,
      crmUrl,
      erpCompanyId: companyId,
      dbPath: join(workflowsDir, 'workflows.sqlite'),
      port: 0,
      auth: authConfig,
    },
    { logger: silentLogger, authenticator },
  );
  closers.push(() => workflows.close());
  servers.push(workflows.server);
  const workflowsUrl = `${await listenOnFreePort(workflows.server)}/graphql`;
  const gateway = createGateway(
    gatewayConfig({
      port: 0,
      subgraphUrls: { erp: erpSubgraphUrl, crm: crmSubgraphUrl, workflows: workflowsUrl },
      auth: authConfig,
      // One caller sends every operation of the probe: no per-caller rate limit.
      demandControl: {
        ...DEFAULT_DEMAND_CONTROL,
        rateLimit: { ...DEFAULT_DEMAND_CONTROL.rateLimit, requests: 0 },
      },
    }),
    { logger: silentLogger, authenticator },
  );
  closers.push(() => gateway.close());
  await gateway.ready();
  servers.push(gateway.server);
  const gatewayUrl = `${await listenOnFreePort(gateway.server)}/graphql`;
  return {
    gatewayUrl,
    auth,
    standInMs,
    close: async () => {
      for (const server of servers.reverse()) await closeServer(server);
      for (const close of closers.reverse()) await close();
      rmSync(workflowsDir, { recursive: true, force: true });
      rmSync(authDir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------ scenarios

interface Scenario {
  name: string;
  run: (i: number) => Promise<{ ms: number }>;
}

/** The bench's read scenarios, each input distinct per repetition so no cache anywhere answers. */
function scenariosFor(dataset: Dataset, stack: InProcessStack, repetitions: number): Scenario[] {
  const { gatewayUrl } = stack;
  const ask = async (query: string, variables: Record<string, unknown>) => {
    const started = performance.now();
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { ...callerHeaders(stack.auth), 'content-type': 'application/json' },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { errors?: unknown[]; data?: unknown };
    const ms = performance.now() - started;
    if (body.errors) throw new Error(`GraphQL errors: ${JSON.stringify(body.errors).slice(0, 500)}`);
    return { ms, body };
  };

  const ids = (
    dataset.erp
      .prepare(
        `SELECT c.id FROM customers c WHERE EXISTS (SELECT 1 FROM salesOrders o WHERE o.customerId = c.id) ORDER BY c.number LIMIT ?`,
      )
      .all(repetitions * 2) as { id: string }[]
  ).map((r) => r.id);
  const names = (
    dataset.crm.prepare(`SELECT Name FROM Account ORDER BY Id LIMIT ?`).all(repetitions * 2) as {
      Name: string;
    }[]
  ).map((r) => r.Name);
  const terms = [
    ...new Set(names.map((n) => n.split(/\s+/).find((w) => /^[A-Za-z]{4,}$/.test(w))).filter(Boolean)),
  ] as string[];

  let after: string | null = null;
  return [
    { name: 'c360-10', run: () => ask(CUSTOMER_360, { first: 10 }) },
    { name: 'search', run: (i) => ask(CUSTOMER_SEARCH, { search: terms[i % terms.length], first: 10 }) },
    { name: 'deep', run: (i) => ask(CUSTOMER_DEEP, { id: ids[i % ids.length] }) },
    {
      name: 'next-page',
      run: async () => {
        const answer = await ask(CUSTOMER_NAMES_AFTER, { after });
        const data = answer.body.data as { customers: { pageInfo: { endCursor: string | null } } };
        after = data.customers.pageInfo.endCursor;
        return answer;
      },
    },
  ];
}

interface ProbeResult {
  customers: number;
  openMs: number;
  standInMs: number;
  repetitions: number;
  results: { scenario: string; p50: number; statements: StatementStats[] }[];
  plans: Map<string, string[]>;
}

async function probe(customers: number, repetitions: number): Promise<ProbeResult> {
  const opened = performance.now();
  const dataset = openDataset({ customers });
  dbNames.set(dataset.erp, 'erp');
  dbNames.set(dataset.crm, 'crm');
  const openMs = performance.now() - opened;
  const stack = await startStack(dataset);

  const results: ProbeResult['results'] = [];
  for (const scenario of scenariosFor(dataset, stack, repetitions)) {
    // Warm-up on other inputs: compiled code paths and prepared statements, not data.
    currentScenario = undefined;
    for (let i = 0; i < WARM_UP_OPERATIONS; i++) await scenario.run(repetitions + i);
    currentScenario = `${customers}:${scenario.name}`;
    const times: number[] = [];
    for (let i = 0; i < repetitions; i++) times.push((await scenario.run(i)).ms);
    currentScenario = undefined;
    const statements = [...(recorded.get(`${customers}:${scenario.name}`)?.values() ?? [])];
    results.push({ scenario: scenario.name, p50: p50(times), statements });
  }

  const plans = new Map<string, string[]>();
  for (const r of results)
    for (const s of r.statements) {
      if (!plans.has(s.sql))
        plans.set(s.sql, planOf(s.db === 'erp' ? dataset.erp : dataset.crm, s.sql, s.params));
    }

  await stack.close();
  dataset.close();
  return { customers, openMs, standInMs: stack.standInMs, results, plans, repetitions };
}

// ------------------------------------------------------------------ report

/** The probe's output is its report (stdout), not log lines. */
const print = (line: string) => process.stdout.write(`${line}\n`);

function report(result: ProbeResult, verbose: boolean): void {
  print(
    `\n=== ${result.customers} customers (open ${result.openMs.toFixed(0)} ms, stand-ins ready ${result.standInMs.toFixed(0)} ms)`,
  );
  for (const r of result.results) {
    print(`-- ${r.scenario}: GraphQL p50 ${r.p50.toFixed(2)} ms`);
    for (const s of r.statements) {
      const plan = result.plans.get(s.sql) ?? [];
      const flags = plan.filter((d) => /^SCAN|TEMP B-TREE/.test(d) && !/^SCAN json_each/.test(d));
      print(
        `   ${s.db} ${(s.times.length / result.repetitions).toFixed(1)}/op  p50 ${p50(s.times).toFixed(3)} ms  ${flags.length ? `[${flags.join('; ')}]` : ''}`,
      );
      print(`      ${s.shape.slice(0, verbose ? 2000 : 300)}`);
      if (verbose)
        print(`      params ${JSON.stringify(s.params).slice(0, 200)}\n      plan: ${plan.join(' | ')}`);
    }
  }
}

const sizes = (process.argv[2] ?? '1000,100000').split(',').map(Number);
const repetitions = Number(process.argv[3] ?? 40);
const verbose = process.argv.includes('--plans');
timeStoreReads();
for (const customers of sizes) report(await probe(customers, repetitions), verbose);
process.exit(0);
