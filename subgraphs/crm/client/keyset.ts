import { FIELD_KINDS } from './fields.js';
import {
  and,
  booleanLiteral,
  compare,
  dateLiteral,
  dateTimeLiteral,
  type FilterField,
  NULL_LITERAL,
  type OrderKey,
  or,
  type SoqlCondition,
  type SoqlLiteral,
  stringLiteral,
} from './soql.js';

/** A keyset position: the order-key values of the last row a page showed, in orderBy's order. */
export type KeysetPosition = readonly (string | null)[];

/**
 * A value of `field` as the literal its kind takes (fields.ts FIELD_KINDS). Throws TypeError
 * when it does not fit (a forged cursor, an unchecked filter value).
 */
export function fieldLiteral(field: FilterField, value: string | boolean): SoqlLiteral {
  const kind = FIELD_KINDS[field];
  if (kind === 'boolean') {
    if (typeof value !== 'boolean') throw new TypeError(`${field} takes true or false`);
    return booleanLiteral(value);
  }
  if (typeof value !== 'string') throw new TypeError(`${field} takes a text value`);
  switch (kind) {
    case 'date':
      return dateLiteral(value);
    case 'datetime':
      return dateTimeLiteral(value);
    default:
      return stringLiteral(value);
  }
}

/**
 * The rows after `position` in the order `orderBy` (every key NULLS LAST, as soql.ts orders):
 * for some key i, the keys before it equal the position and key i is strictly after it. A null
 * position value has nothing strictly after it except by a later key. Throws TypeError when a
 * value does not fit its field (a forged cursor): callers turn that into BAD_USER_INPUT.
 */
export function keysetAfter(orderBy: readonly OrderKey[], position: KeysetPosition): SoqlCondition {
  if (position.length !== orderBy.length) throw new TypeError('keyset position does not match the order');
  const alternatives: SoqlCondition[] = [];
  const equalSoFar: SoqlCondition[] = [];
  orderBy.forEach((key, i) => {
    const value = position[i];
    if (value === null || value === undefined) {
      equalSoFar.push(compare(key.field, '=', NULL_LITERAL));
      return;
    }
    const literal = fieldLiteral(key.field, value);
    const after = or(
      compare(key.field, key.direction === 'ASC' ? '>' : '<', literal),
      compare(key.field, '=', NULL_LITERAL),
    );
    alternatives.push(equalSoFar.length > 0 ? and(...equalSoFar, after) : after);
    equalSoFar.push(compare(key.field, '=', literal));
  });
  if (alternatives.length === 0) throw new TypeError('keyset position has no non-null key');
  return or(...alternatives);
}

/** Reads a row's values for the order keys (parent paths like Product2.ProductCode included). */
export function positionOf(row: object, orderBy: readonly OrderKey[]): KeysetPosition {
  return orderBy.map((key) => {
    let value: unknown = row;
    for (const part of key.field.split('.')) {
      value =
        value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
    }
    return value === undefined || value === null ? null : String(value);
  });
}

/** Whether `value` is a position `keysetAfter` accepts for this order (a cursor's check). */
export function isKeysetFor(orderBy: readonly OrderKey[]) {
  return (value: unknown): value is KeysetPosition => {
    if (
      !Array.isArray(value) ||
      value.length !== orderBy.length ||
      !value.every((v) => v === null || (typeof v === 'string' && v.length <= 1000))
    ) {
      return false;
    }
    try {
      keysetAfter(orderBy, value);
      return true;
    } catch {
      return false;
    }
  };
}
