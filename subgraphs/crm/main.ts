import { createLogger } from '../../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../../lib/runServer.js';
import { erpTokenSource } from '../erp/client/credentials.js';
import { ErpClient } from '../erp/client/erpClient.js';
import { readLegacySystemsConfig } from '../legacySystems.js';
import { readCrmSubgraphConfig } from './config.js';
import { createCrmSubgraph } from './createCrmSubgraph.js';

/** Runs the CRM subgraph alone: environment read once, listen, close cleanly on a signal. */
const config = readConfigOrExit('crm-subgraph', () => readCrmSubgraphConfig(process.env));
// The ERP the customer list is read from while the CRM is down: the ERP_* variables the
// subgraphs over both systems read (subgraphs/legacySystems.ts).
const systems = readConfigOrExit('crm-subgraph', () => readLegacySystemsConfig(process.env));
const logger = createLogger({ name: 'crm-subgraph', level: config.logLevel });
const erp = new ErpClient(
  {
    url: systems.erpUrl,
    credentials: erpTokenSource(systems.erpCredentials, {
      timeoutMs: systems.erpTimeoutMs,
      logger: logger.child({ component: 'erp-credentials' }),
    }),
    ...(systems.erpCompanyId ? { companyId: systems.erpCompanyId } : {}),
    ...(systems.erpCompanyName ? { companyName: systems.erpCompanyName } : {}),
    timeoutMs: systems.erpTimeoutMs,
    maxRetries: config.maxRetries,
    maxConnections: config.maxConnections,
  },
  logger.child({ component: 'erp-client' }),
);
const subgraph = createCrmSubgraph(config, { logger, erp });
serveUntilSignal(
  {
    ...subgraph,
    async close() {
      await subgraph.close();
      await erp.close();
    },
  },
  {
    program: 'crm-subgraph',
    title: 'CRM subgraph',
    logger,
    port: config.port,
    host: config.host,
    portVariable: 'CRM_SUBGRAPH_PORT',
    onListening: (url) =>
      logger.info(
        { url, batching: config.batching, legacyCache: config.cache.mode },
        'CRM subgraph listening',
      ),
  },
);
