import { createLogger } from '../../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../../lib/runServer.js';
import { readReportsSubgraphConfig } from './config.js';
import { createReportsSubgraph } from './createReportsSubgraph.js';

/** Runs the reports subgraph alone: environment read once, listen, close cleanly on a signal. */
const config = readConfigOrExit('reports-subgraph', () => readReportsSubgraphConfig(process.env));
const logger = createLogger({ name: 'reports-subgraph', level: config.logLevel });
serveUntilSignal(createReportsSubgraph(config, { logger }), {
  program: 'reports-subgraph',
  title: 'reports subgraph',
  logger,
  port: config.port,
  host: config.host,
  portVariable: 'REPORTS_SUBGRAPH_PORT',
  onListening: (url) => logger.info({ url }, 'reports subgraph listening'),
});
