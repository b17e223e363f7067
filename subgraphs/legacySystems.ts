import { crmCacheScope, erpCacheScope } from '../lib/cacheConfig.js';
import { type Env, GUID_PATTERN, httpUrl, integer, matching, serviceRoot, text } from '../lib/env.js';
import { fixedCredentials } from '../lib/legacyCredentials.js';
import { RESILIENCE_DEFAULTS, type ResilienceConfig, readResilienceConfig } from '../lib/legacyResilience.js';
import type { Logger } from '../lib/logger.js';
import {
  CRM_DEV_TOKEN,
  type CrmCredentialsConfig,
  crmTokenSource,
  readCrmCredentials,
} from './crm/client/credentials.js';
import { CRM_API_VERSION_PATTERN, CrmClient } from './crm/client/crmClient.js';
import {
  ERP_DEV_TOKEN,
  type ErpCredentialsConfig,
  erpTokenSource,
  readErpCredentials,
} from './erp/client/credentials.js';
import { ErpClient } from './erp/client/erpClient.js';

/**
 * Where the ERP and the CRM are and how to sign in to them, for a subgraph that speaks to both
 * (workflows, reports): the same variables the ERP and CRM subgraphs read, read once.
 */
export interface LegacySystemsConfig {
  /** ERP service root (the client appends /api/v2.0/…). */
  erpUrl: string;
  /** As the ERP subgraph's: ERP_TOKEN, or Entra client credentials. */
  erpCredentials: ErpCredentialsConfig;
  erpCompanyId?: string;
  erpCompanyName?: string;
  /** The ERP company's local currency (ERP_LOCAL_CURRENCY, as the ERP subgraph reads it): BC keeps it as a blank code. */
  erpLocalCurrencyCode: string;
  erpTimeoutMs: number;
  /** ERP_BREAKER_FAILURES, ERP_BREAKER_HALF_OPEN_MS, ERP_MAX_QUEUED, as the ERP subgraph reads them. */
  erpResilience: ResilienceConfig;
  /** Salesforce instance URL (origin). */
  crmUrl: string;
  /** As the CRM subgraph's: CRM_TOKEN, or a connected app. */
  crmCredentials: CrmCredentialsConfig;
  crmApiVersion: string;
  crmTimeoutMs: number;
  /** CRM_BREAKER_FAILURES, CRM_BREAKER_HALF_OPEN_MS, CRM_MAX_QUEUED, as the CRM subgraph reads them. */
  crmResilience: ResilienceConfig;
}

export const LEGACY_SYSTEMS_DEFAULTS = {
  erpUrl: 'http://127.0.0.1:4101',
  erpCredentials: fixedCredentials(ERP_DEV_TOKEN),
  erpLocalCurrencyCode: 'USD',
  erpTimeoutMs: 10_000,
  erpResilience: RESILIENCE_DEFAULTS,
  crmUrl: 'http://127.0.0.1:4102',
  crmCredentials: fixedCredentials(CRM_DEV_TOKEN),
  crmApiVersion: 'v62.0',
  crmTimeoutMs: 10_000,
  crmResilience: RESILIENCE_DEFAULTS,
} as const satisfies LegacySystemsConfig;

export function readLegacySystemsConfig(env: Env): LegacySystemsConfig {
  const d = LEGACY_SYSTEMS_DEFAULTS;
  const erpCompanyId = matching(env, 'ERP_COMPANY_ID', GUID_PATTERN, 'a GUID');
  const erpCompanyName = text(env, 'ERP_COMPANY_NAME');
  return {
    erpUrl: serviceRoot(httpUrl(env, 'ERP_URL', d.erpUrl)),
    erpCredentials: readErpCredentials(env),
    ...(erpCompanyId ? { erpCompanyId: erpCompanyId.toLowerCase() } : {}),
    ...(erpCompanyName ? { erpCompanyName } : {}),
    erpLocalCurrencyCode: matching(
      env,
      'ERP_LOCAL_CURRENCY',
      /^[A-Z]{3}$/,
      'an ISO 4217 code such as USD',
      d.erpLocalCurrencyCode,
    ),
    erpTimeoutMs: integer(env, 'ERP_TIMEOUT_MS', d.erpTimeoutMs, 1, 600_000),
    erpResilience: readResilienceConfig(env, 'ERP'),
    crmUrl: serviceRoot(httpUrl(env, 'CRM_URL', d.crmUrl)),
    crmCredentials: readCrmCredentials(env),
    crmApiVersion: matching(
      env,
      'CRM_API_VERSION',
      CRM_API_VERSION_PATTERN,
      'a version like v62.0',
      d.crmApiVersion,
    ),
    crmTimeoutMs: integer(env, 'CRM_TIMEOUT_MS', d.crmTimeoutMs, 1, 600_000),
    crmResilience: readResilienceConfig(env, 'CRM'),
  };
}

export interface LegacyClients {
  erpClient: ErpClient;
  crmClient: CrmClient;
  /** The scopes each system's cached answers are kept under (system, company, whose view). */
  erpScope: string;
  crmScope: string;
}

/** Both systems' clients, signed in through the same flows as the ERP and CRM subgraphs. */
export function createLegacyClients(
  config: LegacySystemsConfig,
  connections: { maxRetries: number; maxConnections: number },
  logger: Logger,
): LegacyClients {
  const erpCredentials = erpTokenSource(config.erpCredentials, {
    timeoutMs: config.erpTimeoutMs,
    logger: logger.child({ component: 'erp-credentials' }),
  });
  const crmCredentials = crmTokenSource(config.crmCredentials, {
    timeoutMs: config.crmTimeoutMs,
    instanceUrl: config.crmUrl,
    logger: logger.child({ component: 'crm-credentials' }),
  });
  const erpClient = new ErpClient(
    {
      url: config.erpUrl,
      credentials: erpCredentials,
      ...(config.erpCompanyId ? { companyId: config.erpCompanyId } : {}),
      ...(config.erpCompanyName ? { companyName: config.erpCompanyName } : {}),
      timeoutMs: config.erpTimeoutMs,
      ...connections,
      resilience: config.erpResilience,
    },
    logger,
  );
  const crmClient = new CrmClient({
    crmUrl: config.crmUrl,
    credentials: crmCredentials,
    apiVersion: config.crmApiVersion,
    timeoutMs: config.crmTimeoutMs,
    ...connections,
    resilience: { ...config.crmResilience, logger },
  });
  return {
    erpClient,
    crmClient,
    erpScope: erpCacheScope({
      url: config.erpUrl,
      companyId: config.erpCompanyId,
      companyName: config.erpCompanyName,
      visibility: erpCredentials.visibility,
    }),
    crmScope: crmCacheScope({
      url: config.crmUrl,
      apiVersion: config.crmApiVersion,
      visibility: crmCredentials.visibility,
    }),
  };
}
