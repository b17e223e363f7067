import type { LegacyError } from '../../lib/errors.js';
import type {
  CrmAccount,
  CrmAsset,
  CrmCampaign,
  CrmCampaignMember,
  CrmContact,
  CrmInteraction,
  CrmOpportunity,
  CrmQuote,
  CrmQuoteLine,
  CrmSupportCase,
  CrmUser,
} from './client/models.js';

/**
 * The parent each resolver receives (codegen.yml maps the schema's types to these). Most are
 * the client's models as they are; the entities other subgraphs own or extend start from their
 * key alone.
 */

/**
 * What a Customer resolver receives. `account` is null when the CRM holds no account for the
 * customer (an ERP-only customer), undefined when only its id is known so far (a customer
 * reached from a contact or quote): resolvers then load it through the per-request loader.
 */
export interface CustomerModel {
  id: string;
  accountId: string | null;
  account?: CrmAccount | null;
  /**
   * From the gateway's representation, for `discrepancies` (@requires); for a customer listed
   * from the ERP while the CRM is down, its name there (what `name` answers then).
   */
  erpName?: string | null;
  erpBillingAddress?: ErpAddressInput | null;
  /** Listed from the ERP while the CRM is down (erpFallback.ts): the CRM's failure, which its CRM fields give. */
  crmDown?: LegacyError;
}

export interface ErpAddressInput {
  street?: string | null;
  city?: string | null;
  state?: string | null;
  postalCode?: string | null;
  country?: string | null;
}

/** A CRM user reached by e-mail, with what is already read of it (an owner's fields). */
export type EmployeeModel = Pick<CrmUser, 'email'> & Partial<CrmUser>;

export type ContactModel = CrmContact;
export type InteractionModel = CrmInteraction;
export type OpportunityModel = CrmOpportunity;
export type QuoteModel = CrmQuote;
export type QuoteLineModel = CrmQuoteLine;
export type SupportCaseModel = CrmSupportCase;

/**
 * A unit by serial number, with its CRM asset once looked up: null when the CRM holds none (or
 * none the caller may see), undefined when not read yet.
 */
export interface AssetModel {
  serialNumber: string;
  asset?: CrmAsset | null;
}

/** A unit's warranty by serial number; the asset as far as already read (see AssetModel). */
export interface WarrantyModel {
  serialNumber: string;
  asset?: CrmAsset | null;
}

export interface ProductModel {
  sku: string;
}

export interface SalesOrderModel {
  number: string;
}

/**
 * An ERP credit memo by number, with the external document number the gateway fetched from the
 * ERP (@requires): the number of the CRM case it settles, when it names one.
 */
export interface CreditMemoModel {
  number: string;
  externalDocumentNumber?: string | null;
}

/** A campaign as the CRM holds it (its lists are read per field). */
export type CampaignModel = CrmCampaign;
export type CampaignMemberModel = CrmCampaignMember;
