import '../gateway/noTelemetry.js';
import type { Server } from 'node:http';
import { gatewayConfigFromEnv } from '../gateway/config.js';
import { createGateway } from '../gateway/createGateway.js';
import { listenOn, type RunningStandIns, standInsConfigFromEnv, startStandIns } from '../legacy/main.js';
import type { AuthConfig } from '../lib/auth/config.js';
import { createDevIssuerServer, openDevIssuer } from '../lib/auth/devIssuer.js';
import { createAuthenticator } from '../lib/auth/verifier.js';
import { createConfiguredCache } from '../lib/cacheConfig.js';
import { ConfigError, integer, text } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { closeServer, gracefulStop, markDraining, stopOnSignals } from '../lib/runServer.js';
import { shutdownConfigFromEnv } from '../lib/shutdownConfig.js';
import { readCrmSubgraphConfig } from '../subgraphs/crm/config.js';
import { createCrmSubgraph } from '../subgraphs/crm/createCrmSubgraph.js';
import { readErpSubgraphConfig } from '../subgraphs/erp/config.js';
import { createErpSubgraph } from '../subgraphs/erp/createErpSubgraph.js';
import { readReportsSubgraphConfig } from '../subgraphs/reports/config.js';
import { createReportsSubgraph } from '../subgraphs/reports/createReportsSubgraph.js';
import { readWorkflowsSubgraphConfig } from '../subgraphs/workflows/config.js';
import { createWorkflowsSubgraph } from '../subgraphs/workflows/createWorkflowsSubgraph.js';
import { standInSignIn } from './standInSignIn.js';

/**
 * `npm start`: the whole product in one process on one machine — both stand-ins over the
 * seeded data set, both subgraphs, the gateway — on the fixed ports (4101/4102, 4001/4002,
 * 4000; each can be changed, 0 picks a free one). ERP_URL / CRM_URL point a subgraph at a real
 * system instead (with ERP_TOKEN, ERP_COMPANY_ID / CRM_TOKEN), and that stand-in is not started.
 * Without AUTH_JWKS_URL / AUTH_JWKS_FILE (development), a local token issuer runs too (4100,
 * AUTH_DEV_ISSUER_PORT): its keys are kept in .data/auth/, `npm run token` mints its tokens.
 */

const env = process.env;
const fail = (message: string): never => {
  process.stderr.write(`customer-graph: ${message}\n`);
  process.exit(2);
};
const isConfigError = (error: unknown): error is Error => error instanceof ConfigError;

const realErp = text(env, 'ERP_URL') !== undefined;
const realCrm = text(env, 'CRM_URL') !== undefined;
const settings = (() => {
  try {
    return readSettings();
  } catch (error) {
    return fail(isConfigError(error) ? error.message : String(error));
  }
})();

function readSettings() {
  return {
    standIns: standInsConfigFromEnv(env, { erp: !realErp, crm: !realCrm }),
    erp: readErpSubgraphConfig(env),
    crm: readCrmSubgraphConfig(env),
    workflows: readWorkflowsSubgraphConfig(env),
    reports: readReportsSubgraphConfig(env),
    gateway: gatewayConfigFromEnv(env),
    shutdown: shutdownConfigFromEnv(env),
    // The local issuer runs only when no identity provider is configured (never in production:
    // there the AUTH_* variables are required).
    devIssuerPort:
      text(env, 'AUTH_JWKS_URL') === undefined && text(env, 'AUTH_JWKS_FILE') === undefined
        ? integer(env, 'AUTH_DEV_ISSUER_PORT', 4100, 0, 65_535)
        : undefined,
  };
}

const logger = createLogger({ name: 'customer-graph', level: settings.gateway.logLevel });
const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
let standIns: RunningStandIns | undefined;
/** The subgraphs' and the gateway's graceful stops (lib/runServer.ts gracefulStop), made before each listens. */
const subgraphStops: (() => Promise<void>)[] = [];
let gatewayStop: (() => Promise<void>) | undefined;

async function closeAll(): Promise<void> {
  await Promise.all(servers.map(closeServer));
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await standIns?.close();
}

try {
  let auth: AuthConfig = settings.gateway.auth;
  let devIssuerUrl: string | undefined;
  if (settings.devIssuerPort !== undefined && auth.mode === 'jwt') {
    const issuerServer = createDevIssuerServer(openDevIssuer());
    servers.push(issuerServer);
    devIssuerUrl = await listenOn(
      issuerServer,
      settings.devIssuerPort,
      '127.0.0.1',
      'AUTH_DEV_ISSUER_PORT',
      'the development token issuer',
    );
    // Verified through its JWKS URL, as an identity provider's tokens are.
    auth = { ...auth, keys: { kind: 'jwks-url', url: `${devIssuerUrl}/.well-known/jwks.json` } };
  }
  // One verifier for the servers of this process: a token is checked once, not once per server.
  const authenticator = createAuthenticator(auth);
  if (!realErp || !realCrm) standIns = await startStandIns(settings.standIns, logger);
  // The subgraphs sign in to a stand-in through its OAuth flow, as to the real system.
  const signIn = standInSignIn(env, settings.standIns, standIns, { crm: settings.crm.crmCredentials });
  // One legacy cache for the subgraphs of this process: the workflows' writes forget
  // what they make stale in the very cache the ERP and CRM subgraphs read through.
  const legacyCache = createConfiguredCache(settings.erp.cache, logger.child({ component: 'legacy-cache' }));
  if (legacyCache) closers.push(() => legacyCache.close());
  const erp = createErpSubgraph(
    {
      ...settings.erp,
      auth,
      ...(standIns?.erpUrl ? { erpUrl: standIns.erpUrl, companyId: standIns.companyId } : {}),
      ...signIn.erp,
    },
    { logger: logger.child({ component: 'erp-subgraph' }), cache: legacyCache ?? null, authenticator },
  );
  const crm = createCrmSubgraph(
    {
      ...settings.crm,
      auth,
      ...(standIns?.crmUrl ? { crmUrl: standIns.crmUrl } : {}),
      ...signIn.crm,
    },
    {
      logger: logger.child({ component: 'crm-subgraph' }),
      cache: legacyCache ?? null,
      authenticator,
      // While the CRM is down, `customers` lists the ERP's customers through the ERP subgraph's client.
      erp: erp.client,
    },
  );
  closers.push(erp.close, crm.close);
  servers.push(erp.server, crm.server);
  subgraphStops.push(gracefulStop(erp.server), gracefulStop(crm.server));
  const erpSubgraphUrl = `${await listenOn(erp.server, settings.erp.port, settings.erp.host, 'ERP_SUBGRAPH_PORT', 'the ERP subgraph')}/graphql`;
  const crmSubgraphUrl = `${await listenOn(crm.server, settings.crm.port, settings.crm.host, 'CRM_SUBGRAPH_PORT', 'the CRM subgraph')}/graphql`;
  // The workflows subgraph writes to both systems, the reports subgraph reads both: they follow
  // the same stand-ins or real URLs, with the same sign-in.
  const bothSystems = {
    auth,
    ...(standIns?.erpUrl ? { erpUrl: standIns.erpUrl, erpCompanyId: standIns.companyId } : {}),
    ...(standIns?.crmUrl ? { crmUrl: standIns.crmUrl } : {}),
    ...signIn.erp,
    ...signIn.crm,
  };
  const workflows = createWorkflowsSubgraph(
    {
      ...settings.workflows,
      ...bothSystems,
    },
    {
      logger: logger.child({ component: 'workflows-subgraph' }),
      authenticator,
      ...(legacyCache ? { cache: legacyCache } : {}),
    },
  );
  closers.push(workflows.close);
  servers.push(workflows.server);
  subgraphStops.push(gracefulStop(workflows.server));
  const workflowsSubgraphUrl = `${await listenOn(workflows.server, settings.workflows.port, settings.workflows.host, 'WORKFLOWS_SUBGRAPH_PORT', 'the workflows subgraph')}/graphql`;
  // The reports read both systems too, through the same cache (a write's invalidation reaches them).
  const reports = createReportsSubgraph(
    {
      ...settings.reports,
      ...bothSystems,
    },
    { logger: logger.child({ component: 'reports-subgraph' }), authenticator, cache: legacyCache ?? null },
  );
  closers.push(reports.close);
  servers.push(reports.server);
  subgraphStops.push(gracefulStop(reports.server));
  const reportsSubgraphUrl = `${await listenOn(reports.server, settings.reports.port, settings.reports.host, 'REPORTS_SUBGRAPH_PORT', 'the reports subgraph')}/graphql`;

  const gateway = createGateway(
    {
      ...settings.gateway,
      auth,
      subgraphUrls: {
        erp: erpSubgraphUrl,
        crm: crmSubgraphUrl,
        workflows: workflowsSubgraphUrl,
        reports: reportsSubgraphUrl,
      },
    },
    { logger: logger.child({ component: 'gateway' }), authenticator },
  );
  closers.push(gateway.close);
  await gateway.ready();
  servers.push(gateway.server);
  gatewayStop = gracefulStop(gateway.server);
  const gatewayOrigin = await listenOn(
    gateway.server,
    settings.gateway.port,
    settings.gateway.host,
    'GATEWAY_PORT',
    'the gateway',
  );
  const shown = gatewayOrigin.replace('//127.0.0.1:', '//localhost:');
  process.stdout.write(
    [
      `customer-graph ready: ${shown}/graphql`,
      `  ERP: ${realErp ? 'ERP_URL (external)' : `stand-in ${standIns?.erpUrl}`}, subgraph ${erpSubgraphUrl}`,
      `  CRM: ${realCrm ? 'CRM_URL (external)' : `stand-in ${standIns?.crmUrl}`}, subgraph ${crmSubgraphUrl}`,
      `  workflows (writes across both): subgraph ${workflowsSubgraphUrl}, store ${settings.workflows.redisUrl ? 'Redis (WORKFLOWS_REDIS_URL)' : settings.workflows.dbPath}`,
      `  reports (figures across both): subgraph ${reportsSubgraphUrl}`,
      `  callers: ${
        auth.mode === 'off'
          ? 'AUTH_MODE=off: not authenticated (development only)'
          : devIssuerUrl
            ? `tokens of the development issuer ${devIssuerUrl} (npm run token)`
            : `tokens of ${auth.issuer}`
      }`,
      '  try:',
      ...(devIssuerUrl
        ? ['  TOKEN=$(npm run -s token -- --sub me --scopes customer:read,finance:read)']
        : []),
      `  curl -s ${shown}/graphql -H 'content-type: application/json' -H "authorization: Bearer $TOKEN" \\`,
      `    -d '{"query":"{ customers(first: 3) { edges { node { id name balance { amount currencyCode } } } } }"}'`,
      '',
    ].join('\n'),
  );
} catch (error) {
  await closeAll();
  if (isConfigError(error)) fail(error.message);
  logger.fatal({ err: error }, 'could not start');
  process.exit(1);
}

// SIGTERM: every /ready answers 503 for SHUTDOWN_DRAIN_MS while requests are still served; then the
// gateway stops accepting and finishes its requests first (they still need the subgraphs), then
// the subgraphs do, then everything is released. SIGINT skips the drain period.
stopOnSignals({
  title: 'customer-graph',
  logger,
  drainMs: settings.shutdown.drainMs,
  drain: () => {
    for (const server of servers) markDraining(server);
  },
  async stopAccepting() {
    await gatewayStop?.();
    await Promise.all(subgraphStops.map((stop) => stop()));
  },
  release: closeAll,
});
