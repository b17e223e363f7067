import { createLogger } from '../../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../../lib/runServer.js';
import { readCrmSubgraphConfig } from './config.js';
import { createCrmSubgraph } from './createCrmSubgraph.js';

/** Runs the CRM subgraph alone: environment read once, listen, close cleanly on a signal. */
const config = readConfigOrExit('crm-subgraph', () => readCrmSubgraphConfig(process.env));
const logger = createLogger({ name: 'crm-subgraph', level: config.logLevel });
serveUntilSignal(createCrmSubgraph(config, { logger }), {
  program: 'crm-subgraph',
  title: 'CRM subgraph',
  logger,
  port: config.port,
  host: config.host,
  portVariable: 'CRM_SUBGRAPH_PORT',
  onListening: (url) =>
    logger.info({ url, batching: config.batching, legacyCache: config.cache.mode }, 'CRM subgraph listening'),
});
