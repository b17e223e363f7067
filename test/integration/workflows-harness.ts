import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import type { SimStats, Simulator } from '../../legacy/sim/simulator.js';
import {
  readWorkflowsSubgraphConfig,
  type WorkflowsSubgraphConfig,
} from '../../subgraphs/workflows/config.js';
import {
  createWorkflowsSubgraph,
  type WorkflowsSubgraph,
  type WorkflowsSubgraphDeps,
} from '../../subgraphs/workflows/createWorkflowsSubgraph.js';
import { type TestAuth, testAuth } from '../helpers/auth.js';
import { closeServer, listen } from '../helpers/servers.js';

/**
 * The two stand-ins over a small generated data set, and (optionally) the workflows subgraph
 * in this process, all on loopback port 0; the stand-ins' databases are read back to check
 * what was written, their /__sim/ counters to check what was called.
 */
export interface LegacyPair {
  dataset: Dataset;
  erpUrl: string;
  crmUrl: string;
  erpSim: Simulator;
  crmSim: Simulator;
  /** GET /__sim/stats of both. */
  calls(): Promise<{ erp: SimStats; crm: SimStats }>;
  resetCalls(): Promise<void>;
  /** A temporary directory for the workflows store, removed by close(). */
  dir: string;
  close(): Promise<void>;
}

export async function startLegacyPair(customers = 60): Promise<LegacyPair> {
  const dataset = openDataset({ customers });
  const erp = createErpStandIn({ db: dataset.erp, companyId: dataset.summary.companyId });
  const crm = createCrmStandIn({ db: dataset.crm });
  const erpUrl = await listen(erp.server);
  const crmUrl = await listen(crm.server);
  const dir = mkdtempSync(join(tmpdir(), 'workflows-it-'));
  const sim = async (base: string, path: string, method = 'GET') =>
    (await (await fetch(`${base}/__sim/${path}`, { method })).json()) as SimStats;
  return {
    dataset,
    erpUrl,
    crmUrl,
    erpSim: erp.sim,
    crmSim: crm.sim,
    dir,
    async calls() {
      const [erpStats, crmStats] = await Promise.all([sim(erpUrl, 'stats'), sim(crmUrl, 'stats')]);
      return { erp: erpStats, crm: crmStats };
    },
    async resetCalls() {
      await Promise.all([sim(erpUrl, 'reset', 'POST'), sim(crmUrl, 'reset', 'POST')]);
    },
    async close() {
      await Promise.all([closeServer(erp.server), closeServer(crm.server)]);
      dataset.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A test file's fixture, as its hooks: the stand-ins over `customers` and the workflows subgraph
 * started once (handed to `started`, which keeps them for the tests) and closed after; before each
 * test both stand-ins are up, without latency, their counters reset.
 */
export function useWorkflows(
  started: (running: { legacy: LegacyPair; workflows: RunningWorkflows }) => void,
  options: {
    customers?: number;
    overrides?: Partial<WorkflowsSubgraphConfig>;
    deps?: WorkflowsSubgraphDeps;
  } = {},
): void {
  let legacy: LegacyPair | undefined;
  let workflows: RunningWorkflows | undefined;
  beforeAll(async () => {
    legacy = await startLegacyPair(options.customers);
    workflows = await startWorkflows(legacy, options.overrides, options.deps);
    started({ legacy, workflows });
  });
  afterAll(async () => {
    await workflows?.close();
    await legacy?.close();
  });
  beforeEach(async () => {
    legacy!.crmSim.setConfig({ outage: false, latencyMs: 0 });
    legacy!.erpSim.setConfig({ outage: false, latencyMs: 0 });
    await legacy!.resetCalls();
  });
}

/** The subgraph's configuration for tests: fast loops and leases, no read retries (exact counts). */
export function testConfig(
  legacy: LegacyPair,
  overrides: Partial<WorkflowsSubgraphConfig> = {},
): WorkflowsSubgraphConfig {
  return {
    ...readWorkflowsSubgraphConfig({}),
    auth: testAuth().config,
    erpUrl: legacy.erpUrl,
    crmUrl: legacy.crmUrl,
    erpCompanyId: legacy.dataset.summary.companyId,
    dbPath: join(legacy.dir, 'workflows.sqlite'),
    maxRetries: 0,
    leaseMs: 2_000,
    waitTimeoutMs: 20_000,
    retryIntervalMs: 50,
    retryBaseDelayMs: 50,
    retryMaxDelayMs: 200,
    port: 0,
    ...overrides,
  };
}

export interface RunningWorkflows {
  subgraph: WorkflowsSubgraph;
  url: string;
  gql: (query: string, variables?: Record<string, unknown>) => Promise<GraphQLBody>;
  close(): Promise<void>;
}

export interface GraphQLBody {
  // biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary result shapes
  data?: any;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary result shapes
  errors?: { message: string; path?: (string | number)[]; extensions?: any }[];
}

/** A call to a subgraph with the gateway's secret and a token: full access, or with `claims`. */
export async function postGraphQL(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  claims?: Parameters<TestAuth['tokenFor']>[0],
): Promise<GraphQLBody> {
  const auth = testAuth();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth.subgraphHeaders(await auth.tokenFor(claims)) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLBody;
}

export async function startWorkflows(
  legacy: LegacyPair,
  overrides: Partial<WorkflowsSubgraphConfig> = {},
  deps: WorkflowsSubgraphDeps = {},
): Promise<RunningWorkflows> {
  const subgraph = createWorkflowsSubgraph(testConfig(legacy, overrides), deps);
  const url = `${await listen(subgraph.server)}/graphql`;
  return {
    subgraph,
    url,
    gql: (query, variables) => postGraphQL(url, query, variables),
    async close() {
      await closeServer(subgraph.server);
      await subgraph.close();
    },
  };
}

/**
 * A proxy in front of a stand-in, for writes whose answer is lost: every request passes through,
 * and the answer to one `picks` chooses is held for `holdMs` (past the client's timeout) while
 * `losing()` says so. The legacy system has done the write; its answer is what gets lost.
 */
export interface AnswerLosingProxy {
  url: string;
  /** The URLs of the requests `picks` chose, in order (a test may empty it). */
  picked: string[];
  close(): Promise<void>;
}

export async function startAnswerLosingProxy(
  targetUrl: string,
  picks: (req: IncomingMessage) => boolean,
  holdMs: number,
  losing: () => boolean = () => true,
): Promise<AnswerLosingProxy> {
  const target = new URL(targetUrl);
  const picked: string[] = [];
  const server = createServer((req, res) => {
    const pick = picks(req);
    if (pick) picked.push(req.url ?? '');
    const upstream = request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () => {
          const send = () => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(chunks));
          };
          if (pick && losing()) setTimeout(send, holdMs).unref();
          else send();
        });
      },
    );
    req.pipe(upstream);
  });
  const url = await listen(server);
  return {
    url,
    picked,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface QuoteRow {
  Id: string;
  QuoteNumber: string;
  Status: string;
  GrandTotal: number;
  OpportunityId: string | null;
  AccountId: string;
  ERP_Order_Number__c: string | null;
  ERP_Order_Id__c: string | null;
  customerId: string;
}

/**
 * Quotes of linked customers not yet converted, with their ERP customer's credit position, so
 * tests choose quotes by what makes them interesting rather than by hard-coded ids.
 */
export function candidateQuotes(
  dataset: Dataset,
): (QuoteRow & { blocked: string; creditLimit: number; balance: number })[] {
  const quotes = dataset.crm
    .prepare(
      `SELECT q.Id, q.QuoteNumber, q.Status, q.GrandTotal, q.OpportunityId, q.AccountId, q.ERP_Order_Number__c,
              q.ERP_Order_Id__c, a.ERP_Customer_Id__c AS customerId
       FROM Quote q JOIN Account a ON a.Id = q.AccountId
       WHERE q.ERP_Order_Number__c IS NULL AND a.ERP_Customer_Id__c IS NOT NULL AND q.Status IN ('Approved', 'Presented', 'Accepted')
       ORDER BY q.QuoteNumber`,
    )
    .all() as QuoteRow[];
  return quotes.map((quote) => {
    const customer = dataset.erp
      .prepare(
        `SELECT c.blocked, c.creditLimit, COALESCE(f.balance, c.balanceDue) AS balance
         FROM customers c LEFT JOIN customerFinancialDetails f ON f.id = c.id WHERE c.id = ?`,
      )
      .get(quote.customerId) as { blocked: string; creditLimit: number; balance: number };
    return { ...quote, ...customer };
  });
}

/**
 * A quote conversion's other rules let through (its customer not blocked, within its credit
 * limit, no ERP order carrying its number yet) that is not in `used`; added to it.
 */
export function takeConvertibleQuote(dataset: Dataset, used: Set<string>) {
  const quote = candidateQuotes(dataset).find(
    (q) =>
      !used.has(q.Id) &&
      q.blocked.trim() === '' &&
      (q.creditLimit === 0 || q.balance + q.GrandTotal <= q.creditLimit) &&
      ordersFor(dataset, q.QuoteNumber).length === 0,
  );
  if (!quote) throw new Error('the data set has no convertible quote left');
  used.add(quote.Id);
  return quote;
}

/** The POSTs a stand-in counted (its /__sim/stats) on routes naming `entitySet`. */
export function postsTo(stats: { byRoute: Record<string, number> }, entitySet: string): number {
  return Object.entries(stats.byRoute)
    .filter(([route]) => route.startsWith('POST') && route.includes(entitySet))
    .reduce((sum, [, n]) => sum + n, 0);
}

/** The ERP orders carrying `externalDocumentNumber` (a quote's number, an order entry's reference). */
export function ordersFor(
  dataset: Dataset,
  externalDocumentNumber: string,
): { id: string; number: string; customerId: string; status: string }[] {
  return dataset.erp
    .prepare(
      'SELECT id, number, customerId, status FROM salesOrders WHERE externalDocumentNumber = ? ORDER BY number',
    )
    .all(externalDocumentNumber) as { id: string; number: string; customerId: string; status: string }[];
}

/** An ERP order's lines, in sequence, as the stand-in holds them. */
export function orderLines(
  dataset: Dataset,
  orderNumber: string,
): { sequence: number; sku: string; quantity: number; discountPercent: number }[] {
  return dataset.erp
    .prepare(
      `SELECT l.sequence, l.lineObjectNumber AS sku, l.quantity, l.discountPercent FROM salesOrderLines l
       JOIN salesOrders o ON o.id = l.documentId WHERE o.number = ? ORDER BY l.sequence`,
    )
    .all(orderNumber) as { sequence: number; sku: string; quantity: number; discountPercent: number }[];
}

export function quoteRow(dataset: Dataset, quoteId: string): QuoteRow {
  return dataset.crm.prepare('SELECT * FROM Quote WHERE Id = ?').get(quoteId) as QuoteRow;
}

export const CONVERT = `
  mutation Convert($quoteId: ID!, $key: String!) {
    convertQuoteToOrder(quoteId: $quoteId, idempotencyKey: $key) {
      order { number }
      quote { id }
      customer { id }
      orderCreated
      replayed
      outcomes { system status message code }
      pendingWriteBack { id kind system status targetId attempts lastErrorCode order { number } quote { id } }
    }
  }`;
