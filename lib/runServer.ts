import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './env.js';
import type { Logger } from './logger.js';

/**
 * What every main.ts does around its factory, written once: a bad variable stops the process
 * with exit code 2 and a message naming it; a port that cannot be used too; SIGINT/SIGTERM
 * close the server, then the runnable, and exit 0 (1 when closing fails or hangs).
 */

/** Reads the configuration once; a ConfigError goes to stderr as `<program>: bad configuration: …`, exit 2. */
export function readConfigOrExit<T>(program: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${program}: bad configuration: ${error.message}\n`);
    process.exit(2);
  }
}

export interface Runnable {
  server: Server;
  /** Releases what the runnable holds (Apollo, legacy connections, caches); called once the server is closed. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** The process's name, as given to createLogger: the prefix of its lines on stderr. */
  program: string;
  /** How log lines name the runnable, e.g. 'ERP subgraph'. */
  title: string;
  logger: Logger;
  port: number;
  host: string;
  /** The variable that sets the port, named when the port cannot be used. */
  portVariable: string;
  /** Once listening: the GraphQL endpoint's URL, with the port the system chose for port 0. */
  onListening(graphqlUrl: string): void;
}

/** Requests still running this long after a signal are cut off (exit 1). */
const CLOSE_TIMEOUT_MS = 10_000;

export function serveUntilSignal(runnable: Runnable, options: ServeOptions): void {
  const { server } = runnable;
  const { program, title, logger, port, host, portVariable } = options;

  server.on('error', (error: NodeJS.ErrnoException) => {
    const message =
      error.code === 'EADDRINUSE'
        ? `${portVariable} ${port} on ${host} is already in use`
        : `cannot listen on ${host}:${port} (${portVariable}): ${error.message}`;
    logger.fatal({ err: error }, message);
    process.stderr.write(`${program}: ${message}\n`);
    process.exit(2);
  });
  server.listen(port, host, () => {
    const { port: chosen } = server.address() as AddressInfo;
    options.onListening(`http://${host}:${chosen}/graphql`);
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${title} closing`);
    setTimeout(() => process.exit(1), CLOSE_TIMEOUT_MS).unref();
    const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    serverClosed
      .then(() => runnable.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Closes the server now, cutting its open connections (keep-alive ones would hold it open). */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** Listens on loopback at a free port (tests, probes); resolves with the origin (http://127.0.0.1:<port>). */
export async function listenOnFreePort(server: Server): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
