import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Subgraphs the gateway knows a URL variable for (`<NAME>_SUBGRAPH_URL`), by service name. The
 * gateway serves those the supergraph names (join__Graph); a name without a URL fails at start.
 */
export const SUBGRAPH_NAMES = ['erp', 'crm', 'workflows'] as const;
export type SubgraphName = (typeof SUBGRAPH_NAMES)[number];

const DEFAULT_SUBGRAPH_URLS: Record<SubgraphName, string> = {
  erp: 'http://127.0.0.1:4001/graphql',
  crm: 'http://127.0.0.1:4002/graphql',
  workflows: 'http://127.0.0.1:4003/graphql',
};

export interface OperationLimits {
  /** Deepest field nesting an operation may select (Customer360 needs 9). */
  maxDepth: number;
  /** Aliased fields in one operation, fragments expanded: aliases multiply subgraph work. */
  maxAliases: number;
  /** Lexical tokens in the document, enforced while parsing so a huge document costs little. */
  maxTokens: number;
}

export interface GatewayConfig {
  port: number;
  host: string;
  /** Where each subgraph runs; the supergraph's own URLs are placeholders. */
  subgraphUrls: Record<string, string>;
  /** Whole subgraph fetch (connect, headers, body); a slower subgraph's fields come back null. */
  subgraphTimeoutMs: number;
  /** Keep-alive connections per subgraph. */
  subgraphMaxConnections: number;
  /** `/ready` waits this long for each subgraph's answer. */
  readyProbeTimeoutMs: number;
  /** NODE_ENV=production: no landing page, no introspection, no field suggestions. */
  production: boolean;
  logLevel: string;
  supergraphPath: string;
  limits: OperationLimits;
}

export const DEFAULT_SUPERGRAPH_PATH = fileURLToPath(
  new URL('../schema/supergraph.graphql', import.meta.url),
);

export const DEFAULT_LIMITS: Readonly<OperationLimits> = { maxDepth: 12, maxAliases: 30, maxTokens: 3000 };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A configuration variable is missing or malformed; `main.ts` prints it and exits with 2. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function given(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function intFromEnv(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = given(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}; got '${raw}'`);
  }
  return Number(raw);
}

export function urlFromEnv(env: Env, name: string, fallback: string): string {
  const raw = given(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL; got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http or https URL; got '${raw}'`);
  }
  return url.toString();
}

export function logLevelFromEnv(env: Env): string {
  const raw = given(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}; got '${raw}'`);
  }
  return raw;
}

/** Reads the gateway's configuration from the environment once; throws ConfigError naming the variable. */
export function gatewayConfigFromEnv(env: Env = process.env): GatewayConfig {
  const supergraphPath = given(env, 'SUPERGRAPH_PATH');
  return {
    port: intFromEnv(env, 'GATEWAY_PORT', 4000, 0, 65_535),
    host: given(env, 'GATEWAY_HOST') ?? '127.0.0.1',
    subgraphUrls: Object.fromEntries(
      SUBGRAPH_NAMES.map((name) => [
        name,
        urlFromEnv(env, `${name.toUpperCase()}_SUBGRAPH_URL`, DEFAULT_SUBGRAPH_URLS[name]),
      ]),
    ),
    subgraphTimeoutMs: intFromEnv(env, 'SUBGRAPH_TIMEOUT_MS', 15_000, 100, 300_000),
    subgraphMaxConnections: intFromEnv(env, 'SUBGRAPH_MAX_CONNECTIONS', 64, 1, 10_000),
    readyProbeTimeoutMs: intFromEnv(env, 'READY_PROBE_TIMEOUT_MS', 1000, 50, 60_000),
    production: env.NODE_ENV === 'production',
    logLevel: logLevelFromEnv(env),
    supergraphPath: supergraphPath
      ? isAbsolute(supergraphPath)
        ? supergraphPath
        : resolve(supergraphPath)
      : DEFAULT_SUPERGRAPH_PATH,
    limits: {
      maxDepth: intFromEnv(env, 'GATEWAY_MAX_DEPTH', DEFAULT_LIMITS.maxDepth, 1, 100),
      maxAliases: intFromEnv(env, 'GATEWAY_MAX_ALIASES', DEFAULT_LIMITS.maxAliases, 0, 10_000),
      maxTokens: intFromEnv(env, 'GATEWAY_MAX_TOKENS', DEFAULT_LIMITS.maxTokens, 100, 1_000_000),
    },
  };
}

/** A configuration for tests and in-process stacks: defaults, with the given parts replaced. */
export function gatewayConfig(overrides: Partial<GatewayConfig> = {}): GatewayConfig {
  return { ...gatewayConfigFromEnv({}), ...overrides };
}
