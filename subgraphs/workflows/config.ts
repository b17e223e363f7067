import { type AuthConfig, authConfigFromEnv } from '../../lib/auth/config.js';
import {
  defaultLegacyCacheConfig,
  type LegacyCacheConfig,
  readLegacyCacheConfig,
} from '../../lib/cacheConfig.js';
import {
  ConfigError,
  type Env,
  flag,
  integer,
  logLevel,
  redisUrl as readRedisUrl,
  text,
} from '../../lib/env.js';
import {
  LEGACY_SYSTEMS_DEFAULTS,
  type LegacySystemsConfig,
  readLegacySystemsConfig,
} from '../legacySystems.js';
import { type ApprovalThresholds, readApprovalThresholds } from './approvalRules.js';

/**
 * The workflows subgraph's configuration, read from the environment once (main.ts). A missing
 * or malformed variable throws a ConfigError naming it; main.ts turns that into exit code 2.
 */
export interface WorkflowsSubgraphConfig extends LegacySystemsConfig {
  /** Read retries per legacy call (writes are never retried by the HTTP layer). */
  maxRetries: number;
  maxConnections: number;
  /** SQLite file of idempotency records and pending write-backs (when no Redis store is set). */
  dbPath: string;
  /** Redis holding that state instead, shared by replicas (WORKFLOWS_REDIS_URL). */
  redisUrl?: string;
  /** Key prefix in Redis, so several deployments can share one server. */
  redisPrefix: string;
  /** How long a running operation holds its claim without renewal (a dead process's claim lapses after it). */
  leaseMs: number;
  /**
   * How long a call waits for a running call with the same key or quote before
   * OPERATION_IN_PROGRESS; below the gateway's SUBGRAPH_TIMEOUT_MS (15 s), so the client gets that
   * code rather than a gateway timeout.
   */
  waitTimeoutMs: number;
  /** The background loop's period: due write-backs are tried, abandoned runs resumed. */
  retryIntervalMs: number;
  /** First write-back retry after about this long, doubling per attempt up to retryMaxDelayMs. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  /** Completed idempotency records are kept this long for replay. */
  idempotencyRetentionMs: number;
  mirrorBillingAddressToCrm: boolean;
  mirrorBillingContactToErp: boolean;
  /**
   * Quote discounts that need an approval before conversion (QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT,
   * QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT): above the first a manager's, above the second a director's.
   */
  approvalThresholds: ApprovalThresholds;
  port: number;
  host: string;
  logLevel: string;
  /** Caller authentication and the gateway's secret, as the gateway reads them (AUTH_*, SUBGRAPH_SHARED_SECRET). */
  auth: AuthConfig;
  /**
   * Test only (WORKFLOWS_TEST_EXIT_AFTER_ERP_CREATE=1): the process kills itself right after the
   * ERP accepted an order, before the CRM write-back — how the crash-recovery test crashes it.
   */
  testExitAfterErpCreate: boolean;
  /**
   * The subgraphs' shared legacy cache (LEGACY_CACHE, REDIS_URL): writes forget what they make
   * stale there. Only a Redis cache reaches subgraphs in other processes.
   */
  cache: LegacyCacheConfig;
}

export const WORKFLOWS_SUBGRAPH_DEFAULTS = {
  ...LEGACY_SYSTEMS_DEFAULTS,
  maxRetries: 2,
  maxConnections: 5,
  dbPath: '.data/workflows.sqlite',
  redisPrefix: 'customer-graph:workflows:',
  leaseMs: 30_000,
  waitTimeoutMs: 10_000,
  retryIntervalMs: 1_000,
  retryBaseDelayMs: 2_000,
  retryMaxDelayMs: 300_000,
  idempotencyRetentionMs: 7 * 24 * 3_600_000,
  mirrorBillingAddressToCrm: true,
  mirrorBillingContactToErp: true,
  approvalThresholds: { managerAbovePercent: 10, directorAbovePercent: 20 },
  port: 4003,
  host: '127.0.0.1',
  logLevel: 'info',
  testExitAfterErpCreate: false,
  cache: defaultLegacyCacheConfig(),
} as const satisfies Omit<WorkflowsSubgraphConfig, 'auth'>;

export function readWorkflowsSubgraphConfig(env: Env = process.env): WorkflowsSubgraphConfig {
  const d = WORKFLOWS_SUBGRAPH_DEFAULTS;
  if (text(env, 'WORKFLOWS_DATABASE_URL') !== undefined) {
    throw new ConfigError(
      'WORKFLOWS_DATABASE_URL',
      'a PostgreSQL store is not built into this version (it needs the pg package); use WORKFLOWS_REDIS_URL for a store shared by replicas, or unset it for the local SQLite file (WORKFLOWS_DB_PATH)',
    );
  }
  const retryBaseDelayMs = integer(env, 'WORKFLOWS_RETRY_BASE_MS', d.retryBaseDelayMs, 1, 3_600_000);
  const retryMaxDelayMs = integer(env, 'WORKFLOWS_RETRY_MAX_MS', d.retryMaxDelayMs, 1, 86_400_000);
  if (retryMaxDelayMs < retryBaseDelayMs) {
    throw new ConfigError(
      'WORKFLOWS_RETRY_MAX_MS',
      `must not be less than WORKFLOWS_RETRY_BASE_MS (${retryBaseDelayMs})`,
    );
  }
  const redisUrl = readRedisUrl(env, 'WORKFLOWS_REDIS_URL');
  return {
    ...readLegacySystemsConfig(env),
    maxRetries: integer(env, 'WORKFLOWS_MAX_RETRIES', d.maxRetries, 0, 10),
    maxConnections: integer(env, 'WORKFLOWS_MAX_CONNECTIONS', d.maxConnections, 1, 1000),
    dbPath: text(env, 'WORKFLOWS_DB_PATH', d.dbPath),
    ...(redisUrl ? { redisUrl } : {}),
    redisPrefix: text(env, 'WORKFLOWS_REDIS_PREFIX', d.redisPrefix),
    leaseMs: integer(env, 'WORKFLOWS_LEASE_MS', d.leaseMs, 100, 3_600_000),
    waitTimeoutMs: integer(env, 'WORKFLOWS_WAIT_TIMEOUT_MS', d.waitTimeoutMs, 0, 3_600_000),
    retryIntervalMs: integer(env, 'WORKFLOWS_RETRY_INTERVAL_MS', d.retryIntervalMs, 10, 3_600_000),
    retryBaseDelayMs,
    retryMaxDelayMs,
    idempotencyRetentionMs:
      integer(
        env,
        'WORKFLOWS_IDEMPOTENCY_RETENTION_HOURS',
        d.idempotencyRetentionMs / 3_600_000,
        1,
        24 * 365,
      ) * 3_600_000,
    mirrorBillingAddressToCrm: flag(env, 'WORKFLOWS_MIRROR_BILLING_ADDRESS', d.mirrorBillingAddressToCrm),
    mirrorBillingContactToErp: flag(env, 'WORKFLOWS_MIRROR_BILLING_CONTACT', d.mirrorBillingContactToErp),
    approvalThresholds: readApprovalThresholds(env, d.approvalThresholds),
    port: integer(env, 'WORKFLOWS_SUBGRAPH_PORT', d.port, 0, 65_535),
    host: text(env, 'WORKFLOWS_SUBGRAPH_HOST', d.host),
    logLevel: logLevel(env),
    auth: authConfigFromEnv(env, { production: env.NODE_ENV === 'production' }),
    testExitAfterErpCreate: flag(env, 'WORKFLOWS_TEST_EXIT_AFTER_ERP_CREATE', d.testExitAfterErpCreate),
    cache: readLegacyCacheConfig(env),
  };
}
