import type { Money } from '../../lib/domain.js';
import { MoneyTotals } from '../../lib/money.js';
import { freshnessOf, monthsIn, period } from './dates.js';
import { earliest, type ReportReaders } from './readers.js';

/**
 * salesForecast: per month, the open pipeline by expected close month weighted by probability
 * (one CRM aggregate query) and the booked order lines not yet invoiced by requested delivery
 * month (one ERP aggregating query), read in parallel.
 */

const MAX_FORECAST_MONTHS = 24;

export interface ForecastMonthModel {
  month: string;
  pipeline: Money[];
  weightedPipeline: Money[];
  bookedNotInvoiced: Money[];
  expected: Money[];
}

export interface SalesForecastModel {
  from: string;
  to: string;
  readAt: string;
  months: ForecastMonthModel[];
}

export async function salesForecast(
  readers: ReportReaders,
  args: { from: string; to: string },
): Promise<SalesForecastModel> {
  const { from, to } = period(args.from, args.to, { months: MAX_FORECAST_MONTHS });
  const { reporting, aggregates, requestId } = readers;
  const freshness = freshnessOf(to, readers.now());
  const [[open], [backlog]] = await Promise.all([
    aggregates.runAll(
      [aggregates.opportunityTotals({ state: 'OPEN', groupBy: 'MONTH', close: { from, to } }, freshness)],
      'sales forecast',
      requestId,
    ),
    reporting.readAll([reporting.backlogTotals({ from, to }, freshness)], 'sales forecast', requestId),
  ]);
  const months = new Map(
    monthsIn(from, to).map((month) => [
      month,
      { pipeline: new MoneyTotals(), weighted: new MoneyTotals(), booked: new MoneyTotals() },
    ]),
  );
  for (const row of open.figures) {
    const month = row.group === null ? undefined : months.get(row.group);
    if (!month) continue;
    month.pipeline.add(row.amount, row.currencyCode);
    month.weighted.addWeighted(row.amount, row.currencyCode, row.probability ?? 0);
  }
  for (const row of backlog.figures) {
    const month = row.deliveryDate === null ? undefined : months.get(row.deliveryDate.slice(0, 7));
    month?.booked.add(row.notInvoiced, row.currencyCode);
  }
  return {
    from,
    to,
    readAt: earliest(open, backlog),
    months: [...months.entries()].map(([month, sums]) => ({
      month,
      pipeline: sums.pipeline.list(),
      weightedPipeline: sums.weighted.list(),
      bookedNotInvoiced: sums.booked.list(),
      expected: new MoneyTotals().addAll(sums.weighted).addAll(sums.booked).list(),
    })),
  };
}
