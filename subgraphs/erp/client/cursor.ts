import { appError } from '../../../lib/errors.js';

/**
 * Connection cursors wrap Business Central's own paging: a cursor holds the legacy
 * `@odata.nextLink` (as a same-origin path) of the page that follows it, and — for an edge in
 * the middle of a page — how many rows of that page's request the edge has already passed.
 * Cursors are opaque base64url JSON to clients; a cursor that does not decode, or whose link is
 * not the request this connection would make, is refused with BAD_USER_INPUT.
 */
export interface PageCursor {
  /** Same-origin path and query of the legacy request that yields the rows after this cursor. */
  link: string;
  /** Rows at the start of that request's answer that are before this cursor (0 for a page end). */
  skip: number;
}

const MAX_CURSOR_LENGTH = 8192;

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ l: cursor.link, s: cursor.skip }), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  const invalid = () =>
    appError('BAD_USER_INPUT', 'The cursor is not one this API issued.', { argument: 'after' });
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { l, s } = parsed as Record<string, unknown>;
  if (typeof l !== 'string' || !l.startsWith('/') || l.startsWith('//')) throw invalid();
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 1000) throw invalid();
  return { link: l, skip: s };
}

/**
 * Whether `link` is a page of exactly the request `expected` describes: same path, and the same
 * query options except the skip token BC adds. This is what stops a forged cursor from reading
 * another entity set, another customer's documents or another company.
 */
export function linkMatches(link: string, expected: string): boolean {
  let actual: URL;
  let wanted: URL;
  try {
    actual = new URL(link, 'http://cursor.invalid');
    wanted = new URL(expected, 'http://cursor.invalid');
  } catch {
    return false;
  }
  if (actual.origin !== 'http://cursor.invalid' || actual.pathname !== wanted.pathname) return false;
  const params = new URLSearchParams(actual.search);
  const wantedParams = new URLSearchParams(wanted.search);
  const skiptoken = params.getAll('$skiptoken');
  if (skiptoken.length > 1) return false;
  params.delete('$skiptoken');
  wantedParams.delete('$skiptoken');
  const names = new Set([...params.keys(), ...wantedParams.keys()]);
  for (const name of names) {
    const a = params.getAll(name);
    const b = wantedParams.getAll(name);
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) return false;
  }
  return true;
}

/** `first` as the schema bounds it: 1..100. */
export function pageSize(first: number | null | undefined): number {
  const value = first ?? 20;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw appError('BAD_USER_INPUT', '`first` must be between 1 and 100.', { argument: 'first' });
  }
  return value;
}
