import type { Database } from 'better-sqlite3';
import { type Account, writeAccount } from './accounts.js';
import { writeActivities } from './activities.js';
import { writeShippedSerials } from './assets.js';
import { DATASET_AS_OF } from './calendar.js';
import { writeCampaigns } from './campaigns.js';
import { writeContacts } from './contacts.js';
import { Generation } from './context.js';
import { drawCustomer, writeErpCustomer } from './customers.js';
import { writeEmployees } from './employees.js';
import { writeItems } from './items.js';
import { CRM_TABLES, type CrmTableName, createTablesSql, ERP_TABLES, type ErpTableName } from './model.js';
import { writeOpportunities } from './opportunities.js';
import { Random, sideSeed } from './random.js';
import { SalesDocuments, type SalesHistory } from './salesDocuments.js';
import { writeCases, writeSupportEntitlement } from './service.js';
import { asTarget, type RowTarget, sinksFor, type TableSink } from './targets.js';

export const COMPANY_NAME = 'CRONUS USA, Inc.';

export interface GenerateOptions {
  seed: number;
  customers: number;
}

export interface GeneratedSummary {
  seed: number;
  customers: number;
  companyId: string;
  companyName: string;
  asOf: string;
  counts: { erp: Record<ErpTableName, number>; crm: Record<CrmTableName, number> };
}

/** Separates model DDL into its CREATE TABLE and its CREATE INDEX statements. */
function splitDdl(sql: string): [string, string] {
  const statements = sql.split(';\n').map((statement) => statement.replace(/;$/, ''));
  const tables = statements.filter((statement) => statement.startsWith('CREATE TABLE'));
  const indexes = statements.filter((statement) => statement.startsWith('CREATE INDEX'));
  if (tables.length + indexes.length !== statements.length)
    throw new Error('unexpected statement in the model DDL');
  return [`${tables.join(';\n')};`, `${indexes.join(';\n')};`];
}

function counts<T extends string>(sinks: Record<T, TableSink>): Record<T, number> {
  const out = {} as Record<T, number>;
  for (const key of Object.keys(sinks) as T[]) out[key] = sinks[key].count;
  return out;
}

/**
 * Fills empty `erp` and `crm` databases (tables are created here) with one seeded data set.
 * The caller owns transactions; this writes row by row through prepared statements.
 *
 * Every module draws from one random stream, so the order of the calls below (and of the draws
 * inside each) is what makes a seed give the same data: reordering anything changes every row
 * after it.
 */
export function generateDataset(
  erpDb: Database | RowTarget,
  crmDb: Database | RowTarget,
  options: GenerateOptions,
): GeneratedSummary {
  const erpTarget = asTarget(erpDb);
  const crmTarget = asTarget(crmDb);
  // Indexes are built after the rows are in: one sort per index instead of a b-tree update per row.
  const [erpTables, erpIndexes] = splitDdl(createTablesSql(ERP_TABLES));
  const [crmTables, crmIndexes] = splitDdl(createTablesSql(CRM_TABLES));
  erpTarget.exec(erpTables);
  crmTarget.exec(crmTables);
  const gen = new Generation(
    new Random(options.seed),
    sinksFor(erpTarget, ERP_TABLES),
    sinksFor(crmTarget, CRM_TABLES),
    new Random(sideSeed(options.seed)),
  );

  const employees = writeEmployees(gen, options.customers);
  const sales = new SalesDocuments(gen, writeItems(gen, options.customers));
  const campaigns = writeCampaigns(gen, options.customers, employees);
  for (let index = 0; index < options.customers; index++) {
    const customer = drawCustomer(gen, index, employees);
    const history: SalesHistory = { receivables: [], serials: [], invoicedOrders: [] };
    const account: Account | null = customer.inCrm ? writeAccount(gen, customer) : null;
    // CRM side first: accepted quotes become ERP orders as they are written.
    if (account !== null) {
      writeContacts(gen, customer, account, campaigns);
      writeOpportunities(gen, sales, customer, account, campaigns, history);
    }
    if (customer.inErp) {
      sales.writeCustomerDocuments(customer, history);
      writeErpCustomer(gen, customer, history.receivables);
    }
    const installed = writeShippedSerials(gen, customer, account, history.serials);
    if (account !== null) {
      const support = writeSupportEntitlement(gen, customer, account);
      writeActivities(gen, customer, account);
      writeCases(gen, sales, customer, account, installed, history.invoicedOrders);
      // Entitlements go in after the cases that use them (RemainingCases), in the order drawn.
      for (const row of installed.warrantyOf.values()) gen.crm.Entitlement.insert(row);
      if (support !== null) gen.crm.Entitlement.insert(support);
    }
  }

  erpTarget.exec(erpIndexes);
  crmTarget.exec(crmIndexes);
  return {
    seed: options.seed,
    customers: options.customers,
    companyId: gen.setup.companyId,
    companyName: COMPANY_NAME,
    asOf: DATASET_AS_OF,
    counts: { erp: counts(gen.erp), crm: counts(gen.crm) },
  };
}
