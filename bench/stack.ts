/**
 * Starting the systems under test as child processes on the bench's own loopback ports: both
 * stand-ins in one process, each subgraph and the gateway (Apollo or Hive) in their own.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBGRAPH_NAMES, type SubgraphName } from '../gateway/config.js';
import { authEnv, type BenchAuth, callerHeaders, subgraphHeaders } from './auth.js';
import { type AuthSetting, type BenchConfig, CONFIG_IDS, type ConfigId, SHIPPED_AUTH } from './configs.js';
import { ProbeRefused, type Service, startService, startTsService, waitUntil } from './processes.js';

// The subgraphs the bench knows how to start, in port order: those the gateway has URL variables for.
export { SUBGRAPH_NAMES, type SubgraphName } from '../gateway/config.js';

export interface BenchPorts {
  erpLegacy: number;
  crmLegacy: number;
  gateway: number;
  subgraphs: Record<SubgraphName, number>;
}

/** The stand-ins on base+1 and base+2; a gateway and its subgraphs on block `n` (base+10n, +1 … +4). */
function blockPorts(base: number, n: number): BenchPorts {
  const block = base + 10 * n;
  return {
    erpLegacy: base + 1,
    crmLegacy: base + 2,
    gateway: block,
    subgraphs: { erp: block + 1, crm: block + 2, workflows: block + 3, reports: block + 4 },
  };
}

/**
 * Each configuration's gateway and subgraphs on a block of its own (A at base+10.., B at
 * base+20.., …), so several stacks can be up at once.
 */
export const portsFor = (base: number, config: ConfigId): BenchPorts =>
  blockPorts(base, CONFIG_IDS.indexOf(config) + 1);

/**
 * The blocks after the configurations' (base+60, base+70, …): the stacks of the authentication
 * cost section, one per variant, up side by side.
 */
export const authVariantPorts = (base: number, variantIndex: number): BenchPorts =>
  blockPorts(base, CONFIG_IDS.length + 1 + variantIndex);

/** The block after the authentication variants' (base+90..): A without sharing (issue 14). */
export const withoutSharingPorts = (base: number, authVariants: number): BenchPorts =>
  blockPorts(base, CONFIG_IDS.length + 1 + authVariants);

export const allPorts = (ports: BenchPorts): number[] => [
  ports.erpLegacy,
  ports.crmLegacy,
  ports.gateway,
  ...Object.values(ports.subgraphs),
];

/**
 * The subgraphs the benchmark's operations reach (reports: the reporting section's salesSummary).
 * The others (workflows: it owns mutations only) are not started: the gateways get their URL, a
 * bench port nothing listens on, and never call it.
 */
export const QUERIED_SUBGRAPHS: readonly SubgraphName[] = ['erp', 'crm', 'reports'];

/** The subgraphs schema/supergraph.graphql names (its `@join__graph` entries). */
export function supergraphSubgraphs(repoRoot: string): SubgraphName[] {
  const sdl = readFileSync(join(repoRoot, 'schema/supergraph.graphql'), 'utf8');
  const names = [...sdl.matchAll(/@join__graph\(name: "([^"]+)"/g)].map((m) => m[1] as string);
  const unknown = names.filter((name) => !(SUBGRAPH_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0)
    throw new Error(`the bench does not know how to start subgraph(s) ${unknown.join(', ')}`);
  return names as SubgraphName[];
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
  /** The same processes by subgraph (those started). */
  subgraphByName: Partial<Record<SubgraphName, Service>>;
  /** Where each process answers `GET /metrics` (issue 14): the gateway's origin and the subgraphs'. */
  gatewayOrigin: string;
  subgraphOrigins: string[];
  stop(): Promise<void>;
}

const GRAPHQL_PROBE = JSON.stringify({ query: '{ __typename }' });

/**
 * Our gateway limits each caller (token subject) to GATEWAY_RATE_LIMIT requests a minute (1200 by
 * default); the benchmark is one caller sending thousands. The limiter stays in the path (its
 * per-request cost is part of what is measured) with a limit the run cannot reach.
 */
export const BENCH_RATE_LIMIT = '10000000';

/** Hive Gateway's configuration file for D: forwards the caller's token and adds the gateway secret. */
export const HIVE_CONFIG = 'bench/hive-gateway/gateway.config.mjs';

/** The environment of every subgraph and gateway process of a stack (the caller's scopes are the token's). */
export function stackEnv(auth: BenchAuth, setting: AuthSetting = SHIPPED_AUTH): Record<string, string> {
  return { LOG_LEVEL: 'warn', NODE_ENV: setting.nodeEnv, ...authEnv(auth, setting.mode) };
}

export async function startConfigStack(options: {
  config: BenchConfig;
  repoRoot: string;
  logDir: string;
  ports: BenchPorts;
  standIns: StandIns;
  /** Which subgraphs to start (those the supergraph names). */
  subgraphs: readonly SubgraphName[];
  hiveSupergraphPath: string;
  startTimeoutMs: number;
  auth: BenchAuth;
  /** How the processes authenticate callers; default: as shipped (jwt, production). */
  authSetting?: AuthSetting;
  /** Distinguishes the log files of stacks of one configuration started with other settings. */
  nameSuffix?: string;
}): Promise<ConfigStack> {
  const { config, ports, standIns, auth } = options;
  if (config.gateway === 'none') throw new Error(`configuration ${config.id} has no gateway`);
  if (config.gateway === 'hive' && (options.authSetting ?? SHIPPED_AUTH).mode === 'off') {
    // Hive forwards whatever the client sends; only our processes know AUTH_MODE.
    throw new Error(`configuration ${config.id} (Hive Gateway) runs with authentication as shipped only`);
  }
  const common = { cwd: options.repoRoot, logDir: options.logDir };
  const quiet = stackEnv(auth, options.authSetting);
  const prefix = `${config.id}${options.nameSuffix ?? ''}`;
  const legacy = { ERP_URL: standIns.erpUrl, ERP_TOKEN, CRM_URL: standIns.crmUrl, CRM_TOKEN };
  const envOf: Record<SubgraphName, Record<string, string>> = {
    erp: { ERP_LOCAL_CURRENCY: LOCAL_CURRENCY, ERP_SUBGRAPH_PORT: String(ports.subgraphs.erp) },
    crm: { CRM_SUBGRAPH_PORT: String(ports.subgraphs.crm) },
    workflows: {
      WORKFLOWS_SUBGRAPH_PORT: String(ports.subgraphs.workflows),
      WORKFLOWS_DB_PATH: join(options.logDir, `workflows-${config.id}.sqlite`),
    },
    reports: { ERP_LOCAL_CURRENCY: LOCAL_CURRENCY, REPORTS_SUBGRAPH_PORT: String(ports.subgraphs.reports) },
  };
  const subgraphUrl = (name: SubgraphName) => `${origin(ports.subgraphs[name])}/graphql`;
  const subgraphs = options.subgraphs
    .filter((name) => QUERIED_SUBGRAPHS.includes(name))
    .map((name) => ({
      name,
      service: startTsService({
        ...common,
        name: `${prefix}-${name}-subgraph`,
        script: `subgraphs/${name}/main.ts`,
        env: { ...quiet, ...config.subgraphEnv, ...legacy, ...envOf[name] },
      }),
    }));
  const gateway =
    config.gateway === 'apollo'
      ? startTsService({
          ...common,
          name: `${prefix}-gateway`,
          script: 'gateway/main.ts',
          env: {
            ...quiet,
            GATEWAY_RATE_LIMIT: BENCH_RATE_LIMIT,
            ...config.gatewayEnv,
            GATEWAY_PORT: String(ports.gateway),
            ...Object.fromEntries(
              options.subgraphs.map((name) => [`${name.toUpperCase()}_SUBGRAPH_URL`, subgraphUrl(name)]),
            ),
          },
        })
      : startService({
          ...common,
          name: `${prefix}-hive-gateway`,
          command: process.execPath,
          args: [
            hiveBin(options.repoRoot),
            'supergraph',
            options.hiveSupergraphPath,
            '--config-path',
            join(options.repoRoot, HIVE_CONFIG),
            '--host',
            '127.0.0.1',
            '--port',
            String(ports.gateway),
          ],
          env: {
            NODE_ENV: 'production',
            SUBGRAPH_SHARED_SECRET: auth.subgraphSecret,
            ...config.gatewayEnv,
          },
        });
  const url = `${origin(ports.gateway)}/graphql`;
  const stop = async () => {
    await gateway.stop();
    await Promise.all(subgraphs.map((s) => s.service.stop()));
  };
  try {
    for (const { name, service } of subgraphs) {
      await waitUntil(
        service,
        'GraphQL answering',
        () => graphqlAnswers(subgraphUrl(name), subgraphHeaders(auth)),
        options.startTimeoutMs,
      );
    }
    await waitUntil(
      gateway,
      'GraphQL answering',
      () => graphqlAnswers(url, callerHeaders(auth)),
      options.startTimeoutMs,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    url,
    gateway,
    subgraphs: subgraphs.map((s) => s.service),
    subgraphByName: Object.fromEntries(subgraphs.map((s) => [s.name, s.service])),
    gatewayOrigin: origin(ports.gateway),
    subgraphOrigins: subgraphs.map((s) => origin(ports.subgraphs[s.name])),
    stop,
  };
}

/**
 * Ready when a GraphQL request with the run's credentials answers 200. A process that refuses
 * them (401 or 403: a wrong secret, key file, issuer or audience) will not change its mind, so
 * the start fails at once with its answer instead of waiting out the timeout.
 */
export async function graphqlAnswers(url: string, headers: Record<string, string>): Promise<boolean> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: GRAPHQL_PROBE,
    signal: AbortSignal.timeout(2000),
  });
  const text = await response.text();
  if (response.status === 401 || response.status === 403) {
    throw new ProbeRefused(
      `${url} refused the bench's credentials: HTTP ${response.status} ${text.slice(0, 300)}`,
    );
  }
  return response.status === 200;
}

const HIVE_DIR = 'bench/hive-gateway';

function hiveBin(repoRoot: string): string {
  return join(repoRoot, HIVE_DIR, 'node_modules/@graphql-hive/gateway/dist/bin.js');
}

/** Installs Hive Gateway from its own lock file the first time configuration D or F runs. */
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
    throw new Error(
      `npm ci --prefix ${HIVE_DIR} failed (exit ${result.status}); configurations D and F cannot run`,
    );
  }
}

/** The committed supergraph's placeholder URL of a subgraph; every gateway is told the real one. */
export const placeholderUrl = (name: SubgraphName) => `http://${name}.subgraph.invalid/graphql`;

/** Where a Hive configuration's supergraph copy is written (each points at its own subgraphs' ports). */
export const hiveSupergraphFile = (dir: string, config: ConfigId) =>
  join(dir, `supergraph.hive-${config}.graphql`);

/** A copy of schema/supergraph.graphql pointing at the bench's subgraphs, for Hive Gateway. */
export function writeHiveSupergraph(repoRoot: string, ports: BenchPorts, path: string): void {
  let sdl = readFileSync(join(repoRoot, 'schema/supergraph.graphql'), 'utf8');
  for (const name of supergraphSubgraphs(repoRoot)) {
    if (!sdl.includes(placeholderUrl(name))) {
      throw new Error(`schema/supergraph.graphql no longer holds ${placeholderUrl(name)}`);
    }
    sdl = sdl.replaceAll(placeholderUrl(name), `${origin(ports.subgraphs[name])}/graphql`);
  }
  writeFileSync(path, sdl);
}
