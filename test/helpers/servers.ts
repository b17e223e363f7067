// Loopback servers in tests: the product's own helpers (lib/runServer.ts), under the names tests use.
export { closeServer, listenOnFreePort as listen } from '../../lib/runServer.js';
