import DataLoader from 'dataloader';
import type { CacheScope, CacheTtls } from '../../lib/cacheConfig.js';
import { type CachePolicy, readThroughCache } from '../../lib/cachedBatch.js';
import type { LegacyError } from '../../lib/errors.js';
import { ERP_GENERATIONS } from './client/cacheGenerations.js';
import type { ListPage, ListPageRequest } from './client/lists.js';
import type { ErpReads } from './client/reads.js';

/**
 * The per-request DataLoaders: every lookup the resolvers make goes through one, so a query
 * over many parents costs a constant number of ERP calls. Built fresh for each request (a
 * loader caches, and one caller must never see another's answers). With `batching: false`
 * every loader asks for one key at a time — the naive version benchmarks compare against.
 */

/** One loader: which read answers it, when two keys are the same key, and how long answers are cached. */
interface LoaderSpec<V> {
  read: (erp: ErpReads, keys: readonly string[], requestId: string) => Promise<readonly (V | LegacyError)[]>;
  key: (key: string) => string;
  cache: CachePolicy<string>;
}

const loader = <V>(spec: LoaderSpec<V>): LoaderSpec<V> => spec;

/** Ids compare case-insensitively (the ERP answers them lower-case); numbers, codes and e-mails exactly. */
const anyCase = (key: string) => key.toLowerCase();
const exact = (key: string) => key;

// A customer carries its financial details (balance, overdue), and a product its stock: they
// live as long as the most volatile thing they hold.
const customerTtl = (ttl: CacheTtls) => Math.min(ttl.customer, ttl.volatile);
const productTtl = (ttl: CacheTtls) => Math.min(ttl.master, ttl.volatile);
const masterTtl = (ttl: CacheTtls) => ttl.master;
const documentTtl = (ttl: CacheTtls) => ttl.document;

const LOADERS = {
  customerById: loader({
    read: (erp, ids, requestId) => erp.customersById(ids, requestId),
    key: anyCase,
    cache: {
      type: 'erp.customer',
      ttlMs: customerTtl,
      generationsOf: (id) => [ERP_GENERATIONS.customer(id)],
    },
  }),
  customerByNumber: loader({
    read: (erp, numbers, requestId) => erp.customersByNumber(numbers, requestId),
    key: exact,
    cache: {
      type: 'erp.customer-by-number',
      ttlMs: customerTtl,
      generationsOf: () => [ERP_GENERATIONS.customers],
    },
  }),
  employeeByNumber: loader({
    read: (erp, numbers, requestId) => erp.employeesByNumber(numbers, requestId),
    key: exact,
    cache: { type: 'erp.employee', ttlMs: masterTtl },
  }),
  employeeByEmail: loader({
    read: (erp, emails, requestId) => erp.employeesByEmail(emails, requestId),
    key: exact,
    cache: { type: 'erp.employee-by-email', ttlMs: masterTtl },
  }),
  productBySku: loader({
    read: (erp, skus, requestId) => erp.productsBySku(skus, requestId),
    key: exact,
    cache: { type: 'erp.item', ttlMs: productTtl },
  }),
  orderById: loader({
    read: (erp, ids, requestId) => erp.ordersById(ids, requestId),
    key: anyCase,
    cache: { type: 'erp.order', ttlMs: documentTtl },
  }),
  orderByNumber: loader({
    read: (erp, numbers, requestId) => erp.ordersByNumber(numbers, requestId),
    key: exact,
    cache: {
      type: 'erp.order-by-number',
      ttlMs: documentTtl,
      generationsOf: (number) => [ERP_GENERATIONS.orderNumber(number)],
    },
  }),
  invoiceByNumber: loader({
    read: (erp, numbers, requestId) => erp.invoicesByNumber(numbers, requestId),
    key: exact,
    cache: { type: 'erp.invoice-by-number', ttlMs: documentTtl },
  }),
  shipmentByNumber: loader({
    read: (erp, numbers, requestId) => erp.shipmentsByNumber(numbers, requestId),
    key: exact,
    cache: { type: 'erp.shipment-by-number', ttlMs: documentTtl },
  }),
  paymentById: loader({
    read: (erp, ids, requestId) => erp.paymentsById(ids, requestId),
    key: anyCase,
    cache: { type: 'erp.payment', ttlMs: documentTtl },
  }),
  linesOfOrder: loader({
    read: (erp, orderIds, requestId) => erp.linesOfOrders(orderIds, requestId),
    key: anyCase,
    cache: { type: 'erp.order-lines', ttlMs: documentTtl },
  }),
  linesOfInvoice: loader({
    read: (erp, invoiceIds, requestId) => erp.linesOfInvoices(invoiceIds, requestId),
    key: anyCase,
    cache: { type: 'erp.invoice-lines', ttlMs: documentTtl },
  }),
  linesOfShipment: loader({
    read: (erp, shipmentIds, requestId) => erp.linesOfShipments(shipmentIds, requestId),
    key: anyCase,
    cache: { type: 'erp.shipment-lines', ttlMs: documentTtl },
  }),
  invoicesOfOrder: loader({
    read: (erp, orderIds, requestId) => erp.invoicesOfOrders(orderIds, requestId),
    key: anyCase,
    cache: { type: 'erp.invoices-of-order', ttlMs: documentTtl },
  }),
  shipmentsOfOrder: loader({
    read: (erp, orderNumbers, requestId) => erp.shipmentsOfOrders(orderNumbers, requestId),
    key: exact,
    cache: { type: 'erp.shipments-of-order', ttlMs: documentTtl },
  }),
  paymentsOfInvoice: loader({
    read: (erp, invoiceIds, requestId) => erp.paymentsOfInvoices(invoiceIds, requestId),
    key: anyCase,
    cache: { type: 'erp.payments-of-invoice', ttlMs: documentTtl },
  }),
  billOfMaterials: loader({
    read: (erp, productIds, requestId) => erp.billsOfMaterials(productIds, requestId),
    key: anyCase,
    cache: { type: 'erp.bom', ttlMs: masterTtl },
  }),
};

type Loaded<S> = S extends LoaderSpec<infer V> ? V : never;
type KeyLoaders = { [K in keyof typeof LOADERS]: DataLoader<string, Loaded<(typeof LOADERS)[K]>> };

export type ErpLoaders = KeyLoaders & {
  /**
   * One page of a list (a customer's documents, the products): all pages asked for in one tick
   * go to the ERP together, in `$batch` envelopes of 100.
   */
  pages: DataLoader<ListPageRequest, ListPage>;
};

interface LoaderScope {
  erp: ErpReads;
  batching: boolean;
  requestId: string;
  /** Absent: the cache is off (LEGACY_CACHE=off) and every miss goes to the ERP. */
  cache?: CacheScope;
}

function keyLoader<V>(scope: LoaderScope, spec: LoaderSpec<V>): DataLoader<string, V> {
  return new DataLoader<string, V, string>(
    readThroughCache<string, V>(scope.cache, {
      ...spec.cache,
      keyOf: spec.key,
      load: (keys) => spec.read(scope.erp, keys, scope.requestId),
    }),
    { batch: scope.batching, cacheKeyFn: spec.key },
  );
}

/**
 * Pages are cached by the BC request itself (link and page size), under the customer's
 * generation when they list a customer's documents.
 */
function pageLoader(scope: LoaderScope): DataLoader<ListPageRequest, ListPage> {
  const keyOf = (request: ListPageRequest) => JSON.stringify([request.link, request.pageSize]);
  return new DataLoader<ListPageRequest, ListPage, string>(
    readThroughCache<ListPageRequest, ListPage>(scope.cache, {
      type: 'erp.page',
      // A customer's documents live as documents; a product list holds stock.
      ttlMs: (ttl) => (request) => (request.customerId ? documentTtl(ttl) : productTtl(ttl)),
      generationsOf: (request) => (request.customerId ? [ERP_GENERATIONS.customer(request.customerId)] : []),
      keyOf,
      load: (requests) => scope.erp.readPages(requests, scope.requestId),
    }),
    { batch: scope.batching, cacheKeyFn: keyOf },
  );
}

export function createLoaders(scope: LoaderScope): ErpLoaders {
  const loaders = Object.fromEntries(
    Object.entries(LOADERS).map(([name, spec]) => [name, keyLoader(scope, spec as LoaderSpec<unknown>)]),
  ) as KeyLoaders;
  return { ...loaders, pages: pageLoader(scope) };
}
