import './noTelemetry.js';
import { createLogger } from '../lib/logger.js';
import { readConfigOrExit, serveUntilSignal } from '../lib/runServer.js';
import { gatewayConfigFromEnv } from './config.js';
import { createGateway } from './createGateway.js';

/** Runs the gateway alone: reads the environment once, loads the supergraph, listens, stops on signals. */
const config = readConfigOrExit('gateway', () => gatewayConfigFromEnv(process.env));
const logger = createLogger({ name: 'gateway', level: config.logLevel });
let gateway: ReturnType<typeof createGateway>;
try {
  gateway = createGateway(config, { logger });
  await gateway.ready();
} catch (error) {
  process.stderr.write(
    `gateway: cannot load the supergraph from ${config.supergraphPath} (SUPERGRAPH_PATH): ${
      error instanceof Error ? error.message : String(error)
    }\n`,
  );
  process.exit(2);
}
serveUntilSignal(gateway, {
  program: 'gateway',
  title: 'gateway',
  logger,
  port: config.port,
  host: config.host,
  portVariable: 'GATEWAY_PORT',
  onListening: (url) => logger.info({ url }, `gateway ready: ${url}`),
});
