import type { Money } from '../../lib/domain.js';
import { MoneyTotals } from '../../lib/money.js';
import type { OpportunityTotal, ProductTotal } from '../crm/client/aggregates.js';

/** A period's figures as SalesFigures answers them. */
export interface SalesFiguresModel {
  pipeline: Money[];
  weightedPipeline: Money[];
  openOpportunities: number;
  won: Money[];
  wonOpportunities: number;
  booked: Money[];
  orders: number;
  invoiced: Money[];
  invoices: number;
  paid: Money[];
  overdue: Money[];
}

/** The figures of one group (or of the whole period) while the answers are added up. */
export class FigureSums {
  readonly pipeline = new MoneyTotals();
  readonly weightedPipeline = new MoneyTotals();
  openOpportunities = 0;
  readonly won = new MoneyTotals();
  wonOpportunities = 0;
  readonly booked = new MoneyTotals();
  orders = 0;
  readonly invoiced = new MoneyTotals();
  invoices = 0;
  readonly paid = new MoneyTotals();
  readonly overdue = new MoneyTotals();

  /** Open opportunities (or quote lines of them) entered with a probability. */
  addOpen(
    row: Pick<OpportunityTotal | ProductTotal, 'amount' | 'currencyCode' | 'probability' | 'opportunities'>,
  ): void {
    this.pipeline.add(row.amount, row.currencyCode);
    this.weightedPipeline.addWeighted(row.amount, row.currencyCode, row.probability ?? 0);
    this.openOpportunities += row.opportunities;
  }

  addWon(row: Pick<OpportunityTotal | ProductTotal, 'amount' | 'currencyCode' | 'opportunities'>): void {
    this.won.add(row.amount, row.currencyCode);
    this.wonOpportunities += row.opportunities;
  }

  toModel(): SalesFiguresModel {
    return {
      pipeline: this.pipeline.list(),
      weightedPipeline: this.weightedPipeline.list(),
      openOpportunities: this.openOpportunities,
      won: this.won.list(),
      wonOpportunities: this.wonOpportunities,
      booked: this.booked.list(),
      orders: this.orders,
      invoiced: this.invoiced.list(),
      invoices: this.invoices,
      paid: this.paid.list(),
      overdue: this.overdue.list(),
    };
  }
}

/** Figures per group key, a group made when a figure first reaches it. */
export class GroupedFigures {
  private readonly groups = new Map<string, FigureSums>();

  of(key: string): FigureSums {
    let sums = this.groups.get(key);
    if (!sums) {
      sums = new FigureSums();
      this.groups.set(key, sums);
    }
    return sums;
  }

  /** The groups by key. */
  entries(): [string, FigureSums][] {
    return [...this.groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
