/**
 * Configuration E: what a competent front end does without the graph. It calls the two REST APIs
 * itself — Salesforce SOQL queries and Business Central OData reads — as parallel as the data
 * dependencies allow, with its own connections (a browser keeps 6 per host), and assembles the
 * same JSON the GraphQL operation answers, so the benchmark checks it the same way.
 *
 * It knows each system's quirks as the subgraphs do (BC's blank currency is the local one; the
 * oldest of several CRM accounts linked to one ERP customer is the customer; tasks and events
 * merge newest first), because otherwise it would not be the same answer. What it does not do
 * is batch across customers: a front end asks per customer and per product, as the brief of
 * configuration E says, deduplicating only within one screen.
 */
import { Agent, fetch } from 'undici';
import type { OperationInstance } from './operations.js';

export interface DirectClientConfig {
  /** Service roots, e.g. http://127.0.0.1:4101 (ERP) and http://127.0.0.1:4102 (CRM). */
  erpUrl: string;
  crmUrl: string;
  erpToken: string;
  crmToken: string;
  /** The BC company every path is under (a front end has it configured). */
  erpCompanyId: string;
  /** The currency BC's blank currency code stands for (the subgraph's ERP_LOCAL_CURRENCY). */
  localCurrencyCode: string;
  /** Connections per host; 6 is what browsers keep for HTTP/1.1. */
  connectionsPerHost: number;
}

export interface DirectClient {
  run(instance: OperationInstance, signal: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

const SALESFORCE_API = '/services/data/v62.0';

interface Money {
  amount: string;
  currencyCode: string;
}

interface SfAccount {
  Id: string;
  Name: string | null;
  ERP_Customer_Id__c: string | null;
}

interface SfTask {
  Id: string;
  Subject: string | null;
  ActivityDate: string | null;
  TaskSubtype: string | null;
}

interface SfEvent {
  Id: string;
  Subject: string | null;
  ActivityDateTime: string | null;
  StartDateTime: string | null;
}

interface BcCustomer {
  id: string;
  balanceDue: number | null;
  currencyCode: string | null;
  customerFinancialDetail?: { balance: number | null; overdueAmount: number | null } | null;
}

interface BcOrderLine {
  sequence: number;
  lineType: string | null;
  lineObjectNumber: string | null;
  quantity: number | null;
}

interface BcOrder {
  number: string;
  status: string;
  orderDate: string | null;
  currencyCode: string | null;
  totalAmountIncludingTax: number | null;
  salesOrderLines: BcOrderLine[];
}

interface BcInvoice {
  number: string;
  dueDate: string | null;
  currencyCode: string | null;
  remainingAmount: number | null;
}

interface BcItem {
  id: string;
  number: string;
  displayName: string | null;
  type: string;
  inventory: number | null;
}

interface BcBomComponent {
  type: string | null;
  componentItemNumber: string | null;
  quantityPer: number | null;
}

const ORDER_STATUS: Record<string, string> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Released: 'RELEASED',
};

/** An HTTP failure of a legacy call, with what was asked (for the load report). */
export class DirectCallError extends Error {
  constructor(
    readonly status: number,
    what: string,
  ) {
    super(`${what} answered HTTP ${status}`);
    this.name = 'DirectCallError';
  }
}

export function createDirectClient(config: DirectClientConfig): DirectClient {
  const agent = new Agent({ connections: config.connectionsPerHost, keepAliveTimeout: 30_000 });
  const erpBase = `${config.erpUrl.replace(/\/$/, '')}/api/v2.0/companies(${config.erpCompanyId})`;
  const bomBase = `${config.erpUrl.replace(/\/$/, '')}/api/contoso/customerGraph/v1.0/companies(${config.erpCompanyId})`;
  const crmBase = `${config.crmUrl.replace(/\/$/, '')}${SALESFORCE_API}`;

  async function getJson<T>(
    url: string,
    token: string,
    signal: AbortSignal,
    what: string,
  ): Promise<T | null> {
    const response = await fetchWith(url, token, signal);
    const text = await response.text();
    if (response.status === 404) return null;
    if (response.status !== 200) throw new DirectCallError(response.status, what);
    return JSON.parse(text) as T;
  }

  function fetchWith(url: string, token: string, signal: AbortSignal) {
    return fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal,
      dispatcher: agent,
    });
  }

  const erp = <T>(path: string, query: Record<string, string>, signal: AbortSignal, base = erpBase) =>
    getJson<T>(`${base}/${path}${queryString(query)}`, config.erpToken, signal, `ERP ${path}`);

  async function soql<T>(statement: string, signal: AbortSignal): Promise<T[]> {
    const body = await getJson<{ records: T[] }>(
      `${crmBase}/query${queryString({ q: statement })}`,
      config.crmToken,
      signal,
      'CRM query',
    );
    return body?.records ?? [];
  }

  const money = (amount: number | null | undefined, currency: string | null | undefined): Money => ({
    amount: formatAmount(amount ?? 0),
    currencyCode: currency && currency.trim() !== '' ? currency.trim() : config.localCurrencyCode,
  });

  /**
   * A page of accounts by (Name, Id) without the duplicates of an older linked account. A few
   * rows more than the page are read so that hidden duplicates rarely leave it short (the same
   * read-ahead as the CRM subgraph, so the pages are the same).
   */
  async function accountPage(
    first: number,
    search: string | null,
    perAccount: (account: SfAccount) => Promise<Record<string, unknown>>,
    signal: AbortSignal,
  ) {
    const limit = first + 1 + duplicateSlack(first);
    const where = search === null ? '' : ` WHERE Name LIKE '%${escapeSoqlLike(search)}%'`;
    const rows = await soql<SfAccount>(
      `SELECT Id, Name, ERP_Customer_Id__c FROM Account${where} ORDER BY Name ASC NULLS LAST, Id ASC NULLS LAST LIMIT ${limit}`,
      signal,
    );
    const erpIds = [...new Set(rows.flatMap((a) => (a.ERP_Customer_Id__c ? [a.ERP_Customer_Id__c] : [])))];
    // Which accounts are duplicates is only known from all accounts of those ERP customers;
    // asked at the same time as the customers' own data, as a front end in a hurry would, for
    // the rows that can be on the page if none of them is hidden.
    const [oldest, nodes] = await Promise.all([
      oldestAccounts(erpIds, signal),
      Promise.all(rows.slice(0, first).map((account) => perAccount(account))),
    ]);
    const visible = rows.flatMap((account, index) => {
      const erpId = account.ERP_Customer_Id__c?.toLowerCase();
      const oldestId = erpId ? oldest.get(erpId) : undefined;
      return oldestId !== undefined && oldestId !== account.Id ? [] : [{ account, index }];
    });
    // Hidden duplicates pull later rows onto the page: their data is asked for now.
    const edges = await Promise.all(
      visible.slice(0, first).map(async ({ account, index }) => ({
        node: index < first ? nodes[index] : await perAccount(account),
      })),
    );
    return { edges, hasNextPage: visible.length > first || rows.length === limit };
  }

  async function oldestAccounts(
    erpIds: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<string, string>> {
    const oldest = new Map<string, string>();
    if (erpIds.length === 0) return oldest;
    const linked = await soql<SfAccount>(
      `SELECT Id, ERP_Customer_Id__c FROM Account WHERE ERP_Customer_Id__c IN (${erpIds
        .map((id) => `'${escapeSoql(id)}'`)
        .join(', ')}) ORDER BY CreatedDate ASC NULLS LAST, Id ASC NULLS LAST`,
      signal,
    );
    for (const account of linked) {
      const key = (account.ERP_Customer_Id__c ?? '').toLowerCase();
      if (!oldest.has(key)) oldest.set(key, account.Id);
    }
    return oldest;
  }

  const customerRecord = (id: string, signal: AbortSignal) =>
    erp<BcCustomer>(`customers(${id})`, { $expand: 'customerFinancialDetail' }, signal);

  const ordersOf = async (customerId: string, signal: AbortSignal) =>
    (
      await erp<{ value: BcOrder[] }>(
        'salesOrders',
        {
          $filter: `customerId eq ${customerId}`,
          $orderby: 'orderDate desc,number desc',
          $top: '5',
          $expand: 'salesOrderLines',
        },
        signal,
      )
    )?.value ?? [];

  /** Items by number, one GET each (a front end has no batch API for them), each asked once. */
  function itemFetcher(signal: AbortSignal) {
    const items = new Map<string, Promise<BcItem | null>>();
    return (sku: string) => {
      let item = items.get(sku);
      if (!item) {
        item = erp<{ value: BcItem[] }>('items', { $filter: `number eq '${escapeOData(sku)}'` }, signal).then(
          (body) => body?.value[0] ?? null,
        );
        items.set(sku, item);
      }
      return item;
    };
  }

  const itemSkus = (orders: readonly BcOrder[]) => [
    ...new Set(
      orders.flatMap((order) =>
        order.salesOrderLines.flatMap((line) =>
          line.lineType === 'Item' && line.lineObjectNumber ? [line.lineObjectNumber] : [],
        ),
      ),
    ),
  ];

  async function interactionsOf(accountId: string, signal: AbortSignal) {
    const id = escapeSoql(accountId);
    const [tasks, events] = await Promise.all([
      soql<SfTask>(
        `SELECT Id, Subject, ActivityDate, TaskSubtype FROM Task WHERE AccountId = '${id}' ORDER BY ActivityDate DESC NULLS LAST, Id DESC NULLS LAST LIMIT 5`,
        signal,
      ),
      soql<SfEvent>(
        `SELECT Id, Subject, ActivityDateTime, StartDateTime FROM Event WHERE AccountId = '${id}' ORDER BY ActivityDateTime DESC NULLS LAST, Id DESC NULLS LAST LIMIT 5`,
        signal,
      ),
    ]);
    return mergeInteractions(tasks, events, 5).map((node) => ({ node }));
  }

  async function customer360(first: number, search: string | null, signal: AbortSignal) {
    const items = itemFetcher(signal);
    const { edges, hasNextPage } = await accountPage(
      first,
      search,
      async (account) => {
        const erpId = account.ERP_Customer_Id__c;
        const [record, orders, invoices, interactions] = await Promise.all([
          erpId ? customerRecord(erpId, signal) : null,
          erpId ? ordersOf(erpId, signal) : null,
          erpId
            ? erp<{ value: BcInvoice[] }>(
                'salesInvoices',
                { $filter: `customerId eq ${erpId}`, $orderby: 'invoiceDate desc,number desc', $top: '5' },
                signal,
              ).then((body) => body?.value ?? [])
            : null,
          interactionsOf(account.Id, signal),
        ]);
        const products = new Map<string, BcItem | null>();
        await Promise.all(
          itemSkus(orders ?? []).map(async (sku) => {
            products.set(sku, await items(sku));
          }),
        );
        const known = record !== null;
        return {
          id: erpId ?? account.Id,
          name: account.Name,
          balance: known
            ? money(record.customerFinancialDetail?.balance ?? record.balanceDue, record.currencyCode)
            : null,
          orders:
            known && orders
              ? {
                  edges: orders.map((order) => ({
                    node: {
                      number: order.number,
                      status: orderStatus(order.status),
                      total: money(order.totalAmountIncludingTax, order.currencyCode),
                      lines: order.salesOrderLines.map((line) => {
                        const item = productOf(line, products);
                        return {
                          quantity: line.quantity ?? 0,
                          product: item ? { sku: item.number, name: item.displayName ?? item.number } : null,
                        };
                      }),
                    },
                  })),
                }
              : null,
          invoices:
            known && invoices
              ? {
                  edges: invoices.map((invoice) => ({
                    node: {
                      number: invoice.number,
                      dueDate: dateOf(invoice.dueDate),
                      remaining: money(invoice.remainingAmount, invoice.currencyCode),
                    },
                  })),
                }
              : null,
          interactions: { edges: interactions },
        };
      },
      signal,
    );
    return { customers: { edges, pageInfo: { hasNextPage, endCursor: null } } };
  }

  async function customerDeep(id: string, signal: AbortSignal) {
    const items = itemFetcher(signal);
    const boms = new Map<string, Promise<BcBomComponent[]>>();
    const bomOf = (sku: string) => {
      let bom = boms.get(sku);
      if (!bom) {
        bom = erp<{ value: BcBomComponent[] }>(
          'bomComponents',
          { $filter: `parentItemNumber eq '${escapeOData(sku)}'`, $orderby: 'lineNumber' },
          signal,
          bomBase,
        ).then((body) => body?.value ?? []);
        boms.set(sku, bom);
      }
      return bom;
    };
    const [accounts, record, orders] = await Promise.all([
      soql<SfAccount>(
        `SELECT Id, Name FROM Account WHERE ERP_Customer_Id__c = '${escapeSoql(id)}' ORDER BY CreatedDate ASC NULLS LAST, Id ASC NULLS LAST LIMIT 1`,
        signal,
      ),
      customerRecord(id, signal),
      ordersOf(id, signal),
    ]);
    const skus = itemSkus(orders);
    // Each product with its bill of materials, then the components' own products.
    const products = new Map<string, BcItem | null>();
    const bills = new Map<string, BcBomComponent[]>();
    await Promise.all(
      skus.map(async (sku) => {
        const [item, bom] = await Promise.all([items(sku), bomOf(sku)]);
        products.set(sku, item);
        bills.set(sku, bom);
        await Promise.all(
          bom.map(async (component) => {
            if (component.type === 'Item' && component.componentItemNumber) {
              products.set(component.componentItemNumber, await items(component.componentItemNumber));
            }
          }),
        );
      }),
    );
    const inventoryOf = (item: BcItem) => (item.type === 'Service' ? null : (item.inventory ?? 0));
    return {
      customer: {
        id,
        name: accounts[0]?.Name ?? null,
        orders:
          record === null
            ? null
            : {
                edges: orders.map((order) => ({
                  node: {
                    number: order.number,
                    status: orderStatus(order.status),
                    orderDate: dateOf(order.orderDate),
                    total: money(order.totalAmountIncludingTax, order.currencyCode),
                    lines: order.salesOrderLines.map((line) => {
                      const item = productOf(line, products);
                      return {
                        sequence: line.sequence,
                        quantity: line.quantity ?? 0,
                        product: item
                          ? {
                              sku: item.number,
                              name: item.displayName ?? item.number,
                              inventory: inventoryOf(item),
                              billOfMaterials: (bills.get(item.number) ?? []).map((component) => {
                                const part =
                                  component.type === 'Item' && component.componentItemNumber
                                    ? (products.get(component.componentItemNumber) ?? null)
                                    : null;
                                return {
                                  quantityPer: component.quantityPer ?? 0,
                                  product: part
                                    ? {
                                        sku: part.number,
                                        name: part.displayName ?? part.number,
                                        inventory: inventoryOf(part),
                                      }
                                    : null,
                                };
                              }),
                            }
                          : null,
                      };
                    }),
                  },
                })),
              },
      },
    };
  }

  async function customerSearch(search: string, first: number, signal: AbortSignal) {
    const { edges, hasNextPage } = await accountPage(
      first,
      search.trim(),
      async (account) => {
        const erpId = account.ERP_Customer_Id__c;
        const record = erpId ? await customerRecord(erpId, signal) : null;
        return {
          id: erpId ?? account.Id,
          name: account.Name,
          balance: record
            ? money(record.customerFinancialDetail?.balance ?? record.balanceDue, record.currencyCode)
            : null,
          overdue: record
            ? money(record.customerFinancialDetail?.overdueAmount ?? 0, record.currencyCode)
            : null,
        };
      },
      signal,
    );
    return { customers: { edges, pageInfo: { hasNextPage } } };
  }

  return {
    run(instance, signal) {
      const v = instance.variables;
      switch (instance.kind) {
        case 'customer360':
          return customer360(Number(v.first), null, signal);
        case 'customer360Search':
          return customer360(Number(v.first), String(v.search).trim(), signal);
        case 'customerDeep':
          return customerDeep(String(v.id), signal);
        case 'customerSearch':
          return customerSearch(String(v.search), Number(v.first), signal);
      }
    },
    close: () => agent.close(),
  };
}

/** Rows read beyond the page, for duplicates the page will hide (the CRM subgraph's figure). */
export function duplicateSlack(size: number): number {
  return Math.ceil(size / 10) + 1;
}

function productOf(line: BcOrderLine, products: ReadonlyMap<string, BcItem | null>): BcItem | null {
  return line.lineType === 'Item' && line.lineObjectNumber
    ? (products.get(line.lineObjectNumber) ?? null)
    : null;
}

function orderStatus(status: string): string {
  const mapped = ORDER_STATUS[status];
  if (!mapped) throw new Error(`ERP answered an unknown order status ${JSON.stringify(status)}`);
  return mapped;
}

type Interaction = { type: string; subject: string | null; occurredAt: string | null };

/** Tasks and events newest first (a task's date counts from midnight UTC; ties go to the task). */
export function mergeInteractions(
  tasks: readonly SfTask[],
  events: readonly SfEvent[],
  size: number,
): Interaction[] {
  const taskTime = (t: SfTask) => timeOf(t.ActivityDate ? `${t.ActivityDate}T00:00:00.000Z` : null);
  const eventTime = (e: SfEvent) => timeOf(salesforceDateTime(e.ActivityDateTime));
  const merged: Interaction[] = [];
  let ti = 0;
  let ei = 0;
  while (merged.length < size && (ti < tasks.length || ei < events.length)) {
    const task = tasks[ti];
    const event = events[ei];
    if (task && (!event || taskTime(task) >= eventTime(event))) {
      ti += 1;
      const type = task.TaskSubtype === 'Call' ? 'CALL' : task.TaskSubtype === 'Email' ? 'EMAIL' : 'TASK';
      merged.push({ type, subject: task.Subject, occurredAt: task.ActivityDate });
    } else if (event) {
      ei += 1;
      merged.push({
        type: 'EVENT',
        subject: event.Subject,
        occurredAt: isoDateTime(event.ActivityDateTime ?? event.StartDateTime),
      });
    }
  }
  return merged;
}

/** Salesforce writes `+0000`; Date.parse wants `+00:00`. */
const salesforceDateTime = (value: string | null) => value?.replace(/([+-]\d{2})(\d{2})$/, '$1:$2') ?? null;

function timeOf(value: string | null): number {
  const time = value ? Date.parse(value) : Number.NaN;
  return Number.isNaN(time) ? Number.NEGATIVE_INFINITY : time;
}

function isoDateTime(value: string | null): string | null {
  if (!value) return null;
  const time = Date.parse(salesforceDateTime(value) as string);
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

/** BC's empty date is 0001-01-01. */
function dateOf(value: string | null): string | null {
  return !value || value.startsWith('0001-01-01') ? null : value;
}

/** A 2-place amount as exact decimal text. */
export function formatAmount(amount: number): string {
  const text = (Math.round(amount * 100) / 100).toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

/** `?k=v&…` with each value URI-encoded; '' for no parameters. */
export function queryString(query: Record<string, string>): string {
  const entries = Object.entries(query);
  if (entries.length === 0) return '';
  return `?${entries.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join('&')}`;
}

/** OData string literal content: a quote is doubled. */
export const escapeOData = (value: string) => value.replace(/'/g, "''");

/** SOQL string literal content: backslash escapes. */
export const escapeSoql = (value: string) =>
  value
    .replace(/[\\'"]/g, (c) => `\\${c}`)
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t');

/** Inside LIKE, % and _ are wildcards unless escaped too. */
export const escapeSoqlLike = (value: string) => escapeSoql(value).replace(/[%_]/g, (c) => `\\${c}`);
