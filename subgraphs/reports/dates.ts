import { type DayWords, dayInput, dayRangeInput, invalidArgument } from '../../lib/input.js';

/**
 * The report periods as the schema takes them (YYYY-MM-DD, inclusive), checked before any legacy
 * call: a refusal is BAD_USER_INPUT with `field` and `reason` (INVALID_FORMAT, OUT_OF_RANGE) as
 * every input refusal of the graph gives them.
 */

const DAY_MS = 86_400_000;

/** The reports' days: a reversed period is refused at its `to`. */
const DAYS: DayWords = {
  refuse: invalidArgument,
  notADay: (field) => `\`${field}\` must be a day written YYYY-MM-DD.`,
  reversedAt: 'to',
  reversed: (fromField, toField) => `\`${toField}\` must not be before \`${fromField}\`.`,
};

export function day(field: string, value: string): string {
  return dayInput(field, value, DAYS);
}

/** Today in UTC, as the ERP's aging and "current month" are judged. */
export function today(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function addDays(value: string, days: number): string {
  return new Date(Date.parse(`${value}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both counted. */
export function daysIn(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** Every month (YYYY-MM) the period touches, in order. */
export function monthsIn(from: string, to: string): string[] {
  const months: string[] = [];
  let year = Number(from.slice(0, 4));
  let month = Number(from.slice(5, 7));
  const last = to.slice(0, 7);
  for (;;) {
    const key = `${year}-${String(month).padStart(2, '0')}`;
    months.push(key);
    if (key >= last) return months;
    month += 1;
    if (month > 12) {
      month = 1;
      year += 1;
    }
  }
}

export interface Period {
  from: string;
  to: string;
}

/** `from`..`to`, both days, in order, and within `limit` (days, or months the period touches). */
export function period(from: string, to: string, limit: { days: number } | { months: number }): Period {
  const within = dayRangeInput('from', from, 'to', to, DAYS);
  if ('days' in limit && daysIn(within.from, within.to) > limit.days)
    throw invalidArgument('to', 'OUT_OF_RANGE', `The period may span at most ${limit.days} days.`);
  if ('months' in limit && monthsIn(within.from, within.to).length > limit.months)
    throw invalidArgument('to', 'OUT_OF_RANGE', `The period may span at most ${limit.months} months.`);
  return within;
}

/**
 * How long a period's figures may be served from the cache: one that ended before today changes
 * only by late postings (`master`), one still running with every document (`document`).
 */
export function freshnessOf(end: string, now: Date): 'master' | 'document' {
  return end < today(now) ? 'master' : 'document';
}
