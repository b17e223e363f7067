import type { Database } from 'better-sqlite3';
import { afterAll, beforeAll } from 'vitest';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import type { SimConfig, SimStats } from '../../legacy/sim/simulator.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { fixedCredentials } from '../../lib/legacyCredentials.js';
import type { ErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import {
  createErpSubgraph,
  type ErpSubgraph,
  type ErpSubgraphDeps,
} from '../../subgraphs/erp/createErpSubgraph.js';
import { testAuth } from '../helpers/auth.js';
import { closeServer, listen } from '../helpers/servers.js';

/**
 * Test harness for the ERP subgraph: the real Business Central stand-in and the real subgraph,
 * each an HTTP server on port 0 in the test process.
 */

/** GraphQL answers are arbitrary JSON; tests read them field by field. */
// biome-ignore lint/suspicious/noExplicitAny: test responses are arbitrary JSON, asserted field by field
export type Json = any;

export interface RunningStandIn {
  base: string;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  simConfig(patch: Partial<SimConfig>): Promise<void>;
  close(): Promise<void>;
}

export async function startStandIn(
  db: Database,
  companyId: string,
  options: { maxPageSize?: number } = {},
): Promise<RunningStandIn> {
  const standIn = createErpStandIn({ db, companyId, maxPageSize: options.maxPageSize });
  const base = await listen(standIn.server);
  const control = async (method: string, path: string, body?: unknown): Promise<Json> => {
    const res = await fetch(`${base}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`sim ${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
  return {
    base,
    stats: () => control('GET', 'stats'),
    resetStats: async () => {
      await control('POST', 'reset');
    },
    simConfig: async (patch) => {
      await control('POST', 'config', patch);
    },
    close: () => closeServer(standIn.server),
  };
}

export interface RunningSubgraph {
  url: string;
  subgraph: ErpSubgraph;
  gql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: Json }>;
  close(): Promise<void>;
}

export function subgraphConfig(
  erpUrl: string,
  overrides: Partial<ErpSubgraphConfig> = {},
): ErpSubgraphConfig {
  return {
    erpUrl,
    erpCredentials: fixedCredentials('erp-dev-token'),
    localCurrencyCode: 'USD',
    timeoutMs: 5000,
    maxRetries: 0,
    maxConnections: 5,
    batching: true,
    // These tests count the ERP calls of each query: no shared cache between queries.
    cache: readLegacyCacheConfig({ LEGACY_CACHE: 'off' }),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    auth: testAuth().config,
    ...overrides,
  };
}

export async function startSubgraph(
  erpUrl: string,
  overrides: Partial<ErpSubgraphConfig> = {},
  deps: ErpSubgraphDeps = {},
): Promise<RunningSubgraph> {
  const subgraph = createErpSubgraph(subgraphConfig(erpUrl, overrides), deps);
  const url = `${await listen(subgraph.server)}/graphql`;
  return {
    url,
    subgraph,
    async gql(query, variables) {
      const auth = testAuth();
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-request-id': 'test-request',
          ...auth.subgraphHeaders(await auth.tokenFor()),
        },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    async close() {
      await closeServer(subgraph.server);
      await subgraph.close();
    },
  };
}

/** A row of the stand-in's database. */
export type Row = Record<string, Json>;

/**
 * A generated data set of 130 customers, the stand-in over it and the subgraph
 * reading it, started once for the test file (handed to `started`) and closed after it. Returns
 * reads of the stand-in's database to check answers against.
 */
export function useGeneratedErp(
  started: (running: { dataset: Dataset; erp: RunningStandIn; subgraph: RunningSubgraph }) => void,
) {
  let dataset: Dataset | undefined;
  let erp: RunningStandIn | undefined;
  let subgraph: RunningSubgraph | undefined;
  beforeAll(async () => {
    dataset = openDataset({ customers: 130 });
    erp = await startStandIn(dataset.erp, dataset.summary.companyId);
    subgraph = await startSubgraph(erp.base, { companyId: dataset.summary.companyId });
    started({ dataset, erp, subgraph });
  });
  afterAll(async () => {
    await subgraph?.close();
    await erp?.close();
    dataset?.close();
  });
  const all = (sql: string, ...params: unknown[]) => dataset!.erp.prepare(sql).all(...params) as Row[];
  const one = (sql: string, ...params: unknown[]) => dataset!.erp.prepare(sql).get(...params) as Row;
  /** SQLite formats the stored 2-place REAL as the decimal text the API must give. */
  const fixed = (value: number | null) => one('SELECT printf(?, ?) AS s', '%.2f', value ?? 0).s as string;
  return { all, one, fixed };
}

/**
 * The ERP's stats of `run` for 10 and for 100 customers, each counted afresh. Latency only makes
 * parallel calls overlap so the stand-in can tell them apart from calls in sequence: 60 ms, so
 * they still overlap when a loaded machine delays sending one of them.
 */
export async function costFor10And100(
  erp: RunningStandIn,
  run: (customers: number) => Promise<void>,
): Promise<{ ten: SimStats; hundred: SimStats }> {
  const cost = async (n: number) => {
    await erp.resetStats();
    await run(n);
    return erp.stats();
  };
  await erp.simConfig({ latencyMs: 60 });
  try {
    return { ten: await cost(10), hundred: await cost(100) };
  } finally {
    await erp.simConfig({ latencyMs: 0 });
  }
}

/** Route counts of a stats snapshot without the ones that did not occur. */
export function routes(stats: SimStats): Record<string, number> {
  return Object.fromEntries(Object.entries(stats.byRoute).filter(([, n]) => n > 0));
}
