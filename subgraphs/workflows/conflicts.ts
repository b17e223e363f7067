import { appError, LegacyError } from '../../lib/errors.js';

/**
 * A change written to a customer's system of record carries that system's concurrency check: a
 * stale write is refused with CONFLICT and the record's current values, never applied over
 * someone else's change.
 */

/** A stale write refused, with the record's current values so the client can merge and retry. */
export function conflict(system: 'ERP' | 'CRM', message: string, current: Record<string, unknown>) {
  return appError('CONFLICT', message, { system, current });
}

/**
 * A write to the system of record with its concurrency check. The system refusing it (someone
 * else's change landed between our read and this write) is the CONFLICT error, with the
 * record's values as they are now.
 */
export async function writeOrConflict<T>(
  write: () => Promise<T>,
  refused: { system: 'ERP' | 'CRM'; message: string; current: () => Promise<Record<string, unknown>> },
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof LegacyError && error.code === 'CONFLICT') {
      throw conflict(refused.system, refused.message, await refused.current());
    }
    throw error;
  }
}

/** Two timestamps naming the same instant, whatever their format. */
export function sameInstant(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}
