/**
 * The stand-ins' control API (`/__sim/`) as the bench uses it: counters reset before an
 * operation, round trips per system and their wall-clock trace read after it.
 */
import { criticalPathFloor, type RoundTripInterval } from './measure.js';
import { ERP_TOKEN } from './stack.js';

export interface SimStats {
  /** Requests served: each envelope and each of its parts, each plain request. */
  total: number;
  /** HTTP round trips (a `$batch` or composite counts once). */
  roundTrips: number;
  /** `total` by route pattern (the envelopes under their own). */
  byRoute: Record<string, number>;
}

async function simJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

const simReset = (origin: string) => simJson(`${origin}/__sim/reset`, { method: 'POST' });
const simStats = (origin: string) => simJson<SimStats>(`${origin}/__sim/stats`);
const simTrace = async (origin: string) =>
  (await simJson<{ roundTrips: RoundTripInterval[] }>(`${origin}/__sim/trace`)).roundTrips;
export const simConfigure = (origin: string, patch: Record<string, unknown>) =>
  simJson(`${origin}/__sim/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });

/** The two stand-ins by their origins, as the stand-ins' handle and the direct client's settings name them. */
export interface StandInOrigins {
  erpUrl: string;
  crmUrl: string;
}

/** Both stand-ins' counters reset, before what is measured. */
export const simResetBoth = ({ erpUrl, crmUrl }: StandInOrigins) =>
  Promise.all([simReset(erpUrl), simReset(crmUrl)]);

/** Both stand-ins' counters since their reset. */
export async function simStatsBoth({
  erpUrl,
  crmUrl,
}: StandInOrigins): Promise<{ erp: SimStats; crm: SimStats }> {
  const [erp, crm] = await Promise.all([simStats(erpUrl), simStats(crmUrl)]);
  return { erp, crm };
}

/**
 * What one operation alone cost since the reset: both stand-ins' counters and the critical path
 * over both traces, each round trip taken as `latencyMs`.
 */
export async function simLoneCost({ erpUrl, crmUrl }: StandInOrigins, latencyMs: number) {
  const [erp, crm, erpTrace, crmTrace] = await Promise.all([
    simStats(erpUrl),
    simStats(crmUrl),
    simTrace(erpUrl),
    simTrace(crmUrl),
  ]);
  return { erp, crm, floor: criticalPathFloor([erpTrace, crmTrace], latencyMs) };
}

export async function erpCompanyId(erpUrl: string): Promise<string> {
  const body = await simJson<{ value: { id: string }[] }>(`${erpUrl}/api/v2.0/companies`, {
    headers: { authorization: `Bearer ${ERP_TOKEN}` },
  });
  const id = body.value[0]?.id;
  if (!id) throw new Error('the ERP stand-in lists no company');
  return id;
}
