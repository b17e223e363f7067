import { addDays, clampToAsOf, DATASET_AS_OF, day, daysBetween } from './calendar.js';
import { type Generation, money, type Row } from './context.js';
import type { Customer } from './customers.js';
import type { Catalog, Item } from './items.js';
import type { Random } from './random.js';
import type { TableSink } from './targets.js';

/** One document line before its amounts: which item, how many, at what discount. */
export interface LineSpec {
  item: Item;
  quantity: number;
  discountPercent: number;
}

/** In cents. */
interface Amounts {
  excl: number;
  tax: number;
  incl: number;
}

/** A posted invoice as the customer's financial position counts it. */
export interface Receivable {
  dueDate: string;
  remaining: number; // cents
  excl: number;
}

/** One unit of a serialized item, shipped. */
export interface ShippedSerial {
  serial: string;
  item: Item;
  shipmentNumber: string;
  date: string;
}

/** A shipped and invoiced sales order: what a complaint can be about and a credit memo correct. */
export interface InvoicedOrder {
  id: string;
  number: string;
  invoiceId: string;
  invoiceNumber: string;
  invoiceDate: string;
  specs: readonly LineSpec[];
  taxPercent: number;
}

/** What a customer's ERP documents leave behind for its balance, assets, warranty work and cases. */
export interface SalesHistory {
  receivables: Receivable[];
  serials: ShippedSerial[];
  invoicedOrders: InvoicedOrder[];
}

export type OrderState = 'Draft' | 'Open' | 'Released' | 'Invoiced';

export function lineAmounts(spec: LineSpec, taxPercent: number): { discount: number; amounts: Amounts } {
  const gross = spec.item.unitPriceCents * spec.quantity;
  const discount = Math.round((gross * spec.discountPercent) / 100);
  const excl = gross - discount;
  const tax = Math.round((excl * taxPercent) / 100);
  return { discount, amounts: { excl, tax, incl: excl + tax } };
}

const totals = (amounts: Amounts): Row => ({
  discountAmount: 0,
  totalAmountExcludingTax: money(amounts.excl),
  totalTaxAmount: money(amounts.tax),
  totalAmountIncludingTax: money(amounts.incl),
});

/**
 * The ERP's sales documents: orders, their shipments and posted invoices, the payments applied
 * to those, and quotes; each header's totals are the sum of its lines.
 */
export class SalesDocuments {
  private readonly parties = new WeakMap<Customer, Row>();

  constructor(
    private readonly gen: Generation,
    private readonly catalog: Catalog,
  ) {}

  /** An ERP customer's own documents: 0-8 orders, 0-2 invoices without an order, maybe a quote. */
  writeCustomerDocuments(customer: Customer, history: SalesHistory): void {
    const { random } = this.gen;
    const orderCount = random.int(0, 8);
    for (let o = 0; o < orderCount; o++) {
      const orderDate = day(-random.int(0, 400));
      const age = daysBetween(orderDate, DATASET_AS_OF);
      const state =
        age > 20
          ? random.weighted<OrderState>([
              ['Invoiced', 85],
              ['Released', 7],
              ['Open', 5],
              ['Draft', 3],
            ])
          : random.pick(['Draft', 'Open', 'Released'] as const);
      this.writeOrder(
        customer,
        this.pickLines(),
        `PO-${random.int(10000, 99999)}`,
        orderDate,
        state,
        history,
      );
    }
    const directInvoices = random.int(0, 2);
    for (let v = 0; v < directInvoices; v++) {
      this.writeInvoice(
        customer,
        this.pickLines(false),
        '',
        day(-random.int(0, 300)),
        null,
        history.receivables,
      );
    }
    if (random.chance(0.5)) this.writeQuote(customer);
  }

  /** 1-5 lines of sellable items; serialized ones only when `forSerialized`. */
  pickLines(forSerialized = true): LineSpec[] {
    const { random } = this.gen;
    const count = random.int(1, 5);
    const lines: LineSpec[] = [];
    const pool = forSerialized ? this.catalog.sellable : this.catalog.sellableUnserialized;
    for (let l = 0; l < count; l++) {
      const item = random.pick(pool);
      lines.push({
        item,
        quantity: item.serialized ? random.int(1, 3) : random.int(1, 20),
        discountPercent: random.weighted([
          [0, 70],
          [5, 15],
          [10, 10],
          [15, 5],
        ]),
      });
    }
    return lines;
  }

  /** An ERP sales order, and for shipped ones its shipment and posted invoice. */
  writeOrder(
    customer: Customer,
    specs: readonly LineSpec[],
    externalDocumentNumber: string,
    orderDate: string,
    state: OrderState,
    history: SalesHistory,
  ): { id: string; number: string } {
    const { random, side, erp, setup } = this.gen;
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const number = this.gen.nextNumber('order', 'SO', 6);
    const invoiced = state === 'Invoiced';
    const shipDate = addDays(orderDate, random.int(1, 10));
    const amounts = this.writeLines(erp.salesOrderLines, id, specs, taxPercent, (spec) => ({
      shipmentDate: shipDate,
      shippedQuantity: invoiced ? spec.quantity : 0,
      invoicedQuantity: invoiced ? spec.quantity : 0,
    }));
    const party = this.documentParty(customer);
    erp.salesOrders.insert(
      {
        id,
        number,
        externalDocumentNumber,
        orderDate,
        postingDate: orderDate,
        currencyId: customer.currencyId,
        pricesIncludeTax: false,
        paymentTermsId: setup.paymentTermsId,
        shipmentMethodId: setup.shipmentMethodId,
        partialShipping: true,
        requestedDeliveryDate: addDays(orderDate, 14),
        discountAppliedBeforeTax: true,
        ...totals(amounts),
        fullyShipped: invoiced,
        status: state === 'Invoiced' ? 'Released' : state,
        lastModifiedDateTime: this.gen.timestamp(invoiced ? shipDate : orderDate),
      },
      party,
    );
    if (!invoiced) return { id, number };

    const shipmentId = random.guid();
    const shipmentNumber = this.gen.nextNumber('shipment', 'SSH', 6);
    const shipped = this.gen.timestamp(shipDate);
    erp.salesShipments.insert(
      {
        id: shipmentId,
        number: shipmentNumber,
        externalDocumentNumber,
        documentDate: shipDate,
        postingDate: shipDate,
        shipmentDate: shipDate,
        orderNumber: number,
        paymentTermsCode: '30 DAYS',
        shipmentMethodCode: 'EXW',
        lastModifiedDateTime: shipped,
      },
      party,
    );
    // What each entry the shipment posts to the item ledger (custom API) repeats: a sale,
    // negative quantity, one entry per unit of a serialized item. Drawn from the side stream.
    const sale: Row = {
      entryType: 'Sale',
      postingDate: shipDate,
      documentType: 'Sales Shipment',
      documentNumber: shipmentNumber,
      orderNumber: number,
      customerId: customer.id,
      customerNumber: customer.number,
      lastModifiedDateTime: shipped,
    };
    specs.forEach((spec, index) => {
      const sequence = (index + 1) * 10000;
      erp.salesShipmentLines.insert({
        id: random.guid(),
        documentId: shipmentId,
        documentNo: shipmentNumber,
        sequence,
        lineType: 'Item',
        lineObjectNumber: spec.item.number,
        description: spec.item.name,
        unitOfMeasureCode: spec.item.type === 'Service' ? 'HOUR' : 'PCS',
        unitPrice: money(spec.item.unitPriceCents),
        quantity: spec.quantity,
        discountPercent: spec.discountPercent,
        taxPercent,
        shipmentDate: shipDate,
      });
      const { item } = spec;
      const entry = (quantity: number, serialNumber: string) =>
        erp.itemLedgerEntries.insert(
          {
            id: side.guid(),
            entryNumber: this.gen.next('itemLedger'),
            documentLineNumber: sequence,
            itemId: item.id,
            itemNumber: item.number,
            description: item.name,
            quantity,
            serialNumber,
          },
          sale,
        );
      if (item.serialized) {
        for (let q = 0; q < spec.quantity; q++) {
          const serial = this.gen.nextNumber('serial', `SN${item.number}-`, 7);
          history.serials.push({ serial, item, shipmentNumber, date: shipDate });
          entry(-1, serial);
        }
      } else {
        entry(-spec.quantity, '');
      }
    });
    const invoice = this.writeInvoice(
      customer,
      specs,
      externalDocumentNumber,
      shipDate,
      { id, number },
      history.receivables,
    );
    history.invoicedOrders.push({
      id,
      number,
      invoiceId: invoice.id,
      invoiceNumber: invoice.number,
      invoiceDate: shipDate,
      specs,
      taxPercent,
    });
    return { id, number };
  }

  /**
   * A posted credit memo for a complaint (its case number as the external document number):
   * one unit of one of the invoice's lines back, at the price and discount invoiced, with tax;
   * refunded (Paid), so balances and the invoice's remaining amount stay as they are. Drawn
   * from the side stream.
   */
  writeCreditMemo(customer: Customer, order: InvoicedOrder, caseNumber: string, complained: string): void {
    const { side, erp, setup } = this.gen;
    const id = side.guid();
    const from = order.invoiceDate > complained ? order.invoiceDate : complained;
    const creditMemoDate = clampToAsOf(addDays(from, side.int(1, 14)));
    const invoiced = side.pick(order.specs);
    const spec: LineSpec = { item: invoiced.item, quantity: 1, discountPercent: invoiced.discountPercent };
    const amounts = this.writeLines(
      erp.salesCreditMemoLines,
      id,
      [spec],
      order.taxPercent,
      () => ({ shipmentDate: creditMemoDate }),
      side,
    );
    erp.salesCreditMemos.insert(
      {
        id,
        number: this.gen.nextNumber('creditMemo', 'CM', 6),
        externalDocumentNumber: caseNumber,
        creditMemoDate,
        postingDate: creditMemoDate,
        dueDate: creditMemoDate,
        currencyId: customer.currencyId,
        paymentTermsId: setup.paymentTermsId,
        shipmentMethodId: setup.shipmentMethodId,
        pricesIncludeTax: false,
        discountAppliedBeforeTax: true,
        ...totals(amounts),
        status: 'Paid',
        invoiceId: order.invoiceId,
        invoiceNumber: order.invoiceNumber,
        customerReturnReasonId: null,
        lastModifiedDateTime: this.gen.timestamp(creditMemoDate, side),
      },
      this.documentParty(customer),
    );
  }

  /** A posted invoice, paid, partly paid or open by its age, with the payments applied to it. */
  private writeInvoice(
    customer: Customer,
    specs: readonly LineSpec[],
    externalDocumentNumber: string,
    invoiceDate: string,
    order: { id: string; number: string } | null,
    receivables: Receivable[],
  ): { id: string; number: string } {
    const { random, erp, setup } = this.gen;
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const number = this.gen.nextNumber('invoice', 'PSI', 6);
    const amounts = this.writeLines(erp.salesInvoiceLines, id, specs, taxPercent, () => ({
      shipmentDate: invoiceDate,
    }));
    const dueDate = addDays(invoiceDate, 30);
    const overdueDays = daysBetween(dueDate, DATASET_AS_OF);
    // Older invoices are mostly settled; recent ones mostly open.
    const settlement =
      overdueDays > 45
        ? random.weighted<'paid' | 'partly' | 'open'>([
            ['paid', 80],
            ['partly', 8],
            ['open', 12],
          ])
        : overdueDays > 0
          ? random.weighted<'paid' | 'partly' | 'open'>([
              ['paid', 45],
              ['partly', 20],
              ['open', 35],
            ])
          : random.weighted<'paid' | 'partly' | 'open'>([
              ['paid', 20],
              ['partly', 15],
              ['open', 65],
            ]);
    const paid =
      settlement === 'paid'
        ? amounts.incl
        : settlement === 'partly'
          ? Math.round(amounts.incl * (0.2 + random.float() * 0.6))
          : 0;
    const remaining = amounts.incl - paid;
    erp.salesInvoices.insert(
      {
        id,
        number,
        externalDocumentNumber,
        invoiceDate,
        postingDate: invoiceDate,
        dueDate,
        customerPurchaseOrderReference: externalDocumentNumber,
        currencyId: customer.currencyId,
        orderId: order?.id ?? null,
        orderNumber: order?.number ?? '',
        paymentTermsId: setup.paymentTermsId,
        shipmentMethodId: setup.shipmentMethodId,
        pricesIncludeTax: false,
        discountAppliedBeforeTax: true,
        ...totals(amounts),
        remainingAmount: money(remaining),
        status: remaining === 0 ? 'Paid' : 'Open',
        lastModifiedDateTime: this.gen.timestamp(invoiceDate),
      },
      this.documentParty(customer),
    );
    receivables.push({ dueDate, remaining, excl: amounts.excl });
    if (paid === 0) return { id, number };
    // A partial settlement arrives in one or two payments; a full one in one.
    const parts =
      settlement === 'partly' && random.chance(0.4)
        ? [Math.floor(paid / 2), paid - Math.floor(paid / 2)]
        : [paid];
    for (const part of parts) {
      const postingDate = clampToAsOf(
        addDays(
          invoiceDate,
          random.int(5, Math.max(5, Math.min(60, daysBetween(invoiceDate, DATASET_AS_OF)))),
        ),
      );
      const lineNumber = this.gen.next('paymentLine') * 10000;
      erp.customerPayments.insert({
        id: random.guid(),
        journalId: setup.cashJournalId,
        journalDisplayName: 'CASHRCPT',
        lineNumber,
        customerId: customer.id,
        customerNumber: customer.number,
        contactId: '',
        postingDate,
        documentNumber: this.gen.nextNumber('payment', 'PMT', 7),
        externalDocumentNumber: '',
        amount: money(part),
        appliesToInvoiceId: id,
        appliesToInvoiceNumber: number,
        description: `Payment ${number}`,
        comment: '',
        lastModifiedDateTime: this.gen.timestamp(postingDate),
      });
    }
    return { id, number };
  }

  private writeQuote(customer: Customer): void {
    const { random, erp, setup } = this.gen;
    const taxPercent = customer.taxLiable ? 8 : 0;
    const id = random.guid();
    const documentDate = day(-random.int(1, 300));
    const status = random.weighted([
      ['Draft', 30],
      ['Sent', 35],
      ['Accepted', 20],
      ['Expired', 15],
    ]);
    const amounts = this.writeLines(erp.salesQuoteLines, id, this.pickLines(), taxPercent);
    erp.salesQuotes.insert(
      {
        id,
        number: this.gen.nextNumber('quote', 'SQ', 6),
        externalDocumentNumber: '',
        documentDate,
        postingDate: documentDate,
        dueDate: addDays(documentDate, 30),
        currencyId: customer.currencyId,
        paymentTermsId: setup.paymentTermsId,
        shipmentMethodId: setup.shipmentMethodId,
        ...totals(amounts),
        status,
        sentDate: status === 'Draft' ? null : this.gen.timestamp(addDays(documentDate, 1)),
        validUntilDate: addDays(documentDate, 30),
        acceptedDate: status === 'Accepted' ? addDays(documentDate, random.int(2, 20)) : null,
        lastModifiedDateTime: this.gen.timestamp(documentDate),
      },
      this.documentParty(customer),
    );
  }

  private writeLines(
    writer: TableSink,
    documentId: string,
    specs: readonly LineSpec[],
    taxPercent: number,
    extra: (spec: LineSpec) => Row = () => ({}),
    random: Random = this.gen.random,
  ): Amounts {
    const total: Amounts = { excl: 0, tax: 0, incl: 0 };
    specs.forEach((spec, index) => {
      const { discount, amounts } = lineAmounts(spec, taxPercent);
      total.excl += amounts.excl;
      total.tax += amounts.tax;
      total.incl += amounts.incl;
      writer.insert({
        id: random.guid(),
        documentId,
        sequence: (index + 1) * 10000,
        itemId: spec.item.id,
        accountId: null,
        lineType: 'Item',
        lineObjectNumber: spec.item.number,
        description: spec.item.name,
        unitOfMeasureCode: spec.item.type === 'Service' ? 'HOUR' : 'PCS',
        quantity: spec.quantity,
        unitPrice: money(spec.item.unitPriceCents),
        discountAmount: money(discount),
        discountPercent: spec.discountPercent,
        taxCode: taxPercent > 0 ? 'TAXABLE' : 'NONTAXABLE',
        taxPercent,
        amountExcludingTax: money(amounts.excl),
        totalTaxAmount: money(amounts.tax),
        amountIncludingTax: money(amounts.incl),
        netAmount: money(amounts.excl),
        netTaxAmount: money(amounts.tax),
        netAmountIncludingTax: money(amounts.incl),
        ...extra(spec),
      });
    });
    return total;
  }

  /** The customer block every sales document repeats; built once per customer. */
  private documentParty(customer: Customer): Row {
    const cached = this.parties.get(customer);
    if (cached !== undefined) return cached;
    const a = customer.address;
    const party: Row = {
      customerId: customer.id,
      customerNumber: customer.number,
      customerName: customer.name,
      billToName: customer.name,
      billToCustomerId: customer.id,
      billToCustomerNumber: customer.number,
      shipToName: customer.name,
      shipToContact: '',
      currencyCode: customer.currencyCode,
      salesperson: customer.salesperson.number,
      phoneNumber: customer.phone,
      email: customer.email,
    };
    for (const prefix of ['sellTo', 'billTo', 'shipTo']) {
      party[`${prefix}AddressLine1`] = a.line1;
      party[`${prefix}AddressLine2`] = '';
      party[`${prefix}City`] = a.city;
      party[`${prefix}Country`] = a.country;
      party[`${prefix}State`] = a.state;
      party[`${prefix}PostCode`] = a.postalCode;
    }
    this.parties.set(customer, party);
    return party;
  }
}
