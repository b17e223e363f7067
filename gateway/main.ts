import './noTelemetry.js';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../lib/env.js';
import { createLogger } from '../lib/logger.js';
import { gatewayConfigFromEnv } from './config.js';
import { createGateway } from './createGateway.js';

/** Runs the gateway alone: reads the environment once, loads the supergraph, listens, stops on signals. */

let config: ReturnType<typeof gatewayConfigFromEnv>;
try {
  config = gatewayConfigFromEnv();
} catch (error) {
  process.stderr.write(`gateway: ${error instanceof ConfigError ? error.message : String(error)}\n`);
  process.exit(2);
}

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

gateway.server.on('error', (error: NodeJS.ErrnoException) => {
  process.stderr.write(
    error.code === 'EADDRINUSE'
      ? `gateway: GATEWAY_PORT ${config.port} on ${config.host} is already in use\n`
      : `gateway: cannot listen on ${config.host}:${config.port}: ${error.message}\n`,
  );
  process.exit(2);
});
gateway.server.listen(config.port, config.host, () => {
  const { port } = gateway.server.address() as AddressInfo;
  logger.info({ port, host: config.host }, `gateway ready: http://${config.host}:${port}/graphql`);
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'closing');
  setTimeout(() => process.exit(1), 10_000).unref();
  await gateway.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
