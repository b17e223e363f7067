import type { Database } from 'better-sqlite3';
import type { Dataset } from '../../legacy/generator/open.js';

/**
 * What the graph should answer, read straight from the stand-ins' SQLite databases with SQL
 * written here independently of the subgraphs' code: the yardstick the end-to-end tests hold
 * the gateway's answers against.
 */

export const CUSTOMER_360 = /* GraphQL */ `
  query Customer360($first: Int!, $after: String, $search: String) {
    customers(first: $first, after: $after, search: $search) {
      edges {
        node {
          id
          name
          balance { amount currencyCode }
          orders(first: 5) {
            edges { node { number status total { amount currencyCode } lines { quantity product { sku name } } } }
          }
          invoices(first: 5) { edges { node { number dueDate remaining { amount currencyCode } } } }
          interactions(first: 5) { edges { node { type subject occurredAt } } }
        }
      }
      pageInfo { hasNextPage endCursor }
    }
  }
`;

/** The ERP subgraph's default (ERP_LOCAL_CURRENCY): BC leaves the local currency blank. */
export const LOCAL_CURRENCY = 'USD';

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isGuid = (value: string) => GUID_RE.test(value);

export const amount = (value: number | null) => (Math.round((value ?? 0) * 100) / 100).toFixed(2);
export const currency = (code: string | null) => (code && code.trim() !== '' ? code.trim() : LOCAL_CURRENCY);
export const money = (value: number | null, code: string | null) => ({
  amount: amount(value),
  currencyCode: currency(code),
});

const ORDER_STATUS: Record<string, string> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Released: 'RELEASED',
};

function rows<T>(db: Database, sql: string, ...params: unknown[]): T[] {
  return db.prepare(sql).all(...params) as T[];
}

export interface AccountRow {
  Id: string;
  Name: string;
  ERP_Customer_Id__c: string | null;
  CreatedDate: string;
  BillingCity: string | null;
}

/**
 * The accounts the graph lists as customers: not deleted, and of several accounts linked to
 * one ERP customer only the oldest (the others are reported as duplicates, not listed).
 */
export function listedAccounts(dataset: Dataset): AccountRow[] {
  const all = rows<AccountRow>(
    dataset.crm,
    `SELECT Id, Name, ERP_Customer_Id__c, CreatedDate, BillingCity FROM Account
     WHERE IsDeleted = 0 ORDER BY CreatedDate, Id`,
  );
  const seen = new Set<string>();
  return all.filter((account) => {
    if (!account.ERP_Customer_Id__c) return true;
    const key = account.ERP_Customer_Id__c.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Customer.id of an account: the ERP customer's id when linked, else the account id. */
export const customerIdOf = (account: AccountRow) => account.ERP_Customer_Id__c ?? account.Id;

/** The account a Customer.id is read from. */
export function accountFor(dataset: Dataset, customerId: string): AccountRow | undefined {
  return listedAccounts(dataset).find((account) =>
    isGuid(customerId)
      ? account.ERP_Customer_Id__c?.toLowerCase() === customerId.toLowerCase()
      : account.Id === customerId,
  );
}

export interface ErpCustomerRow {
  id: string;
  number: string;
  displayName: string;
  city: string | null;
  currencyCode: string | null;
  balance: number | null;
}

export function erpCustomer(dataset: Dataset, id: string): ErpCustomerRow | undefined {
  return dataset.erp
    .prepare(
      `SELECT c.id, c.number, c.displayName, c.city, c.currencyCode, f.balance
       FROM customers c LEFT JOIN customerFinancialDetails f ON f.id = c.id WHERE lower(c.id) = lower(?)`,
    )
    .get(id) as ErpCustomerRow | undefined;
}

/** The ERP part of a Customer360 node, as the ERP's tables hold it. */
export function expectedErpPart(dataset: Dataset, customerId: string) {
  const customer = isGuid(customerId) ? erpCustomer(dataset, customerId) : undefined;
  if (!customer) return { balance: null, orders: null, invoices: null };
  const orders = rows<{
    id: string;
    number: string;
    status: string;
    totalAmountIncludingTax: number;
    currencyCode: string | null;
  }>(
    dataset.erp,
    `SELECT id, number, status, totalAmountIncludingTax, currencyCode FROM salesOrders
     WHERE customerId = ? ORDER BY orderDate DESC, number DESC LIMIT 5`,
    customer.id,
  );
  const invoices = rows<{
    number: string;
    dueDate: string | null;
    remainingAmount: number;
    currencyCode: string;
  }>(
    dataset.erp,
    `SELECT number, dueDate, remainingAmount, currencyCode FROM salesInvoices
     WHERE customerId = ? ORDER BY invoiceDate DESC, number DESC LIMIT 5`,
    customer.id,
  );
  return {
    balance: money(customer.balance, customer.currencyCode),
    orders: {
      edges: orders.map((order) => ({
        node: {
          number: order.number,
          status: ORDER_STATUS[order.status] ?? `unknown ${order.status}`,
          total: money(order.totalAmountIncludingTax, order.currencyCode),
          lines: rows<{ quantity: number; sku: string | null; name: string | null }>(
            dataset.erp,
            `SELECT l.quantity, i.number AS sku, i.displayName AS name FROM salesOrderLines l
             LEFT JOIN items i ON i.id = l.itemId WHERE l.documentId = ? ORDER BY l.sequence`,
            order.id,
          ).map((line) => ({
            quantity: line.quantity,
            product: line.sku === null ? null : { sku: line.sku, name: line.name },
          })),
        },
      })),
    },
    invoices: {
      edges: invoices.map((invoice) => ({
        node: {
          number: invoice.number,
          dueDate: !invoice.dueDate || invoice.dueDate.startsWith('0001-01-01') ? null : invoice.dueDate,
          remaining: money(invoice.remainingAmount, invoice.currencyCode),
        },
      })),
    },
  };
}

export interface InteractionRow {
  type: string;
  subject: string | null;
  time: number;
}

/** Tasks and events of an account, as (type, subject, time), newest first. */
export function interactionsOf(dataset: Dataset, accountId: string): InteractionRow[] {
  const tasks = rows<{ Subject: string | null; ActivityDate: string | null; TaskSubtype: string | null }>(
    dataset.crm,
    'SELECT Subject, ActivityDate, TaskSubtype FROM Task WHERE AccountId = ? AND IsDeleted = 0',
    accountId,
  ).map((task) => ({
    type: task.TaskSubtype === 'Call' ? 'CALL' : task.TaskSubtype === 'Email' ? 'EMAIL' : 'TASK',
    subject: task.Subject,
    time: task.ActivityDate ? Date.parse(`${task.ActivityDate}T00:00:00.000Z`) : Number.NEGATIVE_INFINITY,
  }));
  const events = rows<{
    Subject: string | null;
    ActivityDateTime: string | null;
    StartDateTime: string | null;
  }>(
    dataset.crm,
    'SELECT Subject, ActivityDateTime, StartDateTime FROM Event WHERE AccountId = ? AND IsDeleted = 0',
    accountId,
  ).map((event) => {
    const at = event.ActivityDateTime ?? event.StartDateTime;
    return {
      type: 'EVENT',
      subject: event.Subject,
      time: at ? Date.parse(at.replace(/([+-]\d{2})(\d{2})$/, '$1:$2')) : Number.NEGATIVE_INFINITY,
    };
  });
  return [...tasks, ...events].sort((a, b) => b.time - a.time);
}

/** How many listed customers have a name containing `text` (case-insensitive), exactly. */
export function customersNamed(dataset: Dataset, text: string): number {
  const needle = text.trim().toLowerCase();
  return listedAccounts(dataset).filter((account) => account.Name.toLowerCase().includes(needle)).length;
}
