/**
 * SOQL built from typed values. Values only reach a statement through the literal functions
 * here (escaped per the SOQL reference: backslash before \ ' " and the control characters,
 * and inside LIKE patterns before % and _ too); field names and operators only come from the
 * fixed lists below, never from input, so a value can neither end its literal nor widen a
 * pattern.
 */

/** Fields that may appear in WHERE and ORDER BY: the keys we look up and the orders we page by. */
export const FILTER_FIELDS = [
  'Id',
  'Name',
  'Email',
  'AccountId',
  'OwnerId',
  'ERP_Customer_Id__c',
  'ERP_Order_Number__c',
  'ProductCode',
  'Product2.ProductCode',
  'QuoteId',
  'OpportunityId',
  'LineNumber',
  'CaseNumber',
  'ActivityDate',
  'ActivityDateTime',
  'CloseDate',
  'CreatedDate',
  'LastName',
  'FirstName',
  'SerialNumber',
  'AssetId',
  'PurchaseDate',
  'EndDate',
  'Account.OwnerId',
  // The cross-customer lists' filters and orders (opportunities, cases, interactions, campaigns).
  'Owner.Email',
  'StageName',
  'IsClosed',
  'IsWon',
  'CampaignId',
  'Status',
  'Priority',
  'TaskSubtype',
  'StartDate',
  // Data quality: prospects left out of CRM-only accounts, an account's billing contact.
  'Type',
  'Contact_Role__c',
] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

export const SOBJECTS = [
  'Account',
  'Contact',
  'Opportunity',
  'Quote',
  'QuoteLineItem',
  'Product2',
  'Case',
  'Task',
  'Event',
  'User',
  'Asset',
  'Entitlement',
  'Campaign',
  'CampaignMember',
] as const;
export type SObjectName = (typeof SOBJECTS)[number];

/** Child relationships we read as subqueries (Account's, Quote's line items, Campaign's members and opportunities). */
export const CHILD_RELATIONSHIPS = [
  'Contacts',
  'Opportunities',
  'Quotes',
  'Cases',
  'Tasks',
  'Events',
  'QuoteLineItems',
  'Assets',
  'Entitlements',
  'CampaignMembers',
] as const;
export type ChildRelationship = (typeof CHILD_RELATIONSHIPS)[number];

export type ComparisonOperator = '=' | '!=' | '<' | '>' | '<=' | '>=';
export type SortDirection = 'ASC' | 'DESC';

declare const conditionBrand: unique symbol;
/** A WHERE condition made by this module only (a plain string does not type-check). */
export type SoqlCondition = string & { readonly [conditionBrand]: true };

declare const literalBrand: unique symbol;
/** A literal made by this module only. */
export type SoqlLiteral = string & { readonly [literalBrand]: true };

const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/** A string literal: `O'Brien` → `'O\'Brien'`. */
export function stringLiteral(value: string): SoqlLiteral {
  return `'${value.replace(/[\\'"\n\r\t\b\f]/g, (c) => ESCAPES[c] ?? c)}'` as SoqlLiteral;
}

/**
 * A LIKE pattern matching names that contain `text` (SOQL LIKE is case-insensitive): the
 * wildcards % and _ in the text are escaped so they match only themselves.
 */
export function containsPattern(text: string): SoqlLiteral {
  const escaped = text.replace(/[\\'"\n\r\t\b\f%_]/g, (c) => ESCAPES[c] ?? `\\${c}`);
  return `'%${escaped}%'` as SoqlLiteral;
}

const DATE_RE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATETIME_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/;

/** A date literal (unquoted in SOQL). Throws on anything but YYYY-MM-DD. */
export function dateLiteral(value: string): SoqlLiteral {
  if (!DATE_RE.test(value)) throw new TypeError(`not a SOQL date: ${JSON.stringify(value)}`);
  return value as SoqlLiteral;
}

/**
 * A dateTime literal (unquoted), written as UTC with milliseconds. Accepts what Salesforce
 * writes (`2024-03-01T10:00:00.000+0000`) and ISO 8601 with `Z` or `±hh:mm`; throws otherwise.
 */
export function dateTimeLiteral(value: string): SoqlLiteral {
  const m = DATETIME_RE.exec(value);
  const time = m
    ? Date.parse(`${m[1]}${m[2] === 'Z' ? 'Z' : m[2]!.replace(/^([+-]\d{2}):?(\d{2})$/, '$1:$2')}`)
    : Number.NaN;
  if (Number.isNaN(time)) throw new TypeError(`not a SOQL dateTime: ${JSON.stringify(value)}`);
  return new Date(time).toISOString() as SoqlLiteral;
}

export const NULL_LITERAL = 'null' as SoqlLiteral;

/** A checkbox literal (unquoted). */
export function booleanLiteral(value: boolean): SoqlLiteral {
  return (value ? 'true' : 'false') as SoqlLiteral;
}

function assertField(field: string): asserts field is FilterField {
  if (!(FILTER_FIELDS as readonly string[]).includes(field))
    throw new TypeError(`field not allowed: ${field}`);
}

export function compare(field: FilterField, operator: ComparisonOperator, value: SoqlLiteral): SoqlCondition {
  assertField(field);
  return `${field} ${operator} ${value}` as SoqlCondition;
}

export function like(field: FilterField, pattern: SoqlLiteral): SoqlCondition {
  assertField(field);
  return `${field} LIKE ${pattern}` as SoqlCondition;
}

export function inList(field: FilterField, values: readonly SoqlLiteral[]): SoqlCondition {
  assertField(field);
  if (values.length === 0) throw new TypeError('IN needs at least one value');
  return `${field} IN (${values.join(', ')})` as SoqlCondition;
}

/** `field NOT IN (…)`: as `!=`, it matches records whose field is empty too. */
export function notInList(field: FilterField, values: readonly SoqlLiteral[]): SoqlCondition {
  assertField(field);
  if (values.length === 0) throw new TypeError('NOT IN needs at least one value');
  return `${field} NOT IN (${values.join(', ')})` as SoqlCondition;
}

export function and(...conditions: SoqlCondition[]): SoqlCondition {
  return conditions.length === 1 ? conditions[0]! : (`(${conditions.join(' AND ')})` as SoqlCondition);
}

export function or(...conditions: SoqlCondition[]): SoqlCondition {
  return conditions.length === 1 ? conditions[0]! : (`(${conditions.join(' OR ')})` as SoqlCondition);
}

export interface OrderKey {
  field: FilterField;
  direction: SortDirection;
}

export interface SubquerySpec {
  relationship: ChildRelationship;
  fields: readonly string[];
  where?: SoqlCondition;
  orderBy?: readonly OrderKey[];
  limit?: number;
}

export interface SelectSpec {
  object: SObjectName;
  /** From the fixed field lists in fields.ts. */
  fields: readonly string[];
  subqueries?: readonly SubquerySpec[];
  where?: SoqlCondition;
  orderBy?: readonly OrderKey[];
  limit?: number;
}

const FIELD_PATH_RE = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

function fieldList(fields: readonly string[]): string {
  for (const f of fields) if (!FIELD_PATH_RE.test(f)) throw new TypeError(`not a field path: ${f}`);
  return fields.join(', ');
}

function orderClause(orderBy: readonly OrderKey[] | undefined): string {
  if (!orderBy || orderBy.length === 0) return '';
  for (const key of orderBy) assertField(key.field);
  // NULLS LAST in both directions: keyset conditions (keyset.ts) rely on nulls sorting after values.
  return ` ORDER BY ${orderBy.map((k) => `${k.field} ${k.direction} NULLS LAST`).join(', ')}`;
}

function limitClause(limit: number | undefined): string {
  if (limit === undefined) return '';
  if (!Number.isInteger(limit) || limit < 1 || limit > 50_000) throw new TypeError(`bad LIMIT ${limit}`);
  return ` LIMIT ${limit}`;
}

export function buildSubquery(spec: SubquerySpec): string {
  if (!(CHILD_RELATIONSHIPS as readonly string[]).includes(spec.relationship)) {
    throw new TypeError(`relationship not allowed: ${spec.relationship}`);
  }
  return (
    `(SELECT ${fieldList(spec.fields)} FROM ${spec.relationship}` +
    (spec.where ? ` WHERE ${spec.where}` : '') +
    orderClause(spec.orderBy) +
    limitClause(spec.limit) +
    ')'
  );
}

export function buildSelect(spec: SelectSpec): string {
  if (!(SOBJECTS as readonly string[]).includes(spec.object))
    throw new TypeError(`object not allowed: ${spec.object}`);
  const selected = [fieldList(spec.fields), ...(spec.subqueries ?? []).map(buildSubquery)].join(', ');
  return (
    `SELECT ${selected} FROM ${spec.object}` +
    (spec.where ? ` WHERE ${spec.where}` : '') +
    orderClause(spec.orderBy) +
    limitClause(spec.limit)
  );
}

/**
 * A SOQL statement as the `q` query parameter. Beyond encodeURIComponent, ' ( ) ! * are
 * percent-encoded too: URL parsers encode ' in query strings anyway, and a length counted here
 * must be the length sent.
 */
export function encodeSoqlParameter(soql: string): string {
  return encodeURIComponent(soql).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The length a SOQL statement adds to a GET URL as the `q` parameter. */
export function encodedLength(soql: string): number {
  return encodeSoqlParameter(soql).length;
}

/**
 * Splits `values` into IN lists so that every statement `render(list)` stays within
 * `maxEncodedLength` characters once URL-encoded (Salesforce answers 414 past 16,384 for the
 * whole URL). Each value goes in exactly once, in order.
 */
export function chunkInList<T>(
  values: readonly T[],
  literal: (value: T) => SoqlLiteral,
  render: (list: readonly SoqlLiteral[]) => string,
  maxEncodedLength: number,
): string[] {
  if (values.length === 0) return [];
  const first = literal(values[0]!);
  // The statement with a one-value list, minus that value, is the fixed part of every chunk.
  const fixed = encodedLength(render([first])) - encodedLength(first);
  const separator = encodedLength(', ');
  const statements: string[] = [];
  let current: SoqlLiteral[] = [];
  let length = fixed;
  for (const value of values) {
    const lit = literal(value);
    const added = encodedLength(lit) + (current.length > 0 ? separator : 0);
    if (current.length > 0 && length + added > maxEncodedLength) {
      statements.push(render(current));
      current = [];
      length = fixed;
    }
    const own = encodedLength(lit) + (current.length > 0 ? separator : 0);
    if (fixed + own > maxEncodedLength && current.length === 0) {
      throw new RangeError('one value alone exceeds the statement length bound');
    }
    current.push(lit);
    length += own;
  }
  if (current.length > 0) statements.push(render(current));
  return statements;
}
