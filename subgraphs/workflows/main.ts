import { createLogger } from '../../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../../lib/runServer.js';
import { readWorkflowsSubgraphConfig } from './config.js';
import { createWorkflowsSubgraph } from './createWorkflowsSubgraph.js';

/** Runs the workflows subgraph alone: environment read once, listen, close cleanly on a signal. */
const config = readConfigOrExit('workflows-subgraph', () => readWorkflowsSubgraphConfig(process.env));
const logger = createLogger({ name: 'workflows-subgraph', level: config.logLevel });
const subgraph = createWorkflowsSubgraph(config, {
  logger,
  ...(config.testExitAfterErpCreate
    ? {
        // The crash-recovery test's switch: die as abruptly as a killed process, with the ERP
        // order made and the CRM not yet told.
        afterErpOrderCreated: () => {
          logger.warn('WORKFLOWS_TEST_EXIT_AFTER_ERP_CREATE: killing this process now');
          process.kill(process.pid, 'SIGKILL');
        },
      }
    : {}),
});
serveUntilSignal(subgraph, {
  program: 'workflows-subgraph',
  title: 'workflows subgraph',
  logger,
  port: config.port,
  host: config.host,
  portVariable: 'WORKFLOWS_SUBGRAPH_PORT',
  onListening: (url) =>
    logger.info({ url, store: config.redisUrl ? 'redis' : config.dbPath }, 'workflows subgraph listening'),
});
