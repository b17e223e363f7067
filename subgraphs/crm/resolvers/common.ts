import type { AddressPurpose } from '../__generated__/resolvers-types.js';
import type { CrmAccountRef, CrmPostalAddress } from '../client/models.js';
import type { CustomerModel } from '../models.js';

/** An address of the CRM's, or null when the CRM holds none (every part blank). */
export function crmAddress(purpose: AddressPurpose, address: CrmPostalAddress) {
  if (Object.values(address).every((v) => v === null || v === '')) return null;
  return { purpose, source: 'CRM' as const, ...address };
}

/** The customer of a CRM account: the ERP customer's id when linked, else the account id. */
export function customerOf(account: CrmAccountRef): CustomerModel {
  return { id: account.erpCustomerId ?? account.crmAccountId, accountId: account.crmAccountId };
}
