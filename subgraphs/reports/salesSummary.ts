import { MoneyTotals } from '../../lib/money.js';
import type {
  CampaignCustomerCount,
  OpportunityGrouping,
  ProductTotal,
  Read,
} from '../crm/client/aggregates.js';
import type {
  CustomerCurrency,
  CustomerSalesTotal,
  DocumentTotal,
  LineTotal,
  OpenInvoiceTotal,
  SalespersonRef,
} from '../erp/client/reporting.js';
import { memberCustomers } from './campaigns.js';
import { addDays, freshnessOf, type Period, period, today } from './dates.js';
import { FigureSums, GroupedFigures, type SalesFiguresModel } from './figures.js';
import { earliest, type ReportReaders } from './readers.js';

/**
 * salesSummary: pipeline and won from the CRM's aggregate queries beside booked, invoiced, paid
 * and overdue from the ERP's aggregating queries, joined here per group. The CRM statements go
 * in one composite and the ERP reads in one `$batch`, in parallel; only CAMPAIGN asks each once
 * more, in sequence (the members' customers, then what was invoiced to them). None of it grows with the
 * records or the groups: the systems sum, this adds up their sums.
 */

export type SalesSummaryGrouping = 'OWNER' | 'MONTH' | 'PRODUCT' | 'REGION' | 'CAMPAIGN';

/** The key of figures that have no value for the grouping (no owner, region or campaign). */
const NONE = 'NONE';
/** A report may span at most this many days. */
const MAX_SUMMARY_DAYS = 366;

export interface SalesSummaryGroupModel {
  key: string;
  employee: { email: string } | null;
  month: string | null;
  product: { sku: string } | null;
  region: string | null;
  campaign: { id: string } | null;
  figures: SalesFiguresModel;
}

export interface SalesSummaryModel {
  from: string;
  to: string;
  groupBy: SalesSummaryGrouping;
  readAt: string;
  groups: SalesSummaryGroupModel[];
  total: SalesFiguresModel;
}

export async function salesSummary(
  readers: ReportReaders,
  args: { from: string; to: string; groupBy: SalesSummaryGrouping },
): Promise<SalesSummaryModel> {
  const { from, to } = period(args.from, args.to, { days: MAX_SUMMARY_DAYS });
  const { reporting, aggregates, requestId } = readers;
  const now = readers.now();
  const freshness = freshnessOf(to, now);
  const close = { from, to };
  // Overdue as of the period's last day, or today if that is earlier: due before that day.
  const asOf = [to, today(now)].sort()[0]!;
  const grouping: OpportunityGrouping = args.groupBy === 'PRODUCT' ? 'NONE' : args.groupBy;

  const crm = aggregates.runAll(
    [
      aggregates.opportunityTotals({ state: 'OPEN', groupBy: grouping, close }, freshness),
      aggregates.opportunityTotals({ state: 'WON', groupBy: grouping, close }, freshness),
      ...(args.groupBy === 'PRODUCT'
        ? [
            aggregates.productTotals({ state: 'OPEN', close }, freshness),
            aggregates.productTotals({ state: 'WON', close }, freshness),
          ]
        : []),
      ...(args.groupBy === 'CAMPAIGN' ? [aggregates.campaignCustomerCounts(undefined, freshness)] : []),
    ],
    'sales summary',
    requestId,
  );
  const erp = reporting.readAll(
    [
      reporting.documentTotals({ from, to }, freshness),
      reporting.openInvoiceTotals({ to: addDays(asOf, -1) }, freshness),
      ...(args.groupBy === 'OWNER' ? [reporting.salespeople()] : []),
      ...(args.groupBy === 'PRODUCT' ? [reporting.lineTotals({ from, to }, freshness)] : []),
    ],
    'sales summary',
    requestId,
  );
  const [crmReads, erpReads] = await Promise.all([crm, erp]);
  const [open, won, ...crmExtra] = crmReads;
  const [documents, openInvoices, ...erpExtra] = erpReads;
  const reads: { readAt: string }[] = [...crmReads, ...erpReads];

  const total = new FigureSums();
  const groups = new GroupedFigures();
  for (const row of open.figures) total.addOpen(row);
  for (const row of won.figures) total.addWon(row);
  for (const row of documents.figures) addDocument(total, row);
  for (const row of openInvoices.figures) total.overdue.add(row.remaining, row.currencyCode);

  const keyOfErp = erpGroupKey(args.groupBy, erpExtra);
  if (args.groupBy === 'PRODUCT') {
    // The statements were listed above in this order for PRODUCT.
    const [openLines, wonLines] = crmExtra as Read<ProductTotal>[] as [
      Read<ProductTotal>,
      Read<ProductTotal>,
    ];
    for (const row of openLines.figures) groups.of(row.sku ?? NONE).addOpen(row);
    for (const row of wonLines.figures) groups.of(row.sku ?? NONE).addWon(row);
    const lines = erpExtra[0] as Read<LineTotal>;
    for (const row of lines.figures) {
      const sums = groups.of(row.sku ?? NONE);
      if (row.kind === 'ORDER') sums.booked.add(row.amount, row.currencyCode);
      else sums.invoiced.add(row.amount, row.currencyCode);
    }
  } else {
    for (const row of open.figures) groups.of(row.group ?? NONE).addOpen(row);
    for (const row of won.figures) groups.of(row.group ?? NONE).addWon(row);
  }
  if (keyOfErp) {
    for (const row of documents.figures) addDocument(groups.of(keyOfErp(row)), row);
    for (const row of openInvoices.figures) {
      const key = overdueKey(args.groupBy, row, keyOfErp, { from, to });
      if (key !== null) groups.of(key).overdue.add(row.remaining, row.currencyCode);
    }
  }
  if (args.groupBy === 'CAMPAIGN') {
    const counts = crmExtra[0] as Read<CampaignCustomerCount>;
    const members = await memberCustomers(readers, counts.figures, freshness, 'sales summary');
    if (members.readAt !== null) reads.push({ readAt: members.readAt });
    const invoiced = await invoicedToMembers(
      readers,
      [...members.numbers].flatMap(([campaignId, numbers]) =>
        numbers.map((erpCustomerNumber) => ({ campaignId, erpCustomerNumber })),
      ),
      { from, to },
      freshness,
    );
    if (invoiced.readAt !== null) reads.push({ readAt: invoiced.readAt });
    for (const [campaignId, sums] of invoiced.byCampaign) {
      const group = groups.of(campaignId);
      group.invoiced.addAll(sums);
    }
  }

  return {
    from,
    to,
    groupBy: args.groupBy,
    readAt: earliest(...reads),
    groups: groups.entries().map(([key, sums]) => groupModel(args.groupBy, key, sums)),
    total: total.toModel(),
  };
}

function addDocument(sums: FigureSums, row: DocumentTotal): void {
  switch (row.kind) {
    case 'ORDER':
      sums.booked.add(row.amount, row.currencyCode);
      sums.orders += row.documents;
      return;
    case 'INVOICE':
      sums.invoiced.add(row.amount, row.currencyCode);
      sums.invoices += row.documents;
      return;
    case 'PAYMENT':
      sums.paid.add(row.amount, row.currencyCode);
      return;
    case 'CREDIT_MEMO':
      return;
  }
}

/**
 * The group an ERP document total belongs to, for the groupings the document totals carry
 * (OWNER through the salesperson's e-mail, MONTH, REGION); undefined for the others.
 */
function erpGroupKey(
  groupBy: SalesSummaryGrouping,
  extra: readonly { figures: unknown[] }[],
):
  | ((row: { salesperson: string | null; region: string | null; date?: string | null }) => string)
  | undefined {
  switch (groupBy) {
    case 'OWNER': {
      const people = (extra[0]?.figures ?? []) as SalespersonRef[];
      const emailOf = new Map(people.map((person) => [person.number, person.email?.toLowerCase() ?? null]));
      return (row) => (row.salesperson === null ? NONE : (emailOf.get(row.salesperson) ?? NONE));
    }
    case 'MONTH':
      return (row) => row.date?.slice(0, 7) ?? NONE;
    case 'REGION':
      return (row) => row.region ?? NONE;
    default:
      return undefined;
  }
}

/** MONTH: what is overdue of the invoices due in that month of the period; otherwise the row's group. */
function overdueKey(
  groupBy: SalesSummaryGrouping,
  row: OpenInvoiceTotal,
  keyOf: (row: { salesperson: string | null; region: string | null; date?: string | null }) => string,
  within: Period,
): string | null {
  if (groupBy !== 'MONTH') return keyOf(row);
  if (row.dueDate === null || row.dueDate < within.from) return null;
  return row.dueDate.slice(0, 7);
}

/**
 * What the ERP invoiced in the period to each campaign's member customers (a customer in two
 * campaigns counts in both), in each customer's currency: one `$batch` of customerSales and the
 * customers' currencies.
 */
async function invoicedToMembers(
  readers: ReportReaders,
  members: readonly { campaignId: string; erpCustomerNumber: string | null }[],
  within: Period,
  freshness: 'master' | 'document',
): Promise<{ readAt: string | null; byCampaign: Map<string, MoneyTotals> }> {
  const numbers = [...new Set(members.flatMap((m) => (m.erpCustomerNumber ? [m.erpCustomerNumber] : [])))];
  const byCampaign = new Map<string, MoneyTotals>();
  if (numbers.length === 0) return { readAt: null, byCampaign };
  const sales = readers.reporting.customerSales(numbers, within, freshness);
  const currencies = readers.reporting.customerCurrencies(numbers);
  const reads = await readers.reporting.readAll(
    [...sales, ...currencies],
    'sales summary',
    readers.requestId,
  );
  const salesRows = reads.slice(0, sales.length).flatMap((read) => read.figures) as CustomerSalesTotal[];
  const currencyRows = reads.slice(sales.length).flatMap((read) => read.figures) as CustomerCurrency[];
  const currencyOf = new Map(currencyRows.map((row) => [row.number, row.currencyCode]));
  const amountOf = new Map(salesRows.map((row) => [row.customerNumber, row.amount]));
  for (const member of members) {
    if (!member.erpCustomerNumber) continue;
    const amount = amountOf.get(member.erpCustomerNumber);
    const currency = currencyOf.get(member.erpCustomerNumber);
    if (amount === undefined || currency === undefined) continue;
    let sums = byCampaign.get(member.campaignId);
    if (!sums) {
      sums = new MoneyTotals();
      byCampaign.set(member.campaignId, sums);
    }
    sums.add(amount, currency);
  }
  return { readAt: earliest(...reads), byCampaign };
}

function groupModel(groupBy: SalesSummaryGrouping, key: string, sums: FigureSums): SalesSummaryGroupModel {
  const known = key !== NONE;
  return {
    key,
    employee: groupBy === 'OWNER' && known ? { email: key } : null,
    month: groupBy === 'MONTH' && known ? key : null,
    product: groupBy === 'PRODUCT' && known ? { sku: key } : null,
    region: groupBy === 'REGION' && known ? key : null,
    campaign: groupBy === 'CAMPAIGN' && known ? { id: key } : null,
    figures: sums.toModel(),
  };
}
