/**
 * Salesforce record ids: 15 case-sensitive characters (a 3-character key prefix naming the
 * object, then the record's number in base 62) plus a 3-character suffix that makes the id
 * usable case-insensitively: for each 5-character block, a bit per upper-case letter, mapped
 * to `A–Z0–5`. Clients may send either form; the stand-in stores and answers the 18-char form.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const CHECKSUM_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID15_RE = /^[0-9A-Za-z]{15}$/;
const ID18_RE = /^[0-9A-Za-z]{15}[A-Z0-5]{3}$/;

/** Key prefixes of the emulated objects, as Salesforce assigns them. */
export const KEY_PREFIXES = {
  Account: '001',
  Contact: '003',
  User: '005',
  Opportunity: '006',
  Task: '00T',
  Event: '00U',
  CampaignMember: '00v',
  Product2: '01t',
  Asset: '02i',
  Quote: '0Q0',
  QuoteLineItem: '0QL',
  Case: '500',
  Entitlement: '550',
  Campaign: '701',
} as const;

export type KeyPrefixObject = keyof typeof KEY_PREFIXES;

/** The 3-character case-safety suffix of a 15-character id. */
export function idChecksum(id15: string): string {
  let suffix = '';
  for (let block = 0; block < 3; block++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(block * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += CHECKSUM_ALPHABET[bits];
  }
  return suffix;
}

/** Upgrades a 15-character id to 18; returns an 18-character id unchanged; undefined otherwise. */
export function to18(id: string): string | undefined {
  if (ID15_RE.test(id)) return id + idChecksum(id);
  if (ID18_RE.test(id) && idChecksum(id.slice(0, 15)) === id.slice(15).toUpperCase()) return id;
  return undefined;
}

export function isSalesforceId(id: string): boolean {
  return to18(id) !== undefined;
}

/**
 * The id of record number `n` of an object: prefix, instance `5g`, a reserved `0`, then `n` in
 * base 62 over 9 characters (13.5e15 ids per object).
 */
export function salesforceId(prefix: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`record number must be a safe integer >= 0: ${n}`);
  let digits = '';
  let rest = n;
  for (let i = 0; i < 9; i++) {
    digits = BASE62[rest % 62] + digits;
    rest = Math.floor(rest / 62);
  }
  const id15 = `${prefix}5g0${digits}`;
  return id15 + idChecksum(id15);
}

/** The object a key prefix names, if it is one of the emulated ones. */
export function objectOfId(id: string): KeyPrefixObject | undefined {
  const prefix = id.slice(0, 3);
  for (const [name, p] of Object.entries(KEY_PREFIXES)) if (p === prefix) return name as KeyPrefixObject;
  return undefined;
}
