import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GatewayConfig, gatewayConfig } from '../../gateway/config.js';
import { createGateway, type Gateway } from '../../gateway/createGateway.js';
import { createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import {
  type SimConfig,
  type SimStats,
  type Simulator,
  sequentialDepth,
} from '../../legacy/sim/simulator.js';
import type { DevTokenClaims } from '../../lib/auth/devIssuer.js';
import { createAuthenticator } from '../../lib/auth/verifier.js';
import {
  type CacheTtls,
  createConfiguredCache,
  type LegacyCacheConfig,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { fixedCredentials } from '../../lib/legacyCredentials.js';
import type { Logger } from '../../lib/logger.js';
import { silentLogger } from '../../lib/logger.js';
import { DEFAULT_REFRESH_AHEAD, type RefreshAheadConfig } from '../../lib/refreshAhead.js';
import { crmStandInCredentials, erpStandInCredentials } from '../../scripts/standInSignIn.js';
import { CRM_SUBGRAPH_DEFAULTS, type CrmSubgraphConfig } from '../../subgraphs/crm/config.js';
import { createCrmSubgraph } from '../../subgraphs/crm/createCrmSubgraph.js';
import { type ErpSubgraphConfig, readErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import { createErpSubgraph } from '../../subgraphs/erp/createErpSubgraph.js';
import { readReportsSubgraphConfig } from '../../subgraphs/reports/config.js';
import {
  createReportsSubgraph,
  type ReportsSubgraph,
  type ReportsSubgraphDeps,
} from '../../subgraphs/reports/createReportsSubgraph.js';
import {
  readWorkflowsSubgraphConfig,
  type WorkflowsSubgraphConfig,
} from '../../subgraphs/workflows/config.js';
import {
  createWorkflowsSubgraph,
  type WorkflowsSubgraph,
  type WorkflowsSubgraphDeps,
} from '../../subgraphs/workflows/createWorkflowsSubgraph.js';
import { type TestAuth, testAuth } from './auth.js';
import { closeServer, listen } from './servers.js';

export const ERP_TOKEN = 'erp-dev-token';
export const CRM_TOKEN = 'crm-dev-token';

export interface StackOptions {
  /** Customers in the generated data set (default 300, the generator's default). */
  customers?: number;
  seed?: number;
  /** The ERP stand-in's server page size: small values force many legacy pages. */
  erpMaxPageSize?: number;
  /** The CRM stand-in's cap on query batch size (Salesforce's is 2,000). */
  crmMaxBatchSize?: number;
  /** Off: every DataLoader asks for one key at a time (the naive version). Default on. */
  batching?: boolean | { erp?: boolean; crm?: boolean };
  /** Per legacy call, in the subgraphs' clients. */
  legacyTimeoutMs?: { erp?: number; crm?: number };
  /** Read retries in the subgraphs' clients (default 0 here, so fault tests count exactly). */
  legacyMaxRetries?: number;
  subgraphTimeoutMs?: number;
  /** NODE_ENV=production behaviour of the gateway (masking, no introspection). */
  production?: boolean;
  /** Initial simulator settings of the stand-ins (latency, faults). */
  erpSim?: Partial<SimConfig>;
  crmSim?: Partial<SimConfig>;
  gateway?: Partial<GatewayConfig>;
  /** The workflows subgraph's settings (its store is a temporary file unless dbPath is given). */
  workflows?: Partial<WorkflowsSubgraphConfig>;
  workflowsDeps?: Omit<WorkflowsSubgraphDeps, 'logger'>;
  /** The reports subgraph's seams (its clock). */
  reportsDeps?: Pick<ReportsSubgraphDeps, 'now'>;
  logger?: Logger;
  /**
   * The legacy cache the three subgraphs share, as `npm start` runs them: a memory cache of
   * their own (default), none (`off`), or one the test made (e.g. over Redis, shared by stacks).
   */
  legacyCache?: 'memory' | 'off' | LegacyCache;
  /** TTLs of that cache (default: the product's defaults). */
  cacheTtlMs?: Partial<CacheTtls>;
  /**
   * Refresh ahead of the legacy cache and the response cache. Off unless given: a background
   * reload started by one test's read would land in the next test's counts of legacy calls.
   */
  refreshAhead?: RefreshAheadConfig;
  /**
   * The gateway's cache of whole answers (on in the product). Off by default here: most tests
   * repeat a query to count what it costs the legacy systems.
   */
  responseCache?: boolean;
  /**
   * How the subgraphs sign in to the stand-ins: their OAuth flows (default, as `npm start`:
   * client credentials for both), or the fixed development tokens ERP_TOKEN / CRM_TOKEN.
   */
  legacyAuth?: 'oauth' | 'fixed';
  /** `off`: AUTH_MODE=off (every caller the development principal). Default: tokens required, as in the product. */
  auth?: 'on' | 'off';
  /**
   * CRM_PER_USER: the CRM stand-in trusts a connected-app key made for the stack, and the CRM
   * subgraph reads as each caller's own Salesforce user (JWT bearer).
   */
  crmPerUser?: boolean;
}

export interface GraphQLAnswer {
  status: number;
  headers: Headers;
  /** `{ data?, errors? }`, loosely typed: tests index into arbitrary result shapes. */
  // biome-ignore lint/suspicious/noExplicitAny: see above
  body: any;
}

export interface Stack {
  gatewayUrl: string;
  erpLegacyUrl: string;
  crmLegacyUrl: string;
  erpSubgraphUrl: string;
  crmSubgraphUrl: string;
  workflowsSubgraphUrl: string;
  workflows: WorkflowsSubgraph;
  reportsSubgraphUrl: string;
  reports: ReportsSubgraph;
  dataset: Dataset;
  erpSim: Simulator;
  crmSim: Simulator;
  gateway: Gateway;
  /** The cache the subgraphs share; undefined when it is off. */
  legacyCache: LegacyCache | undefined;
  /** Zeroes both stand-ins' counters (POST /__sim/reset). */
  resetCounts(): Promise<void>;
  /**
   * Both stand-ins' counters (GET /__sim/stats): requests, round trips, by route; and `depth`, the
   * longest chain of round trips made one after another over both systems (their traces merged).
   */
  legacyCalls(): Promise<{ erp: SimStats; crm: SimStats; depth: number }>;
  /** The dev issuer and settings every piece of the stack verifies tokens with. */
  auth: TestAuth;
  /** A token for a caller (default: `test-user` with every scope but sales:own). */
  tokenFor(claims?: Partial<DevTokenClaims>): Promise<string>;
  /**
   * POST to the gateway's /graphql, as the full-access test caller unless `headers` carries its
   * own `authorization` (an empty one sends none).
   */
  query(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<GraphQLAnswer>;
  close(): Promise<void>;
}

/**
 * The whole product in this process on loopback port 0: the generated data set, both
 * stand-ins, both subgraphs configured to them, and the gateway configured to the subgraphs.
 * Every piece is the real factory over real HTTP; tests and the benchmark drive it from outside.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logger = options.logger ?? silentLogger;
  const dataset = openDataset({
    ...(options.customers === undefined ? {} : { customers: options.customers }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const cleanups: (() => Promise<void> | void)[] = [() => dataset.close()];
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  try {
    const erpStandIn = createErpStandIn({
      db: dataset.erp,
      companyId: dataset.summary.companyId,
      token: ERP_TOKEN,
      ...(options.erpMaxPageSize === undefined ? {} : { maxPageSize: options.erpMaxPageSize }),
      ...(options.erpSim ? { sim: options.erpSim } : {}),
      logger,
    });
    // Per-user mode signs each user's JWT with the connected app's key; the stand-in holds its certificate.
    const connectedAppKey = options.crmPerUser
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : undefined;
    const crmStandIn = createCrmStandIn({
      db: dataset.crm,
      token: CRM_TOKEN,
      ...(connectedAppKey ? { connectedApp: { certificate: connectedAppKey.publicKey } } : {}),
      ...(options.crmMaxBatchSize === undefined ? {} : { maxBatchSize: options.crmMaxBatchSize }),
      ...(options.crmSim ? { sim: options.crmSim } : {}),
      logger,
    });
    cleanups.push(
      () => closeServer(erpStandIn.server),
      () => closeServer(crmStandIn.server),
    );
    const erpLegacyUrl = await listen(erpStandIn.server);
    const crmLegacyUrl = await listen(crmStandIn.server);
    const legacyCredentials =
      options.legacyAuth === 'fixed'
        ? { erp: fixedCredentials(ERP_TOKEN), crm: fixedCredentials(CRM_TOKEN) }
        : { erp: erpStandInCredentials(erpLegacyUrl), crm: crmStandInCredentials(crmLegacyUrl) };
    if (connectedAppKey && legacyCredentials.crm.flow === 'clientCredentials') {
      legacyCredentials.crm = {
        ...legacyCredentials.crm,
        app: { ...legacyCredentials.crm.app, privateKey: connectedAppKey.privateKey },
      };
    }

    const batching =
      typeof options.batching === 'object'
        ? { erp: options.batching.erp ?? true, crm: options.batching.crm ?? true }
        : { erp: options.batching ?? true, crm: options.batching ?? true };
    const maxRetries = options.legacyMaxRetries ?? 0;
    const refreshAhead = options.refreshAhead ?? { ...DEFAULT_REFRESH_AHEAD, percent: 0 };
    const cacheConfig: LegacyCacheConfig = {
      ...readLegacyCacheConfig({ LEGACY_CACHE: options.legacyCache === 'off' ? 'off' : 'memory' }),
      refreshAhead,
    };
    cacheConfig.ttlMs = { ...cacheConfig.ttlMs, ...options.cacheTtlMs };
    const legacyCache =
      typeof options.legacyCache === 'object' ? options.legacyCache : createConfiguredCache(cacheConfig);
    if (legacyCache && typeof options.legacyCache !== 'object') cleanups.push(() => legacyCache.close());
    const auth = testAuth();
    const authConfig = { ...auth.config, mode: options.auth === 'off' ? ('off' as const) : ('jwt' as const) };
    // One verifier for the whole process, as `npm start` shares one.
    const authenticator = createAuthenticator(authConfig);
    const defaultToken = await auth.tokenFor();
    const erpConfig: ErpSubgraphConfig = {
      ...readErpSubgraphConfig({}),
      auth: authConfig,
      erpUrl: erpLegacyUrl,
      erpCredentials: legacyCredentials.erp,
      companyId: dataset.summary.companyId,
      maxRetries,
      batching: batching.erp,
      cache: cacheConfig,
      ...(options.legacyTimeoutMs?.erp === undefined ? {} : { timeoutMs: options.legacyTimeoutMs.erp }),
      port: 0,
    };
    const crmConfig: CrmSubgraphConfig = {
      ...CRM_SUBGRAPH_DEFAULTS,
      auth: authConfig,
      crmUrl: crmLegacyUrl,
      crmCredentials: legacyCredentials.crm,
      perUser: options.crmPerUser ?? false,
      maxRetries,
      batching: batching.crm,
      cache: cacheConfig,
      ...(options.legacyTimeoutMs?.crm === undefined ? {} : { timeoutMs: options.legacyTimeoutMs.crm }),
      port: 0,
    };
    const erpSubgraph = createErpSubgraph(erpConfig, { logger, cache: legacyCache ?? null, authenticator });
    // The CRM subgraph lists the ERP's customers while the CRM is down, through the ERP subgraph's client.
    const crmSubgraph = createCrmSubgraph(crmConfig, {
      logger,
      cache: legacyCache ?? null,
      authenticator,
      erp: erpSubgraph.client,
    });
    cleanups.push(
      () => erpSubgraph.close(),
      () => crmSubgraph.close(),
    );
    cleanups.push(
      () => closeServer(erpSubgraph.server),
      () => closeServer(crmSubgraph.server),
    );
    const erpSubgraphUrl = `${await listen(erpSubgraph.server)}/graphql`;
    const crmSubgraphUrl = `${await listen(crmSubgraph.server)}/graphql`;

    // The workflows and reports subgraphs both call both systems, with the same settings.
    const bothSystems = {
      auth: authConfig,
      erpUrl: erpLegacyUrl,
      crmUrl: crmLegacyUrl,
      erpCredentials: legacyCredentials.erp,
      crmCredentials: legacyCredentials.crm,
      erpCompanyId: dataset.summary.companyId,
      maxRetries,
    };
    const workflowsDir = mkdtempSync(join(tmpdir(), 'stack-workflows-'));
    cleanups.push(() => rmSync(workflowsDir, { recursive: true, force: true }));
    const workflows = createWorkflowsSubgraph(
      {
        ...readWorkflowsSubgraphConfig({}),
        ...bothSystems,
        dbPath: join(workflowsDir, 'workflows.sqlite'),
        retryIntervalMs: 100,
        retryBaseDelayMs: 100,
        retryMaxDelayMs: 1000,
        port: 0,
        ...options.workflows,
      },
      // workflowsDeps.cache, when given, stands for another process's client of the same Redis.
      { ...(legacyCache ? { cache: legacyCache } : {}), authenticator, ...options.workflowsDeps, logger },
    );
    cleanups.push(() => workflows.close());
    cleanups.push(() => closeServer(workflows.server));
    const workflowsSubgraphUrl = `${await listen(workflows.server)}/graphql`;

    const reports = createReportsSubgraph(
      {
        ...readReportsSubgraphConfig({}),
        ...bothSystems,
        cache: cacheConfig,
        port: 0,
      },
      { cache: legacyCache ?? null, authenticator, ...options.reportsDeps, logger },
    );
    cleanups.push(() => reports.close());
    cleanups.push(() => closeServer(reports.server));
    const reportsSubgraphUrl = `${await listen(reports.server)}/graphql`;

    const gateway = createGateway(
      gatewayConfig({
        port: 0,
        subgraphUrls: {
          erp: erpSubgraphUrl,
          crm: crmSubgraphUrl,
          workflows: workflowsSubgraphUrl,
          reports: reportsSubgraphUrl,
        },
        ...(options.subgraphTimeoutMs === undefined ? {} : { subgraphTimeoutMs: options.subgraphTimeoutMs }),
        production: options.production ?? false,
        responseCache: {
          enabled: options.responseCache ?? false,
          ttlMs: 10_000,
          refreshAhead,
        },
        auth: authConfig,
        ...options.gateway,
      }),
      { logger, authenticator },
    );
    cleanups.push(() => gateway.close());
    await gateway.ready();
    const gatewayUrl = `${await listen(gateway.server)}/graphql`;
    // Signed in before the test starts, so its counts are its queries' legacy calls, not a sign-in.
    const clients = [
      erpSubgraph.client,
      crmSubgraph.client,
      workflows.erpClient,
      workflows.crmClient,
      reports.erpClient,
      reports.crmClient,
    ];
    await Promise.all(clients.map((client) => client.http.credentials?.token().catch(() => undefined)));
    erpStandIn.sim.reset();
    crmStandIn.sim.reset();

    const sim = async (base: string, path: string, method = 'GET') => {
      // Sent again once on a network error: after a long legacy read the stand-in may have closed
      // the kept-alive socket the fetch reuses (ECONNRESET), and the control API is idempotent.
      const send = () => fetch(`${base}/__sim/${path}`, { method });
      const response = await send().catch(send);
      if (!response.ok) throw new Error(`${method} ${base}/__sim/${path} answered ${response.status}`);
      return response.json() as Promise<SimStats>;
    };

    return {
      gatewayUrl,
      erpLegacyUrl,
      crmLegacyUrl,
      erpSubgraphUrl,
      crmSubgraphUrl,
      workflowsSubgraphUrl,
      workflows,
      reportsSubgraphUrl,
      reports,
      dataset,
      erpSim: erpStandIn.sim,
      crmSim: crmStandIn.sim,
      gateway,
      legacyCache,
      async resetCounts() {
        await Promise.all([sim(erpLegacyUrl, 'reset', 'POST'), sim(crmLegacyUrl, 'reset', 'POST')]);
      },
      async legacyCalls() {
        const [erp, crm] = await Promise.all([sim(erpLegacyUrl, 'stats'), sim(crmLegacyUrl, 'stats')]);
        const trips = [erpStandIn.sim, crmStandIn.sim].flatMap((simulator) =>
          simulator.getTrace().roundTrips.map(({ start, end }) => ({
            start,
            end: end ?? Number.POSITIVE_INFINITY,
          })),
        );
        return { erp, crm, depth: sequentialDepth(trips) };
      },
      auth,
      tokenFor: (claims) => auth.tokenFor(claims),
      async query(query, variables, headers = {}) {
        const sent: Record<string, string> = {
          'content-type': 'application/json',
          authorization: `Bearer ${defaultToken}`,
          ...headers,
        };
        if (sent.authorization === '') delete sent.authorization;
        const response = await fetch(gatewayUrl, {
          method: 'POST',
          headers: sent,
          body: JSON.stringify({ query, variables }),
        });
        return {
          status: response.status,
          headers: response.headers,
          body: (await response.json()) as GraphQLAnswer['body'],
        };
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
