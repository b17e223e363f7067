import type { CrmAsset, CrmEntitlement } from './models.js';

/**
 * Whether a unit is covered, as a pure rule over what the CRM holds (the asset and its
 * entitlements) and a day: the CRM subgraph's `Warranty` and the workflows' openSupportCase
 * judge with the same code. No I/O, no clock: the caller says which day it is (UTC).
 *
 * The dates decide, not the entitlement's Status: Salesforce computes Status from the dates
 * (Active, Expired, Inactive before the start) as of its last save, and a generated or stale
 * record may lag. Status only adds what dates cannot say: an entitlement switched off
 * (`Inactive`) while its dates cover the day.
 */

/** Why a unit is not covered (the schema's WarrantyIneligibility). */
export type WarrantyIneligibility =
  | 'NO_ASSET'
  | 'NO_ENTITLEMENT'
  | 'INACTIVE'
  | 'NOT_STARTED'
  | 'EXPIRED'
  | 'EXHAUSTED';

export interface Eligibility {
  eligible: boolean;
  /** Null when eligible. */
  reason: WarrantyIneligibility | null;
}

/** The judgement on a unit: its eligibility and the entitlement it was judged on. */
export interface WarrantyAssessment extends Eligibility {
  /** The covering entitlement, else the one nearest to covering; null when the asset has none. */
  entitlement: CrmEntitlement | null;
  /** The day judged on (YYYY-MM-DD). */
  asOf: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The UTC day of an instant, as the rules compare days (YYYY-MM-DD). */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

/** A date the CRM wrote (YYYY-MM-DD, or a date-time whose day is taken), or null. */
function dayOf(value: string | null): string | null {
  if (!value) return null;
  const day = value.slice(0, 10);
  return DAY.test(day) ? day : null;
}

/**
 * One entitlement on one day. Both ends of the coverage are covered days; a missing start or
 * end is open. Order: not started, expired, switched off, used up — the first that applies.
 */
export function entitlementEligibility(entitlement: CrmEntitlement | null, today: string): Eligibility {
  if (!DAY.test(today)) throw new TypeError(`not a day: ${JSON.stringify(today)}`);
  if (!entitlement) return { eligible: false, reason: 'NO_ENTITLEMENT' };
  const start = dayOf(entitlement.startDate);
  const end = dayOf(entitlement.endDate);
  if (start !== null && today < start) return { eligible: false, reason: 'NOT_STARTED' };
  if (end !== null && today > end) return { eligible: false, reason: 'EXPIRED' };
  if (entitlement.status?.toLowerCase() === 'inactive') return { eligible: false, reason: 'INACTIVE' };
  if (entitlement.isPerIncident && entitlement.remainingCases !== null && entitlement.remainingCases <= 0) {
    return { eligible: false, reason: 'EXHAUSTED' };
  }
  return { eligible: true, reason: null };
}

/** How near each reason is to covering: of several refused entitlements, the nearest is shown. */
const NEARNESS: Record<WarrantyIneligibility, number> = {
  EXHAUSTED: 0,
  INACTIVE: 1,
  NOT_STARTED: 2,
  EXPIRED: 3,
  NO_ENTITLEMENT: 4,
  NO_ASSET: 5,
};

/**
 * A unit's warranty on a day: no asset → NO_ASSET; no entitlement → NO_ENTITLEMENT; else the
 * entitlement that covers it (the latest-ending, when several do), or — when none does — the
 * nearest to covering (exhausted before switched off before not started before expired; then
 * the latest-ending), with its reason.
 */
export function assessWarranty(
  asset: CrmAsset | null,
  entitlements: readonly CrmEntitlement[],
  today: string,
): WarrantyAssessment {
  if (!DAY.test(today)) throw new TypeError(`not a day: ${JSON.stringify(today)}`);
  if (!asset) return { eligible: false, reason: 'NO_ASSET', entitlement: null, asOf: today };
  const judged = entitlements
    .map((entitlement) => ({ entitlement, ...entitlementEligibility(entitlement, today) }))
    .sort((a, b) => rank(a) - rank(b) || endOf(b.entitlement).localeCompare(endOf(a.entitlement)));
  const best = judged[0];
  if (!best) return { eligible: false, reason: 'NO_ENTITLEMENT', entitlement: null, asOf: today };
  return { eligible: best.eligible, reason: best.reason, entitlement: best.entitlement, asOf: today };
}

function rank(judged: Eligibility): number {
  return judged.reason === null ? -1 : NEARNESS[judged.reason];
}

/** An open end sorts after every date. */
function endOf(entitlement: CrmEntitlement): string {
  return dayOf(entitlement.endDate) ?? '9999-12-31';
}
