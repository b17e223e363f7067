import { crmCacheScope, readCacheScope, subgraphCache } from '../../lib/cacheConfig.js';
import { breakerStates, legacySubgraphMetrics } from '../../lib/legacyMetrics.js';
import { silentLogger } from '../../lib/logger.js';
import { representationError } from '../../lib/subgraphErrors.js';
import {
  createSubgraphServer,
  type SystemSubgraph,
  type SystemSubgraphDeps,
} from '../../lib/subgraphServer.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import { crmTokenSource, crmUserTokens } from './client/credentials.js';
import { CrmClient } from './client/crmClient.js';
import { CrmReads } from './client/reads.js';
import type { CrmSubgraphConfig } from './config.js';
import { type CrmContext, createContextFactory } from './context.js';
import { fallbackNotices } from './erpFallback.js';
import { resolvers } from './resolvers/index.js';

export const CRM_SCHEMA_PATH = new URL('../../schema/crm.graphql', import.meta.url);

export type CrmSubgraph = SystemSubgraph<CrmClient>;
export type CrmSubgraphDeps = SystemSubgraphDeps & {
  /** The clock warranties are judged by (default: the system's); tests fix the day. */
  now?: () => Date;
  /**
   * The ERP, read for the customer list while the CRM is down (erpFallback.ts): the caller's
   * client (it closes it). Absent: `customers` fails with the CRM, as it did before.
   */
  erp?: ErpClient;
};

/** The CRM subgraph: schema, resolvers and a per-request context around one CRM client. Never listens. */
export function createCrmSubgraph(config: CrmSubgraphConfig, deps: CrmSubgraphDeps = {}): CrmSubgraph {
  const logger = deps.logger ?? silentLogger;
  const { cache, owned } = subgraphCache(config.cache, deps.cache, logger);
  const credentials = crmTokenSource(config.crmCredentials, {
    timeoutMs: config.timeoutMs,
    instanceUrl: config.crmUrl,
    logger: logger.child({ component: 'crm-credentials' }),
  });
  // Per-user mode: each caller's own Salesforce user, signed in by JWT bearer when first seen.
  const userTokens = config.perUser
    ? crmUserTokens(config.crmCredentials, {
        timeoutMs: config.timeoutMs,
        instanceUrl: config.crmUrl,
        logger: logger.child({ component: 'crm-user-credentials' }),
      })
    : undefined;
  const client = new CrmClient({
    crmUrl: config.crmUrl,
    credentials,
    apiVersion: config.apiVersion,
    timeoutMs: config.timeoutMs,
    maxRetries: config.maxRetries,
    maxConnections: config.maxConnections,
    resilience: { ...config.resilience, logger },
  });
  const { server, close } = createSubgraphServer<CrmContext>({
    schemaPath: CRM_SCHEMA_PATH,
    resolvers,
    subgraph: 'CRM',
    reclassify: representationError,
    logger,
    auth: config.auth,
    authenticator: deps.authenticator,
    metrics: legacySubgraphMetrics(cache, [client.http]),
    readiness: () => ({ breakers: breakerStates([client.http]) }),
    // The error that says `customers` came from the ERP while the CRM is down.
    plugins: [fallbackNotices()],
    context: createContextFactory({
      reads: new CrmReads(client),
      batching: config.batching,
      userTokens,
      ...(deps.now ? { now: deps.now } : {}),
      erp: deps.erp,
      cache: readCacheScope(
        cache,
        config.cache,
        crmCacheScope({
          url: config.crmUrl,
          apiVersion: config.apiVersion,
          visibility: credentials.visibility,
        }),
      ),
    }),
    async release() {
      // Refreshes ahead of expiry run in the background on this subgraph's clients: they finish first.
      await cache?.refreshAhead.settled();
      await client.close();
      if (owned) await cache?.close();
    },
  });
  return { server, client, cache, close };
}
