import { type Env, integer } from './env.js';

/**
 * How a runnable stops on SIGTERM, read once by every main.ts (through lib/runServer.ts) and by
 * `npm start`: the same variable means the same in each process.
 */
export interface ShutdownConfig {
  /**
   * SHUTDOWN_DRAIN_MS: after SIGTERM, /ready answers 503 this long while every other request is
   * still served, so a load balancer notices and stops sending before the listener closes
   * (its health check interval × its unhealthy threshold, plus a margin). 0: close at once.
   */
  drainMs: number;
}

export const DEFAULT_SHUTDOWN_DRAIN_MS = 5000;

export function shutdownConfigFromEnv(env: Env): ShutdownConfig {
  return { drainMs: integer(env, 'SHUTDOWN_DRAIN_MS', DEFAULT_SHUTDOWN_DRAIN_MS, 0, 600_000) };
}
