import DataLoader from 'dataloader';
import type { Principal } from '../../lib/auth/principal.js';
import type { CacheScope } from '../../lib/cacheConfig.js';
import type { Money } from '../../lib/domain.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { Logger } from '../../lib/logger.js';
import { CrmAggregates } from '../crm/client/aggregates.js';
import type { CrmClient } from '../crm/client/crmClient.js';
import { CrmReads } from '../crm/client/reads.js';
import type { ErpClient } from '../erp/client/erpClient.js';
import { ErpReads } from '../erp/client/reads.js';
import { ErpReporting } from '../erp/client/reporting.js';
import { type CampaignFigures, campaignFigures, invoicedRevenue, type RevenueKey } from './campaigns.js';
import { DataQuality } from './dataQuality.js';
import { freshnessOf } from './dates.js';
import {
  type EmployeeFigures,
  employeeFigures,
  findEmployees,
  type InvoicedSalesKey,
  invoicedSales,
} from './employees.js';
import type { ReportReaders } from './readers.js';

/** What the reports read with, shared by every request (clients hold no per-request state). */
export interface ReportsShared {
  erpClient: ErpClient;
  crmClient: CrmClient;
  /** The shared cache under the ERP's and the CRM's scopes (undefined when LEGACY_CACHE=off). */
  erpCache?: CacheScope;
  crmCache?: CacheScope;
  /** ERP_LOCAL_CURRENCY: what BC's blank currency code means. */
  localCurrencyCode: string;
  /** What time it is: periods, aging and "today" are judged by it (a seam tests set). */
  now: () => Date;
}

/** The per-request lookups of the entity figures: every parent of an answer in one batch each. */
export interface ReportsLoaders {
  /** A person by e-mail (any case): every address of a request looked up together. */
  people: DataLoader<string, { email: string } | null>;
  campaignFigures: DataLoader<string, CampaignFigures>;
  invoicedRevenue: DataLoader<RevenueKey, Money[], string>;
  employeeFigures: DataLoader<string, EmployeeFigures>;
  invoicedSales: DataLoader<InvoicedSalesKey, Money[], string>;
}

/** What every reports resolver receives (codegen `contextType`). */
export interface ReportsContext extends ReportsShared {
  requestId: string;
  /** Child of the root logger carrying the request id. */
  logger: Logger;
  /** The authenticated caller (the gateway forwarded their token; this subgraph verified it). */
  principal: Principal;
  /** Both systems' aggregate reads, for this request. */
  readers: ReportReaders;
  /** Record lookups (who a person is). */
  erpReads: ErpReads;
  crmReads: CrmReads;
  loaders: ReportsLoaders;
  /** The data-quality lists and counts (they hold no per-request state). */
  dataQuality: DataQuality;
}

/** A key list read in one batch (up to 100 parents: one IN list, one $batch). */
const BATCH = { maxBatchSize: 100 };

export function createContextFactory(
  shared: ReportsShared,
): (scope: RequestScope) => Promise<ReportsContext> {
  const reporting = new ErpReporting(shared.erpClient, {
    localCurrencyCode: shared.localCurrencyCode,
    ...(shared.erpCache ? { cache: shared.erpCache } : {}),
  });
  const aggregates = new CrmAggregates(shared.crmClient, {
    defaultCurrencyCode: shared.localCurrencyCode,
    ...(shared.crmCache ? { cache: shared.crmCache } : {}),
  });
  const erpReads = new ErpReads(shared.erpClient, { localCurrencyCode: shared.localCurrencyCode });
  const crmReads = new CrmReads(shared.crmClient);
  const dataQuality = new DataQuality({
    erpClient: shared.erpClient,
    crmClient: shared.crmClient,
    aggregates,
    erpReads,
    crmReads,
    localCurrencyCode: shared.localCurrencyCode,
    ...(shared.crmCache ? { crmCache: shared.crmCache } : {}),
    ...(shared.erpCache ? { erpCache: shared.erpCache } : {}),
    now: shared.now,
  });
  return async ({ requestId, logger, principal }) => {
    const readers: ReportReaders = { reporting, aggregates, now: shared.now, requestId };
    const loaders: ReportsLoaders = {
      people: new DataLoader((emails) => findEmployees({ erp: erpReads, crm: crmReads }, emails, requestId), {
        ...BATCH,
        cacheKeyFn: (email) => email.toLowerCase(),
      }),
      campaignFigures: new DataLoader((ids) => campaignFigures(readers, ids), BATCH),
      invoicedRevenue: new DataLoader((keys) => invoicedRevenue(readers, keys), {
        ...BATCH,
        cacheKeyFn: (key) => `${key.campaignId}|${key.startDate ?? ''}`,
      }),
      employeeFigures: new DataLoader((emails) => employeeFigures(readers, emails), {
        ...BATCH,
        cacheKeyFn: (email) => email.toLowerCase(),
      }),
      invoicedSales: new DataLoader(
        (keys) => invoicedSales(readers, keys, (to) => freshnessOf(to, shared.now())),
        { ...BATCH, cacheKeyFn: (key) => `${key.employeeNumber}|${key.from}|${key.to}` },
      ),
    };
    return { ...shared, requestId, logger, principal, readers, erpReads, crmReads, loaders, dataQuality };
  };
}
