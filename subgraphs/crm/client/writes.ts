import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import {
  approvalOf,
  discountPercentOf,
  QUOTE_APPROVAL_FIELDS,
  type SfQuoteApprovalFields,
} from './approvalFields.js';
import type { CrmClient } from './crmClient.js';
import { ACCOUNT_ADDRESS_FIELDS } from './fields.js';
import { toSalesforceId18 } from './ids.js';
import { CONTACT_ROLE_VALUES, TASK_SUBTYPES } from './picklists.js';
import { and, buildSelect, compare, stringLiteral } from './soql.js';
import type {
  AccountAddressFields,
  AddressPrefix,
  SfAccountForWrite,
  SfActivityForCreate,
  SfContactForWrite,
  SfEventForCreate,
  SfOpportunityPatch,
  SfQuoteForWrite,
  SfQuoteLineForWrite,
  SfQuoteLinkPatch,
  SfTaskForCreate,
} from './types.js';
import type {
  AccountAddressPurpose,
  ContactDetails,
  CrmAccountForWrite,
  CrmContactForWrite,
  NewInteraction,
  PostalAddress,
  QuoteForConversion,
  QuoteLink,
} from './writeModels.js';

/**
 * The Salesforce writes the workflows subgraph makes, and the reads they decide on. Protocol
 * knowledge stays here: sObject URLs and field names, picklist values, SOQL through soql.ts, the
 * composite envelope, the `If-Unmodified-Since` last-modified check. Every write is sent once
 * (LegacyHttp never retries a POST or PATCH); callers decide whether a write may be repeated —
 * the quote link may (it sets absolute values), a create may not.
 */

/** Salesforce's lengths for the fields the workflows write, by what they hold. */
export const CRM_FIELD_LIMITS = {
  firstName: 40,
  lastName: 80,
  email: 80,
  phone: 40,
  mobilePhone: 40,
  title: 128,
  street: 255,
  city: 40,
  state: 80,
  postalCode: 20,
  country: 80,
  subject: 255,
  description: 32_000,
} as const;

/** Quote statuses a sales team converts from; the rest are not (yet, or any more) a deal. */
export const CONVERTIBLE_QUOTE_STATUSES: readonly string[] = ['Approved', 'Presented', 'Accepted'];
/** The status a quote linked to its order is left in. */
const ACCEPTED = 'Accepted';

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
  // Conversion checks the discount against its approval (workflows/approvalRules.ts).
  'Subtotal',
  ...QUOTE_APPROVAL_FIELDS,
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
  ...ACCOUNT_ADDRESS_FIELDS,
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

const PREFIX: Record<AccountAddressPurpose, AddressPrefix> = { BILLING: 'Billing', SHIPPING: 'Shipping' };

/**
 * A billing address change as write-backs were stored before they spoke the domain: in the
 * account's own fields. Read back from the store only, through `addressFromStoredPatch`.
 */
export type StoredAccountAddressPatch = AccountAddressFields;

/** Salesforce keeps an address's street lines in one field, one line per line of text. */
function addressOf(account: AccountAddressFields, prefix: AddressPrefix): PostalAddress {
  const [street = '', ...rest] = (account[`${prefix}Street`] ?? '').split('\n');
  return {
    street,
    street2: rest.length > 0 ? rest.join('\n') : null,
    city: account[`${prefix}City`] ?? '',
    state: account[`${prefix}State`] || null,
    postalCode: account[`${prefix}PostalCode`] ?? '',
    country: account[`${prefix}Country`] ?? '',
  };
}

function addressFields(prefix: AddressPrefix, address: PostalAddress): AccountAddressFields {
  return {
    [`${prefix}Street`]: address.street2 ? `${address.street}\n${address.street2}` : address.street,
    [`${prefix}City`]: address.city,
    [`${prefix}State`]: address.state,
    [`${prefix}PostalCode`]: address.postalCode,
    [`${prefix}Country`]: address.country,
  };
}

/** An account's ERP link as the writes compare it: the ERP customer's id in lower case. */
export const erpIdOf = (value: string | null | undefined) => value?.toLowerCase() ?? null;

function accountOf(account: SfAccountForWrite): CrmAccountForWrite {
  return {
    id: account.Id,
    erpCustomerId: erpIdOf(account.ERP_Customer_Id__c),
    billingAddress: addressOf(account, 'Billing'),
    shippingAddress: addressOf(account, 'Shipping'),
    lastModified: account.LastModifiedDate,
  };
}

function contactOf(contact: SfContactForWrite): CrmContactForWrite {
  return {
    id: contact.Id,
    accountId: contact.AccountId,
    firstName: contact.FirstName,
    lastName: contact.LastName,
    email: contact.Email,
    phone: contact.Phone,
    mobilePhone: contact.MobilePhone,
    title: contact.Title,
    role: contact.Contact_Role__c,
    lastModified: contact.LastModifiedDate,
  };
}

function contactFields(
  details: ContactDetails,
): Omit<SfContactForWrite, 'Id' | 'AccountId' | 'LastModifiedDate'> {
  return {
    FirstName: details.firstName,
    LastName: details.lastName,
    Email: details.email,
    Phone: details.phone,
    MobilePhone: details.mobilePhone,
    Title: details.title,
    Contact_Role__c: CONTACT_ROLE_VALUES[details.role],
  };
}

function quoteOf(
  quote: SfQuoteForWrite & SfQuoteApprovalFields & { Subtotal?: number | null },
  lines: SfQuoteLineForWrite[],
): QuoteForConversion {
  // Whichever total the CRM filled in, else the lines' own.
  const grandTotal =
    quote.GrandTotal ?? quote.TotalPrice ?? lines.reduce((sum, line) => sum + (line.TotalPrice ?? 0), 0);
  return {
    id: quote.Id,
    number: quote.QuoteNumber?.trim() || null,
    status: quote.Status,
    convertible: quote.Status !== null && CONVERTIBLE_QUOTE_STATUSES.includes(quote.Status),
    accepted: quote.Status === ACCEPTED,
    customerAccountId: quote.AccountId,
    erpCustomerId: erpIdOf(quote.Account?.ERP_Customer_Id__c),
    opportunityId: quote.OpportunityId,
    linkedOrder: quote.ERP_Order_Number__c
      ? { number: quote.ERP_Order_Number__c, id: quote.ERP_Order_Id__c }
      : null,
    grandTotal: { amount: grandTotal, currencyCode: quote.CurrencyIsoCode || null },
    discountPercent: discountPercentOf(quote.Subtotal, quote.TotalPrice),
    approval: approvalOf(quote),
    lines: lines.map((line) => ({
      id: line.Id,
      lineNumber: line.LineNumber,
      sku: line.Product2?.ProductCode?.trim() || null,
      quantity: line.Quantity ?? 0,
      unitPrice: line.UnitPrice,
      discountPercent: line.Discount || null,
    })),
  };
}

/** What linkQuoteToOrder writes for a quote converted into this ERP order. */
export function quoteLinkOf(quote: QuoteForConversion, order: { id: string; number: string }): QuoteLink {
  return {
    quoteId: quote.id,
    opportunityId: quote.opportunityId,
    orderNumber: order.number,
    orderId: order.id,
  };
}

interface CompositeResponse {
  compositeResponse?: { referenceId?: string; httpStatusCode?: number; body?: unknown }[];
}

/** An HTTP-date for `If-Unmodified-Since` (second precision, as HTTP defines it). */
export function httpDate(isoTimestamp: string): string {
  const ms = Date.parse(isoTimestamp);
  if (Number.isNaN(ms)) throw new TypeError('httpDate: not a timestamp');
  return new Date(ms).toUTCString();
}

/** The 18-character id of a CRM record, or LEGACY_REJECTED naming what it should have been. */
export function sfId(value: string, label: string): string {
  const id = toSalesforceId18(value);
  if (!id) throw new LegacyError('LEGACY_REJECTED', 'CRM', `Not a Salesforce id (${label}).`, { label });
  return id;
}

function stripAttributes<T>(record: T & { attributes?: unknown }): T {
  const { attributes: _attributes, ...rest } = record;
  return rest as T;
}

export class CrmWrites {
  constructor(protected readonly client: CrmClient) {}

  /** The billing address a write-back stored in the account's fields (see StoredAccountAddressPatch). */
  addressFromStoredPatch(patch: StoredAccountAddressPatch): PostalAddress {
    return addressOf(patch, 'Billing');
  }

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
  async quoteForConversion(quoteId: string, requestId?: string): Promise<QuoteForConversion | undefined> {
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
      SfQuoteForWrite & {
        QuoteLineItems: { records: SfQuoteLineForWrite[]; nextRecordsUrl?: string } | null;
      }
    >(soql, 'quote with lines', { requestId });
    if (!record) return undefined;
    const { QuoteLineItems, ...quote } = stripAttributes(record);
    let lines = (QuoteLineItems?.records ?? []).map(stripAttributes);
    if (QuoteLineItems?.nextRecordsUrl) {
      // More lines than the first batch of the subquery: read them all by QuoteId.
      lines = await this.client.queryAll<SfQuoteLineForWrite>(
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
    return quoteOf(quote, lines);
  }

  /** Accounts linked to an ERP customer, oldest first (the first is the one the graph reads). */
  async findAccountsByErpCustomerId(
    erpCustomerId: string,
    requestId?: string,
  ): Promise<CrmAccountForWrite[]> {
    const rows = await this.client.queryAll<SfAccountForWrite>(
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
    return rows.map((row) => accountOf(stripAttributes(row)));
  }

  async getAccount(accountId: string, requestId?: string): Promise<CrmAccountForWrite | undefined> {
    const account = await this.getSObject<SfAccountForWrite>(
      'Account',
      accountId,
      ACCOUNT_SELECT,
      'account',
      requestId,
    );
    return account && accountOf(account);
  }

  async getContact(contactId: string, requestId?: string): Promise<CrmContactForWrite | undefined> {
    const contact = await this.getSObject<SfContactForWrite>(
      'Contact',
      contactId,
      CONTACT_SELECT,
      'contact',
      requestId,
    );
    return contact && contactOf(contact);
  }

  /** Contacts of the account with this e-mail (SOQL `=` on text is case-insensitive, as the CRM matches). */
  async findContactsByEmail(
    accountId: string,
    email: string,
    requestId?: string,
  ): Promise<CrmContactForWrite[]> {
    const rows = await this.client.queryAll<SfContactForWrite>(
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
    return rows.map((row) => contactOf(stripAttributes(row)));
  }

  /**
   * Marks the quote accepted and linked to the ERP order, and closes its opportunity won — one
   * composite request with allOrNone, so the CRM never holds half of it. Absolute values only,
   * so sending it again after an unknown outcome changes nothing more.
   */
  async linkQuoteToOrder(link: QuoteLink, requestId?: string): Promise<void> {
    const base = this.client.servicePath;
    const compositeRequest: { method: string; url: string; referenceId: string; body: unknown }[] = [
      {
        method: 'PATCH',
        url: `${base}/sobjects/Quote/${sfId(link.quoteId, 'quote')}`,
        referenceId: 'quote',
        body: {
          Status: ACCEPTED,
          ERP_Order_Number__c: link.orderNumber,
          ERP_Order_Id__c: link.orderId,
        } satisfies SfQuoteLinkPatch,
      },
    ];
    if (link.opportunityId) {
      compositeRequest.push({
        method: 'PATCH',
        url: `${base}/sobjects/Opportunity/${sfId(link.opportunityId, 'opportunity')}`,
        referenceId: 'opportunity',
        body: { StageName: 'Closed Won' } satisfies SfOpportunityPatch,
      });
    }
    await this.composite(compositeRequest, 'link quote to order', requestId);
  }

  /**
   * Changes the account's billing or delivery address. With `unmodifiedSince` the CRM refuses
   * (412) when the account changed after that time: a LegacyError CONFLICT.
   */
  async updateAccountAddress(
    accountId: string,
    purpose: AccountAddressPurpose,
    address: PostalAddress,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    await this.client.http.send({
      method: 'PATCH',
      path: `sobjects/Account/${sfId(accountId, 'account')}`,
      body: addressFields(PREFIX[purpose], address),
      headers: unmodifiedSince ? { 'if-unmodified-since': httpDate(unmodifiedSince) } : undefined,
      label: 'update account',
      requestId,
    });
  }

  /** Creates a contact; sent once (a lost answer is not retried: the caller matches by e-mail first). */
  async createContact(accountId: string, details: ContactDetails, requestId?: string): Promise<string> {
    return this.create(
      'Contact',
      { ...contactFields(details), AccountId: sfId(accountId, 'account') },
      'create contact',
      requestId,
    );
  }

  async updateContact(
    contactId: string,
    details: ContactDetails,
    unmodifiedSince: string | null,
    requestId?: string,
  ): Promise<void> {
    await this.client.http.send({
      method: 'PATCH',
      path: `sobjects/Contact/${sfId(contactId, 'contact')}`,
      body: contactFields(details),
      headers: unmodifiedSince ? { 'if-unmodified-since': httpDate(unmodifiedSince) } : undefined,
      label: 'update contact',
      requestId,
    });
  }

  /**
   * Logs an interaction against the account: a to-do, call or e-mail as a Task (completed once
   * its date has come), a meeting as an Event. Sent once; returns the new record's id.
   */
  async createInteraction(interaction: NewInteraction, requestId?: string): Promise<string> {
    const about: SfActivityForCreate = {
      AccountId: interaction.customerAccountId,
      WhatId: interaction.customerAccountId,
      WhoId: interaction.contactId,
      Subject: interaction.subject,
      Description: interaction.description,
    };
    const startMs = Date.parse(interaction.occurredAt);
    if (interaction.type !== 'EVENT') {
      const task: SfTaskForCreate = {
        ...about,
        ActivityDate: interaction.occurredAt.slice(0, 10),
        Status: startMs <= Date.now() ? 'Completed' : 'Not Started',
        TaskSubtype: TASK_SUBTYPES[interaction.type],
      };
      return this.create('Task', task, 'create task', requestId);
    }
    const event: SfEventForCreate = {
      ...about,
      StartDateTime: interaction.occurredAt,
      EndDateTime: new Date(startMs + interaction.durationMinutes * 60_000).toISOString(),
      ActivityDateTime: interaction.occurredAt,
      DurationInMinutes: interaction.durationMinutes,
    };
    return this.create('Event', event, 'create event', requestId);
  }

  private async create(
    type: 'Contact' | 'Task' | 'Event',
    body: object,
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

  /**
   * A record changed and a completed task on it recording the change (its activity history), all
   * or nothing in one composite request. With `unmodifiedSince` the change carries
   * If-Unmodified-Since: a record changed after that time is refused (a LegacyError CONFLICT) and
   * nothing is written.
   */
  protected async patchWithHistory(
    patch: { object: 'Quote' | 'Case'; id: string; referenceId: string; body: unknown },
    unmodifiedSince: string | null,
    history: {
      referenceId: string;
      accountId: string | null;
      contactId: string | null;
      subject: string;
      description: string | null;
      /** Its day (ISO date). */
      date: string;
    },
    label: string,
    requestId?: string,
  ): Promise<void> {
    const base = this.client.servicePath;
    const task: Omit<SfTaskForCreate, 'AccountId'> & { AccountId: string | null } = {
      AccountId: history.accountId,
      WhatId: patch.id,
      WhoId: history.contactId,
      Subject: history.subject,
      Description: history.description,
      ActivityDate: history.date,
      Status: 'Completed',
      TaskSubtype: TASK_SUBTYPES.TASK,
    };
    await this.composite(
      [
        {
          method: 'PATCH',
          url: `${base}/sobjects/${patch.object}/${patch.id}`,
          referenceId: patch.referenceId,
          body: patch.body,
          ...(unmodifiedSince ? { httpHeaders: { 'If-Unmodified-Since': httpDate(unmodifiedSince) } } : {}),
        },
        { method: 'POST', url: `${base}/sobjects/Task`, referenceId: history.referenceId, body: task },
      ],
      label,
      requestId,
    );
  }

  protected async composite(
    compositeRequest: {
      method: string;
      url: string;
      referenceId: string;
      body: unknown;
      httpHeaders?: Record<string, string>;
    }[],
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
