import { createConnection } from 'node:net';

/**
 * Whether a Redis server answers at `url` (a TCP connect within 500 ms): the tests of what needs
 * Redis (shared cache, shared workflow store) run only where one is there.
 */
export async function redisAvailable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) || 6379 });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}
