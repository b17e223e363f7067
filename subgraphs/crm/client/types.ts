/**
 * The Salesforce record shapes the client reads (REST API v62.0 query results): exactly the
 * fields the SOQL in fields.ts selects, with parent paths as nested objects (null when the
 * lookup is empty) and child subqueries as nested query results. They never leave client/:
 * toModels.ts turns them into the models the client hands out (models.ts).
 */

import type { SfQuoteApprovalFields } from './approvalFields.js';

export interface SfAttributes {
  type: string;
  url: string;
}

export interface SfQueryResult<T> {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: T[];
}

export interface SfRecord {
  attributes?: SfAttributes;
  Id: string;
}

/** The owner of a record, read through the Owner parent path. */
export interface UserRef {
  Id: string;
  Email: string | null;
  Username?: string | null;
  Department?: string | null;
  IsActive?: boolean | null;
}

export interface AccountRef {
  Id?: string;
  ERP_Customer_Id__c: string | null;
}

export interface UserRecord extends SfRecord {
  Username: string | null;
  Name: string | null;
  Email: string | null;
  Department: string | null;
  IsActive: boolean | null;
}

export interface AccountRecord extends SfRecord {
  Name: string | null;
  AccountNumber: string | null;
  ERP_Customer_Id__c: string | null;
  Type: string | null;
  Industry: string | null;
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
  Phone: string | null;
  Website: string | null;
  CurrencyIsoCode: string | null;
  CreatedDate: string;
  Owner: UserRef | null;
}

export interface ContactRecord extends SfRecord {
  AccountId: string | null;
  Account: AccountRef | null;
  FirstName: string | null;
  LastName: string;
  Name: string | null;
  Title: string | null;
  Email: string | null;
  Phone: string | null;
  MobilePhone: string | null;
  MailingStreet: string | null;
  MailingCity: string | null;
  MailingState: string | null;
  MailingPostalCode: string | null;
  MailingCountry: string | null;
  Contact_Role__c: string | null;
}

export interface TaskRecord extends SfRecord {
  AccountId: string | null;
  WhoId: string | null;
  Subject: string | null;
  Description: string | null;
  Status: string | null;
  ActivityDate: string | null;
  TaskSubtype: string | null;
  Owner: UserRef | null;
}

export interface EventRecord extends SfRecord {
  AccountId: string | null;
  WhoId: string | null;
  Subject: string | null;
  Description: string | null;
  ActivityDateTime: string | null;
  StartDateTime: string | null;
  Type: string | null;
  Owner: UserRef | null;
}

export interface OpportunityRecord extends SfRecord {
  AccountId: string | null;
  Account: AccountRef | null;
  Name: string;
  StageName: string;
  Amount: number | null;
  CurrencyIsoCode: string | null;
  Probability: number | null;
  CloseDate: string | null;
  IsClosed: boolean;
  IsWon: boolean;
  CampaignId: string | null;
  Owner: UserRef | null;
}

export interface CampaignRecord extends SfRecord {
  Name: string;
  Type: string | null;
  Status: string | null;
  StartDate: string | null;
  EndDate: string | null;
  IsActive: boolean | null;
  BudgetedCost: number | null;
  ActualCost: number | null;
  ExpectedRevenue: number | null;
  Owner: UserRef | null;
}

export interface CampaignMemberRecord extends SfRecord {
  CampaignId: string;
  ContactId: string | null;
  Status: string | null;
  HasResponded: boolean | null;
  Contact: { AccountId: string | null; Account: AccountRef | null } | null;
}

export interface QuoteLineItemRecord extends SfRecord {
  LineNumber: string | null;
  Description: string | null;
  Quantity: number;
  UnitPrice: number;
  Discount: number | null;
  TotalPrice: number;
  Product2: { ProductCode: string | null } | null;
}

export interface QuoteRecord extends SfRecord, SfQuoteApprovalFields {
  Name: string | null;
  QuoteNumber: string;
  Status: string;
  ExpirationDate: string | null;
  CurrencyIsoCode: string | null;
  Subtotal: number | null;
  Discount: number | null;
  TotalPrice: number | null;
  GrandTotal: number | null;
  AccountId: string | null;
  Account: AccountRef | null;
  OpportunityId: string | null;
  ContactId: string | null;
  ERP_Order_Number__c: string | null;
  CreatedDate: string;
  QuoteLineItems?: SfQueryResult<QuoteLineItemRecord> | null;
}

export interface CaseRecord extends SfRecord {
  CaseNumber: string;
  AccountId: string | null;
  Account: AccountRef | null;
  ContactId: string | null;
  Subject: string | null;
  Description: string | null;
  Status: string;
  Priority: string | null;
  Origin: string | null;
  Type: string | null;
  IsClosed: boolean;
  CreatedDate: string;
  ClosedDate: string | null;
  AssetId: string | null;
  Asset: { SerialNumber: string | null } | null;
  EntitlementId: string | null;
  ERP_Order_Number__c: string | null;
}

export interface AssetRecord extends SfRecord {
  AccountId: string | null;
  Account: AccountRef | null;
  ContactId: string | null;
  Name: string | null;
  SerialNumber: string | null;
  Status: string | null;
  InstallDate: string | null;
  PurchaseDate: string | null;
  ERP_Shipment_Number__c: string | null;
}

export interface EntitlementRecord extends SfRecord {
  AssetId: string | null;
  Name: string | null;
  Type: string | null;
  Status: string | null;
  StartDate: string | null;
  EndDate: string | null;
  IsPerIncident: boolean | null;
  CasesPerEntitlement: number | null;
  RemainingCases: number | null;
}

export interface Product2Record extends SfRecord {
  ProductCode: string | null;
  Family: string | null;
}

/** An Account read only for its child subqueries. */
export interface AccountChildrenRecord extends SfRecord {
  [relationship: string]: unknown;
}

// ─── The write paths (writes.ts) ────────────────────────────────────────────────────────────
// The records the workflows' writes decide on, read with their own selections (every field
// nullable), and the bodies those writes send.

export interface SfQuoteLineForWrite {
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

export interface SfQuoteForWrite {
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
}

/** An account as a write decides on it: what the reads know of it, plus its last modification. */
export type SfAccountForWrite = Pick<
  AccountRecord,
  'Id' | 'Name' | 'ERP_Customer_Id__c' | `${AddressPrefix}${AddressPart}`
> & { LastModifiedDate: string | null; CreatedDate: string | null };

/** A contact as a write decides on it: what the reads know of it, plus its last modification. */
export type SfContactForWrite = Pick<
  ContactRecord,
  'Id' | 'AccountId' | 'FirstName' | 'Email' | 'Phone' | 'MobilePhone' | 'Title' | 'Contact_Role__c'
> & { LastName: string | null; LastModifiedDate: string | null };

export type AddressPrefix = 'Billing' | 'Shipping';
/** An account's billing or delivery address, as read and as a change sends it. */
type AddressPart = 'Street' | 'City' | 'State' | 'PostalCode' | 'Country';
export type AccountAddressFields = Partial<Record<`${AddressPrefix}${AddressPart}`, string | null>>;

/** What a Task or an Event is created with: the account it is logged against, and what it says. */
export interface SfActivityForCreate {
  AccountId: string;
  WhatId: string;
  WhoId: string | null;
  Subject: string;
  Description: string | null;
}

export interface SfTaskForCreate extends SfActivityForCreate {
  ActivityDate: string;
  Status: string;
  TaskSubtype: string;
}

export interface SfEventForCreate extends SfActivityForCreate {
  StartDateTime: string;
  EndDateTime: string;
  ActivityDateTime: string;
  DurationInMinutes: number;
}

/** A quote accepted and linked to the ERP order made from it. */
export interface SfQuoteLinkPatch {
  Status: string;
  ERP_Order_Number__c: string;
  ERP_Order_Id__c: string;
}

export interface SfOpportunityPatch {
  StageName: string;
}
