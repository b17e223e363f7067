import type { AddressInfo } from 'node:net';
import { openDataset } from '../generator/open.js';
import { createCrmStandIn } from './createCrmStandIn.js';
import { API_PREFIX } from './protocol.js';

/**
 * Runs the Salesforce stand-in on its own: reads the environment once, opens (or generates)
 * the seeded data set, listens, and shuts down cleanly on SIGINT/SIGTERM.
 */

function fail(message: string): never {
  process.stderr.write(`crm-legacy: ${message}\n`);
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

const port = intFromEnv('CRM_PORT', 4102, 0, 65_535);
const dailyApiLimit = intFromEnv('CRM_DAILY_API_LIMIT', 1_000_000, 0, 1_000_000_000);
const seed = process.env.DATA_SEED === undefined ? undefined : intFromEnv('DATA_SEED', 0, 0, 2_147_483_647);
const customers =
  process.env.DATA_CUSTOMERS === undefined ? undefined : intFromEnv('DATA_CUSTOMERS', 0, 1, 10_000_000);
const token =
  process.env.CRM_TOKEN === undefined || process.env.CRM_TOKEN === ''
    ? 'crm-dev-token'
    : process.env.CRM_TOKEN;
const host = process.env.CRM_HOST || '127.0.0.1';

const dataset = openDataset({
  ...(seed === undefined ? {} : { seed }),
  ...(customers === undefined ? {} : { customers }),
});
const { server } = createCrmStandIn({
  db: dataset.crm,
  token,
  dailyApiLimit,
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
  process.stdout.write(`CRM stand-in (Salesforce REST API) on http://${host}:${address.port}${API_PREFIX}\n`);
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`crm-legacy: ${signal}, closing\n`);
  server.close(() => {
    dataset.close();
    process.exit(0);
  });
  server.closeAllConnections();
  setTimeout(() => process.exit(1), 5000).unref();
}
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
