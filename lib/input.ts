import type { GraphQLError } from 'graphql';
import { isDay } from './domain.js';
import { appError } from './errors.js';

/**
 * The checks the graph's read inputs share (the lists' filters, the reports' arguments), made
 * before any legacy call. A refusal is BAD_USER_INPUT with `field` and `reason`, as every input
 * refusal of the graph; where it points and how it is worded stay each caller's ({@link Refuse},
 * {@link DayWords}), as its clients already read them.
 */

export type InputReason = 'EMPTY' | 'TOO_LONG' | 'INVALID_ID' | 'INVALID_FORMAT' | 'OUT_OF_RANGE';

/** A caller's refusal of one field. */
export type Refuse = (field: string, reason: InputReason, message: string) => GraphQLError;

/** A refused argument, `field` naming it (`from`, `email`). */
export const invalidArgument: Refuse = (field, reason, message) =>
  appError('BAD_USER_INPUT', message, { field, reason });

/** A refused field of a list's `filter` argument: `field` is its input path (`filter.closeDateFrom`). */
export const invalidFilter: Refuse = (field, reason, message) =>
  appError('BAD_USER_INPUT', message, { argument: 'filter', field: `filter.${field}`, reason });

/** How a caller refuses days: its refusal, and its words for a value that is no day and for a reversed range. */
export interface DayWords {
  refuse: Refuse;
  notADay: (field: string) => string;
  /** The end a reversed range is refused at (its field is the refusal's). */
  reversedAt: 'from' | 'to';
  reversed: (fromField: string, toField: string) => string;
}

/** A calendar day written YYYY-MM-DD (2026-02-30 is none), or a refusal (INVALID_FORMAT). */
export function dayInput(field: string, value: string, words: DayWords): string {
  if (!isDay(value)) throw words.refuse(field, 'INVALID_FORMAT', words.notADay(field));
  return value;
}

export interface DayRange {
  from?: string;
  to?: string;
}

/**
 * `from`..`to`, both days (checked in that order), `from` not after `to` (else OUT_OF_RANGE at
 * `words.reversedAt`). With an end optional: undefined when neither is given.
 */
export function dayRangeInput(
  fromField: string,
  from: string,
  toField: string,
  to: string,
  words: DayWords,
): Required<DayRange>;
export function dayRangeInput(
  fromField: string,
  from: string | null | undefined,
  toField: string,
  to: string | null | undefined,
  words: DayWords,
): DayRange | undefined;
export function dayRangeInput(
  fromField: string,
  from: string | null | undefined,
  toField: string,
  to: string | null | undefined,
  words: DayWords,
): DayRange | undefined {
  const range: DayRange = {};
  if (from != null) range.from = dayInput(fromField, from, words);
  if (to != null) range.to = dayInput(toField, to, words);
  if (range.from !== undefined && range.to !== undefined && range.from > range.to) {
    const field = words.reversedAt === 'from' ? fromField : toField;
    throw words.refuse(field, 'OUT_OF_RANGE', words.reversed(fromField, toField));
  }
  return range.from === undefined && range.to === undefined ? undefined : range;
}

/** The longest e-mail address taken (the longest SMTP path less its angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

const EMAIL_RE = {
  /** local@domain.tld, as both systems keep an address. */
  dotted: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
  /** local@domain: an address only looked up, never stored. */
  any: /^[^\s@]+@[^\s@]+$/,
};

/** What is wrong with an e-mail address (TOO_LONG, INVALID_FORMAT), or undefined when nothing is. */
export function emailProblem(
  value: string,
  shape: keyof typeof EMAIL_RE,
): 'TOO_LONG' | 'INVALID_FORMAT' | undefined {
  if (value.length > MAX_EMAIL_LENGTH) return 'TOO_LONG';
  return EMAIL_RE[shape].test(value) ? undefined : 'INVALID_FORMAT';
}
