import type { Money } from '../../../lib/domain.js';
import type { QuoteApprovalRecord } from './approvalFields.js';

/**
 * What the CRM client hands out: Salesforce's records in the graph's own vocabulary
 * (schema/crm.graphql), with everything Salesforce-specific already translated — picklist values
 * to enum values, tasks and events to one kind of interaction, a blank currency code to the
 * corporate currency, Salesforce's date-time format to ISO 8601, parent paths to references.
 * Plain JSON, so the shared cache can hold them.
 */

export type { Money } from '../../../lib/domain.js';

/** An address as the CRM holds it; every part may be blank. */
export interface CrmPostalAddress {
  street: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

/** The CRM account a record belongs to: what a customer is identified by. */
export interface CrmAccountRef {
  crmAccountId: string;
  /** The ERP customer the account is linked to, if any. */
  erpCustomerId: string | null;
}

/**
 * A CRM user, reached by e-mail. A user named by another record (its owner) comes with only
 * the fields read with that record: undefined means not read, null means the CRM holds none.
 */
export interface CrmUser {
  email: string;
  crmUserId: string;
  crmUsername?: string | null;
  department?: string | null;
  isActiveCrmUser?: boolean | null;
}

export interface CrmAccount extends CrmAccountRef {
  name: string | null;
  accountType: string | null;
  industry: string | null;
  phone: string | null;
  website: string | null;
  billingAddress: CrmPostalAddress;
  shippingAddress: CrmPostalAddress;
  owner: CrmUser | null;
  /** CreatedDate: of accounts linked to one ERP customer, the oldest is the one read (reads.ts OLDEST_FIRST). */
  createdDate: string;
}

export type CrmContactRole = 'SALES' | 'SUPPORT' | 'BILLING' | 'DECISION_MAKER' | 'OTHER';

export interface CrmContact {
  id: string;
  account: CrmAccountRef | null;
  firstName: string | null;
  lastName: string;
  name: string;
  title: string | null;
  email: string | null;
  phone: string | null;
  mobilePhone: string | null;
  role: CrmContactRole;
  mailingAddress: CrmPostalAddress;
}

export type CrmInteractionType = 'TASK' | 'CALL' | 'EMAIL' | 'EVENT';

export interface CrmInteraction {
  id: string;
  type: CrmInteractionType;
  subject: string | null;
  description: string | null;
  /** A task's due date (YYYY-MM-DD), an event's start (ISO 8601). */
  occurredAt: string | null;
  /** Tasks only. */
  status: string | null;
  /** Whom the interaction was with; may name a lead, which no contact lookup finds. */
  contactId: string | null;
  owner: CrmUser | null;
}

export interface CrmOpportunity {
  id: string;
  name: string;
  stage: string;
  amount: Money | null;
  probability: number | null;
  closeDate: string | null;
  isClosed: boolean;
  isWon: boolean;
  account: CrmAccountRef | null;
  owner: CrmUser | null;
  /** The campaign the opportunity came from (its primary campaign source). */
  campaignId: string | null;
}

/** A marketing campaign. Salesforce keeps its costs without a currency: the corporate one. */
export interface CrmCampaign {
  id: string;
  name: string;
  type: string | null;
  status: string | null;
  /** YYYY-MM-DD. */
  startDate: string | null;
  endDate: string | null;
  isActive: boolean;
  budgetedCost: Money | null;
  actualCost: Money | null;
  expectedRevenue: Money | null;
  owner: CrmUser | null;
}

/** A contact a campaign reached, with the contact's account (what its customer is). */
export interface CrmCampaignMember {
  id: string;
  status: string | null;
  hasResponded: boolean;
  contactId: string | null;
  account: CrmAccountRef | null;
}

export interface CrmQuoteLine {
  lineNumber: string | null;
  productSku: string | null;
  description: string | null;
  quantity: number;
  /** In the quote's currency. */
  unitPrice: Money | null;
  discountPercent: number | null;
  total: Money | null;
}

export interface CrmQuote {
  id: string;
  number: string;
  name: string | null;
  status: string;
  expirationDate: string | null;
  subtotal: Money | null;
  discount: Money | null;
  total: Money | null;
  account: CrmAccountRef | null;
  opportunityId: string | null;
  contactId: string | null;
  /** The ERP sales order the quote became, once it did. */
  orderNumber: string | null;
  /** The discount approval recorded on the quote; null when none was ever asked for. */
  approval: QuoteApprovalRecord | null;
  /** Undefined when the quote was read without its lines (in a customer's list of quotes). */
  lines?: CrmQuoteLine[];
}

export interface CrmSupportCase {
  id: string;
  number: string;
  subject: string | null;
  description: string | null;
  status: string;
  priority: string | null;
  origin: string | null;
  type: string | null;
  isClosed: boolean;
  openedAt: string;
  closedAt: string | null;
  account: CrmAccountRef | null;
  contactId: string | null;
  /** The serial number of the unit the case is about (its asset's), if any. */
  assetSerialNumber: string | null;
  /** The entitlement the case was opened under (a warranty claim's). */
  entitlementId: string | null;
  /** The ERP sales order the case is about (a complaint's). */
  orderNumber: string | null;
}

/** A unit installed at a customer (a CRM Asset), by the serial number the ERP shipped it with. */
export interface CrmAsset {
  id: string;
  serialNumber: string | null;
  name: string | null;
  /** Purchased, Shipped, Installed, Registered, Obsolete. */
  status: string | null;
  installDate: string | null;
  purchaseDate: string | null;
  account: CrmAccountRef | null;
  contactId: string | null;
  /** The ERP shipment the unit left on. */
  shipmentNumber: string | null;
}

/** What a customer is entitled to (a CRM Entitlement): a warranty on an asset, or a support contract. */
export interface CrmEntitlement {
  id: string;
  assetId: string | null;
  name: string | null;
  /** Warranty, Phone Support, Web Support, … */
  type: string | null;
  /** Active, Expired, Inactive: the CRM's own word, which the dates decide (warrantyRules.ts). */
  status: string | null;
  /** First and last day covered (YYYY-MM-DD). */
  startDate: string | null;
  endDate: string | null;
  /** Each case opened under it uses one of `casesPerEntitlement`. */
  isPerIncident: boolean;
  /** Null: no limit. */
  casesPerEntitlement: number | null;
  /** Null: no limit. */
  remainingCases: number | null;
}

/** The CRM's catalogue entry of an ERP product. */
export interface CrmProduct {
  crmProductId: string;
  sku: string | null;
  family: string | null;
}

/** A quote that includes a product, as the product's list of quotes names it. */
export interface CrmQuoteOfProduct {
  quoteId: string;
}
