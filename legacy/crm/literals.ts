import { filterOperatorError, malformedQuery } from './errors.js';

/**
 * SOQL literal handling: string unescaping by Salesforce's rules, date literals (TODAY,
 * LAST_N_DAYS:n, …) as half-open UTC ranges, and the JSON shape of stored values.
 */

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '"': '"',
  "'": "'",
  '\\': '\\',
};

/** A piece of an unescaped LIKE pattern: literal text or a wildcard. */
export type LikePart = { literal: string } | { wildcard: '%' | '_' };

/**
 * The value of a quoted SOQL string literal (`'O\'Brien'` → `O'Brien`). With `like`, `\%` and
 * `\_` stay literal characters and bare `%`/`_` become wildcards; elsewhere `\%`/`\_` are
 * refused, as Salesforce only allows them in LIKE.
 */
export function unquote(raw: string): string {
  const parts = unquoteParts(raw, false);
  return parts.map((p) => ('literal' in p ? p.literal : p.wildcard)).join('');
}

export function unquoteLike(raw: string): LikePart[] {
  return unquoteParts(raw, true);
}

function unquoteParts(raw: string, like: boolean): LikePart[] {
  if (raw.length < 2 || !raw.startsWith("'") || !raw.endsWith("'")) {
    throw malformedQuery(`Expected a quoted string, found ${raw}`);
  }
  const body = raw.slice(1, -1);
  const parts: LikePart[] = [];
  let text = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === '\\') {
      const next = body[i + 1];
      if (next === undefined) throw malformedQuery('Invalid string literal: a backslash ends the string');
      i++;
      if (next in SIMPLE_ESCAPES) {
        text += SIMPLE_ESCAPES[next];
      } else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(body.slice(i + 1, i + 5))) {
        text += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 5), 16));
        i += 4;
      } else if (like && (next === '%' || next === '_')) {
        text += next;
      } else {
        throw malformedQuery(
          `Invalid string literal '${body}'. Illegal character sequence '\\${next}' in string literal.`,
        );
      }
    } else if (like && (c === '%' || c === '_')) {
      if (text) parts.push({ literal: text });
      text = '';
      parts.push({ wildcard: c });
    } else {
      text += c;
    }
  }
  if (text || parts.length === 0) parts.push({ literal: text });
  return parts;
}

/** A LIKE pattern for SQLite with `ESCAPE '\'`. */
export function sqliteLikePattern(parts: LikePart[]): string {
  return parts
    .map((p) => ('wildcard' in p ? p.wildcard : p.literal.replace(/[\\%_]/g, (m) => `\\${m}`)))
    .join('');
}

const DAY = 86_400_000;

function utcMidnight(date: Date): number {
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
}

function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
}

/** A date literal as a half-open range of instants [start, end), in UTC (the stand-in's zone). */
export interface DateRange {
  start: number;
  end: number;
}

/**
 * Resolves `TODAY`, `LAST_N_DAYS:30`, `THIS_MONTH`, … against `now`. Weeks start on Sunday and
 * fiscal periods equal calendar ones, as in a default Salesforce org.
 */
export function dateLiteralRange(literal: string, n: number | undefined, now: Date): DateRange {
  const name = literal.toUpperCase().split(':')[0]!;
  const today = utcMidnight(now);
  const weekStart = today - new Date(today).getUTCDay() * DAY;
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
  const quarterStart = Date.UTC(now.getUTCFullYear(), Math.floor(now.getUTCMonth() / 3) * 3, 1);
  const yearStart = Date.UTC(now.getUTCFullYear(), 0, 1);
  const count = n ?? 0;
  const fixed: Record<string, () => DateRange> = {
    YESTERDAY: () => ({ start: today - DAY, end: today }),
    TODAY: () => ({ start: today, end: today + DAY }),
    TOMORROW: () => ({ start: today + DAY, end: today + 2 * DAY }),
    LAST_WEEK: () => ({ start: weekStart - 7 * DAY, end: weekStart }),
    THIS_WEEK: () => ({ start: weekStart, end: weekStart + 7 * DAY }),
    NEXT_WEEK: () => ({ start: weekStart + 7 * DAY, end: weekStart + 14 * DAY }),
    LAST_MONTH: () => ({ start: addMonths(monthStart, -1), end: monthStart }),
    THIS_MONTH: () => ({ start: monthStart, end: addMonths(monthStart, 1) }),
    NEXT_MONTH: () => ({ start: addMonths(monthStart, 1), end: addMonths(monthStart, 2) }),
    LAST_90_DAYS: () => ({ start: today - 90 * DAY, end: today + DAY }),
    NEXT_90_DAYS: () => ({ start: today + DAY, end: today + 91 * DAY }),
    THIS_QUARTER: () => ({ start: quarterStart, end: addMonths(quarterStart, 3) }),
    LAST_QUARTER: () => ({ start: addMonths(quarterStart, -3), end: quarterStart }),
    NEXT_QUARTER: () => ({ start: addMonths(quarterStart, 3), end: addMonths(quarterStart, 6) }),
    THIS_YEAR: () => ({ start: yearStart, end: addMonths(yearStart, 12) }),
    LAST_YEAR: () => ({ start: addMonths(yearStart, -12), end: yearStart }),
    NEXT_YEAR: () => ({ start: addMonths(yearStart, 12), end: addMonths(yearStart, 24) }),
    LAST_N_DAYS: () => ({ start: today - count * DAY, end: today + DAY }),
    NEXT_N_DAYS: () => ({ start: today + DAY, end: today + (count + 1) * DAY }),
    N_DAYS_AGO: () => ({ start: today - count * DAY, end: today - (count - 1) * DAY }),
    LAST_N_WEEKS: () => ({ start: weekStart - count * 7 * DAY, end: weekStart }),
    NEXT_N_WEEKS: () => ({ start: weekStart + 7 * DAY, end: weekStart + (count + 1) * 7 * DAY }),
    N_WEEKS_AGO: () => ({ start: weekStart - count * 7 * DAY, end: weekStart - (count - 1) * 7 * DAY }),
    LAST_N_MONTHS: () => ({ start: addMonths(monthStart, -count), end: monthStart }),
    NEXT_N_MONTHS: () => ({ start: addMonths(monthStart, 1), end: addMonths(monthStart, count + 1) }),
    N_MONTHS_AGO: () => ({ start: addMonths(monthStart, -count), end: addMonths(monthStart, 1 - count) }),
    LAST_N_QUARTERS: () => ({ start: addMonths(quarterStart, -3 * count), end: quarterStart }),
    NEXT_N_QUARTERS: () => ({
      start: addMonths(quarterStart, 3),
      end: addMonths(quarterStart, 3 * (count + 1)),
    }),
    N_QUARTERS_AGO: () => ({
      start: addMonths(quarterStart, -3 * count),
      end: addMonths(quarterStart, 3 - 3 * count),
    }),
    LAST_N_YEARS: () => ({ start: addMonths(yearStart, -12 * count), end: yearStart }),
    NEXT_N_YEARS: () => ({ start: addMonths(yearStart, 12), end: addMonths(yearStart, 12 * (count + 1)) }),
    N_YEARS_AGO: () => ({
      start: addMonths(yearStart, -12 * count),
      end: addMonths(yearStart, 12 - 12 * count),
    }),
  };
  const fiscal = name.replace('_FISCAL_', '_');
  const resolve = fixed[name] ?? fixed[fiscal];
  if (!resolve) throw filterOperatorError(`The date literal ${literal} is not supported.`);
  return resolve();
}

/** `2024-01-31` for a UTC instant. */
export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Salesforce writes date-times as `2024-01-31T10:00:00.000+0000`. */
export function salesforceDateTime(stored: string): string {
  const ms = Date.parse(stored);
  if (Number.isNaN(ms)) return stored;
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** Parses a SOQL/JSON date-time (`Z`, `+01:00` or `+0100` offsets) to the stored ISO form. */
export function parseDateTime(text: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return undefined;
  const offset = m[2] === 'Z' ? 'Z' : m[2]!.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${m[1]}${offset}`);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export function isValidDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const ms = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(ms) && isoDate(ms) === text;
}
