import type { GraphQLError } from 'graphql';
import type { PostalAddress } from '../../lib/domain.js';
import { appError } from '../../lib/errors.js';
import { type CrmIdKind, isGuid, parseCrmId } from '../crm/client/ids.js';
import { CRM_FIELD_LIMITS } from '../crm/client/writes.js';
import { ERP_FIELD_LIMITS } from '../erp/client/writes.js';

/**
 * Every mutation's input is checked here before any legacy call, so a refused input writes
 * nothing anywhere. Errors are BAD_USER_INPUT with `extensions.field` (the argument path) and
 * `extensions.reason` (a stable word: EMPTY, TOO_LONG, INVALID_ID, INVALID_FORMAT,
 * OUT_OF_RANGE, NOT_ALLOWED), so a client can point at the field and branch on the reason.
 */

export type InvalidReason =
  | 'EMPTY'
  | 'TOO_LONG'
  | 'INVALID_ID'
  | 'INVALID_FORMAT'
  | 'OUT_OF_RANGE'
  | 'NOT_ALLOWED';

export function invalidInput(field: string, reason: InvalidReason, message: string): GraphQLError {
  return appError('BAD_USER_INPUT', message, { field, reason });
}

/** Idempotency keys: printable ASCII without spaces, as HTTP's Idempotency-Key header allows in practice. */
const KEY_RE = /^[\x21-\x7e]+$/;
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const COUNTRY_RE = /^[A-Z]{2}$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})$/;
/** Characters no field of either system accepts: control characters other than tab and newlines. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/;

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/** The CRM id of a record of `kind`, returned as given (the client speaks it in its own form). */
export function crmId(field: string, value: string, kind: CrmIdKind): string {
  if (parseCrmId(kind, value) === null) {
    throw invalidInput(field, 'INVALID_ID', `${field} must be the CRM id of a ${kind}.`);
  }
  return value;
}

export type CustomerRef = { kind: 'erp'; customerId: string } | { kind: 'crm'; accountId: string };

/** A Customer.id: the ERP customer's GUID, or the CRM account id of a prospect. */
export function customerRef(field: string, value: string): CustomerRef {
  if (isGuid(value)) return { kind: 'erp', customerId: value.toLowerCase() };
  if (parseCrmId('account', value) !== null) return { kind: 'crm', accountId: value };
  throw invalidInput(
    field,
    'INVALID_ID',
    `${field} must be a customer id: an ERP customer GUID or a CRM account id.`,
  );
}

export function idempotencyKey(field: string, value: string): string {
  if (value.length === 0) throw invalidInput(field, 'EMPTY', `${field} must not be empty.`);
  if (value.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw invalidInput(
      field,
      'TOO_LONG',
      `${field} must be at most ${MAX_IDEMPOTENCY_KEY_LENGTH} characters.`,
    );
  }
  if (!KEY_RE.test(value)) {
    throw invalidInput(
      field,
      'INVALID_FORMAT',
      `${field} must be printable ASCII without spaces (a UUID is a good key).`,
    );
  }
  return value;
}

/** Trimmed text within `max` characters; empty is refused when `required`, else becomes null. */
export function text(field: string, value: string | null | undefined, max: number, required: true): string;
export function text(
  field: string,
  value: string | null | undefined,
  max: number,
  required?: false,
): string | null;
export function text(
  field: string,
  value: string | null | undefined,
  max: number,
  required = false,
): string | null {
  const trimmed = value?.trim() ?? '';
  if (trimmed === '') {
    if (required) throw invalidInput(field, 'EMPTY', `${field} must not be empty.`);
    return null;
  }
  if (trimmed.length > max)
    throw invalidInput(field, 'TOO_LONG', `${field} must be at most ${max} characters.`);
  if (CONTROL_RE.test(trimmed))
    throw invalidInput(field, 'INVALID_FORMAT', `${field} must not contain control characters.`);
  return trimmed;
}

/** The shape of an e-mail address both systems take (the one rule for a caller's and an account's). */
export function isEmailAddress(value: string): boolean {
  return EMAIL_RE.test(value);
}

export function email(field: string, value: string | null | undefined): string | null {
  const checked = text(field, value, Math.min(CRM_FIELD_LIMITS.email, ERP_FIELD_LIMITS.email));
  if (checked !== null && !isEmailAddress(checked)) {
    throw invalidInput(field, 'INVALID_FORMAT', `${field} must be an e-mail address.`);
  }
  return checked;
}

/** An instant or a date (ISO 8601), returned normalised to the ISO string it denotes. */
export function isoTime(
  field: string,
  value: string | null | undefined,
): { date: string; dateTime: string } | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const raw = value.trim();
  const ms = DATE_RE.test(raw)
    ? Date.parse(`${raw}T00:00:00Z`)
    : DATETIME_RE.test(raw)
      ? Date.parse(raw)
      : Number.NaN;
  if (Number.isNaN(ms))
    throw invalidInput(
      field,
      'INVALID_FORMAT',
      `${field} must be an ISO 8601 date or date-time with a zone.`,
    );
  const year = new Date(ms).getUTCFullYear();
  if (year < 1700 || year > 4000)
    throw invalidInput(field, 'OUT_OF_RANGE', `${field} must be between the years 1700 and 4000.`);
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), dateTime: iso };
}

export function integerInRange(
  field: string,
  value: number | null | undefined,
  min: number,
  max: number,
): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalidInput(field, 'OUT_OF_RANGE', `${field} must be a whole number from ${min} to ${max}.`);
  }
  return value;
}

/** Within the stricter of the two systems' limits, since the address may be kept in both. */
export function address(
  field: string,
  value: {
    street: string;
    street2?: string | null;
    city: string;
    state?: string | null;
    postalCode: string;
    country: string;
  },
): PostalAddress {
  const country = text(`${field}.country`, value.country, ERP_FIELD_LIMITS.country, true).toUpperCase();
  if (!COUNTRY_RE.test(country)) {
    throw invalidInput(
      `${field}.country`,
      'INVALID_FORMAT',
      `${field}.country must be an ISO 3166 alpha-2 code such as US or DE.`,
    );
  }
  return {
    street: text(`${field}.street`, value.street, ERP_FIELD_LIMITS.street, true),
    street2: text(`${field}.street2`, value.street2, ERP_FIELD_LIMITS.street2),
    city: text(`${field}.city`, value.city, ERP_FIELD_LIMITS.city, true),
    state: text(`${field}.state`, value.state, ERP_FIELD_LIMITS.state),
    postalCode: text(`${field}.postalCode`, value.postalCode, ERP_FIELD_LIMITS.postalCode, true),
    country,
  };
}
