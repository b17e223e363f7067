import type { Database } from 'better-sqlite3';

/**
 * Registered on the CRM database: the Unicode case folding SOQL's comparisons and ORDER BY use
 * where SQLite's NOCASE (ASCII only) cannot serve. The stand-in's fold indexes are built on it,
 * so every connection that writes to those tables must register it (SQLite answers "unknown
 * function" otherwise): the stand-in and openDataset do.
 */
export const FOLD_FUNCTION = 'sf_fold';

export function fold(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value).toLowerCase();
}

export function registerFold(db: Database): void {
  db.function(FOLD_FUNCTION, { deterministic: true }, fold);
}
