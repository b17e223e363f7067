import { allByKey, anyCase, exact, firstByKey } from '../../../lib/byKey.js';
import { LegacyError } from '../../../lib/errors.js';
import type { EntitySet, ErpClient } from './erpClient.js';
import { EXPAND } from './fields.js';
import {
  type DocumentKind,
  type ErpList,
  type LedgerKind,
  type ListKind,
  type ListPage,
  type ListPageRequest,
  orderbyOf,
} from './lists.js';
import type {
  ErpBomComponent,
  ErpCreditMemo,
  ErpCreditMemoLine,
  ErpCustomer,
  ErpEmployee,
  ErpInvoice,
  ErpInvoiceLine,
  ErpOrderLine,
  ErpPayment,
  ErpProduct,
  ErpPurchase,
  ErpSalesOrder,
  ErpShipment,
  ErpShipmentLine,
  ErpWarrantyCost,
  InvoiceStatus,
  SalesOrderStatus,
} from './models.js';
import {
  allOf,
  compareDate,
  contains,
  type DateField,
  eq,
  eqAny,
  type GuidField,
  isGuid,
  type TextField,
} from './odata.js';
import { INVOICE_STATUS, type ModelsOf, modelsOf, ORDER_STATUS } from './toModels.js';
import type {
  BcBomComponent,
  BcCustomer,
  BcCustomerPayment,
  BcEmployee,
  BcItem,
  BcItemLedgerEntry,
  BcSalesCreditMemo,
  BcSalesCreditMemoLine,
  BcSalesInvoice,
  BcSalesInvoiceLine,
  BcSalesOrder,
  BcSalesOrderLine,
  BcSalesShipment,
  BcSalesShipmentLine,
  BcWarrantyLedgerEntry,
} from './types.js';

/**
 * The reads the ERP subgraph makes, in its own terms: lookups of many keys at once (each one
 * or a few `field eq A or field eq B …` GETs, whatever the number of keys), the paged lists
 * (a customer's documents, the products), and the pages of many lists at once (`$batch`). What
 * comes back is models.ts's, never BC's records.
 */

/** Whether `id` can name an ERP record: BC's ids are GUIDs (a CRM prospect's account id is not). */
export function isErpId(id: string): boolean {
  return isGuid(id);
}

/**
 * One entry per key, in the keys' order: the record, null when the ERP holds none, or the
 * LEGACY_BAD_RESPONSE of a record that breaks BC's contract (it fails its own key only).
 */
export type FoundEach<M> = (M | null | LegacyError)[];
/** One entry per key, in the keys' order: every record under that key (in BC's order), or the error. */
export type GroupedEach<M> = (M[] | LegacyError)[];

/** How keys are looked up in one entity set: rows whose `field` equals one of them. */
interface Lookup<R> {
  set: EntitySet;
  field: Extract<keyof R, GuidField | TextField>;
  kind: 'guid' | 'text';
  label: string;
  expand?: string;
  orderby?: string;
}

const lookup = <R>(spec: Lookup<R>): Lookup<R> => spec;

const LOOKUPS = {
  customersById: lookup<BcCustomer>({
    set: 'customers',
    field: 'id',
    kind: 'guid',
    label: 'customers by id',
    expand: EXPAND.customerFinancialDetail,
  }),
  customersByNumber: lookup<BcCustomer>({
    set: 'customers',
    field: 'number',
    kind: 'text',
    label: 'customers by number',
    expand: EXPAND.customerFinancialDetail,
  }),
  employeesByNumber: lookup<BcEmployee>({
    set: 'employees',
    field: 'number',
    kind: 'text',
    label: 'employees by number',
  }),
  employeesByEmail: lookup<BcEmployee>({
    set: 'employees',
    field: 'email',
    kind: 'text',
    label: 'employees by e-mail',
  }),
  productsBySku: lookup<BcItem>({
    set: 'items',
    field: 'number',
    kind: 'text',
    label: 'items by number',
  }),
  ordersById: lookup<BcSalesOrder>({
    set: 'salesOrders',
    field: 'id',
    kind: 'guid',
    label: 'sales orders by id',
    expand: EXPAND.salesOrderLines,
  }),
  ordersByNumber: lookup<BcSalesOrder>({
    set: 'salesOrders',
    field: 'number',
    kind: 'text',
    label: 'sales orders by number',
    expand: EXPAND.salesOrderLines,
  }),
  invoicesByNumber: lookup<BcSalesInvoice>({
    set: 'salesInvoices',
    field: 'number',
    kind: 'text',
    label: 'invoices by number',
  }),
  shipmentsByNumber: lookup<BcSalesShipment>({
    set: 'salesShipments',
    field: 'number',
    kind: 'text',
    label: 'shipments by number',
  }),
  paymentsById: lookup<BcCustomerPayment>({
    set: 'customerPayments',
    field: 'id',
    kind: 'guid',
    label: 'payments by id',
  }),
  linesOfOrders: lookup<BcSalesOrderLine>({
    set: 'salesOrderLines',
    field: 'documentId',
    kind: 'guid',
    label: 'sales order lines',
    orderby: 'sequence',
  }),
  linesOfInvoices: lookup<BcSalesInvoiceLine>({
    set: 'salesInvoiceLines',
    field: 'documentId',
    kind: 'guid',
    label: 'invoice lines',
    orderby: 'sequence',
  }),
  /** For a selection that asks for the lines' products: they come with the lines. */
  linesOfInvoicesWithItems: lookup<BcSalesInvoiceLine>({
    set: 'salesInvoiceLines',
    field: 'documentId',
    kind: 'guid',
    label: 'invoice lines with items',
    orderby: 'sequence',
    expand: EXPAND.item,
  }),
  linesOfShipments: lookup<BcSalesShipmentLine>({
    set: 'salesShipmentLines',
    field: 'documentId',
    kind: 'guid',
    label: 'shipment lines',
    orderby: 'sequence',
  }),
  invoicesOfOrders: lookup<BcSalesInvoice>({
    set: 'salesInvoices',
    field: 'orderId',
    kind: 'guid',
    label: 'invoices of orders',
    orderby: 'invoiceDate,number',
  }),
  shipmentsOfOrders: lookup<BcSalesShipment>({
    set: 'salesShipments',
    field: 'orderNumber',
    kind: 'text',
    label: 'shipments of orders',
    orderby: 'shipmentDate,number',
  }),
  paymentsOfInvoices: lookup<BcCustomerPayment>({
    set: 'customerPayments',
    field: 'appliesToInvoiceId',
    kind: 'guid',
    label: 'payments of invoices',
    orderby: 'postingDate',
  }),
  billsOfMaterials: lookup<BcBomComponent>({
    set: 'bomComponents',
    field: 'parentItemId',
    kind: 'guid',
    label: 'bills of materials',
    orderby: 'lineNumber',
  }),
  creditMemosByNumber: lookup<BcSalesCreditMemo>({
    set: 'salesCreditMemos',
    field: 'number',
    kind: 'text',
    label: 'credit memos by number',
  }),
  creditMemosOfInvoices: lookup<BcSalesCreditMemo>({
    set: 'salesCreditMemos',
    field: 'invoiceId',
    kind: 'guid',
    label: 'credit memos of invoices',
    orderby: 'creditMemoDate,number',
  }),
  creditMemosByExternalDocument: lookup<BcSalesCreditMemo>({
    set: 'salesCreditMemos',
    field: 'externalDocumentNumber',
    kind: 'text',
    label: 'credit memos by external document number',
    orderby: 'creditMemoDate,number',
  }),
  linesOfCreditMemos: lookup<BcSalesCreditMemoLine>({
    set: 'salesCreditMemoLines',
    field: 'documentId',
    kind: 'guid',
    label: 'credit memo lines',
    orderby: 'sequence',
  }),
  // A unit may have left more than once (shipped again after a return): its latest sale first.
  salesOfSerials: lookup<BcItemLedgerEntry>({
    set: 'itemLedgerEntries',
    field: 'serialNumber',
    kind: 'text',
    label: 'item ledger entries by serial number',
    orderby: 'postingDate desc,entryNumber desc',
  }),
  warrantyCostsOfSerials: lookup<BcWarrantyLedgerEntry>({
    set: 'warrantyLedgerEntries',
    field: 'serialNumber',
    kind: 'text',
    label: 'warranty ledger entries by serial number',
    orderby: 'postingDate,entryNumber',
  }),
};

/** An invoice with an amount left to pay. */
const OPEN_INVOICE = 'remainingAmount gt 0';

/**
 * How a list's rows are expanded: `expand` always, `withProducts` instead when the caller asks
 * for the products of the rows' lines (only lists whose lines BC can expand to their items).
 */
interface Expansion {
  expand?: string;
  withProducts?: string;
}

/** The BC request behind each list of a customer's documents, newest first. */
const DOCUMENT_LISTS: Readonly<
  Record<DocumentKind, { set: EntitySet; orderby: string; onlyOpen?: string } & Expansion>
> = {
  orders: {
    set: 'salesOrders',
    orderby: 'orderDate desc,number desc',
    expand: EXPAND.salesOrderLines,
    withProducts: EXPAND.salesOrderLinesWithItems,
  },
  invoices: {
    set: 'salesInvoices',
    orderby: 'invoiceDate desc,number desc',
    onlyOpen: OPEN_INVOICE,
  },
  payments: { set: 'customerPayments', orderby: 'postingDate desc' },
  shipments: { set: 'salesShipments', orderby: 'shipmentDate desc,number desc' },
  creditMemos: { set: 'salesCreditMemos', orderby: 'creditMemoDate desc,number desc' },
  purchases: { set: 'itemLedgerEntries', orderby: 'postingDate desc,entryNumber desc' },
};

/** The BC request behind each list of every customer's documents (its order is lists.ts's KEYSET_ORDERS). */
const LEDGER_LISTS: Readonly<Record<LedgerKind, { set: EntitySet } & Expansion>> = {
  allOrders: {
    set: 'salesOrders',
    expand: EXPAND.salesOrderLines,
    withProducts: EXPAND.salesOrderLinesWithItems,
  },
  allInvoices: { set: 'salesInvoices' },
  allPayments: { set: 'customerPayments' },
};

/**
 * The `$expand` of a list read for a caller that does (or does not) ask for the products of its
 * rows' lines, and whether the rows then carry them.
 */
function expansionOf(list: Expansion, withProducts: boolean | undefined) {
  return withProducts && list.withProducts
    ? { expand: list.withProducts, withProducts: true as const }
    : { expand: list.expand };
}

/** Days YYYY-MM-DD, both inclusive; either may be absent. */
export interface DayRange {
  from?: string;
  to?: string;
}

/** Which orders `ordersOfAll` lists: every condition given holds. */
export interface OrderSelection {
  statuses?: readonly SalesOrderStatus[];
  orderDate?: DayRange;
  requestedDelivery?: DayRange;
  customerNumber?: string;
  /** The salesperson code on the order. */
  salesperson?: string;
}

export interface InvoiceSelection {
  statuses?: readonly InvoiceStatus[];
  onlyOpen?: boolean;
  /** Only invoices with an amount left whose due date is before this day (today, for overdue). */
  dueBefore?: string;
  dueDate?: DayRange;
  invoiceDate?: DayRange;
  customerNumber?: string;
  salesperson?: string;
}

export interface PaymentSelection {
  postingDate?: DayRange;
  customerNumber?: string;
}

/** BC's option values of the graph's enum values (the inverse of toModels.ts's translation). */
function optionValues<T extends string>(map: Readonly<Record<string, T>>, values: readonly T[]): string[] {
  return Object.entries(map)
    .filter(([, value]) => values.includes(value))
    .map(([option]) => option);
}

function dayRange(field: DateField, range: DayRange | undefined): string[] {
  return [
    ...(range?.from === undefined ? [] : [compareDate(field, 'ge', range.from)]),
    ...(range?.to === undefined ? [] : [compareDate(field, 'le', range.to)]),
  ];
}

function textEq(field: TextField, value: string | undefined): string[] {
  return value === undefined ? [] : [eq({ kind: 'text', field, value })];
}

function oneOf(field: TextField, options: readonly string[] | undefined): string[] {
  return options === undefined ? [] : [eqAny(field, 'text', options)];
}

/** GUIDs compare case-insensitively (BC answers them lower-case); text keys exactly. */
const normaliserOf = (kind: 'guid' | 'text') => (kind === 'guid' ? anyCase : exact);

/** A model, or the LEGACY_BAD_RESPONSE of a record that cannot be one. */
function modelOrError<M>(toModel: () => M): M | LegacyError {
  try {
    return toModel();
  } catch (error) {
    if (error instanceof LegacyError) return error;
    throw error;
  }
}

export interface ErpReadsOptions {
  /** ISO 4217 code of the company's local currency, which BC leaves blank. */
  localCurrencyCode: string;
}

export class ErpReads {
  /** The company's currency, in which costs (item costs, the warranty ledger) are kept. */
  readonly localCurrencyCode: string;
  private readonly to: ModelsOf;
  private readonly listModel: Readonly<Record<ListKind, (row: never) => unknown>>;

  constructor(
    private readonly client: ErpClient,
    options: ErpReadsOptions,
  ) {
    this.localCurrencyCode = options.localCurrencyCode;
    this.to = modelsOf(options.localCurrencyCode);
    this.listModel = {
      orders: this.to.salesOrder,
      invoices: this.to.invoice,
      payments: this.to.payment,
      shipments: this.to.shipment,
      creditMemos: this.to.creditMemo,
      purchases: this.to.purchase,
      products: this.to.product,
      allOrders: this.to.salesOrder,
      allInvoices: this.to.invoice,
      allPayments: this.to.payment,
    };
  }

  customersById(ids: readonly string[], requestId?: string): Promise<FoundEach<ErpCustomer>> {
    return this.findEach(LOOKUPS.customersById, ids, this.to.customer, requestId);
  }

  customersByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpCustomer>> {
    return this.findEach(LOOKUPS.customersByNumber, numbers, this.to.customer, requestId);
  }

  employeesByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpEmployee>> {
    return this.findEach(LOOKUPS.employeesByNumber, numbers, this.to.employee, requestId);
  }

  employeesByEmail(emails: readonly string[], requestId?: string): Promise<FoundEach<ErpEmployee>> {
    return this.findEach(LOOKUPS.employeesByEmail, emails, this.to.employee, requestId);
  }

  productsBySku(skus: readonly string[], requestId?: string): Promise<FoundEach<ErpProduct>> {
    return this.findEach(LOOKUPS.productsBySku, skus, this.to.product, requestId);
  }

  /** Orders come with their lines. */
  ordersById(ids: readonly string[], requestId?: string): Promise<FoundEach<ErpSalesOrder>> {
    return this.findEach(LOOKUPS.ordersById, ids, this.to.salesOrder, requestId);
  }

  ordersByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpSalesOrder>> {
    return this.findEach(LOOKUPS.ordersByNumber, numbers, this.to.salesOrder, requestId);
  }

  invoicesByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpInvoice>> {
    return this.findEach(LOOKUPS.invoicesByNumber, numbers, this.to.invoice, requestId);
  }

  shipmentsByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpShipment>> {
    return this.findEach(LOOKUPS.shipmentsByNumber, numbers, this.to.shipment, requestId);
  }

  paymentsById(ids: readonly string[], requestId?: string): Promise<FoundEach<ErpPayment>> {
    return this.findEach(LOOKUPS.paymentsById, ids, this.to.payment, requestId);
  }

  linesOfOrders(orderIds: readonly string[], requestId?: string): Promise<GroupedEach<ErpOrderLine>> {
    return this.groupEach(LOOKUPS.linesOfOrders, orderIds, this.to.orderLine, requestId);
  }

  linesOfInvoices(invoiceIds: readonly string[], requestId?: string): Promise<GroupedEach<ErpInvoiceLine>> {
    return this.groupEach(LOOKUPS.linesOfInvoices, invoiceIds, this.to.invoiceLine, requestId);
  }

  /** Invoice lines with the products they sell. */
  linesOfInvoicesWithProducts(
    invoiceIds: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpInvoiceLine>> {
    return this.groupEach(
      LOOKUPS.linesOfInvoicesWithItems,
      invoiceIds,
      this.to.invoiceLineWithItem,
      requestId,
    );
  }

  linesOfShipments(
    shipmentIds: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpShipmentLine>> {
    return this.groupEach(LOOKUPS.linesOfShipments, shipmentIds, this.to.shipmentLine, requestId);
  }

  invoicesOfOrders(orderIds: readonly string[], requestId?: string): Promise<GroupedEach<ErpInvoice>> {
    return this.groupEach(LOOKUPS.invoicesOfOrders, orderIds, this.to.invoice, requestId);
  }

  shipmentsOfOrders(orderNumbers: readonly string[], requestId?: string): Promise<GroupedEach<ErpShipment>> {
    return this.groupEach(LOOKUPS.shipmentsOfOrders, orderNumbers, this.to.shipment, requestId);
  }

  paymentsOfInvoices(invoiceIds: readonly string[], requestId?: string): Promise<GroupedEach<ErpPayment>> {
    return this.groupEach(LOOKUPS.paymentsOfInvoices, invoiceIds, this.to.payment, requestId);
  }

  billsOfMaterials(productIds: readonly string[], requestId?: string): Promise<GroupedEach<ErpBomComponent>> {
    return this.groupEach(LOOKUPS.billsOfMaterials, productIds, this.to.bomComponent, requestId);
  }

  creditMemosByNumber(numbers: readonly string[], requestId?: string): Promise<FoundEach<ErpCreditMemo>> {
    return this.findEach(LOOKUPS.creditMemosByNumber, numbers, this.to.creditMemo, requestId);
  }

  /** The credit memos correcting each invoice, oldest first. */
  creditMemosOfInvoices(
    invoiceIds: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpCreditMemo>> {
    return this.groupEach(LOOKUPS.creditMemosOfInvoices, invoiceIds, this.to.creditMemo, requestId);
  }

  /** The credit memos carrying each reference (e.g. a CRM case number), oldest first. */
  creditMemosByExternalDocument(
    references: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpCreditMemo>> {
    return this.groupEach(LOOKUPS.creditMemosByExternalDocument, references, this.to.creditMemo, requestId);
  }

  linesOfCreditMemos(
    creditMemoIds: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpCreditMemoLine>> {
    return this.groupEach(LOOKUPS.linesOfCreditMemos, creditMemoIds, this.to.creditMemoLine, requestId);
  }

  /** The latest sale of each serial number (the item ledger entry it left the warehouse with). */
  salesOfSerials(serialNumbers: readonly string[], requestId?: string): Promise<FoundEach<ErpPurchase>> {
    return this.findEach(LOOKUPS.salesOfSerials, serialNumbers, this.to.purchase, requestId);
  }

  /** The warranty ledger's entries of each serial number, oldest first. */
  warrantyCostsOfSerials(
    serialNumbers: readonly string[],
    requestId?: string,
  ): Promise<GroupedEach<ErpWarrantyCost>> {
    return this.groupEach(LOOKUPS.warrantyCostsOfSerials, serialNumbers, this.to.warrantyCost, requestId);
  }

  /**
   * A customer's documents of one kind, newest first; `onlyOpen` keeps the invoices with an
   * amount left; `withProducts` reads the orders' lines with the products they sell.
   */
  async customerDocuments<K extends DocumentKind>(
    kind: K,
    customerId: string,
    options: { onlyOpen?: boolean | null; withProducts?: boolean },
    requestId?: string,
  ): Promise<ErpList<K>> {
    const list = DOCUMENT_LISTS[kind];
    const byCustomer = eq({ kind: 'guid', field: 'customerId', value: customerId });
    const filter = options.onlyOpen && list.onlyOpen ? `${byCustomer} and ${list.onlyOpen}` : byCustomer;
    const { expand, withProducts } = expansionOf(list, options.withProducts);
    const link = await this.client.collectionLink(
      list.set,
      { filter, orderby: list.orderby, expand },
      requestId,
    );
    return { kind, link, customerId, ...(withProducts ? { withProducts } : {}) };
  }

  /**
   * Sales orders of every customer, newest order date first, with their lines (and the products
   * they sell, `withProducts`).
   */
  ordersOfAll(
    selection: OrderSelection,
    requestId?: string,
    options: { withProducts?: boolean } = {},
  ): Promise<ErpList<'allOrders'>> {
    const statuses = selection.statuses && optionValues(ORDER_STATUS, selection.statuses);
    return this.ledger(
      'allOrders',
      [
        ...oneOf('status', statuses),
        ...dayRange('orderDate', selection.orderDate),
        ...dayRange('requestedDeliveryDate', selection.requestedDelivery),
        ...textEq('customerNumber', selection.customerNumber),
        ...textEq('salesperson', selection.salesperson),
      ],
      requestId,
      options.withProducts,
    );
  }

  /** Posted invoices of every customer, earliest due date first. */
  invoicesOfAll(selection: InvoiceSelection, requestId?: string): Promise<ErpList<'allInvoices'>> {
    const statuses = selection.statuses && optionValues(INVOICE_STATUS, selection.statuses);
    const open = selection.onlyOpen || selection.dueBefore !== undefined;
    return this.ledger(
      'allInvoices',
      [
        ...oneOf('status', statuses),
        ...(open ? [OPEN_INVOICE] : []),
        ...(selection.dueBefore === undefined ? [] : [compareDate('dueDate', 'lt', selection.dueBefore)]),
        ...dayRange('dueDate', selection.dueDate),
        ...dayRange('invoiceDate', selection.invoiceDate),
        ...textEq('customerNumber', selection.customerNumber),
        ...textEq('salesperson', selection.salesperson),
      ],
      requestId,
    );
  }

  /** Customer payments of every customer, newest posting date first. */
  paymentsOfAll(selection: PaymentSelection, requestId?: string): Promise<ErpList<'allPayments'>> {
    return this.ledger(
      'allPayments',
      [
        ...dayRange('postingDate', selection.postingDate),
        ...textEq('customerNumber', selection.customerNumber),
      ],
      requestId,
    );
  }

  private async ledger<K extends LedgerKind>(
    kind: K,
    conditions: readonly string[],
    requestId: string | undefined,
    wantProducts?: boolean,
  ): Promise<ErpList<K>> {
    const list = LEDGER_LISTS[kind];
    const { expand, withProducts } = expansionOf(list, wantProducts);
    const link = await this.client.collectionLink(
      list.set,
      { filter: allOf(conditions), orderby: orderbyOf(kind), expand },
      requestId,
    );
    return { kind, link, ...(withProducts ? { withProducts } : {}) };
  }

  /** Products by SKU; `search` keeps those whose name contains it. */
  async products(search: string | null | undefined, requestId?: string): Promise<ErpList<'products'>> {
    const filter = search ? contains('displayName', search) : undefined;
    const link = await this.client.collectionLink('items', { filter, orderby: 'number' }, requestId);
    return { kind: 'products', link };
  }

  /**
   * One page for each request, its rows made into the list's models (read them with
   * lists.ts's sliceOf): all in as few round trips as BC allows (see ErpClient.getPages). A
   * page that fails fails its own entry only.
   */
  async readPages(
    requests: readonly ListPageRequest[],
    requestId?: string,
  ): Promise<(ListPage | LegacyError)[]> {
    const pages = await this.client.getPages<unknown>(
      requests.map(({ link, pageSize }) => ({ link, pageSize })),
      'documents of customers',
      requestId,
    );
    return pages.map((page, index) => {
      if (page instanceof LegacyError) return page;
      const toModel = this.listModel[requests[index]!.kind];
      return modelOrError(() => ({
        rows: page.rows.map((row) => toModel(row as never)),
        nextLink: page.nextLink,
      }));
    });
  }

  /** One model (or null) per key: the first row BC sent whose field matches. */
  private async findEach<R, M>(
    lookup: Lookup<R>,
    keys: readonly string[],
    toModel: (row: R) => M,
    requestId: string | undefined,
  ): Promise<FoundEach<M>> {
    const rows = await this.rowsOf(lookup, keys, requestId);
    return firstByKey(keys, rows, (row) => row[lookup.field], normaliserOf(lookup.kind)).map((row) =>
      row === null ? null : modelOrError(() => toModel(row)),
    );
  }

  /** Every row per key, in BC's order. */
  private async groupEach<R, M>(
    lookup: Lookup<R>,
    keys: readonly string[],
    toModel: (row: R) => M,
    requestId: string | undefined,
  ): Promise<GroupedEach<M>> {
    const rows = await this.rowsOf(lookup, keys, requestId);
    return allByKey(keys, rows, (row) => row[lookup.field], normaliserOf(lookup.kind)).map((group) =>
      modelOrError(() => group.map(toModel)),
    );
  }

  private rowsOf<R>(lookup: Lookup<R>, keys: readonly string[], requestId: string | undefined): Promise<R[]> {
    return this.client.findBy<R>(lookup.set, lookup.field, lookup.kind, keys, {
      expand: lookup.expand,
      orderby: lookup.orderby,
      label: lookup.label,
      requestId,
    });
  }
}
