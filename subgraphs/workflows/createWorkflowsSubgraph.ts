import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { Authenticator } from '../../lib/auth/verifier.js';
import { subgraphCache } from '../../lib/cacheConfig.js';
import { LegacyError } from '../../lib/errors.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { breakerStates, legacySubgraphMetrics } from '../../lib/legacyMetrics.js';
import { type Logger, silentLogger } from '../../lib/logger.js';
import { createSubgraphServer } from '../../lib/subgraphServer.js';
import { CrmApprovalWrites } from '../crm/client/approvalWrites.js';
import { CrmCaseWrites } from '../crm/client/caseWrites.js';
import type { CrmClient } from '../crm/client/crmClient.js';
import { InvalidatingCrmWrites } from '../crm/client/invalidatingWrites.js';
import { CrmOnboardingWrites } from '../crm/client/onboardingWrites.js';
import { type ErpCustomerCreated, ErpCustomerWrites } from '../erp/client/customerWrites.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import { InvalidatingErpWrites } from '../erp/client/invalidatingWrites.js';
import { ErpOrderWrites } from '../erp/client/orderWrites.js';
import type { ErpOrderSummary } from '../erp/client/writeModels.js';
import { createLegacyClients } from '../legacySystems.js';
import type { WorkflowsSubgraphConfig } from './config.js';
import { createContextFactory, type WorkflowsContext } from './context.js';
import { CONVERT_OPERATION, QuoteConversion } from './convertQuoteToOrder.js';
import type { CustomerChangeDeps } from './customerRecords.js';
import { Coordinator } from './idempotency.js';
import { InteractionLogging } from './logInteraction.js';
import { ONBOARD_OPERATION, ProspectOnboarding } from './onboarding.js';
import { OrderEntry } from './orderEntry.js';
import { QuoteApprovals } from './quoteApprovals.js';
import { resolvers } from './resolvers/index.js';
import { RedisWorkflowStore } from './store/redisStore.js';
import { SqliteWorkflowStore } from './store/sqliteStore.js';
import type { WorkflowStore } from './store/types.js';
import { SupportCases } from './supportCases.js';
import { CustomerAddressUpdate } from './updateCustomerAddress.js';
import { CustomerContactUpsert } from './upsertCustomerContact.js';
import { WriteBacks } from './writeBacks.js';

export const WORKFLOWS_SCHEMA_PATH = new URL('../../schema/workflows.graphql', import.meta.url);

export interface WorkflowsSubgraphDeps {
  logger?: Logger;
  /** One verifier for the gateway and the subgraphs of a process (they check the same tokens). */
  authenticator?: Authenticator;
  /** Replaces the SQLite file named by config.dbPath (e.g. a shared store for replicas). */
  store?: WorkflowStore;
  /** Test seam: runs right after the ERP accepted an order, before the CRM write-back. */
  afterErpOrderCreated?: (order: ErpOrderSummary) => void | Promise<void>;
  /** Test seam: the clock warranty eligibility is judged by (support cases). */
  now?: () => Date;
  /** Test seam: runs right after the ERP accepted a customer made from a CRM account, before the CRM link. */
  afterErpCustomerCreated?: (customer: ErpCustomerCreated) => void | Promise<void>;
  /**
   * The legacy cache the ERP and CRM subgraphs read through (one process running all three):
   * writes forget what they make stale there. Absent: a Redis cache from config.cache when it
   * names one; a memory cache of its own would reach no reader, so none is made.
   */
  cache?: LegacyCache;
}

export interface BackgroundPass {
  resumed: number;
  released: number;
  done: number;
  pending: number;
  failed: number;
}

export interface WorkflowsSubgraph {
  /** Not listening: the caller picks host and port. The background loop starts when it listens. */
  server: Server;
  erpClient: ErpClient;
  crmClient: CrmClient;
  store: WorkflowStore;
  /** One pass of the background loop now: resume abandoned runs, retry due write-backs. */
  runBackgroundPass(): Promise<BackgroundPass>;
  close(): Promise<void>;
}

/**
 * The workflows subgraph: the mutations that cross the ERP and the CRM, their durable state,
 * and the background loop that finishes what a failure left owing. Never listens.
 */
export function createWorkflowsSubgraph(
  config: WorkflowsSubgraphConfig,
  deps: WorkflowsSubgraphDeps = {},
): WorkflowsSubgraph {
  const logger = deps.logger ?? silentLogger;
  const owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const store =
    deps.store ??
    (config.redisUrl
      ? new RedisWorkflowStore(config.redisUrl, config.redisPrefix)
      : new SqliteWorkflowStore(config.dbPath));
  // The same credentials logic as the read subgraphs: their own token sources, same flows.
  const { erpClient, crmClient, erpScope, crmScope } = createLegacyClients(
    config,
    { maxRetries: config.maxRetries, maxConnections: config.maxConnections },
    logger,
  );
  // Without a shared cache only a Redis one of its own is made: a memory cache would reach no reader.
  const { cache, owned: ownsCache } = subgraphCache(
    config.cache,
    deps.cache ?? (config.cache.mode === 'redis' ? undefined : null),
    logger,
  );
  const erp = new InvalidatingErpWrites(erpClient, cache, erpScope);
  const crm = new InvalidatingCrmWrites(crmClient, cache, crmScope);
  const coordinator = new Coordinator(store, {
    owner,
    leaseMs: config.leaseMs,
    waitTimeoutMs: config.waitTimeoutMs,
    pollMs: 20,
  });
  const accountLinks = new CrmOnboardingWrites(crmClient, cache, crmScope);
  const erpCustomers = new ErpCustomerWrites(erpClient, cache, erpScope);
  const writeBacks = new WriteBacks(
    store,
    erp,
    crm,
    {
      baseDelayMs: config.retryBaseDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
      leaseMs: Math.max(config.erpTimeoutMs, config.crmTimeoutMs) * 2,
    },
    logger,
    accountLinks,
  );
  const conversion = new QuoteConversion({
    erp,
    crm,
    coordinator,
    writeBacks,
    approvalThresholds: config.approvalThresholds,
    ...(deps.afterErpOrderCreated ? { afterErpOrderCreated: deps.afterErpOrderCreated } : {}),
  });
  const customerChanges: CustomerChangeDeps = {
    erp,
    crm,
    coordinator,
    writeBacks,
    rules: {
      mirrorBillingAddressToCrm: config.mirrorBillingAddressToCrm,
      mirrorBillingContactToErp: config.mirrorBillingContactToErp,
    },
  };
  const workflows = {
    convertQuoteToOrder: conversion,
    updateCustomerAddress: new CustomerAddressUpdate(customerChanges),
    upsertCustomerContact: new CustomerContactUpsert(customerChanges),
    logInteraction: new InteractionLogging(customerChanges),
    quoteApprovals: new QuoteApprovals({
      crm: new CrmApprovalWrites(crmClient, cache, crmScope),
      coordinator,
      thresholds: config.approvalThresholds,
    }),
    orderEntry: new OrderEntry({
      erp,
      orders: new ErpOrderWrites(erpClient, cache, erpScope),
      crm,
      coordinator,
    }),
    supportCases: new SupportCases({
      crm,
      cases: new CrmCaseWrites(crmClient, cache, crmScope),
      erp: erpCustomers,
      coordinator,
      now: deps.now ?? (() => new Date()),
    }),
    onboarding: new ProspectOnboarding({
      erp,
      customers: erpCustomers,
      crm: accountLinks,
      coordinator,
      writeBacks,
      localCurrencyCode: config.erpLocalCurrencyCode,
      ...(deps.afterErpCustomerCreated ? { afterErpCustomerCreated: deps.afterErpCustomerCreated } : {}),
    }),
  };

  const subgraph = createSubgraphServer<WorkflowsContext>({
    schemaPath: WORKFLOWS_SCHEMA_PATH,
    resolvers,
    subgraph: 'workflows',
    logger,
    auth: config.auth,
    authenticator: deps.authenticator,
    metrics: legacySubgraphMetrics(cache, [erpClient.http, crmClient.http]),
    readiness: () => ({ breakers: breakerStates([erpClient.http, crmClient.http]) }),
    context: createContextFactory({ workflows, store }),
    async release() {
      await Promise.all([erpClient.close(), crmClient.close()]);
      if (!deps.store) await store.close();
      if (ownsCache) await cache?.close();
    },
  });
  const { server } = subgraph;

  let passes = 0;
  async function runBackgroundPass(): Promise<BackgroundPass> {
    const scope = { requestId: `background-${randomUUID()}`, logger: logger.child({ background: true }) };
    const result: BackgroundPass = { resumed: 0, released: 0, done: 0, pending: 0, failed: 0 };
    // A run whose process died after its first system's write (a quote's ERP order, an
    // onboarding's ERP customer) is finished here: the CRM side done or owed, the answer stored.
    const resumable = [
      { operation: CONVERT_OPERATION, what: 'quote conversion', workflow: conversion },
      { operation: ONBOARD_OPERATION, what: 'prospect onboarding', workflow: workflows.onboarding },
    ];
    for (const { operation, what, workflow } of resumable) {
      for (const record of await store.listAbandoned(operation, Date.now(), 20)) {
        try {
          const outcome = await workflow.resume(record, scope);
          result[outcome] += 1;
          scope.logger.info({ key: record.key, outcome }, `abandoned ${what} finished`);
        } catch (error) {
          // Left for the next pass (or the client's retry): the record stays until it succeeds.
          scope.logger.warn(
            { key: record.key, code: error instanceof LegacyError ? error.code : undefined },
            `abandoned ${what} not finished yet`,
          );
        }
      }
    }
    const counts = await writeBacks.retryDue(owner);
    result.done = counts.done;
    result.pending = counts.pending;
    result.failed = counts.failed;
    passes += 1;
    if (passes % 600 === 1) await store.purgeCompleted(Date.now() - config.idempotencyRetentionMs);
    return result;
  }

  // The loop runs while the server listens: a pass at start-up (what a previous process left),
  // then one per interval; passes never overlap.
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = runBackgroundPass()
      .catch((error: unknown) => logger.error({ err: error }, 'background pass failed'))
      .finally(() => {
        running = undefined;
      });
  };
  server.on('listening', () => {
    tick();
    timer = setInterval(tick, config.retryIntervalMs);
    timer.unref();
  });
  server.on('close', () => clearInterval(timer));

  return {
    server,
    erpClient,
    crmClient,
    store,
    runBackgroundPass,
    async close() {
      clearInterval(timer);
      await running;
      await subgraph.close();
    },
  };
}
