/** Every date in the data set is relative to this day, so a seed always yields the same rows. */
export const DATASET_AS_OF = '2026-06-30';

const AS_OF_MS = Date.parse(`${DATASET_AS_OF}T00:00:00Z`);
const DAY_MS = 86_400_000;

/** The day `offset` days from DATASET_AS_OF (negative = before). */
export function day(offset: number): string {
  return new Date(AS_OF_MS + offset * DAY_MS).toISOString().slice(0, 10);
}
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
}
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}
/** `date`, or DATASET_AS_OF when it is later: nothing is posted in the future. */
export function clampToAsOf(date: string): string {
  return date > DATASET_AS_OF ? DATASET_AS_OF : date;
}
