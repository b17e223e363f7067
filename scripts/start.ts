import '../gateway/noTelemetry.js';
import type { Server } from 'node:http';
import { gatewayConfigFromEnv } from '../gateway/config.js';
import { createGateway } from '../gateway/createGateway.js';
import {
  closeOnSignals,
  listenOn,
  type RunningStandIns,
  standInsConfigFromEnv,
  startStandIns,
} from '../legacy/main.js';
import { createConfiguredCache } from '../lib/cacheConfig.js';
import { ConfigError, text } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { closeServer } from '../lib/runServer.js';
import { readCrmSubgraphConfig } from '../subgraphs/crm/config.js';
import { createCrmSubgraph } from '../subgraphs/crm/createCrmSubgraph.js';
import { readErpSubgraphConfig } from '../subgraphs/erp/config.js';
import { createErpSubgraph } from '../subgraphs/erp/createErpSubgraph.js';
import { readWorkflowsSubgraphConfig } from '../subgraphs/workflows/config.js';
import { createWorkflowsSubgraph } from '../subgraphs/workflows/createWorkflowsSubgraph.js';

/**
 * `npm start`: the whole product in one process on one machine — both stand-ins over the
 * seeded data set, both subgraphs, the gateway — on the fixed ports (4101/4102, 4001/4002,
 * 4000; each can be changed, 0 picks a free one). ERP_URL / CRM_URL point a subgraph at a real
 * system instead (with ERP_TOKEN, ERP_COMPANY_ID / CRM_TOKEN), and that stand-in is not started.
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
    gateway: gatewayConfigFromEnv(env),
  };
}

const logger = createLogger({ name: 'customer-graph', level: settings.gateway.logLevel });
const servers: Server[] = [];
const closers: (() => Promise<void>)[] = [];
let standIns: RunningStandIns | undefined;

async function closeAll(): Promise<void> {
  await Promise.all(servers.map(closeServer));
  for (const close of closers.reverse()) await close().catch(() => undefined);
  await standIns?.close();
}

try {
  if (!realErp || !realCrm) standIns = await startStandIns(settings.standIns, logger);
  // One legacy cache for the three subgraphs of this process: the workflows' writes forget
  // what they make stale in the very cache the ERP and CRM subgraphs read through.
  const legacyCache = createConfiguredCache(settings.erp.cache, logger.child({ component: 'legacy-cache' }));
  if (legacyCache) closers.push(() => legacyCache.close());
  const erp = createErpSubgraph(
    {
      ...settings.erp,
      ...(standIns?.erpUrl ? { erpUrl: standIns.erpUrl, companyId: standIns.companyId } : {}),
    },
    { logger: logger.child({ component: 'erp-subgraph' }), cache: legacyCache ?? null },
  );
  const crm = createCrmSubgraph(
    {
      ...settings.crm,
      ...(standIns?.crmUrl ? { crmUrl: standIns.crmUrl } : {}),
    },
    { logger: logger.child({ component: 'crm-subgraph' }), cache: legacyCache ?? null },
  );
  closers.push(erp.close, crm.close);
  servers.push(erp.server, crm.server);
  const erpSubgraphUrl = `${await listenOn(erp.server, settings.erp.port, settings.erp.host, 'ERP_SUBGRAPH_PORT', 'the ERP subgraph')}/graphql`;
  const crmSubgraphUrl = `${await listenOn(crm.server, settings.crm.port, settings.crm.host, 'CRM_SUBGRAPH_PORT', 'the CRM subgraph')}/graphql`;
  // The workflows subgraph writes to both systems: it follows the same stand-ins or real URLs.
  const workflows = createWorkflowsSubgraph(
    {
      ...settings.workflows,
      ...(standIns?.erpUrl ? { erpUrl: standIns.erpUrl, erpCompanyId: standIns.companyId } : {}),
      ...(standIns?.crmUrl ? { crmUrl: standIns.crmUrl } : {}),
    },
    {
      logger: logger.child({ component: 'workflows-subgraph' }),
      ...(legacyCache ? { cache: legacyCache } : {}),
    },
  );
  closers.push(workflows.close);
  servers.push(workflows.server);
  const workflowsSubgraphUrl = `${await listenOn(workflows.server, settings.workflows.port, settings.workflows.host, 'WORKFLOWS_SUBGRAPH_PORT', 'the workflows subgraph')}/graphql`;

  const gateway = createGateway(
    {
      ...settings.gateway,
      subgraphUrls: { erp: erpSubgraphUrl, crm: crmSubgraphUrl, workflows: workflowsSubgraphUrl },
    },
    { logger: logger.child({ component: 'gateway' }) },
  );
  closers.push(gateway.close);
  await gateway.ready();
  servers.push(gateway.server);
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
      '  try:',
      `  curl -s ${shown}/graphql -H 'content-type: application/json' \\`,
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

closeOnSignals(closeAll, (message) => process.stdout.write(`customer-graph: ${message}\n`));
