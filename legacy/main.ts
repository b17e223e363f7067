import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createLogger, type Logger } from '../lib/logger.js';
import { createCrmStandIn } from './crm/createCrmStandIn.js';
import { createErpStandIn } from './erp/createErpStandIn.js';
import { type Dataset, openDataset } from './generator/open.js';

/**
 * Both stand-ins in one process over one generated data set (`npm run start:legacy`); also
 * the piece `npm start` (scripts/start.ts) uses. Run directly, it reads the environment once,
 * listens, and closes cleanly on SIGINT/SIGTERM.
 */

type Env = Record<string, string | undefined>;

/** A variable is missing or malformed: the runner prints it and exits with 2. */
export class StartError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'StartError';
  }
}

export function intVariable(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new StartError(name, `must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return Number(raw);
}

export interface StandInsConfig {
  host: string;
  erp: { port: number; token: string; maxPageSize?: number } | undefined;
  crm: { port: number; token: string; maxBatchSize?: number } | undefined;
  seed?: number;
  customers?: number;
}

export function standInsConfigFromEnv(
  env: Env,
  which: { erp: boolean; crm: boolean } = { erp: true, crm: true },
): StandInsConfig {
  const seed = env.DATA_SEED ? intVariable(env, 'DATA_SEED', 0, 0, 2_147_483_647) : undefined;
  const customers = env.DATA_CUSTOMERS ? intVariable(env, 'DATA_CUSTOMERS', 0, 1, 10_000_000) : undefined;
  const erpMaxPageSize = env.ERP_MAX_PAGE_SIZE
    ? intVariable(env, 'ERP_MAX_PAGE_SIZE', 0, 1, 1_000_000)
    : undefined;
  const crmMaxBatchSize = env.CRM_MAX_BATCH_SIZE
    ? intVariable(env, 'CRM_MAX_BATCH_SIZE', 0, 1, 2000)
    : undefined;
  return {
    host: env.LEGACY_HOST?.trim() || '127.0.0.1',
    erp: which.erp
      ? {
          port: intVariable(env, 'ERP_PORT', 4101, 0, 65_535),
          token: env.ERP_TOKEN || 'erp-dev-token',
          ...(erpMaxPageSize === undefined ? {} : { maxPageSize: erpMaxPageSize }),
        }
      : undefined,
    crm: which.crm
      ? {
          port: intVariable(env, 'CRM_PORT', 4102, 0, 65_535),
          token: env.CRM_TOKEN || 'crm-dev-token',
          ...(crmMaxBatchSize === undefined ? {} : { maxBatchSize: crmMaxBatchSize }),
        }
      : undefined,
    ...(seed === undefined ? {} : { seed }),
    ...(customers === undefined ? {} : { customers }),
  };
}

export interface RunningStandIns {
  dataset: Dataset;
  /** Origins (http://host:port) of the stand-ins started. */
  erpUrl?: string;
  crmUrl?: string;
  companyId: string;
  close(): Promise<void>;
}

/** Listens on `port`, turning "in use" into a StartError naming the variable that chose it. */
export function listenOn(
  server: Server,
  port: number,
  host: string,
  variable: string,
  what: string,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) =>
      reject(
        new StartError(
          variable,
          error.code === 'EADDRINUSE'
            ? `port ${port} on ${host} (${what}) is already in use; stop what uses it or set ${variable}`
            : `cannot listen on ${host}:${port} (${what}): ${error.message}`,
        ),
      );
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      const address = server.address() as AddressInfo;
      resolve(`http://${host}:${address.port}`);
    });
  });
}

export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

export async function startStandIns(config: StandInsConfig, logger: Logger): Promise<RunningStandIns> {
  const dataset = openDataset({
    ...(config.seed === undefined ? {} : { seed: config.seed }),
    ...(config.customers === undefined ? {} : { customers: config.customers }),
  });
  const servers: Server[] = [];
  const close = async () => {
    await Promise.all(servers.map(closeServer));
    dataset.close();
  };
  try {
    let erpUrl: string | undefined;
    let crmUrl: string | undefined;
    if (config.erp) {
      const { server } = createErpStandIn({
        db: dataset.erp,
        companyId: dataset.summary.companyId,
        token: config.erp.token,
        ...(config.erp.maxPageSize === undefined ? {} : { maxPageSize: config.erp.maxPageSize }),
        logger: logger.child({ component: 'erp-legacy' }),
      });
      servers.push(server);
      erpUrl = await listenOn(server, config.erp.port, config.host, 'ERP_PORT', 'the ERP stand-in');
    }
    if (config.crm) {
      const { server } = createCrmStandIn({
        db: dataset.crm,
        token: config.crm.token,
        ...(config.crm.maxBatchSize === undefined ? {} : { maxBatchSize: config.crm.maxBatchSize }),
        logger: logger.child({ component: 'crm-legacy' }),
      });
      servers.push(server);
      crmUrl = await listenOn(server, config.crm.port, config.host, 'CRM_PORT', 'the CRM stand-in');
    }
    return {
      dataset,
      companyId: dataset.summary.companyId,
      ...(erpUrl ? { erpUrl } : {}),
      ...(crmUrl ? { crmUrl } : {}),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** SIGINT/SIGTERM run `close` once, then exit 0 (1 when closing takes longer than 10 s). */
export function closeOnSignals(close: () => Promise<void>, log: (message: string) => void): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing`);
    setTimeout(() => process.exit(1), 10_000).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(): Promise<void> {
  let config: StandInsConfig;
  try {
    config = standInsConfigFromEnv(process.env);
  } catch (error) {
    process.stderr.write(`legacy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const level = process.env.LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) {
    process.stderr.write(
      `legacy: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent; got '${level}'\n`,
    );
    process.exit(2);
  }
  const logger = createLogger({ name: 'legacy', level });
  let running: RunningStandIns;
  try {
    running = await startStandIns(config, logger);
  } catch (error) {
    process.stderr.write(`legacy: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  process.stdout.write(
    `ERP stand-in (Business Central API v2.0): ${running.erpUrl}/api/v2.0/companies(${running.companyId})\n` +
      `CRM stand-in (Salesforce REST API v62.0): ${running.crmUrl}/services/data/v62.0/\n` +
      `data set: ${running.dataset.summary.counts.erp.customers} ERP customers, ${running.dataset.summary.counts.crm.Account} CRM accounts\n`,
  );
  closeOnSignals(running.close, (message) => process.stdout.write(`legacy: ${message}\n`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
