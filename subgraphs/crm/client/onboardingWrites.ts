import { bumpGenerations } from '../../../lib/cachedBatch.js';
import { LegacyError } from '../../../lib/errors.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { CRM_GENERATIONS } from './cacheGenerations.js';
import type { CrmClient } from './crmClient.js';
import { ACCOUNT_FIELDS } from './fields.js';
import { toSalesforceId18 } from './ids.js';
import { CONTACT_ROLE_VALUES } from './picklists.js';
import { buildSelect, compare, stringLiteral } from './soql.js';
import type { AccountRecord, ContactRecord, SfQueryResult } from './types.js';

/**
 * Salesforce reads and writes of prospect onboarding: the account as the ERP customer is made
 * from it (with its billing contacts and its owner's e-mail, in one query), and the link
 * written back once the ERP customer exists. Protocol knowledge stays here: field names, the
 * account Type picklist, the relationship names.
 */

/** The account Type of a prospect, and the one a prospect becomes once the ERP holds it. */
const PROSPECT = 'Prospect';
const DIRECT_CUSTOMER = 'Customer - Direct';

/** A CRM account as onboarding reads it: the values the ERP customer is made from. */
export interface AccountForOnboarding {
  id: string;
  name: string | null;
  /** The ERP customer it is linked to already (lower case); null for a prospect. */
  erpCustomerId: string | null;
  accountNumber: string | null;
  /** Whether its Type is Prospect (it becomes a direct customer when linked). */
  prospect: boolean;
  billingStreet: string | null;
  billingCity: string | null;
  billingState: string | null;
  billingPostalCode: string | null;
  billingCountry: string | null;
  shippingStreet: string | null;
  shippingCity: string | null;
  shippingState: string | null;
  shippingPostalCode: string | null;
  shippingCountry: string | null;
  phone: string | null;
  website: string | null;
  currencyCode: string | null;
  /** The account owner's e-mail (a CRM user's, the same as their ERP employee e-mail). */
  ownerEmail: string | null;
  /** The oldest billing contact's e-mail and phone, if the account has one with an e-mail. */
  billingContact: { email: string; phone: string | null } | null;
}

/**
 * The account linked to the ERP customer made from it. Absolute values only, so writing it twice
 * (an answer lost, a write-back retried) changes nothing more. Stored as is by a pending
 * write-back: its shape stays readable by later versions.
 */
export interface AccountErpLink {
  accountId: string;
  erpCustomerId: string;
  erpCustomerNumber: string;
  /** Set the account's Type to a direct customer's (it was a prospect when onboarded). */
  becomesCustomer: boolean;
}

const CONTACT_FIELDS = ['Id', 'Email', 'Phone', 'Contact_Role__c', 'CreatedDate'] as const;

/** The account as the reads select it (ACCOUNT_FIELDS), with its contacts as CONTACT_FIELDS read them. */
type SfAccountForOnboarding = AccountRecord & {
  Contacts: SfQueryResult<Pick<ContactRecord, 'Email' | 'Phone' | 'Contact_Role__c'>> | null;
};

const blank = (value: string | null | undefined) => (value?.trim() ? value.trim() : null);

export class CrmOnboardingWrites {
  constructor(
    private readonly client: CrmClient,
    private readonly cache: LegacyCache | undefined,
    /** crmCacheScope(…) of the same instance, API version and token the CRM subgraph reads with. */
    private readonly scope: string,
  ) {}

  /** The account with its contacts' roles and its owner's e-mail, in one query. */
  async accountForOnboarding(
    accountId: string,
    requestId?: string,
  ): Promise<AccountForOnboarding | undefined> {
    const id = toSalesforceId18(accountId);
    if (!id) return undefined;
    const [row] = await this.client.queryAll<SfAccountForOnboarding>(
      buildSelect({
        object: 'Account',
        fields: ACCOUNT_FIELDS,
        subqueries: [
          {
            relationship: 'Contacts',
            fields: CONTACT_FIELDS,
            orderBy: [
              { field: 'CreatedDate', direction: 'ASC' },
              { field: 'Id', direction: 'ASC' },
            ],
          },
        ],
        where: compare('Id', '=', stringLiteral(id)),
      }),
      'account for onboarding',
      { requestId },
    );
    if (!row) return undefined;
    const billing = (row.Contacts?.records ?? []).find(
      (contact) => contact.Contact_Role__c === CONTACT_ROLE_VALUES.BILLING && blank(contact.Email) !== null,
    );
    return {
      id: row.Id,
      name: blank(row.Name),
      erpCustomerId: blank(row.ERP_Customer_Id__c)?.toLowerCase() ?? null,
      accountNumber: blank(row.AccountNumber),
      prospect: row.Type === PROSPECT,
      billingStreet: blank(row.BillingStreet),
      billingCity: blank(row.BillingCity),
      billingState: blank(row.BillingState),
      billingPostalCode: blank(row.BillingPostalCode),
      billingCountry: blank(row.BillingCountry),
      shippingStreet: blank(row.ShippingStreet),
      shippingCity: blank(row.ShippingCity),
      shippingState: blank(row.ShippingState),
      shippingPostalCode: blank(row.ShippingPostalCode),
      shippingCountry: blank(row.ShippingCountry),
      phone: blank(row.Phone),
      website: blank(row.Website),
      currencyCode: blank(row.CurrencyIsoCode),
      ownerEmail: blank(row.Owner?.Email),
      billingContact: billing ? { email: blank(billing.Email)!, phone: blank(billing.Phone) } : null,
    };
  }

  /**
   * Writes the ERP customer's id (the external id the graph joins on) and number onto the
   * account, and makes a prospect a direct customer. One PATCH, absolute values: safe to send
   * again after an unknown outcome. NOT_FOUND when the account is gone.
   */
  async linkAccountToErpCustomer(link: AccountErpLink, requestId?: string): Promise<void> {
    const id = toSalesforceId18(link.accountId);
    if (!id) throw new LegacyError('NOT_FOUND', 'CRM', 'The CRM has no such account.');
    try {
      await this.client.http.send({
        method: 'PATCH',
        path: `sobjects/Account/${id}`,
        body: {
          ERP_Customer_Id__c: link.erpCustomerId,
          AccountNumber: link.erpCustomerNumber,
          ...(link.becomesCustomer ? { Type: DIRECT_CUSTOMER } : {}),
        },
        label: 'link account to ERP customer',
        requestId,
      });
    } finally {
      // Bumped whatever the outcome: a write that timed out may still have happened. The account
      // is now found by its ERP id, and every list keyed by customer id moves with it.
      await bumpGenerations(this.cache, this.scope, [
        CRM_GENERATIONS.accounts,
        CRM_GENERATIONS.lists,
        CRM_GENERATIONS.account(id),
      ]);
    }
  }
}
