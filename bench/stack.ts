/**
 * Starting the systems under test as child processes on the bench's own loopback ports: both
 * stand-ins in one process, each subgraph and the gateway (Apollo or Hive) in their own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchConfig, CONFIG_IDS, type ConfigId } from './configs.js';
import { type Service, startService, startTsService, waitUntil } from './processes.js';

export interface BenchPorts {
  erpLegacy: number;
  crmLegacy: number;
  gateway: number;
  erpSubgraph: number;
  crmSubgraph: number;
}

/**
 * The stand-ins on base+1 and base+2; each configuration's gateway and subgraphs on a block of
 * its own (A at base+10.., B at base+20.., …), so several stacks can be up at once.
 */
export function portsFor(base: number, config: ConfigId): BenchPorts {
  const block = base + 10 * (CONFIG_IDS.indexOf(config) + 1);
  return {
    erpLegacy: base + 1,
    crmLegacy: base + 2,
    gateway: block,
    erpSubgraph: block + 1,
    crmSubgraph: block + 2,
  };
}

export const ERP_TOKEN = 'erp-dev-token';
export const CRM_TOKEN = 'crm-dev-token';
/** What the ERP subgraph maps BC's blank currency to (its ERP_LOCAL_CURRENCY default). */
export const LOCAL_CURRENCY = 'USD';

const origin = (port: number) => `http://127.0.0.1:${port}`;

export interface StandIns {
  service: Service;
  erpUrl: string;
  crmUrl: string;
  stop(): Promise<void>;
}

export async function startStandIns(options: {
  repoRoot: string;
  logDir: string;
  ports: BenchPorts;
  customers: number;
  seed: number;
  startTimeoutMs: number;
}): Promise<StandIns> {
  const service = startTsService({
    name: `legacy-${options.customers}`,
    script: 'legacy/main.ts',
    cwd: options.repoRoot,
    logDir: options.logDir,
    env: {
      ERP_PORT: String(options.ports.erpLegacy),
      CRM_PORT: String(options.ports.crmLegacy),
      DATA_CUSTOMERS: String(options.customers),
      DATA_SEED: String(options.seed),
      LOG_LEVEL: 'warn',
    },
  });
  const erpUrl = origin(options.ports.erpLegacy);
  const crmUrl = origin(options.ports.crmLegacy);
  try {
    for (const url of [erpUrl, crmUrl]) {
      await waitUntil(
        service,
        `${url} answering`,
        async () => (await fetch(`${url}/__sim/config`)).ok,
        options.startTimeoutMs,
      );
    }
  } catch (error) {
    await service.stop();
    throw error;
  }
  return { service, erpUrl, crmUrl, stop: () => service.stop() };
}

export interface ConfigStack {
  /** The GraphQL endpoint. */
  url: string;
  gateway: Service;
  subgraphs: Service[];
  stop(): Promise<void>;
}

const GRAPHQL_PROBE = JSON.stringify({ query: '{ __typename }' });

export async function startConfigStack(options: {
  config: BenchConfig;
  repoRoot: string;
  logDir: string;
  ports: BenchPorts;
  standIns: StandIns;
  hiveSupergraphPath: string;
  startTimeoutMs: number;
}): Promise<ConfigStack> {
  const { config, ports, standIns } = options;
  if (config.gateway === 'none') throw new Error(`configuration ${config.id} has no gateway`);
  const common = { cwd: options.repoRoot, logDir: options.logDir };
  const quiet = { LOG_LEVEL: 'warn', NODE_ENV: 'production' };
  const subgraphs = [
    startTsService({
      ...common,
      name: `${config.id}-erp-subgraph`,
      script: 'subgraphs/erp/main.ts',
      env: {
        ...quiet,
        ...config.subgraphEnv,
        ERP_URL: standIns.erpUrl,
        ERP_TOKEN,
        ERP_LOCAL_CURRENCY: LOCAL_CURRENCY,
        ERP_SUBGRAPH_PORT: String(ports.erpSubgraph),
      },
    }),
    startTsService({
      ...common,
      name: `${config.id}-crm-subgraph`,
      script: 'subgraphs/crm/main.ts',
      env: {
        ...quiet,
        ...config.subgraphEnv,
        CRM_URL: standIns.crmUrl,
        CRM_TOKEN,
        CRM_SUBGRAPH_PORT: String(ports.crmSubgraph),
      },
    }),
  ];
  const erpSubgraphUrl = `${origin(ports.erpSubgraph)}/graphql`;
  const crmSubgraphUrl = `${origin(ports.crmSubgraph)}/graphql`;
  const gateway =
    config.gateway === 'apollo'
      ? startTsService({
          ...common,
          name: `${config.id}-gateway`,
          script: 'gateway/main.ts',
          env: {
            ...quiet,
            ...config.gatewayEnv,
            GATEWAY_PORT: String(ports.gateway),
            ERP_SUBGRAPH_URL: erpSubgraphUrl,
            CRM_SUBGRAPH_URL: crmSubgraphUrl,
          },
        })
      : startService({
          ...common,
          name: `${config.id}-hive-gateway`,
          command: process.execPath,
          args: [
            hiveBin(options.repoRoot),
            'supergraph',
            options.hiveSupergraphPath,
            '--host',
            '127.0.0.1',
            '--port',
            String(ports.gateway),
          ],
          env: { NODE_ENV: 'production', ...config.gatewayEnv },
        });
  const url = `${origin(ports.gateway)}/graphql`;
  const stop = async () => {
    await gateway.stop();
    await Promise.all(subgraphs.map((s) => s.stop()));
  };
  try {
    const probes: [Service, string][] = subgraphs.map((service, i) => [
      service,
      i === 0 ? erpSubgraphUrl : crmSubgraphUrl,
    ]);
    for (const [service, subgraphUrl] of probes) {
      await waitUntil(
        service,
        'GraphQL answering',
        () => graphqlAnswers(subgraphUrl),
        options.startTimeoutMs,
      );
    }
    await waitUntil(gateway, 'GraphQL answering', () => graphqlAnswers(url), options.startTimeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, gateway, subgraphs, stop };
}

async function graphqlAnswers(url: string): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: GRAPHQL_PROBE,
    signal: AbortSignal.timeout(2000),
  });
  await response.text();
  return response.status === 200;
}

const HIVE_DIR = 'bench/hive-gateway';

function hiveBin(repoRoot: string): string {
  return join(repoRoot, HIVE_DIR, 'node_modules/@graphql-hive/gateway/dist/bin.js');
}

/** Installs Hive Gateway from its own lock file the first time configuration D runs. */
export function ensureHiveInstalled(repoRoot: string, log: (line: string) => void): void {
  if (existsSync(hiveBin(repoRoot))) return;
  log(`installing Hive Gateway into ${HIVE_DIR} (npm ci, once) …`);
  const result = spawnSync(
    'npm',
    ['ci', '--prefix', HIVE_DIR, '--no-audit', '--no-fund', '--loglevel=error'],
    {
      cwd: repoRoot,
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (result.status !== 0 || !existsSync(hiveBin(repoRoot))) {
    throw new Error(`npm ci --prefix ${HIVE_DIR} failed (exit ${result.status}); configuration D cannot run`);
  }
}

/** Placeholder subgraph URLs in the committed supergraph; every gateway is told the real ones. */
export const SUPERGRAPH_PLACEHOLDERS = {
  erp: 'http://erp.subgraph.invalid/graphql',
  crm: 'http://crm.subgraph.invalid/graphql',
} as const;

/** A copy of schema/supergraph.graphql pointing at the bench's subgraphs, for Hive Gateway. */
export function writeHiveSupergraph(repoRoot: string, ports: BenchPorts, path: string): void {
  const sdl = readFileSync(join(repoRoot, 'schema/supergraph.graphql'), 'utf8');
  for (const placeholder of Object.values(SUPERGRAPH_PLACEHOLDERS)) {
    if (!sdl.includes(placeholder))
      throw new Error(`schema/supergraph.graphql no longer holds ${placeholder}`);
  }
  writeFileSync(
    path,
    sdl
      .replaceAll(SUPERGRAPH_PLACEHOLDERS.erp, `${origin(ports.erpSubgraph)}/graphql`)
      .replaceAll(SUPERGRAPH_PLACEHOLDERS.crm, `${origin(ports.crmSubgraph)}/graphql`),
  );
}
