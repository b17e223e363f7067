import { formatAmount } from '../../../lib/domain.js';
import { approvalOf } from './approvalFields.js';
import type { ChildListName, RootListName } from './fields.js';
import type {
  CrmAccount,
  CrmAccountRef,
  CrmAsset,
  CrmCampaign,
  CrmCampaignMember,
  CrmContact,
  CrmEntitlement,
  CrmInteraction,
  CrmOpportunity,
  CrmProduct,
  CrmQuote,
  CrmQuoteLine,
  CrmQuoteOfProduct,
  CrmSupportCase,
  CrmUser,
  Money,
} from './models.js';
import { contactRoleOf, taskTypeOf } from './picklists.js';
import type {
  AccountRecord,
  AccountRef,
  AssetRecord,
  CampaignMemberRecord,
  CampaignRecord,
  CaseRecord,
  ContactRecord,
  EntitlementRecord,
  EventRecord,
  OpportunityRecord,
  Product2Record,
  QuoteLineItemRecord,
  QuoteRecord,
  TaskRecord,
  UserRef,
} from './types.js';

/** Salesforce's corporate currency, for records without CurrencyIsoCode (single-currency orgs). */
export const CORPORATE_CURRENCY = 'USD';

/** An amount Salesforce leaves empty is none (null), not zero. */
function money(amount: number | null | undefined, currencyCode: string | null | undefined): Money | null {
  if (amount === null || amount === undefined) return null;
  return { amount: formatAmount(amount, 'CRM'), currencyCode: currencyCode || CORPORATE_CURRENCY };
}

/** An ISO 8601 instant from Salesforce's `2024-03-01T10:00:00.000+0000`. */
export function isoDateTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

function accountRef(accountId: string | null, account: AccountRef | null): CrmAccountRef | null {
  if (!accountId) return null;
  return { crmAccountId: accountId, erpCustomerId: account?.ERP_Customer_Id__c ?? null };
}

/**
 * A user record, or a record's owner read through the Owner.* parent path (only what that path
 * selected is defined). Null without an e-mail address: that is what the graph reaches users by.
 */
export function userOf(owner: UserRef | null | undefined): CrmUser | null {
  if (!owner?.Email) return null;
  return {
    email: owner.Email,
    crmUserId: owner.Id,
    crmUsername: owner.Username,
    department: owner.Department,
    isActiveCrmUser: owner.IsActive,
  };
}

export function accountOf(record: AccountRecord): CrmAccount {
  return {
    crmAccountId: record.Id,
    erpCustomerId: record.ERP_Customer_Id__c,
    name: record.Name,
    accountType: record.Type,
    industry: record.Industry,
    phone: record.Phone,
    website: record.Website,
    billingAddress: {
      street: record.BillingStreet,
      city: record.BillingCity,
      state: record.BillingState,
      postalCode: record.BillingPostalCode,
      country: record.BillingCountry,
    },
    shippingAddress: {
      street: record.ShippingStreet,
      city: record.ShippingCity,
      state: record.ShippingState,
      postalCode: record.ShippingPostalCode,
      country: record.ShippingCountry,
    },
    owner: userOf(record.Owner),
    createdDate: record.CreatedDate,
  };
}

export function contactOf(record: ContactRecord): CrmContact {
  return {
    id: record.Id,
    account: accountRef(record.AccountId, record.Account),
    firstName: record.FirstName,
    lastName: record.LastName,
    name: record.Name ?? [record.FirstName, record.LastName].filter(Boolean).join(' '),
    title: record.Title,
    email: record.Email,
    phone: record.Phone,
    mobilePhone: record.MobilePhone,
    role: contactRoleOf(record.Contact_Role__c),
    mailingAddress: {
      street: record.MailingStreet,
      city: record.MailingCity,
      state: record.MailingState,
      postalCode: record.MailingPostalCode,
      country: record.MailingCountry,
    },
  };
}

export function taskOf(record: TaskRecord): CrmInteraction {
  return {
    id: record.Id,
    type: taskTypeOf(record.TaskSubtype),
    subject: record.Subject,
    description: record.Description,
    occurredAt: record.ActivityDate,
    status: record.Status,
    contactId: record.WhoId,
    owner: userOf(record.Owner),
  };
}

export function eventOf(record: EventRecord): CrmInteraction {
  return {
    id: record.Id,
    type: 'EVENT',
    subject: record.Subject,
    description: record.Description,
    occurredAt: isoDateTime(record.ActivityDateTime ?? record.StartDateTime),
    status: null,
    contactId: record.WhoId,
    owner: userOf(record.Owner),
  };
}

export function opportunityOf(record: OpportunityRecord): CrmOpportunity {
  return {
    id: record.Id,
    name: record.Name,
    stage: record.StageName,
    amount: money(record.Amount, record.CurrencyIsoCode),
    probability: record.Probability,
    closeDate: record.CloseDate,
    isClosed: record.IsClosed,
    isWon: record.IsWon,
    account: accountRef(record.AccountId, record.Account),
    owner: userOf(record.Owner),
    campaignId: record.CampaignId ?? null,
  };
}

/** Campaign costs carry no CurrencyIsoCode in the org: they are in the corporate currency. */
export function campaignOf(record: CampaignRecord): CrmCampaign {
  return {
    id: record.Id,
    name: record.Name,
    type: record.Type,
    status: record.Status,
    startDate: record.StartDate,
    endDate: record.EndDate,
    isActive: record.IsActive === true,
    budgetedCost: money(record.BudgetedCost, null),
    actualCost: money(record.ActualCost, null),
    expectedRevenue: money(record.ExpectedRevenue, null),
    owner: userOf(record.Owner),
  };
}

export function campaignMemberOf(record: CampaignMemberRecord): CrmCampaignMember {
  return {
    id: record.Id,
    status: record.Status,
    hasResponded: record.HasResponded === true,
    contactId: record.ContactId,
    account: accountRef(record.Contact?.AccountId ?? null, record.Contact?.Account ?? null),
  };
}

/** Lines carry no currency in Salesforce: they are in their quote's. */
function quoteLineOf(record: QuoteLineItemRecord, currencyCode: string | null): CrmQuoteLine {
  return {
    lineNumber: record.LineNumber,
    productSku: record.Product2?.ProductCode || null,
    description: record.Description,
    quantity: record.Quantity,
    unitPrice: money(record.UnitPrice, currencyCode),
    discountPercent: record.Discount,
    total: money(record.TotalPrice, currencyCode),
  };
}

/** The approval recorded on a quote; null when none was ever asked for. */
function approvalOrNull(record: QuoteRecord) {
  const approval = approvalOf(record);
  return approval.status === null ? null : approval;
}

export function quoteOf(record: QuoteRecord): CrmQuote {
  const currency = record.CurrencyIsoCode;
  const { Subtotal: subtotal, TotalPrice: totalPrice } = record;
  return {
    id: record.Id,
    number: record.QuoteNumber,
    name: record.Name,
    status: record.Status,
    expirationDate: record.ExpirationDate,
    subtotal: money(subtotal, currency),
    discount: subtotal !== null && totalPrice !== null ? money(subtotal - totalPrice, currency) : null,
    total: money(record.GrandTotal ?? totalPrice, currency),
    account: accountRef(record.AccountId, record.Account),
    opportunityId: record.OpportunityId,
    contactId: record.ContactId,
    orderNumber: record.ERP_Order_Number__c,
    approval: approvalOrNull(record),
    // Read without the line subquery (a customer's list of quotes): the lines are not known.
    ...(record.QuoteLineItems === undefined
      ? {}
      : { lines: (record.QuoteLineItems?.records ?? []).map((line) => quoteLineOf(line, currency)) }),
  };
}

export function supportCaseOf(record: CaseRecord): CrmSupportCase {
  return {
    id: record.Id,
    number: record.CaseNumber,
    subject: record.Subject,
    description: record.Description,
    status: record.Status,
    priority: record.Priority,
    origin: record.Origin,
    type: record.Type,
    isClosed: record.IsClosed,
    openedAt: isoDateTime(record.CreatedDate) ?? record.CreatedDate,
    closedAt: isoDateTime(record.ClosedDate),
    account: accountRef(record.AccountId, record.Account),
    contactId: record.ContactId,
    assetSerialNumber: record.Asset?.SerialNumber || null,
    entitlementId: record.EntitlementId ?? null,
    orderNumber: record.ERP_Order_Number__c || null,
  };
}

export function assetOf(record: AssetRecord): CrmAsset {
  return {
    id: record.Id,
    serialNumber: record.SerialNumber || null,
    name: record.Name,
    status: record.Status,
    installDate: record.InstallDate,
    purchaseDate: record.PurchaseDate,
    account: accountRef(record.AccountId, record.Account),
    contactId: record.ContactId,
    shipmentNumber: record.ERP_Shipment_Number__c || null,
  };
}

export function entitlementOf(record: EntitlementRecord): CrmEntitlement {
  return {
    id: record.Id,
    assetId: record.AssetId,
    name: record.Name,
    type: record.Type,
    status: record.Status,
    startDate: record.StartDate,
    endDate: record.EndDate,
    isPerIncident: record.IsPerIncident === true,
    casesPerEntitlement: record.CasesPerEntitlement ?? null,
    remainingCases: record.RemainingCases ?? null,
  };
}

export function productOf(record: Product2Record): CrmProduct {
  return { crmProductId: record.Id, sku: record.ProductCode, family: record.Family };
}

export function quoteOfProductOf(record: { QuoteId: string }): CrmQuoteOfProduct {
  return { quoteId: record.QuoteId };
}

/** What a row of each child list (fields.ts CHILD_LISTS) becomes. */
export const CHILD_LIST_MODELS = {
  contacts: contactOf,
  tasks: taskOf,
  events: eventOf,
  opportunities: opportunityOf,
  quotes: quoteOf,
  cases: supportCaseOf,
  assets: assetOf,
  productQuoteLines: quoteOfProductOf,
  campaignMembers: campaignMemberOf,
  campaignOpportunities: opportunityOf,
} as const satisfies Record<ChildListName, (record: never) => unknown>;

export type ChildListModel = ReturnType<(typeof CHILD_LIST_MODELS)[ChildListName]>;

/** What a row of each root list (fields.ts ROOT_LISTS) becomes. */
export const ROOT_LIST_MODELS = {
  opportunities: opportunityOf,
  cases: supportCaseOf,
  tasks: taskOf,
  events: eventOf,
  campaigns: campaignOf,
} as const satisfies Record<RootListName, (record: never) => unknown>;

export type RootListModel<L extends RootListName> = ReturnType<(typeof ROOT_LIST_MODELS)[L]>;
