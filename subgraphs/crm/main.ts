import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { type CrmSubgraphConfig, readCrmSubgraphConfig } from './config.js';
import { createCrmSubgraph } from './createCrmSubgraph.js';

/** Runs the CRM subgraph alone: environment read once, listen, close cleanly on a signal. */
let config: CrmSubgraphConfig;
try {
  config = readCrmSubgraphConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`crm-subgraph: bad configuration: ${error.message}\n`);
  process.exit(2);
}

const logger = createLogger({ name: 'crm-subgraph', level: config.logLevel });
const subgraph = createCrmSubgraph(config, { logger });

subgraph.server.on('error', (error) => {
  logger.fatal({ err: error }, `cannot listen on ${config.host}:${config.port}`);
  process.exit(1);
});
subgraph.server.listen(config.port, config.host, () => {
  const { port } = subgraph.server.address() as AddressInfo;
  logger.info(
    {
      url: `http://${config.host}:${port}/graphql`,
      batching: config.batching,
      legacyCache: config.cache.mode,
    },
    'CRM subgraph listening',
  );
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'CRM subgraph closing');
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
