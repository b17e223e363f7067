import type { Account } from './accounts.js';
import { addDays, DATASET_AS_OF, day, daysBetween } from './calendar.js';
import { type Generation, money, type Row } from './context.js';
import type { Customer } from './customers.js';
import { type LineSpec, lineAmounts, type SalesDocuments, type SalesHistory } from './salesDocuments.js';

const PROBABILITY: Record<string, number> = {
  Prospecting: 10,
  Qualification: 20,
  'Proposal/Price Quote': 60,
  'Negotiation/Review': 80,
  'Closed Won': 100,
  'Closed Lost': 0,
};

/** A quote's lines and totals, in cents. */
interface QuotePricing {
  lines: ReturnType<typeof lineAmounts>[];
  subtotal: number;
  net: number;
  tax: number;
}

function priceQuote(specs: readonly LineSpec[], taxPercent: number): QuotePricing {
  const lines = specs.map((s) => lineAmounts(s, taxPercent));
  return {
    lines,
    subtotal: specs.reduce((sum, s) => sum + s.item.unitPriceCents * s.quantity, 0),
    net: lines.reduce((sum, a) => sum + a.amounts.excl, 0),
    tax: lines.reduce((sum, a) => sum + a.amounts.tax, 0),
  };
}

interface QuotedOpportunity {
  id: string;
  stage: string;
  closeDate: string;
  specs: readonly LineSpec[];
  pricing: QuotePricing;
}

/**
 * 0-4 Opportunities of an Account. Proposal, negotiation and won ones have a Quote with lines;
 * most won quotes were converted, so their ERP order is written with them.
 */
export function writeOpportunities(
  gen: Generation,
  sales: SalesDocuments,
  customer: Customer,
  account: Account,
  campaigns: readonly string[],
  history: SalesHistory,
): void {
  const { random, crm } = gen;
  const opportunityCount = random.int(0, 4);
  for (let o = 0; o < opportunityCount; o++) {
    const stage = random.weighted([
      ['Prospecting', 15],
      ['Qualification', 15],
      ['Proposal/Price Quote', 15],
      ['Negotiation/Review', 10],
      ['Closed Won', customer.inErp ? 30 : 0],
      ['Closed Lost', 15],
    ]);
    const closed = stage.startsWith('Closed');
    const closeDate = closed ? day(-random.int(5, 500)) : day(random.int(5, 120));
    const opportunityId = gen.ids.opportunity.next();
    const withQuote =
      stage === 'Closed Won' || stage === 'Proposal/Price Quote' || stage === 'Negotiation/Review';
    const specs = withQuote ? sales.pickLines(stage === 'Closed Won') : [];
    const pricing = priceQuote(specs, customer.taxLiable ? 8 : 0);
    crm.Opportunity.insert({
      Id: opportunityId,
      AccountId: account.id,
      Name: `${customer.crmName} - ${random.pick(['Office refit', 'Annual order', 'Expansion', 'Replacement', 'Service deal'])}`,
      StageName: stage,
      Amount: withQuote ? money(pricing.net) : random.int(5, 500) * 100,
      CurrencyIsoCode: account.currency,
      Probability: PROBABILITY[stage],
      CloseDate: closeDate,
      IsClosed: closed,
      IsWon: stage === 'Closed Won',
      LeadSource: random.pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Trade Show']),
      CampaignId: random.chance(0.3) ? random.pick(campaigns) : null,
      OwnerId: customer.salesperson.userId,
      ...gen.sfSystem(addDays(closeDate, -random.int(20, 90))),
    });
    if (withQuote) {
      const opportunity = { id: opportunityId, stage, closeDate, specs, pricing };
      writeQuote(gen, sales, customer, account, history, opportunity);
    }
  }
}

/** Above these discount percentages a quote needs a manager's, a director's approval. */
export const GENERATED_APPROVAL_THRESHOLDS = { manager: 10, director: 20 } as const;

/** Who decided the generated approvals: one manager and one director of the company. */
export const APPROVERS = {
  Manager: 'sales.manager@cronus-demo.com',
  Director: 'sales.director@cronus-demo.com',
} as const;

/**
 * The discount approval fields of a generated quote (every generated quote is open or
 * accepted): one whose discount is above the manager threshold was approved the day after it
 * was created, by a director above the director threshold, so each stays convertible under
 * the default thresholds. Derived from what is drawn already; the others were never asked.
 */
function discountApproval(customer: Customer, discountPercent: number, created: string): Row {
  // Never asked: the fields stay empty (a sink writes an absent column as null).
  if (discountPercent <= GENERATED_APPROVAL_THRESHOLDS.manager) return {};
  const level = discountPercent > GENERATED_APPROVAL_THRESHOLDS.director ? 'Director' : 'Manager';
  return {
    Discount_Approval_Status__c: 'Approved',
    Discount_Approval_Level__c: level,
    Discount_Approval_Percent__c: discountPercent,
    Discount_Approval_Requested_By__c: customer.salesperson.email,
    Discount_Approval_Decided_By__c: APPROVERS[level],
    Discount_Approval_Decided_At__c: new Date(Date.parse(created) + 86_400_000).toISOString(),
    Discount_Approval_Comment__c: null,
  };
}

/** A CRM Quote with its lines; a converted one names the ERP order written for it. */
function writeQuote(
  gen: Generation,
  sales: SalesDocuments,
  customer: Customer,
  account: Account,
  history: SalesHistory,
  opportunity: QuotedOpportunity,
): void {
  const { random, crm } = gen;
  const { stage, closeDate, specs } = opportunity;
  const { lines, subtotal, net, tax } = opportunity.pricing;
  const quoteId = gen.ids.quote.next();
  const quoteNumber = gen.nextNumber('sfQuote', '', 8);
  const quoteDate = addDays(closeDate, -random.int(3, 15));
  const converted = stage === 'Closed Won' && random.chance(0.7);
  const status = stage === 'Closed Won' ? 'Accepted' : random.pick(['Approved', 'Presented']);
  let erpOrder: { id: string; number: string } | null = null;
  if (converted) {
    // The order is written now so its number can go on the quote.
    const orderDate = closeDate > DATASET_AS_OF ? DATASET_AS_OF : addDays(closeDate, 1);
    const age = daysBetween(orderDate, DATASET_AS_OF);
    const state = age > 20 ? 'Invoiced' : random.pick(['Open', 'Released'] as const);
    erpOrder = sales.writeOrder(customer, specs, quoteNumber, orderDate, state, history);
  }
  const discountPercent = subtotal === 0 ? 0 : Math.round(((subtotal - net) / subtotal) * 10000) / 100;
  const system = gen.sfSystem(quoteDate);
  crm.Quote.insert({
    Id: quoteId,
    Name: `Q-${quoteNumber} ${customer.crmName}`,
    QuoteNumber: quoteNumber,
    OpportunityId: opportunity.id,
    AccountId: account.id,
    ContactId: account.contactIds[0],
    Status: status,
    ExpirationDate: addDays(quoteDate, 30),
    CurrencyIsoCode: account.currency,
    Subtotal: money(subtotal),
    Discount: discountPercent,
    TotalPrice: money(net),
    Tax: money(tax),
    GrandTotal: money(net + tax),
    ERP_Order_Number__c: erpOrder?.number ?? null,
    ERP_Order_Id__c: erpOrder?.id ?? null,
    ...discountApproval(customer, discountPercent, String(system.CreatedDate)),
    OwnerId: customer.salesperson.userId,
    ...system,
  });
  specs.forEach((spec, line) => {
    const { amounts } = lines[line]!;
    crm.QuoteLineItem.insert({
      Id: gen.ids.quoteLine.next(),
      QuoteId: quoteId,
      Product2Id: spec.item.productId,
      LineNumber: String(line + 1).padStart(5, '0'),
      Description: spec.item.name,
      Quantity: spec.quantity,
      UnitPrice: money(spec.item.unitPriceCents),
      Discount: spec.discountPercent,
      Subtotal: money(spec.item.unitPriceCents * spec.quantity),
      TotalPrice: money(amounts.excl),
      ...gen.sfSystem(quoteDate),
    });
  });
}
