import { anyCase, exact } from '../../lib/byKey.js';
import type { CacheTtls } from '../../lib/cacheConfig.js';
import { type LoaderScope, type LoaderSpec, type LoadersOf, loadersOf } from '../../lib/loaderTable.js';
import { ERP_GENERATIONS } from './client/cacheGenerations.js';
import { isLedgerKind, type ListPageRequest } from './client/lists.js';
import type { ErpReads } from './client/reads.js';

/**
 * The per-request DataLoaders (lib/loaderTable.ts): every lookup the resolvers make goes through
 * one, so a query over many parents costs a constant number of ERP calls.
 */

const loader = <K, V>(spec: LoaderSpec<ErpReads, K, V>) => spec;

// A customer carries its financial details (balance, overdue), and a product its stock: they
// live as long as the most volatile thing they hold.
const customerTtl = (ttl: CacheTtls) => Math.min(ttl.customer, ttl.volatile);
const productTtl = (ttl: CacheTtls) => Math.min(ttl.master, ttl.volatile);
const masterTtl = (ttl: CacheTtls) => ttl.master;
const documentTtl = (ttl: CacheTtls) => ttl.document;

/** The loaders by name: which read answers them, how their keys compare, how their answers are cached. */
const LOADERS = {
  customerById: loader({
    read: (erp, ids, { requestId }) => erp.customersById(ids, requestId),
    keyOf: anyCase,
    cache: {
      type: 'erp.customer',
      ttlMs: customerTtl,
      generationsOf: (id) => [ERP_GENERATIONS.customer(id)],
    },
  }),
  customerByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.customersByNumber(numbers, requestId),
    keyOf: exact,
    cache: {
      type: 'erp.customer-by-number',
      ttlMs: customerTtl,
      generationsOf: () => [ERP_GENERATIONS.customers],
    },
  }),
  employeeByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.employeesByNumber(numbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.employee', ttlMs: masterTtl },
  }),
  employeeByEmail: loader({
    read: (erp, emails, { requestId }) => erp.employeesByEmail(emails, requestId),
    keyOf: exact,
    cache: { type: 'erp.employee-by-email', ttlMs: masterTtl },
  }),
  productBySku: loader({
    read: (erp, skus, { requestId }) => erp.productsBySku(skus, requestId),
    keyOf: exact,
    cache: { type: 'erp.item', ttlMs: productTtl },
  }),
  orderById: loader({
    read: (erp, ids, { requestId }) => erp.ordersById(ids, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.order', ttlMs: documentTtl, generationsOf: (id) => [ERP_GENERATIONS.order(id)] },
  }),
  orderByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.ordersByNumber(numbers, requestId),
    keyOf: exact,
    cache: {
      type: 'erp.order-by-number',
      ttlMs: documentTtl,
      generationsOf: (number) => [ERP_GENERATIONS.orderNumber(number)],
    },
  }),
  invoiceByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.invoicesByNumber(numbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.invoice-by-number', ttlMs: documentTtl },
  }),
  shipmentByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.shipmentsByNumber(numbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.shipment-by-number', ttlMs: documentTtl },
  }),
  paymentById: loader({
    read: (erp, ids, { requestId }) => erp.paymentsById(ids, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.payment', ttlMs: documentTtl },
  }),
  linesOfOrder: loader({
    read: (erp, orderIds, { requestId }) => erp.linesOfOrders(orderIds, requestId),
    keyOf: anyCase,
    cache: {
      type: 'erp.order-lines',
      ttlMs: documentTtl,
      generationsOf: (orderId) => [ERP_GENERATIONS.order(orderId)],
    },
  }),
  linesOfInvoice: loader({
    read: (erp, invoiceIds, { requestId }) => erp.linesOfInvoices(invoiceIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.invoice-lines', ttlMs: documentTtl },
  }),
  /** The lines with their products, for a selection that asks for them: they hold stock. */
  linesOfInvoiceWithProducts: loader({
    read: (erp, invoiceIds, { requestId }) => erp.linesOfInvoicesWithProducts(invoiceIds, requestId),
    keyOf: anyCase,
    cache: {
      type: 'erp.invoice-lines-with-products',
      ttlMs: (ttl) => Math.min(documentTtl(ttl), productTtl(ttl)),
    },
  }),
  linesOfShipment: loader({
    read: (erp, shipmentIds, { requestId }) => erp.linesOfShipments(shipmentIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.shipment-lines', ttlMs: documentTtl },
  }),
  invoicesOfOrder: loader({
    read: (erp, orderIds, { requestId }) => erp.invoicesOfOrders(orderIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.invoices-of-order', ttlMs: documentTtl },
  }),
  shipmentsOfOrder: loader({
    read: (erp, orderNumbers, { requestId }) => erp.shipmentsOfOrders(orderNumbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.shipments-of-order', ttlMs: documentTtl },
  }),
  paymentsOfInvoice: loader({
    read: (erp, invoiceIds, { requestId }) => erp.paymentsOfInvoices(invoiceIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.payments-of-invoice', ttlMs: documentTtl },
  }),
  billOfMaterials: loader({
    read: (erp, productIds, { requestId }) => erp.billsOfMaterials(productIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.bom', ttlMs: masterTtl },
  }),
  creditMemoByNumber: loader({
    read: (erp, numbers, { requestId }) => erp.creditMemosByNumber(numbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.credit-memo-by-number', ttlMs: documentTtl },
  }),
  creditMemosOfInvoice: loader({
    read: (erp, invoiceIds, { requestId }) => erp.creditMemosOfInvoices(invoiceIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.credit-memos-of-invoice', ttlMs: documentTtl },
  }),
  creditMemosByExternalDocument: loader({
    read: (erp, references, { requestId }) => erp.creditMemosByExternalDocument(references, requestId),
    keyOf: exact,
    cache: { type: 'erp.credit-memos-by-external-document', ttlMs: documentTtl },
  }),
  linesOfCreditMemo: loader({
    read: (erp, creditMemoIds, { requestId }) => erp.linesOfCreditMemos(creditMemoIds, requestId),
    keyOf: anyCase,
    cache: { type: 'erp.credit-memo-lines', ttlMs: documentTtl },
  }),
  /** The item ledger's latest sale of a serial number: where the unit came from. */
  saleOfSerial: loader({
    read: (erp, serialNumbers, { requestId }) => erp.salesOfSerials(serialNumbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.sale-of-serial', ttlMs: documentTtl },
  }),
  warrantyCostsOfSerial: loader({
    read: (erp, serialNumbers, { requestId }) => erp.warrantyCostsOfSerials(serialNumbers, requestId),
    keyOf: exact,
    cache: { type: 'erp.warranty-costs-of-serial', ttlMs: documentTtl },
  }),
  /**
   * One page of a list (a customer's documents, every customer's, the products), cached by the
   * BC request itself (link and page size), under the customer's generation when it lists a
   * customer's documents and under the documents' when it lists every customer's. All pages
   * asked for in one tick go to the ERP together, in `$batch` envelopes of 100.
   */
  pages: loader({
    read: (erp, requests: readonly ListPageRequest[], { requestId }) => erp.readPages(requests, requestId),
    keyOf: (request) => JSON.stringify([request.link, request.pageSize]),
    cache: {
      type: 'erp.page',
      // Documents live as documents; a product list holds stock, and so do orders read with
      // the products of their lines (they prime the product loader).
      ttlMs: (ttl) => (request) =>
        request.kind === 'products' || request.withProducts
          ? Math.min(productTtl(ttl), documentTtl(ttl))
          : documentTtl(ttl),
      generationsOf: (request) => {
        if (request.customerId) return [ERP_GENERATIONS.customer(request.customerId)];
        return isLedgerKind(request.kind) ? [ERP_GENERATIONS.documents] : [];
      },
    },
  }),
};

export type ErpLoaders = LoadersOf<typeof LOADERS>;

export function createLoaders(scope: LoaderScope<ErpReads>): ErpLoaders {
  return loadersOf(LOADERS, scope);
}
