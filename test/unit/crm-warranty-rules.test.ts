import { describe, expect, it } from 'vitest';
import type { CrmAsset, CrmEntitlement } from '../../subgraphs/crm/client/models.js';
import { assessWarranty, entitlementEligibility, utcDay } from '../../subgraphs/crm/client/warrantyRules.js';

/** The warranty rule on its own: an entitlement (or none) and a day → eligible, or why not. */

const asset: CrmAsset = {
  id: '02i000000000001AAA',
  serialNumber: 'SN-1',
  name: 'Unit',
  status: 'Installed',
  installDate: '2025-01-05',
  purchaseDate: '2025-01-01',
  account: { crmAccountId: '001000000000001AAA', erpCustomerId: null },
  contactId: null,
  shipmentNumber: 'SSH000001',
};

const warranty = (patch: Partial<CrmEntitlement> = {}): CrmEntitlement => ({
  id: '550000000000001AAA',
  assetId: asset.id,
  name: 'Warranty SN-1',
  type: 'Warranty',
  status: 'Active',
  startDate: '2025-01-01',
  endDate: '2026-12-31',
  isPerIncident: true,
  casesPerEntitlement: 3,
  remainingCases: 2,
  ...patch,
});

describe('entitlementEligibility', () => {
  it('covers both ends of its dates, and nothing outside them', () => {
    expect(entitlementEligibility(warranty(), '2025-01-01')).toEqual({ eligible: true, reason: null });
    expect(entitlementEligibility(warranty(), '2026-12-31')).toEqual({ eligible: true, reason: null });
    expect(entitlementEligibility(warranty(), '2024-12-31').reason).toBe('NOT_STARTED');
    expect(entitlementEligibility(warranty(), '2027-01-01').reason).toBe('EXPIRED');
  });

  it('the dates decide, not a stale Status; Inactive switches off a dated-in entitlement', () => {
    expect(entitlementEligibility(warranty({ status: 'Expired' }), '2026-01-01').eligible).toBe(true);
    expect(entitlementEligibility(warranty({ status: 'Active' }), '2027-06-01').reason).toBe('EXPIRED');
    expect(entitlementEligibility(warranty({ status: 'Inactive' }), '2026-01-01').reason).toBe('INACTIVE');
    // Out of its dates, the dates are the reason.
    expect(entitlementEligibility(warranty({ status: 'Inactive' }), '2027-06-01').reason).toBe('EXPIRED');
  });

  it('a per-incident entitlement with no case left is EXHAUSTED; no limit never is', () => {
    expect(entitlementEligibility(warranty({ remainingCases: 0 }), '2026-01-01').reason).toBe('EXHAUSTED');
    const support = warranty({ isPerIncident: false, casesPerEntitlement: null, remainingCases: null });
    expect(entitlementEligibility(support, '2026-01-01').eligible).toBe(true);
    // Not per incident: a leftover count does not limit it.
    expect(
      entitlementEligibility(warranty({ isPerIncident: false, remainingCases: 0 }), '2026-01-01').eligible,
    ).toBe(true);
  });

  it('open ends are open; no entitlement is NO_ENTITLEMENT; a bad day is a programming error', () => {
    expect(entitlementEligibility(warranty({ startDate: null, endDate: null }), '1999-01-01').eligible).toBe(
      true,
    );
    expect(entitlementEligibility(null, '2026-01-01')).toEqual({ eligible: false, reason: 'NO_ENTITLEMENT' });
    expect(() => entitlementEligibility(warranty(), '01/01/2026')).toThrow(TypeError);
  });
});

describe('assessWarranty', () => {
  it('no asset → NO_ASSET; no entitlement → NO_ENTITLEMENT', () => {
    expect(assessWarranty(null, [], '2026-01-01')).toEqual({
      eligible: false,
      reason: 'NO_ASSET',
      entitlement: null,
      asOf: '2026-01-01',
    });
    expect(assessWarranty(asset, [], '2026-01-01')).toMatchObject({
      reason: 'NO_ENTITLEMENT',
      entitlement: null,
    });
  });

  it('of several, a covering one wins (the latest-ending); else the nearest to covering', () => {
    const expired = warranty({ id: 'expired', startDate: '2023-01-01', endDate: '2024-12-31' });
    const covering = warranty({ id: 'covering' });
    const longer = warranty({ id: 'longer', endDate: '2027-12-31' });
    const exhausted = warranty({ id: 'exhausted', remainingCases: 0 });
    const later = warranty({ id: 'later', startDate: '2026-06-01', endDate: '2028-12-31' });
    expect(assessWarranty(asset, [expired, covering, exhausted], '2026-01-01').entitlement?.id).toBe(
      'covering',
    );
    expect(assessWarranty(asset, [covering, longer], '2026-01-01').entitlement?.id).toBe('longer');
    expect(assessWarranty(asset, [expired, exhausted, later], '2026-01-01')).toMatchObject({
      eligible: false,
      reason: 'EXHAUSTED',
      entitlement: { id: 'exhausted' },
    });
    expect(assessWarranty(asset, [expired, later], '2026-01-01')).toMatchObject({
      reason: 'NOT_STARTED',
      entitlement: { id: 'later' },
    });
  });

  it('judges the UTC day of an instant', () => {
    expect(utcDay(new Date('2026-03-01T23:30:00-05:00'))).toBe('2026-03-02');
  });
});
