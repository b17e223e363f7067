import { type CrmStandInOptions, createCrmStandIn } from '../../legacy/crm/createCrmStandIn.js';
import { type Dataset, openDataset } from '../../legacy/generator/open.js';
import type { SimConfig, SimStats } from '../../legacy/sim/simulator.js';
import { readLegacyCacheConfig } from '../../lib/cacheConfig.js';
import { CRM_SUBGRAPH_DEFAULTS, type CrmSubgraphConfig } from '../../subgraphs/crm/config.js';
import {
  type CrmSubgraph,
  type CrmSubgraphDeps,
  createCrmSubgraph,
} from '../../subgraphs/crm/createCrmSubgraph.js';
import { testAuth } from '../helpers/auth.js';
import { closeServer, listen } from '../helpers/servers.js';

export interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: tests index into arbitrary result shapes
  data?: any;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  errors?: { message: string; path?: (string | number)[]; extensions?: any }[];
}

/** Asks a CRM subgraph's /graphql as the holder of `token`, through the gateway's signed headers. */
export async function queryAs(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-request-id': 'crm-subgraph-test',
      ...testAuth().subgraphHeaders(token),
    },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

/**
 * The CRM stand-in over a small generated data set, and CRM subgraphs on loopback (port 0)
 * pointed at it: a batched one and, on request, a naive one (batching off).
 */
export async function startCrmFixture(
  options: {
    customers?: number;
    standIn?: Omit<CrmStandInOptions, 'db'>;
    subgraph?: Partial<CrmSubgraphConfig>;
  } = {},
) {
  const dataset: Dataset = openDataset({ customers: options.customers ?? 60 });
  const standIn = createCrmStandIn({ db: dataset.crm, ...options.standIn });
  const crmUrl = await listen(standIn.server);
  const config: CrmSubgraphConfig = {
    ...CRM_SUBGRAPH_DEFAULTS,
    auth: testAuth().config,
    crmUrl,
    maxRetries: 0,
    timeoutMs: 5_000,
    // These tests count the CRM calls of each query: no shared cache between queries.
    cache: readLegacyCacheConfig({ LEGACY_CACHE: 'off' }),
    ...options.subgraph,
  };
  const subgraphs: { subgraph: CrmSubgraph; url: string }[] = [];
  async function startSubgraph(overrides: Partial<CrmSubgraphConfig> = {}, deps: CrmSubgraphDeps = {}) {
    const subgraph = createCrmSubgraph({ ...config, ...overrides }, deps);
    const url = await listen(subgraph.server);
    subgraphs.push({ subgraph, url });
    return {
      subgraph,
      url,
      async query(query: string, variables: Record<string, unknown> = {}): Promise<Answer> {
        return queryAs(url, await testAuth().tokenFor(), query, variables);
      },
    };
  }
  const batched = await startSubgraph();
  return {
    dataset,
    crmUrl,
    /** The stand-in's server, for tests that watch the requests it receives. */
    standInServer: standIn.server,
    batched,
    startSubgraph,
    async resetStats(): Promise<void> {
      await fetch(`${crmUrl}/__sim/reset`, { method: 'POST' });
    },
    async stats(): Promise<SimStats> {
      return (await (await fetch(`${crmUrl}/__sim/stats`)).json()) as SimStats;
    },
    async sim(patch: Partial<SimConfig>): Promise<void> {
      const response = await fetch(`${crmUrl}/__sim/config`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      });
      if (!response.ok) throw new Error(`sim config refused: ${await response.text()}`);
    },
    async stop(): Promise<void> {
      for (const { subgraph } of subgraphs) {
        await closeServer(subgraph.server);
        await subgraph.close();
      }
      await closeServer(standIn.server);
      dataset.close();
    },
  };
}

export type CrmFixture = Awaited<ReturnType<typeof startCrmFixture>>;
