/**
 * When the CRM and the ERP hold "the same" value of a customer: the one rule behind the CRM
 * subgraph's Customer.discrepancies and the reports' data-quality conflicts, so a customer the
 * one shows as disagreeing is the customer the other lists.
 */

/** An address as both systems hold it (every part may be blank). */
export interface ComparableAddress {
  street: string | null;
  city: string | null;
  state: string | null;
  postalCode: string | null;
  country: string | null;
}

/** The address parts compared, in the order they are reported. */
export const ADDRESS_PARTS = ['street', 'city', 'state', 'postalCode', 'country'] as const;
export type AddressPart = (typeof ADDRESS_PARTS)[number];

/**
 * Text as compared: trimmed, runs of whitespace (line breaks of a street included) as one space,
 * lower case; blank and absent alike. People retype names and addresses with other spacing and
 * capitals, which is no disagreement about the customer.
 */
function comparableText(value: string | null | undefined): string {
  return (value ?? '').trim().replace(/\s+/g, ' ').toLowerCase();
}

export function sameText(a: string | null | undefined, b: string | null | undefined): boolean {
  return comparableText(a) === comparableText(b);
}

/** The parts of two addresses that differ (by {@link sameText}), in ADDRESS_PARTS order. */
export function differingAddressParts(a: ComparableAddress, b: ComparableAddress): AddressPart[] {
  return ADDRESS_PARTS.filter((part) => !sameText(a[part], b[part]));
}

/**
 * A phone number as compared: its digits only. The CRM and the ERP punctuate the same number
 * differently ("+1 (555) 010-2030", "+1 555 0102030"); a different digit is a different number.
 */
export function samePhone(a: string | null | undefined, b: string | null | undefined): boolean {
  const digits = (value: string | null | undefined) => (value ?? '').replace(/\D/g, '');
  return digits(a) === digits(b);
}

/** One line of an address for a person to read (parts in order, blanks left out). */
export function addressLine(address: ComparableAddress): string | null {
  const parts = ADDRESS_PARTS.map((part) => address[part]?.trim().replace(/\s*\n\s*/g, ', ') ?? '').filter(
    (part) => part !== '',
  );
  return parts.length === 0 ? null : parts.join(', ');
}
