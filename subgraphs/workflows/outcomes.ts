import type { SystemName } from './store/types.js';

/** What a write did in one system (the SDL's SystemOutcome). Plain JSON: results are stored for replay. */
export type OutcomeStatus = 'DONE' | 'ALREADY_DONE' | 'PENDING' | 'NOT_APPLICABLE' | 'CONFLICT' | 'FAILED';

export interface SystemOutcome {
  system: SystemName;
  status: OutcomeStatus;
  message: string | null;
  code: string | null;
}

export function outcome(
  system: SystemName,
  status: OutcomeStatus,
  message: string | null,
  code: string | null = null,
): SystemOutcome {
  return { system, status, message, code };
}

/** Cents, so money adds up exactly; amounts come from the legacy systems as decimal JSON numbers. */
export function toCents(amount: number | null | undefined): number {
  return Math.round((amount ?? 0) * 100);
}

export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
