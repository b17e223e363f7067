import type { EntitySet } from './erpClient.js';
import type {
  BcBomComponent,
  BcCustomer,
  BcCustomerFinancialDetail,
  BcCustomerPayment,
  BcEmployee,
  BcItem,
  BcItemLedgerEntry,
  BcSalesCreditMemo,
  BcSalesCreditMemoLine,
  BcSalesInvoice,
  BcSalesOrder,
  BcSalesOrderLine,
  BcSalesShipment,
  BcSalesShipmentLine,
  BcWarrantyLedgerEntry,
} from './types.js';

/**
 * The fields the subgraph reads of each entity set, sent as `$select` (BC's own advice: the
 * orders-with-lines `$batch` of a 100-customer page shrinks from 1.45 MB to 0.85 MB with it).
 * Typed against the record shapes in types.ts, so a field asked for is a field of the record.
 */
const fieldsOf =
  <T>() =>
  <const K extends Exclude<keyof T, 'customerFinancialDetail' | 'salesOrderLines' | 'item'>>(
    ...names: K[]
  ): readonly string[] =>
    names as readonly string[];

/**
 * The columns reporting.ts reads of Business Central's reporting sets (no record shapes in
 * types.ts: reporting.ts maps their rows itself). For the aggregating API queries a column left
 * out is one BC need not group by.
 */
const REPORTING_SELECT = {
  agedAccountsReceivables: [
    'customerId',
    'customerNumber',
    'name',
    'currencyCode',
    'balanceDue',
    'currentAmount',
    'period1Amount',
    'period2Amount',
    'period3Amount',
    'agedAsOfDate',
  ],
  customerSales: ['customerId', 'customerNumber', 'totalSalesAmount'],
  salesDocumentTotals: [
    'documentType',
    'documentDate',
    'salespersonCode',
    'customerRegion',
    'currencyCode',
    'documentCount',
    'amountExcludingTax',
  ],
  salesLineTotals: [
    'documentType',
    'documentDate',
    'itemNumber',
    'currencyCode',
    'lineCount',
    'amountExcludingTax',
  ],
  openInvoiceTotals: [
    'dueDate',
    'salespersonCode',
    'customerRegion',
    'currencyCode',
    'invoiceCount',
    'remainingAmount',
  ],
  salesBacklogTotals: ['requestedDeliveryDate', 'currencyCode', 'orderCount', 'notInvoicedAmount'],
} as const satisfies Record<string, readonly string[]>;

const SHIP_TO = [
  'shipToName',
  'shipToAddressLine1',
  'shipToAddressLine2',
  'shipToCity',
  'shipToState',
  'shipToCountry',
  'shipToPostCode',
] as const;

/** A priced sales line, as a credit memo holds it (types.ts BcSalesLine); an order line adds more. */
const SALES_LINE = [
  'id',
  'documentId',
  'sequence',
  'itemId',
  'lineType',
  'lineObjectNumber',
  'description',
  'quantity',
  'unitPrice',
  'discountPercent',
  'amountExcludingTax',
  'amountIncludingTax',
] as const;

export const SELECT: Readonly<Record<EntitySet, readonly string[]>> = {
  customers: fieldsOf<BcCustomer>()(
    'id',
    'number',
    'displayName',
    'type',
    'addressLine1',
    'addressLine2',
    'city',
    'state',
    'country',
    'postalCode',
    'phoneNumber',
    'email',
    'salespersonCode',
    'balanceDue',
    'creditLimit',
    'currencyCode',
    'blocked',
  ),
  items: fieldsOf<BcItem>()(
    'id',
    'number',
    'displayName',
    'type',
    'blocked',
    'gtin',
    'inventory',
    'unitPrice',
    'unitCost',
    'baseUnitOfMeasureCode',
  ),
  salesOrders: fieldsOf<BcSalesOrder>()(
    'id',
    'number',
    'externalDocumentNumber',
    'orderDate',
    'requestedDeliveryDate',
    'customerId',
    'customerNumber',
    'currencyCode',
    'totalAmountExcludingTax',
    'totalTaxAmount',
    'totalAmountIncludingTax',
    'fullyShipped',
    'status',
    ...SHIP_TO,
  ),
  salesOrderLines: fieldsOf<BcSalesOrderLine>()(...SALES_LINE, 'shippedQuantity', 'invoicedQuantity'),
  salesInvoices: fieldsOf<BcSalesInvoice>()(
    'id',
    'number',
    'invoiceDate',
    'dueDate',
    'customerId',
    'orderId',
    'orderNumber',
    'currencyCode',
    'totalAmountExcludingTax',
    'totalTaxAmount',
    'totalAmountIncludingTax',
    'remainingAmount',
    'status',
  ),
  // An invoice's line is a credit memo's without the discount (types.ts BcSalesInvoiceLine).
  salesInvoiceLines: SALES_LINE.filter((field) => field !== 'discountPercent'),
  salesShipments: fieldsOf<BcSalesShipment>()(
    'id',
    'number',
    'shipmentDate',
    'customerId',
    'orderNumber',
    ...SHIP_TO,
  ),
  salesShipmentLines: fieldsOf<BcSalesShipmentLine>()(
    'id',
    'documentId',
    'sequence',
    'lineType',
    'lineObjectNumber',
    'description',
    'quantity',
  ),
  customerPayments: fieldsOf<BcCustomerPayment>()(
    'id',
    'customerId',
    'postingDate',
    'documentNumber',
    'amount',
    'appliesToInvoiceId',
    'appliesToInvoiceNumber',
    'description',
  ),
  employees: fieldsOf<BcEmployee>()(
    'id',
    'number',
    'displayName',
    'jobTitle',
    'phoneNumber',
    'email',
    'status',
  ),
  bomComponents: fieldsOf<BcBomComponent>()(
    'id',
    'parentItemId',
    'lineNumber',
    'type',
    'componentItemId',
    'componentItemNumber',
    'description',
    'quantityPer',
    'unitOfMeasureCode',
  ),
  salesCreditMemos: fieldsOf<BcSalesCreditMemo>()(
    'id',
    'number',
    'externalDocumentNumber',
    'creditMemoDate',
    'postingDate',
    'dueDate',
    'customerId',
    'currencyCode',
    'invoiceId',
    'invoiceNumber',
    'totalAmountExcludingTax',
    'totalTaxAmount',
    'totalAmountIncludingTax',
    'status',
  ),
  salesCreditMemoLines: fieldsOf<BcSalesCreditMemoLine>()(...SALES_LINE),
  itemLedgerEntries: fieldsOf<BcItemLedgerEntry>()(
    'id',
    'entryNumber',
    'entryType',
    'postingDate',
    'documentType',
    'documentNumber',
    'documentLineNumber',
    'orderNumber',
    'itemId',
    'itemNumber',
    'description',
    'customerId',
    'quantity',
    'serialNumber',
  ),
  warrantyLedgerEntries: fieldsOf<BcWarrantyLedgerEntry>()(
    'id',
    'entryNumber',
    'customerId',
    'serialNumber',
    'postingDate',
    'description',
    'amount',
  ),
  ...REPORTING_SELECT,
};

const FINANCIAL_DETAIL = fieldsOf<BcCustomerFinancialDetail>()(
  'id',
  'number',
  'balance',
  'totalSalesExcludingTax',
  'overdueAmount',
);

/**
 * A line's item (BC v2.0's `item` navigation property of the sales document lines), with every
 * field a Product model holds: it primes the product loader, which must never hold part of a
 * product, so it reads what a lookup of items reads.
 */
const ITEM = `item($select=${SELECT.items.join(',')})`;

/** `$expand` values with the nested `$select` the subgraph needs. */
export const EXPAND = {
  customerFinancialDetail: `customerFinancialDetail($select=${FINANCIAL_DETAIL.join(',')})`,
  salesOrderLines: `salesOrderLines($select=${SELECT.salesOrderLines.join(',')})`,
  /**
   * The lines with the item each one sells (BC v2.0's `item` navigation property of
   * salesOrderLine), for a selection that asks for the lines' products: the products come in
   * the orders' own read instead of a lookup of items after it, one ERP round trip less in
   * sequence.
   */
  salesOrderLinesWithItems: `salesOrderLines($select=${SELECT.salesOrderLines.join(',')};$expand=${ITEM})`,
  /** A line's item, for lines read on their own (an invoice's) whose products are asked for. */
  item: ITEM,
} as const;
