import type { AddressInfo } from 'node:net';
import { ConfigError } from '../../lib/env.js';
import { createLogger } from '../../lib/logger.js';
import { type ErpSubgraphConfig, readErpSubgraphConfig } from './config.js';
import { createErpSubgraph } from './createErpSubgraph.js';

/** Runs the ERP subgraph alone: environment read once, listen, close cleanly on a signal. */
let config: ErpSubgraphConfig;
try {
  config = readErpSubgraphConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`erp-subgraph: bad configuration: ${error.message}\n`);
  process.exit(2);
}

const logger = createLogger({ name: 'erp-subgraph', level: config.logLevel });
const subgraph = createErpSubgraph(config, { logger });

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
    'ERP subgraph listening',
  );
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'ERP subgraph closing');
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
