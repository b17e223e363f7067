import { QUOTE_APPROVAL_FIELDS } from './approvalFields.js';
import type { ChildRelationship, FilterField, OrderKey, SObjectName } from './soql.js';

/**
 * The fixed field lists every SOQL statement selects: each matches a record type in types.ts.
 * Parent paths (Owner.Email, Account.ERP_Customer_Id__c) read the related record in the same
 * call instead of a second lookup.
 */
const OWNER = ['Owner.Id', 'Owner.Email', 'Owner.Username', 'Owner.Department', 'Owner.IsActive'] as const;

/** An account's billing and delivery address (types.ts AccountAddressFields): read and written alike. */
export const ACCOUNT_ADDRESS_FIELDS = [
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
] as const;

export const ACCOUNT_FIELDS = [
  'Id',
  'Name',
  'AccountNumber',
  'ERP_Customer_Id__c',
  'Type',
  'Industry',
  ...ACCOUNT_ADDRESS_FIELDS,
  'Phone',
  'Website',
  'CurrencyIsoCode',
  'CreatedDate',
  ...OWNER,
] as const;

export const USER_FIELDS = ['Id', 'Username', 'Name', 'Email', 'Department', 'IsActive'] as const;

export const CONTACT_FIELDS = [
  'Id',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'FirstName',
  'LastName',
  'Name',
  'Title',
  'Email',
  'Phone',
  'MobilePhone',
  'MailingStreet',
  'MailingCity',
  'MailingState',
  'MailingPostalCode',
  'MailingCountry',
  'Contact_Role__c',
] as const;

export const TASK_FIELDS = [
  'Id',
  'AccountId',
  'WhoId',
  'Subject',
  'Description',
  'Status',
  'ActivityDate',
  'TaskSubtype',
  'Owner.Id',
  'Owner.Email',
] as const;

export const EVENT_FIELDS = [
  'Id',
  'AccountId',
  'WhoId',
  'Subject',
  'Description',
  'ActivityDateTime',
  'StartDateTime',
  'Type',
  'Owner.Id',
  'Owner.Email',
] as const;

export const OPPORTUNITY_FIELDS = [
  'Id',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'Name',
  'StageName',
  'Amount',
  'CurrencyIsoCode',
  'Probability',
  'CloseDate',
  'IsClosed',
  'IsWon',
  'CampaignId',
  'Owner.Id',
  'Owner.Email',
] as const;

export const CAMPAIGN_FIELDS = [
  'Id',
  'Name',
  'Type',
  'Status',
  'StartDate',
  'EndDate',
  'IsActive',
  'BudgetedCost',
  'ActualCost',
  'ExpectedRevenue',
  'Owner.Id',
  'Owner.Email',
] as const;

/** A member with its contact's account, so its customer needs no second read. */
export const CAMPAIGN_MEMBER_FIELDS = [
  'Id',
  'CampaignId',
  'ContactId',
  'Status',
  'HasResponded',
  'CreatedDate',
  'Contact.AccountId',
  'Contact.Account.ERP_Customer_Id__c',
] as const;

export const QUOTE_LINE_FIELDS = [
  'Id',
  'LineNumber',
  'Description',
  'Quantity',
  'UnitPrice',
  'Discount',
  'TotalPrice',
  'Product2.ProductCode',
] as const;

export const QUOTE_FIELDS = [
  'Id',
  'Name',
  'QuoteNumber',
  'Status',
  'ExpirationDate',
  'CurrencyIsoCode',
  'Subtotal',
  'Discount',
  'TotalPrice',
  'GrandTotal',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'OpportunityId',
  'ContactId',
  'ERP_Order_Number__c',
  'CreatedDate',
  // The discount approval recorded on the quote (Quote.approval).
  ...QUOTE_APPROVAL_FIELDS,
] as const;

export const CASE_FIELDS = [
  'Id',
  'CaseNumber',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'ContactId',
  'Subject',
  'Description',
  'Status',
  'Priority',
  'Origin',
  'Type',
  'IsClosed',
  'CreatedDate',
  'ClosedDate',
  'AssetId',
  'Asset.SerialNumber',
  'EntitlementId',
  'ERP_Order_Number__c',
] as const;

export const ASSET_FIELDS = [
  'Id',
  'AccountId',
  'Account.ERP_Customer_Id__c',
  'ContactId',
  'Name',
  'SerialNumber',
  'Status',
  'InstallDate',
  'PurchaseDate',
  'ERP_Shipment_Number__c',
] as const;

export const ENTITLEMENT_FIELDS = [
  'Id',
  'AssetId',
  'Name',
  'Type',
  'Status',
  'StartDate',
  'EndDate',
  'IsPerIncident',
  'CasesPerEntitlement',
  'RemainingCases',
] as const;

export const PRODUCT_FIELDS = ['Id', 'ProductCode', 'Family'] as const;

/**
 * How a per-parent list is read: as a subquery of its parent (Account, or Product2 by SKU) for
 * many parents at once, or on its own for one parent after a keyset position.
 */
export interface ChildListSpec {
  parent: SObjectName;
  /** The parent's field the list is keyed by (what callers know: an account id, a SKU). */
  parentKey: FilterField;
  /** The same key seen from the child, for later pages of one parent. */
  childParentKey: FilterField;
  relationship: ChildRelationship;
  object: SObjectName;
  fields: readonly string[];
  /** A total order: the last key is Id, so keyset positions are unique. */
  orderBy: readonly OrderKey[];
}

const byId = (direction: 'ASC' | 'DESC'): OrderKey => ({ field: 'Id', direction });

const ofAccount = { parent: 'Account', parentKey: 'Id', childParentKey: 'AccountId' } as const;
const ofCampaign = { parent: 'Campaign', parentKey: 'Id', childParentKey: 'CampaignId' } as const;

/** Earliest close date first: the opportunities still to come before those further out. */
const EARLIEST_CLOSE_FIRST: readonly OrderKey[] = [{ field: 'CloseDate', direction: 'ASC' }, byId('ASC')];

export const QUOTE_LINE_OF_PRODUCT_FIELDS = ['Id', 'QuoteId', 'CreatedDate'] as const;

export const CHILD_LISTS = {
  contacts: {
    ...ofAccount,
    relationship: 'Contacts',
    object: 'Contact',
    fields: CONTACT_FIELDS,
    orderBy: [{ field: 'LastName', direction: 'ASC' }, { field: 'FirstName', direction: 'ASC' }, byId('ASC')],
  },
  tasks: {
    ...ofAccount,
    relationship: 'Tasks',
    object: 'Task',
    fields: TASK_FIELDS,
    orderBy: [{ field: 'ActivityDate', direction: 'DESC' }, byId('DESC')],
  },
  events: {
    ...ofAccount,
    relationship: 'Events',
    object: 'Event',
    fields: EVENT_FIELDS,
    orderBy: [{ field: 'ActivityDateTime', direction: 'DESC' }, byId('DESC')],
  },
  opportunities: {
    ...ofAccount,
    relationship: 'Opportunities',
    object: 'Opportunity',
    fields: OPPORTUNITY_FIELDS,
    orderBy: [{ field: 'CloseDate', direction: 'DESC' }, byId('DESC')],
  },
  quotes: {
    ...ofAccount,
    relationship: 'Quotes',
    object: 'Quote',
    fields: QUOTE_FIELDS,
    orderBy: [{ field: 'CreatedDate', direction: 'DESC' }, byId('DESC')],
  },
  cases: {
    ...ofAccount,
    relationship: 'Cases',
    object: 'Case',
    fields: CASE_FIELDS,
    orderBy: [{ field: 'CreatedDate', direction: 'DESC' }, byId('DESC')],
  },
  /** The account's installed base, newest purchase first. */
  assets: {
    ...ofAccount,
    relationship: 'Assets',
    object: 'Asset',
    fields: ASSET_FIELDS,
    orderBy: [{ field: 'PurchaseDate', direction: 'DESC' }, byId('DESC')],
  },
  /** Quote lines of a product (by SKU): the quotes that include it, newest first. */
  productQuoteLines: {
    parent: 'Product2',
    parentKey: 'ProductCode',
    childParentKey: 'Product2.ProductCode',
    relationship: 'QuoteLineItems',
    object: 'QuoteLineItem',
    fields: QUOTE_LINE_OF_PRODUCT_FIELDS,
    orderBy: [{ field: 'CreatedDate', direction: 'DESC' }, byId('DESC')],
  },
  /** A campaign's members in the order they joined it. */
  campaignMembers: {
    ...ofCampaign,
    relationship: 'CampaignMembers',
    object: 'CampaignMember',
    fields: CAMPAIGN_MEMBER_FIELDS,
    orderBy: [{ field: 'CreatedDate', direction: 'ASC' }, byId('ASC')],
  },
  /** The opportunities whose primary campaign source is the campaign. */
  campaignOpportunities: {
    ...ofCampaign,
    relationship: 'Opportunities',
    object: 'Opportunity',
    fields: OPPORTUNITY_FIELDS,
    orderBy: EARLIEST_CLOSE_FIRST,
  },
} as const satisfies Record<string, ChildListSpec>;

export type ChildListName = keyof typeof CHILD_LISTS;

/**
 * How a list of records of every account (or of none: campaigns) is read: one statement per
 * page over the object itself, filtered, keyset-paged in `orderBy`. `ofAccount`: the records
 * belong to an account, so an owner-bound caller's statement carries `Account.OwnerId`.
 */
export interface RootListSpec {
  object: SObjectName;
  fields: readonly string[];
  /** A total order: the last key is Id. */
  orderBy: readonly OrderKey[];
  ofAccount: boolean;
}

export const ROOT_LISTS = {
  opportunities: {
    object: 'Opportunity',
    fields: OPPORTUNITY_FIELDS,
    orderBy: EARLIEST_CLOSE_FIRST,
    ofAccount: true,
  },
  cases: { object: 'Case', fields: CASE_FIELDS, orderBy: CHILD_LISTS.cases.orderBy, ofAccount: true },
  // The two streams of interactions, ordered as an account's are, so one merge serves both.
  tasks: { object: 'Task', fields: TASK_FIELDS, orderBy: CHILD_LISTS.tasks.orderBy, ofAccount: true },
  events: { object: 'Event', fields: EVENT_FIELDS, orderBy: CHILD_LISTS.events.orderBy, ofAccount: true },
  campaigns: {
    object: 'Campaign',
    fields: CAMPAIGN_FIELDS,
    orderBy: [{ field: 'StartDate', direction: 'DESC' }, byId('DESC')],
    ofAccount: false,
  },
} as const satisfies Record<string, RootListSpec>;

export type RootListName = keyof typeof ROOT_LISTS;

/** How each orderable field's values are written as literals. */
export const FIELD_KINDS: Partial<Record<FilterField, 'date' | 'datetime' | 'boolean' | 'string'>> = {
  ActivityDate: 'date',
  CloseDate: 'date',
  PurchaseDate: 'date',
  StartDate: 'date',
  EndDate: 'date',
  IsClosed: 'boolean',
  IsWon: 'boolean',
  ActivityDateTime: 'datetime',
  CreatedDate: 'datetime',
};
