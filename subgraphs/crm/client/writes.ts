import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { CrmClient } from './crmClient.js';
import { toSalesforceId18 } from './ids.js';
import { and, buildSelect, compare, stringLiteral } from './soql.js';

/**
 * The Salesforce writes the workflows subgraph makes, and the reads they decide on. Protocol
 * knowledge stays here: sObject URLs, SOQL through soql.ts, the composite envelope, the
 * `If-Unmodified-Since` last-modified check. Every write is sent once (LegacyHttp never retries
 * a POST or PATCH); callers decide whether a write may be repeated — the quote link may (it
 * sets absolute values), a create may not.
 */

/** Salesforce's lengths for the fields the workflows write. */
export const CRM_FIELD_LIMITS = {
  FirstName: 40,
  LastName: 80,
  Email: 80,
  Phone: 40,
  MobilePhone: 40,
  Title: 128,
  Street: 255,
  City: 40,
  State: 80,
  PostalCode: 20,
  Country: 80,
  Subject: 255,
  Description: 32_000,
} as const;

export interface CrmQuoteLineForWrite {
  Id: string;
  LineNumber: string | null;
  Description: string | null;
  Quantity: number | null;
  UnitPrice: number | null;
  /** Percent. */
  Discount: number | null;
  TotalPrice: number | null;
  Product2Id: string | null;
  Product2: { ProductCode: string | null } | null;
}

export interface CrmQuoteForWrite {
  Id: string;
  QuoteNumber: string | null;
  Name: string | null;
  Status: string | null;
  CurrencyIsoCode: string | null;
  TotalPrice: number | null;
  GrandTotal: number | null;
  AccountId: string | null;
  Account: { ERP_Customer_Id__c: string | null } | null;
  OpportunityId: string | null;
  ERP_Order_Number__c: string | null;
  ERP_Order_Id__c: string | null;
  LastModifiedDate: string | null;
  lines: CrmQuoteLineForWrite[];
}

export interface CrmAccountForWrite {
  Id: string;
  Name: string | null;
  ERP_Customer_Id__c: string | null;
  BillingStreet: string | null;
  BillingCity: string | null;
  BillingState: string | null;
  BillingPostalCode: string | null;
  BillingCountry: string | null;
  ShippingStreet: string | null;
  ShippingCity: string | null;
  ShippingState: string | null;
  ShippingPostalCode: string | null;
  ShippingCountry: string | null;
  LastModifiedDate: string | null;
  CreatedDate: string | null;
}

export interface CrmContactForWrite {
  Id: string;
  AccountId: string | null;
  FirstName: string | null;
  LastName: string | null;
  Email: string | null;
  Phone: string | null;
  MobilePhone: string | null;
  Title: string | null;
  Contact_Role__c: string | null;
  LastModifiedDate: string | null;
}

export type AccountAddressPatch = Partial<
  Record<
    | 'BillingStreet'
    | 'BillingCity'
    | 'BillingState'
    | 'BillingPostalCode'
    | 'BillingCountry'
    | 'ShippingStreet'
    | 'ShippingCity'
    | 'ShippingState'
    | 'ShippingPostalCode'
    | 'ShippingCountry',
    string | null
  >
>;

export type ContactFields = Partial<
  Record<
    'FirstName' | 'LastName' | 'Email' | 'Phone' | 'MobilePhone' | 'Title' | 'Contact_Role__c',
    string | null
  >
>;

export interface QuoteLink {
  quoteId: string;
  opportunityId: string | null;
  orderNumber: string;
  orderId: string;
}

const QUOTE_SELECT = [
  'Id',
  'QuoteNumber',
  'Name',
  'Status',
  'CurrencyIsoCode',
  'TotalPrice',
  'GrandTotal',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'OpportunityId',
  'ERP_Order_Number__c',
  'ERP_Order_Id__c',
  'LastModifiedDate',
] as const;
const QUOTE_LINE_SELECT = [
  'Id',
  'LineNumber',
  'Description',
  'Quantity',
  'UnitPrice',
  'Discount',
  'TotalPrice',
  'Product2Id',
  'Product2.ProductCode',
] as const;
const ACCOUNT_SELECT = [
  'Id',
  'Name',
  'ERP_Customer_Id__c',
  'BillingStreet',
  'BillingCity',
  'BillingState',
  'BillingPostalCode',
  'BillingCountry',
  'ShippingStreet',
  'ShippingCity',
  'ShippingState',
  'ShippingPostalCode',
  'ShippingCountry',
  'LastModifiedDate',
  'CreatedDate',
] as const;
const CONTACT_SELECT = [
  'Id',
  'AccountId',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'MobilePhone',
  'Title',
  'Contact_Role__c',
  'LastModifiedDate',
] as const;

interface CompositeResponse {
  compositeResponse?: { referenceId?: string; httpStatusCode?: number; body?: unknown }[];
}

/** An HTTP-date for `If-Unmodified-Since` (second precision, as HTTP defines it). */
export function httpDate(isoTimestamp: string): string {
  const ms = Date.parse(isoTimestamp);
  if (Number.isNaN(ms)) throw new TypeError('httpDate: not a timestamp');
  return new Date(ms).toUTCString();
}

function sfId(value: string, label: string): string {
  const id = toSalesforceId18(value);
  if (!id) throw new LegacyError('LEGACY_REJECTED', 'CRM', `Not a Salesforce id (${label}).`, { label });
  return id;
}

function stripAttributes<T>(record: T & { attributes?: unknown }): T {
  const { attributes: _attributes, ...rest } = record;
  return rest as T;
}

export class CrmWrites {
  constructor(private readonly client: CrmClient) {}

  private async getSObject<T>(
    type: string,
    id: string,
    fields: readonly string[],
    label: string,
    requestId?: string,
  ): Promise<T | undefined> {
    try {
      const response = await this.client.http.send<T & { attributes?: unknown }>({
        method: 'GET',
        path: `sobjects/${type}/${sfId(id, label)}?fields=${fields.join(',')}`,
        label,
        requestId,
      });
      return stripAttributes(response.body);
    } catch (error) {
      if (error instanceof LegacyError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The quote with its account link and lines, in one query; undefined when it does not exist. */
  async getQuoteWithLines(quoteId: string, requestId?: string): Promise<CrmQuoteForWrite | undefined> {
    const soql = buildSelect({
      object: 'Quote',
      fields: QUOTE_SELECT,
      subqueries: [
        {
          relationship: 'QuoteLineItems',
          fields: QUOTE_LINE_SELECT,
          orderBy: [
            { field: 'LineNumber', direction: 'ASC' },
            { field: 'Id', direction: 'ASC' },
          ],
        },
      ],
      where: compare('Id', '=', stringLiteral(sfId(quoteId, 'quote'))),
    });
    const [record] = await this.client.queryAll<
      Omit<CrmQuoteForWrite, 'lines'> & {
        QuoteLineItems: { records: CrmQuoteLineForWrite[]; nextRecordsUrl?: string } | null;
      }
    >(soql, 'quote with lines', { requestId });
    if (!record) return undefined;
    const { QuoteLineItems, ...quote } = stripAttributes(record);
    let lines = (QuoteLineItems?.records ?? []).map(stripAttributes);
    if (QuoteLineItems?.nextRecordsUrl) {
      // More lines than the first batch of the subquery: read them all by QuoteId.
      lines = await this.client.queryAll<CrmQuoteLineForWrite>(
        buildSelect({
          object: 'QuoteLineItem',
          fields: QUOTE_LINE_SELECT,
          where: compare('QuoteId', '=', stringLiteral(quote.Id)),
          orderBy: [
            { field: 'LineNumber', direction: 'ASC' },
            { field: 'Id', direction: 'ASC' },
          ],
        }),
        'quote lines',
        { requestId },
      );
      lines = lines.map(stripAttributes);
    }
    return { ...quote, lines };
  }

  /** Accounts linked to an ERP customer, oldest first (the first is the one the graph reads). */
  async findAccountsByErpCustomerId(
    erpCustomerId: string,
    requestId?: string,
  ): Promise<CrmAccountForWrite[]> {
    const rows = await this.client.queryAll<CrmAccountForWrite>(
      buildSelect({
        object: 'Account',
        fields: ACCOUNT_SELECT,
        where: compare('ERP_Customer_Id__c', '=', stringLiteral(erpCustomerId)),
        orderBy: [
          { field: 'CreatedDate', direction: 'ASC' },
          { field: 'Id', direction: 'ASC' },
        ],
      }),
      'accounts by ERP customer id',
      { requestId },
    );
    return rows.map(stripAttributes);
  }

  getAccount(accountId: string, requestId?: string): Promise<CrmAccountForWrite | undefined> {
    return this.getSObject<CrmAccountForWrite>('Account', accountId, ACCOUNT_SELECT, 'account', requestId);
  }

  getContact(contactId: string, requestId?: string): Promise<CrmContactForWrite | undefined> {
    return this.getSObject<CrmContactForWrite>('Contact', contactId, CONTACT_SELECT, 'contact', requestId);
  }

  /** Contacts of the account with this e-mail (SOQL `=` on text is case-insensitive, as the CRM matches). */
  async findContactsByEmail(
    accountId: string,
    email: string,
    requestId?: string,
  ): Promise<CrmContactForWrite[]> {
    const rows = await this.client.queryAll<CrmContactForWrite>(
      buildSelect({
        object: 'Contact',
        fields: CONTACT_SELECT,
        where: and(
          compare('AccountId', '=', stringLiteral(sfId(accountId, 'account'))),
          compare('Email', '=', stringLiteral(email)),
        ),
        orderBy: [
          { field: 'CreatedDate', direction: 'ASC' },
          { field: 'Id', direction: 'ASC' },
        ],
      }),
      'contacts by e-mail',
      { requestId },
    );
    return rows.map(stripAttributes);
  }

  /**
   * Marks the quote accepted and linked to the ERP order, and closes its opportunity won — one
   * composite request with allOrNone, so the CRM never holds half of it. Absolute values only,
   * so sending it again after an unknown outcome changes nothing more.
   */
  async linkQuoteToOrder(link: QuoteLink, requestId?: string): Promise<void> {
    const base = this.servicePath();
    const compositeRequest: { method: string; url: string; referenceId: string; body: unknown }[] = [
      {
        method: 'PATCH',
        url: `${base}/sobjects/Quote/${sfId(link.quoteId, 'quote')}`,
        referenceId: 'quote',
        body: { Status: 'Accepted', ERP_Order_Number__c: link.orderNumber, ERP_Order_Id__c: link.orderId },
      },
    ];
    if (link.opportunityId) {
      compositeRequest.push({
        method: 'PATCH',
        url: `${base}/sobjects/Opportunity/${sfId(link.opportunityId, 'opportunity')}`,
        referenceId: 'opportunity',
        body: { StageName: 'Closed Won' },
      });
    }
    await this.composite(compositeRequest, 'link quote to order', requestId);
  }

  /**
   * Changes account address fields. With `unmodifiedSince` the CRM refuses (412) when the
   * account changed after that time: a LegacyError CONFLICT.
   */
  async updateAccount(
    accountId: string,
    patch: AccountAddressPatch,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    await this.client.http.send({
      method: 'PATCH',
      path: `sobjects/Account/${sfId(accountId, 'account')}`,
      body: patch,
      headers: unmodifiedSince ? { 'if-unmodified-since': httpDate(unmodifiedSince) } : undefined,
      label: 'update account',
      requestId,
    });
  }

  /** Creates a contact; sent once (a lost answer is not retried: the caller matches by e-mail first). */
  async createContact(accountId: string, fields: ContactFields, requestId?: string): Promise<string> {
    return this.create(
      'Contact',
      { ...fields, AccountId: sfId(accountId, 'account') },
      'create contact',
      requestId,
    );
  }

  async updateContact(
    contactId: string,
    fields: ContactFields,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    await this.client.http.send({
      method: 'PATCH',
      path: `sobjects/Contact/${sfId(contactId, 'contact')}`,
      body: fields,
      headers: unmodifiedSince ? { 'if-unmodified-since': httpDate(unmodifiedSince) } : undefined,
      label: 'update contact',
      requestId,
    });
  }

  async createTask(
    fields: {
      AccountId: string;
      WhatId: string;
      WhoId: string | null;
      Subject: string;
      Description: string | null;
      ActivityDate: string;
      Status: string;
      TaskSubtype: string;
    },
    requestId?: string,
  ): Promise<string> {
    return this.create('Task', fields, 'create task', requestId);
  }

  async createEvent(
    fields: {
      AccountId: string;
      WhatId: string;
      WhoId: string | null;
      Subject: string;
      Description: string | null;
      StartDateTime: string;
      EndDateTime: string;
      ActivityDateTime: string;
      DurationInMinutes: number;
    },
    requestId?: string,
  ): Promise<string> {
    return this.create('Event', fields, 'create event', requestId);
  }

  private async create(
    type: 'Contact' | 'Task' | 'Event',
    body: Record<string, unknown>,
    label: string,
    requestId?: string,
  ): Promise<string> {
    const response = await this.client.http.send<{ id?: unknown; success?: unknown }>({
      method: 'POST',
      path: `sobjects/${type}`,
      body,
      label,
      requestId,
    });
    if (typeof response.body?.id !== 'string') {
      throw badLegacyResponse('CRM', label);
    }
    return response.body.id;
  }

  /** The API's path (e.g. /services/data/v62.0), as composite subrequest URLs need it. */
  private servicePath(): string {
    return new URL(this.client.http.resolve('x')).pathname.replace(/\/x$/, '');
  }

  private async composite(
    compositeRequest: { method: string; url: string; referenceId: string; body: unknown }[],
    label: string,
    requestId?: string,
  ): Promise<void> {
    const response = await this.client.http.send<CompositeResponse>({
      method: 'POST',
      path: 'composite',
      body: { allOrNone: true, compositeRequest },
      label,
      requestId,
    });
    const parts = response.body?.compositeResponse;
    if (!Array.isArray(parts)) {
      throw badLegacyResponse('CRM', label);
    }
    // Composite answers 200 even when a subrequest failed: each part carries its own status.
    // With allOrNone the parts that merely did not run say PROCESSING_HALTED; the cause is
    // the part that failed for its own reason.
    const isFailed = (part: (typeof parts)[number]) =>
      typeof part.httpStatusCode !== 'number' || part.httpStatusCode >= 400;
    const failed =
      parts.find((part) => isFailed(part) && !isHalted(part.body)) ?? parts.find((part) => isFailed(part));
    if (failed) {
      const status = failed.httpStatusCode ?? 0;
      const first = Array.isArray(failed.body)
        ? (failed.body[0] as { errorCode?: unknown; message?: unknown })
        : undefined;
      const code: LegacyError['code'] =
        status === 404
          ? 'NOT_FOUND'
          : status === 409 || status === 412
            ? 'CONFLICT'
            : status >= 500
              ? 'LEGACY_UNAVAILABLE'
              : 'LEGACY_REJECTED';
      throw new LegacyError(code, 'CRM', `The CRM refused the request (${label}).`, {
        label,
        referenceId: failed.referenceId,
        status,
        legacyCode: first?.errorCode,
        legacyMessage: first?.message,
      });
    }
  }
}

function isHalted(body: unknown): boolean {
  return (
    Array.isArray(body) &&
    body.length > 0 &&
    body.every((error) => (error as { errorCode?: unknown })?.errorCode === 'PROCESSING_HALTED')
  );
}
