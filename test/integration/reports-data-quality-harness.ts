import { expect } from 'vitest';
import type { Dataset } from '../../legacy/generator/open.js';
import type { GraphQLAnswer, Stack } from '../helpers/stack.js';

/**
 * The data-quality reports' yardstick, shared by their tests: what the stand-ins' own rows say
 * each list holds (SQL and plain JS written here, apart from the subgraph's code), and a caller
 * paging the lists through the gateway while counting the legacy calls.
 */

// biome-ignore lint/suspicious/noExplicitAny: answers are indexed as their query shapes them
export type Loose = any;

/** What a reporting tool's token holds. */
export const REPORTER = ['reports:read', 'pii:read', 'customer:read'];

export interface AccountRow {
  Id: string;
  Name: string | null;
  Type: string | null;
  ERP_Customer_Id__c: string | null;
  CreatedDate: string;
  Phone: string | null;
  BillingStreet: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingPostalCode: string | null;
  BillingCountry: string | null;
}

export interface ErpCustomerRow {
  id: string;
  number: string;
  displayName: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
  phoneNumber: string | null;
  email: string | null;
}

export const accounts = (dataset: Dataset): AccountRow[] =>
  dataset.crm
    .prepare(
      `SELECT Id, Name, Type, ERP_Customer_Id__c, CreatedDate, Phone, BillingStreet, BillingCity,
        BillingState, BillingPostalCode, BillingCountry FROM Account WHERE IsDeleted = 0
       ORDER BY CreatedDate, Id`,
    )
    .all() as AccountRow[];

export const erpCustomers = (dataset: Dataset): ErpCustomerRow[] =>
  dataset.erp
    .prepare(
      `SELECT id, number, displayName, addressLine1, addressLine2, city, state, postalCode, country,
        phoneNumber, email FROM customers`,
    )
    .all() as ErpCustomerRow[];

export const lower = (value: string | null) => (value ?? '').toLowerCase();

// ─── What the rows say ────────────────────────────────────────────────────────────────────

export function expectedCrmOnly(dataset: Dataset, includeProspects: boolean): string[] {
  return accounts(dataset)
    .filter((a) => a.ERP_Customer_Id__c === null && (includeProspects || lower(a.Type) !== 'prospect'))
    .map((a) => a.Id);
}

export function expectedProspects(dataset: Dataset): string[] {
  return accounts(dataset)
    .filter((a) => a.ERP_Customer_Id__c === null && lower(a.Type) === 'prospect')
    .map((a) => a.Id);
}

export function expectedErpOnly(dataset: Dataset): ErpCustomerRow[] {
  const linked = new Set(
    accounts(dataset).flatMap((a) => (a.ERP_Customer_Id__c ? [lower(a.ERP_Customer_Id__c)] : [])),
  );
  return erpCustomers(dataset).filter((c) => !linked.has(lower(c.id)));
}

/** ERP id → its accounts' ids, oldest first, for ids several accounts are linked to. */
export function expectedDuplicates(dataset: Dataset): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const a of accounts(dataset)) {
    if (!a.ERP_Customer_Id__c) continue;
    const key = lower(a.ERP_Customer_Id__c);
    groups.set(key, [...(groups.get(key) ?? []), a.Id]);
  }
  return new Map([...groups].filter(([, ids]) => ids.length > 1));
}

const text = (value: string | null) => (value ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
export const digits = (value: string | null) => (value ?? '').replace(/\D/g, '');

export interface Conflict {
  customerId: string;
  field: string;
  crmValue: string | null;
  erpValue: string | null;
}

/**
 * Per linked customer, its oldest account against its ERP customer: name, billing address (part
 * by part), phone (digits), and the e-mail of the account's oldest billing contact with one.
 */
export function expectedConflicts(dataset: Dataset): Conflict[] {
  const erp = new Map(erpCustomers(dataset).map((c) => [lower(c.id), c]));
  const billingEmail = dataset.crm.prepare(
    `SELECT Email FROM Contact WHERE AccountId = ? AND Contact_Role__c = 'Billing' AND Email IS NOT NULL
       AND IsDeleted = 0 ORDER BY CreatedDate, Id LIMIT 1`,
  );
  const seen = new Set<string>();
  const found: Conflict[] = [];
  for (const a of accounts(dataset)) {
    if (!a.ERP_Customer_Id__c) continue;
    const key = lower(a.ERP_Customer_Id__c);
    if (seen.has(key)) continue;
    seen.add(key);
    const c = erp.get(key);
    if (!c) continue;
    const customerId = a.ERP_Customer_Id__c;
    if (text(a.Name) !== text(c.displayName)) {
      found.push({ customerId, field: 'NAME', crmValue: a.Name, erpValue: c.displayName });
    }
    const erpStreet = [c.addressLine1, c.addressLine2]
      .filter((line) => line && line.trim() !== '')
      .join('\n');
    const parts: [string | null, string | null][] = [
      [a.BillingStreet, erpStreet],
      [a.BillingCity, c.city],
      [a.BillingState, c.state],
      [a.BillingPostalCode, c.postalCode],
      [a.BillingCountry, c.country],
    ];
    if (parts.some(([crm, erpValue]) => text(crm) !== text(erpValue))) {
      found.push({ customerId, field: 'BILLING_ADDRESS', crmValue: null, erpValue: null });
    }
    if (digits(a.Phone) !== digits(c.phoneNumber)) {
      found.push({ customerId, field: 'PHONE', crmValue: a.Phone, erpValue: c.phoneNumber });
    }
    const email = (billingEmail.get(a.Id) as { Email: string } | undefined)?.Email;
    if (email !== undefined && text(email) !== text(c.email)) {
      found.push({ customerId, field: 'EMAIL', crmValue: email, erpValue: c.email });
    }
  }
  return found;
}

// ─── Through the graph ─────────────────────────────────────────────────────────────────────

export const LISTS = {
  crmOnly: `query ($first: Int, $after: String, $p: Boolean) { dataQuality { list: crmOnlyAccounts(includeProspects: $p, first: $first, after: $after) {
      edges { cursor node { customer { id } source name number } } pageInfo { hasNextPage endCursor } } } }`,
  erpOnly: `query ($first: Int, $after: String) { dataQuality { list: erpOnlyCustomers(first: $first, after: $after) {
      edges { cursor node { customer { id } source name number } } pageInfo { hasNextPage endCursor } } } }`,
  duplicates: `query ($first: Int, $after: String) { dataQuality { list: duplicateAccounts(first: $first, after: $after) {
      edges { cursor node { customer { id } crmAccountIds } } pageInfo { hasNextPage endCursor } } } }`,
  conflicts: `query ($first: Int, $after: String, $fields: [ConflictField!]) { dataQuality { list: fieldConflicts(fields: $fields, first: $first, after: $after) {
      edges { cursor node { customer { id } field crmValue erpValue } } pageInfo { hasNextPage endCursor } } } }`,
} as const;

export type ListName = keyof typeof LISTS;

export interface Page {
  edges: { cursor: string; node: Loose }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** A caller of the data-quality lists through the gateway, and the legacy calls their queries cost. */
export class Reporter {
  constructor(
    readonly stack: Stack,
    private readonly token: string,
  ) {}

  query(q: string, variables?: Record<string, unknown>): Promise<GraphQLAnswer> {
    return this.stack.query(q, variables, { authorization: `Bearer ${this.token}` });
  }

  /** One page of a list; fails the test on any error. */
  async page(list: ListName, variables: Record<string, unknown>) {
    const answer = await this.query(LISTS[list], variables);
    expect(answer.body.errors, JSON.stringify(answer.body.errors)).toBeUndefined();
    return answer.body.data.dataQuality.list as Page;
  }

  /** Every node of a list, page by page; `between` runs after each page (records arriving). */
  async pageToEnd(
    list: ListName,
    variables: Record<string, unknown>,
    between?: (pageIndex: number) => void,
  ): Promise<Loose[]> {
    const nodes: Loose[] = [];
    let after: string | null = null;
    for (let index = 0; index < 500; index += 1) {
      const connection = await this.page(list, { ...variables, after });
      nodes.push(...connection.edges.map((edge) => edge.node));
      if (!connection.pageInfo.hasNextPage) return nodes;
      expect(connection.pageInfo.endCursor).not.toBeNull();
      after = connection.pageInfo.endCursor;
      between?.(index);
    }
    throw new Error(`${list} did not end`);
  }

  /** The legacy round trips of one query, per system. */
  async roundTripsOf(send: () => Promise<unknown>): Promise<{ erp: number; crm: number }> {
    await this.stack.resetCounts();
    await send();
    const { erp, crm } = await this.stack.legacyCalls();
    return { erp: erp.roundTrips, crm: crm.roundTrips };
  }
}
