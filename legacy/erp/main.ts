import type { AddressInfo } from 'node:net';
import { openDataset } from '../generator/open.js';
import { createErpStandIn } from './createErpStandIn.js';

/**
 * Runs the Business Central stand-in on its own: reads the environment once, opens (or
 * generates) the seeded data set, listens, and shuts down cleanly on SIGINT/SIGTERM.
 */

function fail(message: string): never {
  process.stderr.write(`erp-legacy: ${message}\n`);
  process.exit(2);
}

function intFromEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    fail(`${name} must be an integer between ${min} and ${max}; got '${raw}'`);
  }
  return Number(raw);
}

const port = intFromEnv('ERP_PORT', 4101, 0, 65_535);
const maxPageSize = intFromEnv('ERP_MAX_PAGE_SIZE', 20_000, 1, 1_000_000);
const seed = process.env.DATA_SEED === undefined ? undefined : intFromEnv('DATA_SEED', 0, 0, 2_147_483_647);
const customers =
  process.env.DATA_CUSTOMERS === undefined ? undefined : intFromEnv('DATA_CUSTOMERS', 0, 1, 10_000_000);
const token =
  process.env.ERP_TOKEN === undefined || process.env.ERP_TOKEN === ''
    ? 'erp-dev-token'
    : process.env.ERP_TOKEN;
const host = process.env.ERP_HOST || '127.0.0.1';

const dataset = openDataset({
  ...(seed === undefined ? {} : { seed }),
  ...(customers === undefined ? {} : { customers }),
});
const { server } = createErpStandIn({
  db: dataset.erp,
  companyId: dataset.summary.companyId,
  token,
  maxPageSize,
  logger: {
    error: (obj, msg) =>
      process.stderr.write(
        `${msg ?? 'error'}: ${obj instanceof Error ? obj.message : JSON.stringify(obj, (_k, v) => (v instanceof Error ? v.message : v))}\n`,
      ),
  },
});

server.on('error', (error) => fail(`cannot listen on ${host}:${port}: ${error.message}`));
server.listen(port, host, () => {
  const address = server.address() as AddressInfo;
  process.stdout.write(
    `ERP stand-in (Business Central API v2.0) on http://${host}:${address.port}/api/v2.0/companies(${dataset.summary.companyId})\n`,
  );
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`erp-legacy: ${signal}, closing\n`);
  server.close(() => {
    dataset.close();
    process.exit(0);
  });
  server.closeAllConnections();
  setTimeout(() => process.exit(1), 5000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
