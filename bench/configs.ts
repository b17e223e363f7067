/**
 * The five configurations the benchmark compares (issue 5, item 4). A-D answer the same GraphQL
 * operations through a gateway over the two subgraphs; E is the front end calling the two REST
 * APIs itself.
 */

export type ConfigId = 'A' | 'B' | 'C' | 'D' | 'E';

export interface BenchConfig {
  id: ConfigId;
  title: string;
  /** Which gateway process serves the graph; `none` for the direct client. */
  gateway: 'apollo' | 'hive' | 'none';
  /** Environment of both subgraph processes (on top of their URLs and ports). */
  subgraphEnv: Record<string, string>;
  /** Environment of the gateway process (Apollo only). */
  gatewayEnv: Record<string, string>;
  /**
   * Whether anything in the stack keeps answers between requests: such a stack is restarted
   * before every scenario, so each scenario's first (calibration) request is a cold one.
   */
  caches: boolean;
}

export const CONFIGS: Readonly<Record<ConfigId, BenchConfig>> = {
  A: {
    id: 'A',
    title: 'customer-graph as shipped (batched, cached)',
    gateway: 'apollo',
    subgraphEnv: { LEGACY_CACHE: 'memory' },
    gatewayEnv: { RESPONSE_CACHE: 'on' },
    caches: true,
  },
  B: {
    id: 'B',
    title: 'customer-graph, shared cache off (batching alone)',
    gateway: 'apollo',
    subgraphEnv: { LEGACY_CACHE: 'off' },
    gatewayEnv: { RESPONSE_CACHE: 'off' },
    caches: false,
  },
  C: {
    id: 'C',
    title: 'the same gateway over naive subgraphs (one legacy call per item)',
    gateway: 'apollo',
    subgraphEnv: { LEGACY_CACHE: 'off', ERP_BATCHING: 'off', CRM_BATCHING: 'off' },
    gatewayEnv: { RESPONSE_CACHE: 'off' },
    caches: false,
  },
  D: {
    id: 'D',
    title: 'Hive Gateway 2.15 over the same subgraphs as A',
    gateway: 'hive',
    subgraphEnv: { LEGACY_CACHE: 'memory' },
    gatewayEnv: {},
    caches: true,
  },
  E: {
    id: 'E',
    title: 'the front end calling both REST APIs itself, in parallel',
    gateway: 'none',
    subgraphEnv: {},
    gatewayEnv: {},
    caches: false,
  },
};

export const CONFIG_IDS: readonly ConfigId[] = ['A', 'B', 'C', 'D', 'E'];

/** B answers first: its answers are the reference every configuration is checked against. */
export const REFERENCE_CONFIG: ConfigId = 'B';
