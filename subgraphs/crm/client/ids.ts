/**
 * Salesforce record ids: 15 characters (case-sensitive) or 18 (the 15 plus a 3-character
 * case-insensitive checksum). We always speak the 18-character form.
 */
const SF_ID_15_RE = /^[a-zA-Z0-9]{15}$/;
const SF_ID_18_RE = /^[a-zA-Z0-9]{18}$/;
const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

function checksum(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(block * 5 + i);
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET.charAt(bits);
  }
  return suffix;
}

/** The 18-character form of a Salesforce id, or undefined when `value` is not one. */
export function toSalesforceId18(value: string): string | undefined {
  if (SF_ID_15_RE.test(value)) return value + checksum(value);
  // The suffix must match: Salesforce refuses a filter on a malformed id (the whole query fails).
  if (SF_ID_18_RE.test(value)) {
    const id15 = value.slice(0, 15);
    return value.slice(15).toUpperCase() === checksum(id15) ? id15 + checksum(id15) : undefined;
  }
  return undefined;
}

/**
 * The objects the graph takes CRM ids of as input, by their key prefix: the first three
 * characters of every id of that object.
 */
const KEY_PREFIXES = {
  account: '001',
  contact: '003',
  quote: '0Q0',
  case: '500',
  asset: '02i',
  campaign: '701',
} as const;

export type CrmIdKind = keyof typeof KEY_PREFIXES;

/** The 18-character id of a CRM record of `kind`; null when `value` is not one (of another object, or no id). */
export function parseCrmId(kind: CrmIdKind, value: string): string | null {
  return value.startsWith(KEY_PREFIXES[kind]) ? (toSalesforceId18(value) ?? null) : null;
}

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

export type CustomerIdKind =
  | { kind: 'erp'; guid: string }
  | { kind: 'crm'; accountId: string }
  | { kind: 'invalid' };

/** A Customer.id: the ERP customer's GUID, or the Salesforce account id of a CRM-only prospect. */
export function classifyCustomerId(id: string): CustomerIdKind {
  if (isGuid(id)) return { kind: 'erp', guid: id.toLowerCase() };
  const accountId = toSalesforceId18(id);
  return accountId ? { kind: 'crm', accountId } : { kind: 'invalid' };
}

/** The id the graph gives the customer of a CRM account: its linked ERP customer's, else its own (a prospect). */
export function customerIdOfAccount(accountId: string, erpCustomerId: string | null): string {
  return erpCustomerId ?? accountId;
}
