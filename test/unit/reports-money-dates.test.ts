import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { centsOf, formatCents, MoneyTotals } from '../../lib/money.js';
import { packCampaigns } from '../../subgraphs/crm/client/aggregates.js';
import { agingPeriodOf } from '../../subgraphs/reports/aging.js';
import { returnOnInvestment } from '../../subgraphs/reports/campaigns.js';
import { monthsIn, period } from '../../subgraphs/reports/dates.js';

/** The reports' exact money sums, period checks and aging buckets, without a network. */

describe('MoneyTotals', () => {
  it('adds decimal amounts exactly, per currency, listed by currency code', () => {
    const totals = new MoneyTotals()
      .add('0.10', 'USD')
      .add('0.20', 'USD')
      .add('5', 'EUR')
      .add('-0.07', 'CAD');
    expect(totals.list()).toEqual([
      { amount: '-0.07', currencyCode: 'CAD' },
      { amount: '5.00', currencyCode: 'EUR' },
      { amount: '0.30', currencyCode: 'USD' },
    ]);
  });

  it('sums any amounts as their integer cents do (no float drift)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -10_000_000_00, max: 10_000_000_00 }), { maxLength: 200 }),
        (cents) => {
          const totals = new MoneyTotals();
          for (const c of cents) totals.add(formatCents(BigInt(c)), 'USD');
          const expected = cents.reduce((sum, c) => sum + BigInt(c), 0n);
          expect(totals.list()).toEqual(
            cents.length === 0 ? [] : [{ amount: formatCents(expected), currencyCode: 'USD' }],
          );
        },
      ),
    );
  });

  it('weights by a percent and rounds once, half away from zero', () => {
    // 3 × 0.05 × 50 % = 0.075 → 0.08, not 3 × 0.03
    const totals = new MoneyTotals();
    for (let i = 0; i < 3; i++) totals.addWeighted('0.05', 'USD', 50);
    expect(totals.list()).toEqual([{ amount: '0.08', currencyCode: 'USD' }]);
    expect(new MoneyTotals().addWeighted('-0.05', 'USD', 50).list()).toEqual([
      { amount: '-0.03', currencyCode: 'USD' },
    ]);
    expect(new MoneyTotals().addWeighted('100.00', 'EUR', 12.5).list()).toEqual([
      { amount: '12.50', currencyCode: 'EUR' },
    ]);
  });

  it('reads and writes cents without a sign on zero', () => {
    expect(centsOf('12.5')).toBe(1250n);
    expect(centsOf('-0.07')).toBe(-7n);
    expect(formatCents(0n)).toBe('0.00');
    expect(() => centsOf('1e3')).toThrow(TypeError);
  });
});

describe('report periods', () => {
  const refusal = (fn: () => unknown) => {
    try {
      fn();
    } catch (error) {
      return (error as { extensions?: unknown }).extensions;
    }
    return undefined;
  };

  it('takes calendar days in order within the bound', () => {
    expect(period('2024-01-01', '2024-12-31', { days: 366 })).toEqual({
      from: '2024-01-01',
      to: '2024-12-31',
    });
    expect(refusal(() => period('2024-01-01', '2025-01-01', { days: 366 }))).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'to',
      reason: 'OUT_OF_RANGE',
    });
    expect(refusal(() => period('2023-02-29', '2023-03-01', { days: 366 }))).toMatchObject({
      field: 'from',
      reason: 'INVALID_FORMAT',
    });
    expect(refusal(() => period('2026-03-02', '2026-03-01', { days: 366 }))).toMatchObject({
      reason: 'OUT_OF_RANGE',
    });
    expect(refusal(() => period('2026-01-15', '2028-01-01', { months: 24 }))).toMatchObject({
      reason: 'OUT_OF_RANGE',
    });
    expect(period('2026-01-15', '2027-12-01', { months: 24 })).toEqual({
      from: '2026-01-15',
      to: '2027-12-01',
    });
  });

  it('lists every month a period touches', () => {
    expect(monthsIn('2025-11-30', '2026-02-01')).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthsIn('2026-05-01', '2026-05-31')).toEqual(['2026-05']);
  });
});

describe('aging', () => {
  it('buckets by whole days past due on the day', () => {
    const asOf = '2026-06-30';
    expect(agingPeriodOf('2026-06-30', asOf)).toBe('CURRENT');
    expect(agingPeriodOf('2026-06-29', asOf)).toBe('DAYS_1_TO_30');
    expect(agingPeriodOf('2026-05-31', asOf)).toBe('DAYS_1_TO_30');
    expect(agingPeriodOf('2026-05-30', asOf)).toBe('DAYS_31_TO_60');
    expect(agingPeriodOf('2026-04-01', asOf)).toBe('DAYS_61_TO_90');
    expect(agingPeriodOf('2026-03-31', asOf)).toBe('OVER_90_DAYS');
    expect(agingPeriodOf(null, asOf)).toBe('CURRENT');
  });
});

describe('returnOnInvestment', () => {
  it('counts revenue in the cost currency only; null without a cost', () => {
    const revenue = [
      { amount: '300.00', currencyCode: 'USD' },
      { amount: '999.00', currencyCode: 'EUR' },
    ];
    expect(returnOnInvestment(revenue, { amount: '100.00', currencyCode: 'USD' })).toBe(2);
    expect(returnOnInvestment(revenue, { amount: '0.00', currencyCode: 'USD' })).toBeNull();
    expect(returnOnInvestment(revenue, null)).toBeNull();
    expect(returnOnInvestment([], { amount: '50.00', currencyCode: 'GBP' })).toBe(-1);
  });
});

describe('packCampaigns', () => {
  it("packs campaigns so no statement's answer passes Salesforce's 2,000 aggregate rows", () => {
    const counts = [
      { campaignId: 'c3', accounts: 600 },
      { campaignId: 'c1', accounts: 1500 },
      { campaignId: 'c2', accounts: 500 },
      { campaignId: 'c4', accounts: 0 },
      { campaignId: 'c5', accounts: 2500 },
      { campaignId: 'c6', accounts: 10 },
    ];
    expect(packCampaigns(counts, 2000, 300)).toEqual([['c1', 'c2'], ['c3'], ['c5'], ['c6']]);
    expect(packCampaigns(counts, 10_000, 2)).toEqual([['c1', 'c2'], ['c3', 'c5'], ['c6']]);
    expect(packCampaigns([], 2000, 300)).toEqual([]);
  });
});
