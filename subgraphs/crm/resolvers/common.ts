import type { CrmAccountRef } from '../client/models.js';
import type { CustomerModel } from '../models.js';

/** The customer of a CRM account: the ERP customer's id when linked, else the account id. */
export function customerOf(account: CrmAccountRef): CustomerModel {
  return { id: account.erpCustomerId ?? account.crmAccountId, accountId: account.crmAccountId };
}
