/**
 * Builds the OData v4 query strings the ERP client sends to Business Central. Values reach a
 * `$filter` only through `stringLiteral` (a quote doubled, the whole literal in quotes),
 * `guidLiteral` (checked against the GUID shape, sent bare) or `dateLiteral` (checked as a
 * calendar day, sent bare); field names come only from the fixed unions below, never from input.
 */

import { isDay } from '../../../lib/domain.js';

export const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function isGuid(value: string): boolean {
  return GUID_RE.test(value);
}

/** An OData string literal: `O'Brien` → `'O''Brien'`. Nothing else is special inside quotes. */
export function stringLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** A GUID literal; anything that is not a GUID is refused rather than sent. */
export function guidLiteral(value: string): string {
  if (!isGuid(value)) throw new TypeError('guidLiteral: not a GUID');
  return value.toLowerCase();
}

/** Whether `value` is a calendar day written YYYY-MM-DD (2026-02-30 is not). */
export const isDate = isDay;

/** An Edm.Date literal, which OData (and BC) write bare: `2026-06-30`. Anything else is refused rather than sent. */
export function dateLiteral(value: string): string {
  if (!isDate(value)) throw new TypeError('dateLiteral: not a YYYY-MM-DD day');
  return value;
}

/** Fields the client compares with `eq` against GUIDs. */
export type GuidField =
  | 'id'
  | 'customerId'
  | 'documentId'
  | 'orderId'
  | 'appliesToInvoiceId'
  | 'parentItemId'
  | 'invoiceId';
/** Fields the client compares with `eq` against text. */
export type TextField =
  | 'number'
  | 'email'
  | 'orderNumber'
  | 'externalDocumentNumber'
  | 'serialNumber'
  | 'status'
  | 'customerNumber'
  | 'salesperson';
/** Date fields the client bounds with `ge`/`le`/`lt`. */
export type DateField = 'orderDate' | 'requestedDeliveryDate' | 'invoiceDate' | 'dueDate' | 'postingDate';
/** Text fields the client searches with `contains`. */
export type SearchField = 'displayName';

export type FilterValue =
  | { kind: 'guid'; field: GuidField; value: string }
  | { kind: 'text'; field: TextField; value: string };

export function eq(condition: FilterValue): string {
  return `${condition.field} eq ${condition.kind === 'guid' ? guidLiteral(condition.value) : stringLiteral(condition.value)}`;
}

/** `field eq A or field eq B …`: Business Central accepts `or` only between conditions on one field. */
export function eqAny(
  field: GuidField | TextField,
  kind: 'guid' | 'text',
  values: readonly string[],
): string {
  if (values.length === 0) throw new TypeError('eqAny: no values');
  return values
    .map((value) =>
      eq(
        kind === 'guid'
          ? { kind, field: field as GuidField, value }
          : { kind, field: field as TextField, value },
      ),
    )
    .join(' or ');
}

/** `field ge|le|lt|gt <day>`. */
export function compareDate(field: DateField, op: 'ge' | 'le' | 'lt' | 'gt', value: string): string {
  return `${field} ${op} ${dateLiteral(value)}`;
}

/** Conditions that must all hold; an `or` group is parenthesised, as `and` binds tighter in OData. */
export function allOf(conditions: readonly string[]): string | undefined {
  if (conditions.length === 0) return undefined;
  if (conditions.length === 1) return conditions[0];
  return conditions.map((condition) => (/ or /.test(condition) ? `(${condition})` : condition)).join(' and ');
}

export function contains(field: SearchField, value: string): string {
  return `contains(${field},${stringLiteral(value)})`;
}

export interface QueryOptions {
  filter?: string;
  select?: readonly string[];
  expand?: string;
  orderby?: string;
  top?: number;
}

/** `?$filter=…&$select=…` with every value percent-encoded. */
export function queryString(options: QueryOptions): string {
  const parts: string[] = [];
  if (options.filter !== undefined) parts.push(`$filter=${encodeURIComponent(options.filter)}`);
  if (options.select !== undefined) parts.push(`$select=${encodeURIComponent(options.select.join(','))}`);
  if (options.expand !== undefined) parts.push(`$expand=${encodeURIComponent(options.expand)}`);
  if (options.orderby !== undefined) parts.push(`$orderby=${encodeURIComponent(options.orderby)}`);
  if (options.top !== undefined) parts.push(`$top=${options.top}`);
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * Splits `values` into groups whose `field eq A or field eq B …` filter stays within
 * `maxEncodedLength` characters once percent-encoded, so each GET URL stays under the bound
 * gateways and BC put on request lines. A single value longer than the bound is its own group.
 */
export function chunkByEncodedLength(
  field: GuidField | TextField,
  kind: 'guid' | 'text',
  values: readonly string[],
  maxEncodedLength: number,
): string[][] {
  const separator = encodeURIComponent(' or ').length;
  const chunks: string[][] = [];
  let current: string[] = [];
  let length = 0;
  for (const value of values) {
    const single = encodeURIComponent(eqAny(field, kind, [value])).length;
    const added = current.length === 0 ? single : separator + single;
    if (current.length > 0 && length + added > maxEncodedLength) {
      chunks.push(current);
      current = [];
      length = 0;
    }
    length += current.length === 0 ? single : separator + single;
    current.push(value);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
