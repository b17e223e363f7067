import type { CrmTableName, ErpTableName } from './model.js';
import { type Random, SalesforceIds } from './random.js';
import type { TableSink } from './targets.js';
import { FOREIGN_CURRENCIES } from './vocabulary.js';

export type Row = Record<string, unknown>;

export const money = (amountInCents: number): number => amountInCents / 100;

export type ErpSinks = Record<ErpTableName, TableSink>;
export type CrmSinks = Record<CrmTableName, TableSink>;

/** Document number series, each counting up from 1 over the whole data set. */
type Series =
  | 'order'
  | 'invoice'
  | 'shipment'
  | 'quote'
  | 'sfQuote'
  | 'payment'
  | 'case'
  | 'warranty'
  | 'serial'
  | 'paymentLine'
  | 'creditMemo'
  | 'itemLedger';

/**
 * What every entity module draws from and writes to: the one seeded random stream (all
 * modules share it, so the order in which generateDataset calls them is part of the data), a
 * second stream for the records added since (credit memos, item ledger entries: drawing them
 * from `side` leaves every row of the first stream as it was),
 * the tables of both databases, the Salesforce id sequences, the ERP setup records documents
 * point at, and the document number series.
 */
export class Generation {
  readonly ids;
  readonly setup;
  private readonly series: Record<Series, number> = {
    order: 0,
    invoice: 0,
    shipment: 0,
    quote: 0,
    sfQuote: 0,
    payment: 0,
    case: 0,
    warranty: 0,
    serial: 0,
    paymentLine: 0,
    creditMemo: 0,
    itemLedger: 0,
  };

  constructor(
    readonly random: Random,
    readonly erp: ErpSinks,
    readonly crm: CrmSinks,
    readonly side: Random,
  ) {
    const pod = `${random.pick(['5', '8', 'D', 'H'])}${random.pick(['g', 'n', 'J', '0'])}`;
    const sf = (prefix: string) => new SalesforceIds(random, prefix, pod);
    this.ids = {
      user: sf('005'),
      account: sf('001'),
      contact: sf('003'),
      opportunity: sf('006'),
      quote: sf('0Q0'),
      quoteLine: sf('0QL'),
      product: sf('01t'),
      case: sf('500'),
      task: sf('00T'),
      event: sf('00U'),
      asset: sf('02i'),
      entitlement: sf('550'),
      campaign: sf('701'),
      campaignMember: sf('00v'),
    };
    this.setup = {
      companyId: random.guid(),
      currencyIds: new Map(FOREIGN_CURRENCIES.map(([code]) => [code, random.guid()])),
      paymentTermsId: random.guid(),
      shipmentMethodId: random.guid(),
      paymentMethodId: random.guid(),
      taxAreaId: random.guid(),
      cashJournalId: random.guid(),
    };
  }

  /** The next value of a series. */
  next(series: Series): number {
    return ++this.series[series];
  }

  /** Whether a series has issued a value yet. */
  has(series: Series): boolean {
    return this.series[series] > 0;
  }

  /** The next value of a series as a document number: `SO000001`. */
  nextNumber(series: Series, prefix: string, width = 6): string {
    return `${prefix}${String(this.next(series)).padStart(width, '0')}`;
  }

  /** A time of day within office hours on `date`, as BC and Salesforce write it. */
  timestamp(date: string, random: Random = this.random): string {
    return `${date}T${String(random.int(7, 18)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}:${String(random.int(0, 59)).padStart(2, '0')}.${String(random.int(0, 999)).padStart(3, '0')}Z`;
  }

  /** The system fields of a Salesforce record created on one day and last modified on another. */
  sfSystem(createdDate: string, modifiedDate: string = createdDate): Row {
    const created = this.timestamp(createdDate);
    const modified = modifiedDate === createdDate ? created : this.timestamp(modifiedDate);
    return { CreatedDate: created, LastModifiedDate: modified, SystemModstamp: modified, IsDeleted: false };
  }

  phone(): string {
    const { random } = this;
    return `+1 ${random.int(200, 989)} ${random.int(200, 999)} ${String(random.int(0, 9999)).padStart(4, '0')}`;
  }
}
