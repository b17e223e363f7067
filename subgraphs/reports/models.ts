import type { Connection } from '../../lib/connections.js';
import type { Money } from '../../lib/domain.js';

export type { AgingBucketModel } from './aging.js';
/** The parents the reports' resolvers receive (codegen mappers), where they differ from the schema's types. */
export type { SalesFiguresModel } from './figures.js';
export type { ForecastMonthModel, SalesForecastModel } from './forecast.js';
export type { SalesSummaryGroupModel, SalesSummaryModel } from './salesSummary.js';

import type { ReceivablesAgingModel as AgingFigures } from './aging.js';

/** The aging's figures; its customers are paged when asked for (resolvers/aging.ts). */
export type ReceivablesAgingModel = AgingFigures;

export interface AgedCustomerModel {
  customerId: string;
  customerNumber: string;
  name: string | null;
  balanceDue: Money;
  current: Money;
  days1To30: Money;
  days31To60: Money;
  over60Days: Money;
}

export type AgedCustomerConnectionModel = Connection<AgedCustomerModel>;

/** A campaign as the gateway hands it over: its id, with the CRM's start date and cost when the figures require them. */
export interface CampaignModel {
  id: string;
  startDate?: string | null;
  actualCost?: Money | null;
}

/** A person by e-mail; the ERP's employee number when a figure requires it. */
export interface EmployeeModel {
  email: string;
  employeeNumber?: string | null;
}

/** DataQuality's figures are its fields', each read when asked for (resolvers/dataQuality.ts). */
export type DataQualityModel = Record<PropertyKey, never>;
