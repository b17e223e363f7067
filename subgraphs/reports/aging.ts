import type { Money } from '../../lib/domain.js';
import { MoneyTotals } from '../../lib/money.js';
import { day, daysIn, today } from './dates.js';
import type { ReportReaders } from './readers.js';

/**
 * receivablesAging: what customers owe by how long it is past due as of a day, from the ERP's
 * open invoices summed by due date (one aggregating query); its `customers` page Business
 * Central's own agedAccountsReceivables (resolvers/reports.ts).
 */

export type AgingPeriod = 'CURRENT' | 'DAYS_1_TO_30' | 'DAYS_31_TO_60' | 'DAYS_61_TO_90' | 'OVER_90_DAYS';
const AGING_PERIODS: readonly AgingPeriod[] = [
  'CURRENT',
  'DAYS_1_TO_30',
  'DAYS_31_TO_60',
  'DAYS_61_TO_90',
  'OVER_90_DAYS',
];

export interface AgingBucketModel {
  period: AgingPeriod;
  amount: Money[];
  invoices: number;
}

export interface ReceivablesAgingModel {
  asOf: string;
  readAt: string;
  buckets: AgingBucketModel[];
  total: Money[];
}

/** The day asked for, or today (UTC). */
export function agingDay(asOf: string | null | undefined, now: Date): string {
  return asOf === null || asOf === undefined ? today(now) : day('asOf', asOf);
}

/** Whole days past due on `asOf` (0 or less: not yet due). */
export function agingPeriodOf(dueDate: string | null, asOf: string): AgingPeriod {
  if (dueDate === null || dueDate >= asOf) return 'CURRENT';
  const late = daysIn(dueDate, asOf) - 1;
  if (late <= 30) return 'DAYS_1_TO_30';
  if (late <= 60) return 'DAYS_31_TO_60';
  if (late <= 90) return 'DAYS_61_TO_90';
  return 'OVER_90_DAYS';
}

export async function receivablesAging(
  readers: ReportReaders,
  args: { asOf?: string | null },
): Promise<ReceivablesAgingModel> {
  const asOf = agingDay(args.asOf, readers.now());
  const { reporting, requestId } = readers;
  const [open] = await reporting.readAll(
    [reporting.openInvoiceTotals({}, 'document', asOf)],
    'receivables aging',
    requestId,
  );
  const buckets = new Map(AGING_PERIODS.map((p) => [p, { amount: new MoneyTotals(), invoices: 0 }]));
  const total = new MoneyTotals();
  for (const row of open.figures) {
    const bucket = buckets.get(agingPeriodOf(row.dueDate, asOf))!;
    bucket.amount.add(row.remaining, row.currencyCode);
    bucket.invoices += row.invoices;
    total.add(row.remaining, row.currencyCode);
  }
  return {
    asOf,
    readAt: open.readAt,
    buckets: AGING_PERIODS.map((p) => ({
      period: p,
      amount: buckets.get(p)!.amount.list(),
      invoices: buckets.get(p)!.invoices,
    })),
    total: total.list(),
  };
}
