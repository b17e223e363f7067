/**
 * The few value shapes both systems' clients and the workflows speak alike, so an address read
 * from one system can be handed to the other's write without a translation in between.
 */

/** A decimal amount as text with two decimals, never a binary float, in an ISO 4217 currency. */
export interface Money {
  amount: string;
  currencyCode: string;
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
