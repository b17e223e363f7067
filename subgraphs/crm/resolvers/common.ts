import type { AddressPurpose } from '../__generated__/resolvers-types.js';
import type { AccountRef } from '../client/types.js';
import type { CrmContext } from '../context.js';
import type { CustomerModel } from '../models.js';

/** Salesforce's corporate currency, for records without CurrencyIsoCode (single-currency orgs). */
export const CORPORATE_CURRENCY = 'USD';

/** A decimal as the graph's Money: a string with two decimals, never a binary float on the wire. */
export function money(amount: number | null | undefined, currencyCode: string | null | undefined) {
  if (amount === null || amount === undefined || !Number.isFinite(amount)) return null;
  return { amount: amount.toFixed(2), currencyCode: currencyCode || CORPORATE_CURRENCY };
}

export interface AddressParts {
  street: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

export function crmAddress(purpose: AddressPurpose, parts: AddressParts) {
  if (Object.values(parts).every((v) => v === null || v === '')) return null;
  return { purpose, source: 'CRM' as const, ...parts };
}

/** The customer a CRM record belongs to, from its AccountId and Account.ERP_Customer_Id__c. */
export function customerOf(accountId: string | null, account: AccountRef | null): CustomerModel | null {
  if (!accountId) return null;
  return { id: account?.ERP_Customer_Id__c ?? accountId, accountId };
}

/** An ISO 8601 instant from Salesforce's `2024-03-01T10:00:00.000+0000`. */
export function isoDateTime(value: string | null | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(time) ? value : new Date(time).toISOString();
}

export function ownerOf(owner: { Email: string | null; Id: string } | null | undefined) {
  return owner?.Email ? { email: owner.Email, user: owner } : null;
}

export type Ctx = CrmContext;
