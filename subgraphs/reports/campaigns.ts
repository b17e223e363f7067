import { isDay, type Money } from '../../lib/domain.js';
import { centsOf, MoneyTotals } from '../../lib/money.js';
import type {
  CampaignCustomerCount,
  CampaignMemberAccount,
  CampaignMemberCount,
  OpportunityTotal,
  Read,
} from '../crm/client/aggregates.js';
import type { CustomerCurrency, CustomerSalesTotal } from '../erp/client/reporting.js';
import { today } from './dates.js';
import { FigureSums } from './figures.js';
import { earliest, type ReportReaders } from './readers.js';

/**
 * A campaign's figures: what it reached and brought in the CRM (four aggregate statements for
 * every campaign of a request, in one composite) and what the ERP invoiced its member customers
 * since it started (customerSales, one request per campaign, all in one `$batch`).
 */

export interface CampaignFigures {
  memberCount: number;
  respondedCount: number;
  memberCustomerCount: number;
  pipeline: Money[];
  wonAmount: Money[];
  wonOpportunities: number;
}

export async function campaignFigures(
  readers: ReportReaders,
  campaignIds: readonly string[],
): Promise<CampaignFigures[]> {
  const { aggregates } = readers;
  const ids = [...new Set(campaignIds)];
  const [members, open, won, accounts] = (await aggregates.runAll(
    [
      aggregates.campaignMemberCounts(ids, 'document'),
      aggregates.opportunityTotals({ state: 'OPEN', groupBy: 'CAMPAIGN', campaignIds: ids }, 'document'),
      aggregates.opportunityTotals({ state: 'WON', groupBy: 'CAMPAIGN', campaignIds: ids }, 'document'),
      aggregates.campaignCustomerCounts(ids, 'document'),
    ],
    'campaign figures',
    readers.requestId,
  )) as [
    Read<CampaignMemberCount>,
    Read<OpportunityTotal>,
    Read<OpportunityTotal>,
    Read<CampaignCustomerCount>,
  ];
  return campaignIds.map((id) => {
    const sums = new FigureSums();
    for (const row of open.figures) if (row.group === id) sums.pipeline.add(row.amount, row.currencyCode);
    for (const row of won.figures) if (row.group === id) sums.addWon(row);
    const mine = members.figures.filter((row) => row.campaignId === id);
    return {
      memberCount: mine.reduce((sum, row) => sum + row.members, 0),
      respondedCount: mine.reduce((sum, row) => sum + (row.responded ? row.members : 0), 0),
      memberCustomerCount: accounts.figures
        .filter((row) => row.campaignId === id)
        .reduce((sum, row) => sum + row.accounts, 0),
      pipeline: sums.pipeline.list(),
      wonAmount: sums.won.list(),
      wonOpportunities: sums.wonOpportunities,
    };
  });
}

export interface RevenueKey {
  campaignId: string;
  /** The campaign's first day; none (or a later day than today): nothing invoiced yet. */
  startDate: string | null;
  /** Distinct accounts among its members (memberCustomerCount). */
  memberCustomers: number;
}

/**
 * The ERP customer numbers of each campaign's members: as many statements as keep each answer
 * within Salesforce's 2,000 rows, in one composite (several beyond five statements, in parallel).
 */
export async function memberCustomers(
  readers: ReportReaders,
  counts: readonly CampaignCustomerCount[],
  freshness: 'master' | 'document',
  label: string,
): Promise<{ readAt: string | null; numbers: Map<string, string[]> }> {
  const statements = readers.aggregates.campaignMemberCustomers(counts, freshness);
  const reads = (await readers.aggregates.runAll(
    statements,
    label,
    readers.requestId,
  )) as Read<CampaignMemberAccount>[];
  const numbers = new Map<string, string[]>();
  for (const row of reads.flatMap((read) => read.figures)) {
    if (!row.erpCustomerNumber) continue;
    const list = numbers.get(row.campaignId) ?? [];
    list.push(row.erpCustomerNumber);
    numbers.set(row.campaignId, list);
  }
  return { readAt: reads.length === 0 ? null : earliest(...reads), numbers };
}

/** What the ERP invoiced each campaign's member customers from its start to today, in their currencies. */
export async function invoicedRevenue(
  readers: ReportReaders,
  keys: readonly RevenueKey[],
): Promise<Money[][]> {
  const { reporting } = readers;
  const day = today(readers.now());
  const started = keys.filter(
    (key) => key.startDate !== null && isDay(key.startDate) && key.startDate <= day,
  );
  const { numbers: membersOf } = await memberCustomers(
    readers,
    started.map((key) => ({ campaignId: key.campaignId, accounts: key.memberCustomers })),
    'document',
    'campaign revenue',
  );
  const asked = keys.map((key) => {
    const members = membersOf.get(key.campaignId) ?? [];
    return started.includes(key) && members.length > 0
      ? reporting.customerSales(members, { from: key.startDate!, to: day }, 'document')
      : [];
  });
  const numbers = [...new Set([...membersOf.values()].flat())];
  const currencies = reporting.customerCurrencies(numbers);
  const sales = asked.flat();
  if (sales.length === 0) return keys.map(() => []);
  const reads = await reporting.readAll([...sales, ...currencies], 'campaign revenue', readers.requestId);
  const currencyOf = new Map(
    (reads.slice(sales.length).flatMap((read) => read.figures) as CustomerCurrency[]).map((row) => [
      row.number,
      row.currencyCode,
    ]),
  );
  let next = 0;
  return asked.map((queries) => {
    const totals = new MoneyTotals();
    for (const read of reads.slice(next, next + queries.length) as Read<CustomerSalesTotal>[]) {
      for (const row of read.figures) {
        const currency = currencyOf.get(row.customerNumber);
        if (currency !== undefined) totals.add(row.amount, currency);
      }
    }
    next += queries.length;
    return totals.list();
  });
}

/**
 * (revenue − cost) ÷ cost, counting only the revenue in the cost's currency; null without a
 * cost (or a cost of nothing).
 */
export function returnOnInvestment(revenue: readonly Money[], cost: Money | null | undefined): number | null {
  if (!cost) return null;
  const costCents = centsOf(cost.amount);
  if (costCents === 0n) return null;
  const revenueCents = MoneyTotals.of(revenue).centsIn(cost.currencyCode);
  return Number(revenueCents - costCents) / Number(costCents);
}
