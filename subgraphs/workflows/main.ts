import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { readWorkflowsSubgraphConfig, type WorkflowsSubgraphConfig } from './config.js';
import { createWorkflowsSubgraph } from './createWorkflowsSubgraph.js';

/** Runs the workflows subgraph alone: environment read once, listen, close cleanly on a signal. */
let config: WorkflowsSubgraphConfig;
try {
  config = readWorkflowsSubgraphConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`workflows-subgraph: bad configuration: ${error.message}\n`);
  process.exit(2);
}

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

subgraph.server.on('error', (error) => {
  logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}`);
  process.exit(1);
});
subgraph.server.listen(config.port, config.host, () => {
  const { port } = subgraph.server.address() as AddressInfo;
  logger.info(
    { url: `http://${config.host}:${port}/graphql`, store: config.redisUrl ? 'redis' : config.dbPath },
    'workflows subgraph listening',
  );
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'workflows subgraph closing');
  subgraph.server.close(() => {
    subgraph.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  subgraph.server.closeIdleConnections();
  setTimeout(() => process.exit(1), 5000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
