import { appError } from '../../../lib/errors.js';

/** Ids and e-mails are bounded far above any real one; numbers and SKUs are the ERP's 20-character codes. */
export const MAX_ID_LENGTH = 256;
export const MAX_CODE_LENGTH = 20;

/** A number or SKU argument, bounded as the ERP's codes are. */
export function codeArgument(value: string, argument: string, maxLength = MAX_CODE_LENGTH): string {
  if (value.trim() === '' || value.length > maxLength) {
    throw appError('BAD_USER_INPUT', `\`${argument}\` must be 1 to ${maxLength} characters.`, { argument });
  }
  return value;
}

/**
 * A key field of an entity representation (from the gateway's `_entities` call): a non-empty
 * string of bounded length, else BAD_USER_INPUT — `_Any` lets any JSON through.
 */
export function referenceKey(reference: object, field: string, type: string, maxLength: number): string {
  const value = (reference as Record<string, unknown>)[field];
  if (typeof value !== 'string' || value.trim() === '' || value.length > maxLength) {
    throw appError(
      'BAD_USER_INPUT',
      `The ${type} representation needs \`${field}\` as a string of 1 to ${maxLength} characters.`,
      { argument: 'representations' },
    );
  }
  return value;
}
