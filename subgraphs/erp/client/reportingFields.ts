/**
 * The columns reporting.ts reads of Business Central's reporting sets, as `$select`. Apart from
 * fields.ts (which imports this) because reporting.ts imports the client, and the client fields.ts.
 * For the aggregating API queries a column left out is one BC need not group by.
 */
export const REPORTING_SELECT = {
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
