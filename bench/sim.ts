/**
 * The stand-ins' control API (`/__sim/`) as the bench uses it: counters reset before an
 * operation, round trips per system and their wall-clock trace read after it.
 */
import type { RoundTripInterval } from './measure.js';
import { ERP_TOKEN } from './stack.js';

export interface SimStats {
  /** Requests served, envelope parts included. */
  total: number;
  /** HTTP round trips (a `$batch` or composite counts once). */
  roundTrips: number;
}

export async function simJson<T>(url: string, init?: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url} answered ${response.status}`);
  return (await response.json()) as T;
}

export const simReset = (origin: string) => simJson(`${origin}/__sim/reset`, { method: 'POST' });
export const simStats = (origin: string) => simJson<SimStats>(`${origin}/__sim/stats`);
export const simTrace = async (origin: string) =>
  (await simJson<{ roundTrips: RoundTripInterval[] }>(`${origin}/__sim/trace`)).roundTrips;
export const simConfigure = (origin: string, patch: Record<string, unknown>) =>
  simJson(`${origin}/__sim/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(patch),
  });

export async function erpCompanyId(erpUrl: string): Promise<string> {
  const body = await simJson<{ value: { id: string }[] }>(`${erpUrl}/api/v2.0/companies`, {
    headers: { authorization: `Bearer ${ERP_TOKEN}` },
  });
  const id = body.value[0]?.id;
  if (!id) throw new Error('the ERP stand-in lists no company');
  return id;
}
