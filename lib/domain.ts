import { LegacyError, type LegacySystem } from './errors.js';

/**
 * The few value shapes both systems' clients and the workflows speak alike, so an address read
 * from one system can be handed to the other's write without a translation in between.
 */

/** A decimal amount as text with two decimals, never a binary float: "1234.50". */
export type Amount = string;

/** An amount in an ISO 4217 currency. */
export interface Money {
  amount: Amount;
  currencyCode: string;
}

/**
 * The exact decimal text of an amount a legacy system sent as a JSON number: rounded to the
 * cent (both systems keep 2 places, so this only drops binary noise such as 0.1 + 0.2), never
 * "-0.00". A number that is no amount (not finite, or too large for plain decimal text) is the
 * system breaking its contract: LEGACY_BAD_RESPONSE.
 */
export function formatAmount(amount: number, system: LegacySystem): Amount {
  if (!Number.isFinite(amount) || Math.abs(amount) >= 1e21) {
    throw new LegacyError(
      'LEGACY_BAD_RESPONSE',
      system,
      `The ${system} answered with an unexpected amount.`,
      {
        amount,
      },
    );
  }
  const text = (Math.round(amount * 100) / 100).toFixed(2);
  return text === '-0.00' ? '0.00' : text;
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether `value` is a calendar day written YYYY-MM-DD (2026-02-30 is not), as both systems write days. */
export function isDay(value: string): boolean {
  if (!DAY_RE.test(value)) return false;
  const ms = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === value;
}

/** A postal address as a write gives it: a street, an optional second line, the rest checked. */
export interface PostalAddress {
  street: string;
  street2: string | null;
  city: string;
  state: string | null;
  postalCode: string;
  /** ISO 3166 alpha-2. */
  country: string;
}
