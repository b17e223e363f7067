import type { AddressInfo } from 'node:net';
import type { Database } from 'better-sqlite3';
import { createErpStandIn } from '../../legacy/erp/createErpStandIn.js';
import type { SimConfig, SimStats } from '../../legacy/sim/simulator.js';
import type { ErpSubgraphConfig } from '../../subgraphs/erp/config.js';
import { createErpSubgraph, type ErpSubgraph } from '../../subgraphs/erp/createErpSubgraph.js';

/** GraphQL answers are arbitrary JSON; tests read them field by field. */
// biome-ignore lint/suspicious/noExplicitAny: test responses are arbitrary JSON, asserted field by field
export type Json = any;

export interface ErpStack {
  erpBase: string;
  subgraphUrl: string;
  subgraph: ErpSubgraph;
  gql(query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: Json }>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  simConfig(patch: Partial<SimConfig>): Promise<void>;
  close(): Promise<void>;
}

async function listen(server: import('node:http').Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The ERP stand-in over `db` and the ERP subgraph in front of it, both on port 0. */
export async function startErpStack(
  db: Database,
  companyId: string,
  options: { maxPageSize?: number; subgraph?: Partial<ErpSubgraphConfig> } = {},
): Promise<ErpStack> {
  const standIn = createErpStandIn({ db, companyId, maxPageSize: options.maxPageSize });
  const erpBase = await listen(standIn.server);
  const subgraph = createErpSubgraph({
    erpUrl: erpBase,
    erpToken: 'erp-dev-token',
    localCurrencyCode: 'USD',
    timeoutMs: 5000,
    maxRetries: 0,
    maxConnections: 5,
    batching: true,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    ...options.subgraph,
  });
  const subgraphBase = await listen(subgraph.server);
  const subgraphUrl = `${subgraphBase}/graphql`;
  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${erpBase}/__sim/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json() as Promise<Json>;
  };
  return {
    erpBase,
    subgraphUrl,
    subgraph,
    async gql(query, variables) {
      const res = await fetch(subgraphUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': 'test-request' },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.status, body: await res.json() };
    },
    stats: () => control('GET', 'stats'),
    resetStats: async () => {
      await control('POST', 'reset');
    },
    simConfig: async (patch) => {
      await control('POST', 'config', patch);
    },
    async close() {
      subgraph.server.closeAllConnections();
      await new Promise<void>((resolve) => subgraph.server.close(() => resolve()));
      await subgraph.close();
      standIn.server.closeAllConnections();
      await new Promise<void>((resolve) => standIn.server.close(() => resolve()));
    },
  };
}
