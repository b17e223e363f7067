import { createLogger } from '../../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../../lib/runServer.js';
import { readErpSubgraphConfig } from './config.js';
import { createErpSubgraph } from './createErpSubgraph.js';

/** Runs the ERP subgraph alone: environment read once, listen, close cleanly on a signal. */
const config = readConfigOrExit('erp-subgraph', () => readErpSubgraphConfig(process.env));
const logger = createLogger({ name: 'erp-subgraph', level: config.logLevel });
serveUntilSignal(createErpSubgraph(config, { logger }), {
  program: 'erp-subgraph',
  title: 'ERP subgraph',
  logger,
  port: config.port,
  host: config.host,
  portVariable: 'ERP_SUBGRAPH_PORT',
  onListening: (url) =>
    logger.info({ url, batching: config.batching, legacyCache: config.cache.mode }, 'ERP subgraph listening'),
});
