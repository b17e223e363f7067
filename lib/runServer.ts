import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ConfigError } from './env.js';
import type { Logger } from './logger.js';
import { shutdownConfigFromEnv } from './shutdownConfig.js';

/**
 * What every main.ts does around its factory, written once: a bad variable stops the process
 * with exit code 2 and a message naming it; a port that cannot be used too; SIGTERM drains,
 * stops accepting, lets requests in flight finish, closes the runnable and exits 0 (1 when
 * closing fails or hangs); SIGINT does the same without the drain period (see stopOnSignals).
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

/** Requests still running this long after the listener closed are cut off (exit 1). */
const CLOSE_TIMEOUT_MS = 10_000;

export function serveUntilSignal(runnable: Runnable, options: ServeOptions): void {
  const { server } = runnable;
  const { program, title, logger, port, host, portVariable } = options;
  const { drainMs } = readConfigOrExit(program, () => shutdownConfigFromEnv(process.env));
  const stopAccepting = gracefulStop(server);

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

  stopOnSignals({
    title,
    logger,
    drainMs,
    drain: () => markDraining(server),
    stopAccepting,
    release: () => runnable.close(),
  });
}

/**
 * Servers whose process is stopping: their /ready answers 503 `{status:'draining'}` (see
 * lib/subgraphServer.ts, gateway/createGateway.ts) while every other route is still served. Kept
 * by server rather than passed to each factory, so a factory's /ready needs nothing but the
 * server it answers on.
 */
const drainingServers = new WeakSet<Server>();

export function markDraining(server: Server): void {
  drainingServers.add(server);
}

export function isDraining(server: Server): boolean {
  return drainingServers.has(server);
}

/**
 * A connection opened before the listener closed whose first request has not come (a pool opens
 * them ahead) is given this long to send one; then it is closed. Node's server.close() leaves
 * such a connection open (its request may be on the way), and with it the server, until the
 * cut-off.
 */
const FIRST_REQUEST_GRACE_MS = 1000;

/**
 * Follows the server's connections and requests so that it can stop without cutting one: the
 * returned function closes the listener (no new connection) and the keep-alive connections idle
 * between requests (server.close() does both), answers each request still in flight, or coming
 * on a connection already open, with `Connection: close` (so its client sends no other on a
 * connection about to go: Node would keep a keep-alive one open after its answer until the
 * keep-alive timeout), and resolves once every connection has ended. Call before the server
 * listens: it must see every connection.
 */
export function gracefulStop(server: Server): () => Promise<void> {
  const open = new Set<Socket>();
  const served = new WeakSet<Socket>();
  const inFlight = new Set<ServerResponse>();
  let stopping = false;
  const lastOnItsConnection = (res: ServerResponse) => {
    if (!res.headersSent) res.setHeader('connection', 'close');
    // Its head already went out (a streamed answer): close the connection once it is idle.
    else res.once('finish', () => setImmediate(() => server.closeIdleConnections()));
  };
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  // Before the server's own handler, so the header is set before that handler answers.
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    served.add(req.socket);
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
    if (stopping) lastOnItsConnection(res);
  });
  let stopped: Promise<void> | undefined;
  return () => {
    stopped ??= new Promise<void>((resolve) => {
      stopping = true;
      if (!server.listening) return resolve();
      server.close(() => resolve());
      for (const res of inFlight) lastOnItsConnection(res);
      setTimeout(() => {
        for (const socket of open) if (!served.has(socket)) socket.destroy();
      }, FIRST_REQUEST_GRACE_MS).unref();
    });
    return stopped;
  };
}

/** What a process does, in order, when told to stop (see {@link stopOnSignals}). */
export interface ShutdownSteps {
  /** How log lines name what stops, e.g. 'ERP subgraph'. */
  title: string;
  logger: Logger;
  /** SHUTDOWN_DRAIN_MS (lib/shutdownConfig.ts). */
  drainMs: number;
  /** Marks the process's servers draining: their /ready answers 503 from now on. */
  drain(): void;
  /** Stops accepting and resolves once the requests in flight are answered (see {@link gracefulStop}). */
  stopAccepting(): Promise<void>;
  /** Releases the rest (Apollo, legacy connections, caches) once no request runs. */
  release(): Promise<void>;
}

/**
 * SIGTERM (an orchestrator stopping a replica): /ready answers 503 for `drainMs` while every
 * other request is still served, so the load balancer takes the replica out before it stops
 * accepting; then the listener closes, requests in flight finish, the rest is released, exit 0.
 * A second SIGTERM or a SIGINT during that period ends it at once. SIGINT (Ctrl-C in
 * development) skips the period: nobody routes to a developer's process. Requests still
 * running CLOSE_TIMEOUT_MS after the listener closed, or a release that hangs, end the process
 * with exit 1; a failing release too.
 */
export function stopOnSignals(steps: ShutdownSteps): void {
  const { title, logger } = steps;
  let phase: 'serving' | 'draining' | 'closing' = 'serving';
  let endDrainPeriod: (() => void) | undefined;

  const stop = async (signal: NodeJS.Signals): Promise<void> => {
    if (phase === 'draining') {
      logger.info({ signal }, `${title}: drain period cut short`);
      endDrainPeriod?.();
      return;
    }
    if (phase === 'closing') return;
    phase = 'draining';
    steps.drain();
    const drainMs = signal === 'SIGTERM' ? steps.drainMs : 0;
    if (drainMs > 0) {
      logger.info({ signal, drainMs }, `${title} draining: /ready answers 503, requests still served`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, drainMs);
        endDrainPeriod = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    phase = 'closing';
    logger.info({ signal }, `${title} closing its listener: no new connections, requests in flight finish`);
    setTimeout(() => {
      logger.error({ closeTimeoutMs: CLOSE_TIMEOUT_MS }, `${title}: requests still running, cut off`);
      process.exit(1);
    }, CLOSE_TIMEOUT_MS).unref();
    try {
      await steps.stopAccepting();
      logger.info(`${title} listener closed, requests in flight answered`);
      await steps.release();
    } catch (error) {
      logger.error({ err: error }, `${title}: closing failed`);
      process.exit(1);
    }
    logger.info(`${title} closed`);
    process.exit(0);
  };
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGTERM', (signal) => void stop(signal));
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
