import { appError } from '../../../lib/errors.js';

/**
 * Connection cursors wrap Business Central's own paging. A cursor holds the query string of a
 * legacy request — the `@odata.nextLink` of the page it ends, or for an edge in the middle of a
 * page the request of that page plus how many of its rows the edge has passed — and never a
 * host or a path: the path always comes from the list the cursor is used on, so a cursor can
 * only ever continue the list it was issued for. Cursors are opaque base64url JSON to clients;
 * one that does not decode, or whose query is not this list's query, is BAD_USER_INPUT.
 */
export interface PageCursor {
  /** `?…` query of the legacy request that yields the rows after this cursor. */
  query: string;
  /** Rows at the start of that request's answer that are before this cursor (0 for a page end). */
  skip: number;
}

const MAX_CURSOR_LENGTH = 8192;
/** Rows of one legacy page an edge cursor may point past: BC's largest server page. */
export const MAX_CURSOR_SKIP = 20_000;
/**
 * Parameters besides the list's own options that a BC nextLink may carry and that change nothing
 * about which rows come back (`aid=FIN` is BC's own hint in some next links).
 */
const NEUTRAL_PARAMETERS: ReadonlySet<string> = new Set(['$skiptoken', 'aid']);

function invalid() {
  return appError('BAD_USER_INPUT', 'The cursor is not one this API issued.', { argument: 'after' });
}

export function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ q: cursor.query, s: cursor.skip }), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): PageCursor {
  if (text.length === 0 || text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (typeof parsed !== 'object' || parsed === null) throw invalid();
  const { q, s } = parsed as Record<string, unknown>;
  if (typeof q !== 'string' || !(q === '' || q.startsWith('?')) || q.includes('#')) throw invalid();
  if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > MAX_CURSOR_SKIP) throw invalid();
  return { query: q, skip: s };
}

/** The `?…` part of a same-origin link. */
export function queryOf(link: string): string {
  return new URL(link, 'http://link.invalid').search;
}

/**
 * The legacy request a cursor stands for on the list whose first page is `firstLink`: that
 * list's path with the cursor's query, provided the query holds exactly the list's own options
 * (same filter, order, expansion) plus only BC's neutral paging parameters. Anything else is a
 * forged or foreign cursor: BAD_USER_INPUT.
 */
export function cursorLink(cursor: PageCursor, firstLink: string): string {
  const first = new URL(firstLink, 'http://link.invalid');
  const given = new URLSearchParams(cursor.query);
  const wanted = new URLSearchParams(first.search);
  for (const name of new Set([...given.keys(), ...wanted.keys()])) {
    const a = given.getAll(name);
    const b = wanted.getAll(name);
    if (NEUTRAL_PARAMETERS.has(name) && b.length === 0) {
      if (a.length > 1) throw invalid();
      continue;
    }
    if (a.length !== 1 || b.length !== 1 || a[0] !== b[0]) throw invalid();
  }
  return first.pathname + cursor.query;
}

/** `first` as the schema bounds it: 1..100. */
export function pageSize(first: number | null | undefined): number {
  const value = first ?? 20;
  if (!Number.isInteger(value) || value < 1 || value > 100) {
    throw appError('BAD_USER_INPUT', '`first` must be between 1 and 100.', { argument: 'first' });
  }
  return value;
}
