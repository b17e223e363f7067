import { createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { ConfigError, type Env, integer, logLevel, text } from '../lib/env.js';
import { createLogger, type Logger } from '../lib/logger.js';
import { closeServer, readConfigOrExit } from '../lib/runServer.js';
import { createCrmStandIn } from './crm/createCrmStandIn.js';
import { type ConnectedApp, CRM_DEV_APP } from './crm/oauth.js';
import { createErpStandIn } from './erp/createErpStandIn.js';
import { type EntraApp, ERP_DEV_APP } from './erp/entra.js';
import { type Dataset, openDataset } from './generator/open.js';

/**
 * Both stand-ins in one process over one generated data set (`npm run start:legacy`); also
 * the piece `npm start` (scripts/start.ts) uses. Run directly, it reads the environment once,
 * listens, and closes cleanly on SIGINT/SIGTERM.
 */

export interface StandInsConfig {
  erp: { host: string; port: number; token: string; entra: EntraApp; maxPageSize?: number } | undefined;
  crm:
    | {
        host: string;
        port: number;
        token: string;
        connectedApp: ConnectedApp;
        dailyApiLimit: number;
        maxBatchSize?: number;
      }
    | undefined;
  seed?: number;
  customers?: number;
}

/**
 * The connected app's certificate for JWT bearer assertions: CRM_JWT_CERTIFICATE_FILE (PEM
 * certificate or public key), else the public half of CRM_PRIVATE_KEY_FILE, so that `npm start`
 * with a key for the subgraphs needs nothing more; none: JWT bearer is refused.
 */
function connectedAppCertificate(env: Env): KeyObject | undefined {
  for (const variable of ['CRM_JWT_CERTIFICATE_FILE', 'CRM_PRIVATE_KEY_FILE']) {
    const path = text(env, variable);
    if (path === undefined) continue;
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(
        variable,
        `cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? error}`,
      );
    }
    try {
      return pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
    } catch {
      throw new ConfigError(variable, `'${path}' holds no PEM certificate or key`);
    }
  }
  return undefined;
}

export function standInsConfigFromEnv(
  env: Env,
  which: { erp: boolean; crm: boolean } = { erp: true, crm: true },
): StandInsConfig {
  const seed = env.DATA_SEED ? integer(env, 'DATA_SEED', 0, 0, 2_147_483_647) : undefined;
  const customers = env.DATA_CUSTOMERS ? integer(env, 'DATA_CUSTOMERS', 0, 1, 10_000_000) : undefined;
  const erpMaxPageSize = env.ERP_MAX_PAGE_SIZE
    ? integer(env, 'ERP_MAX_PAGE_SIZE', 0, 1, 1_000_000)
    : undefined;
  const crmMaxBatchSize = env.CRM_MAX_BATCH_SIZE ? integer(env, 'CRM_MAX_BATCH_SIZE', 0, 1, 2000) : undefined;
  // ERP_HOST / CRM_HOST choose one stand-in's interface, LEGACY_HOST both.
  const host = text(env, 'LEGACY_HOST', '127.0.0.1');
  const certificate = which.crm ? connectedAppCertificate(env) : undefined;
  const runAsUsername = text(env, 'CRM_RUN_AS_USERNAME');
  return {
    erp: which.erp
      ? {
          host: text(env, 'ERP_HOST', host),
          port: integer(env, 'ERP_PORT', 4101, 0, 65_535),
          token: text(env, 'ERP_TOKEN', 'erp-dev-token'),
          // The same variables the subgraphs sign in with, so one environment configures both.
          entra: {
            tenantId: text(env, 'ERP_TENANT_ID', ERP_DEV_APP.tenantId),
            clientId: text(env, 'ERP_CLIENT_ID', ERP_DEV_APP.clientId),
            clientSecret: text(env, 'ERP_CLIENT_SECRET', ERP_DEV_APP.clientSecret),
          },
          ...(erpMaxPageSize === undefined ? {} : { maxPageSize: erpMaxPageSize }),
        }
      : undefined,
    crm: which.crm
      ? {
          host: text(env, 'CRM_HOST', host),
          port: integer(env, 'CRM_PORT', 4102, 0, 65_535),
          token: text(env, 'CRM_TOKEN', 'crm-dev-token'),
          connectedApp: {
            clientId: text(env, 'CRM_CLIENT_ID', CRM_DEV_APP.clientId),
            clientSecret: text(env, 'CRM_CLIENT_SECRET', CRM_DEV_APP.clientSecret),
            ...(certificate ? { certificate } : {}),
            ...(runAsUsername ? { runAsUsername } : {}),
          },
          dailyApiLimit: integer(env, 'CRM_DAILY_API_LIMIT', 1_000_000, 0, 1_000_000_000),
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

/** Listens on `port`, turning "in use" into a ConfigError naming the variable that chose it. */
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
        new ConfigError(
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
        entra: config.erp.entra,
        ...(config.erp.maxPageSize === undefined ? {} : { maxPageSize: config.erp.maxPageSize }),
        logger: logger.child({ component: 'erp-legacy' }),
      });
      servers.push(server);
      erpUrl = await listenOn(server, config.erp.port, config.erp.host, 'ERP_PORT', 'the ERP stand-in');
    }
    if (config.crm) {
      const { server } = createCrmStandIn({
        db: dataset.crm,
        token: config.crm.token,
        connectedApp: config.crm.connectedApp,
        dailyApiLimit: config.crm.dailyApiLimit,
        ...(config.crm.maxBatchSize === undefined ? {} : { maxBatchSize: config.crm.maxBatchSize }),
        logger: logger.child({ component: 'crm-legacy' }),
      });
      servers.push(server);
      crmUrl = await listenOn(server, config.crm.port, config.crm.host, 'CRM_PORT', 'the CRM stand-in');
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

/**
 * The stand-ins' main: `npm run start:legacy` runs both, `start:erp-legacy` / `start:crm-legacy`
 * one each. A bad variable or a port in use stops the process with exit 2, naming the variable.
 */
export async function runStandIns(program: string, which: { erp: boolean; crm: boolean }): Promise<void> {
  const config = readConfigOrExit(program, () => standInsConfigFromEnv(process.env, which));
  const logger = createLogger({
    name: program,
    level: readConfigOrExit(program, () => logLevel(process.env)),
  });
  let running: RunningStandIns;
  try {
    running = await startStandIns(config, logger);
  } catch (error) {
    process.stderr.write(`${program}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const { summary } = running.dataset;
  process.stdout.write(
    [
      ...(running.erpUrl
        ? [
            `ERP stand-in (Business Central API v2.0): ${running.erpUrl}/api/v2.0/companies(${running.companyId})`,
          ]
        : []),
      ...(running.crmUrl
        ? [`CRM stand-in (Salesforce REST API v62.0): ${running.crmUrl}/services/data/v62.0/`]
        : []),
      `data set: ${summary.counts.erp.customers} ERP customers, ${summary.counts.crm.Account} CRM accounts\n`,
    ].join('\n'),
  );
  closeOnSignals(running.close, (message) => process.stdout.write(`${program}: ${message}\n`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await runStandIns('legacy', { erp: true, crm: true });
