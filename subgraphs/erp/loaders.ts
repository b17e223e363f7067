import DataLoader from 'dataloader';
import type { CacheTtls } from '../../lib/cacheConfig.js';
import { cachedBatch } from '../../lib/cachedBatch.js';
import type { LegacyError } from '../../lib/errors.js';
import type { LegacyCache } from '../../lib/legacyCache.js';
import { ERP_GENERATIONS } from './client/cacheGenerations.js';
import type { EntitySet, ErpClient, PageRequest } from './client/erpClient.js';
import { EXPAND } from './client/fields.js';
import type { GuidField, TextField } from './client/odata.js';
import type {
  BcBomComponent,
  BcCustomer,
  BcCustomerPayment,
  BcEmployee,
  BcItem,
  BcSalesInvoice,
  BcSalesInvoiceLine,
  BcSalesOrder,
  BcSalesOrderLine,
  BcSalesShipment,
  BcSalesShipmentLine,
  Page,
} from './client/types.js';

/**
 * The per-request DataLoaders: every lookup the resolvers make goes through one, so a query
 * over many parents costs a constant number of ERP calls. Built fresh for each request (a
 * loader caches, and one caller must never see another's answers). With `batching: false`
 * every loader asks for one key at a time — the naive version benchmarks compare against.
 */
export type ErpLoaders = ReturnType<typeof createLoaders>;

/** The shared cache of ERP answers, scoped to this ERP, company and token. */
export interface ErpCacheScope {
  cache: LegacyCache;
  /** From erpCacheScope(…): what decides which records a caller may see. */
  scope: string;
  ttlMs: CacheTtls;
}

interface LoaderScope {
  client: ErpClient;
  batching: boolean;
  requestId: string;
  /** Absent: the cache is off (LEGACY_CACHE=off) and every miss goes to the ERP. */
  cache?: ErpCacheScope;
}

/** How one loader's answers are cached: their type name, TTL and the generations they depend on. */
interface CachePolicy {
  type: string;
  ttlMs: number;
  generationsOf?: (key: string) => readonly string[];
}

/** Wraps a batch function with the shared cache when there is one. */
function throughCache<V>(
  scope: LoaderScope,
  policy: CachePolicy | undefined,
  normalise: (key: string) => string,
  load: (keys: readonly string[]) => Promise<readonly (V | Error)[]>,
): (keys: readonly string[]) => Promise<(V | Error)[]> {
  if (!scope.cache || !policy) return async (keys) => [...(await load(keys))];
  return cachedBatch<string, V>({
    cache: scope.cache.cache,
    scope: scope.cache.scope,
    type: policy.type,
    ttlMs: policy.ttlMs,
    keyOf: normalise,
    ...(policy.generationsOf ? { generationsOf: policy.generationsOf } : {}),
    load,
  });
}

/** GUIDs compare case-insensitively (BC answers them lower-case); text keys exactly. */
const guidKey = (key: string) => key.toLowerCase();

/** One record (or null) per key, read with `field eq A or field eq B …`. */
function recordLoader<T extends object>(
  scope: LoaderScope,
  set: EntitySet,
  field: GuidField | TextField,
  kind: 'guid' | 'text',
  label: string,
  keyOf: (row: T) => string | null | undefined,
  options: { expand?: string; cache?: CachePolicy } = {},
): DataLoader<string, T | null> {
  const normalise = kind === 'guid' ? guidKey : (key: string) => key;
  return new DataLoader<string, T | null, string>(
    throughCache<T | null>(scope, options.cache, normalise, async (keys) => {
      const rows = await scope.client.findBy<T>(set, field, kind, keys, {
        expand: options.expand,
        label,
        requestId: scope.requestId,
      });
      const byKey = new Map<string, T>();
      for (const row of rows) {
        const key = keyOf(row);
        if (typeof key === 'string' && !byKey.has(normalise(key))) byKey.set(normalise(key), row);
      }
      return keys.map((key) => byKey.get(normalise(key)) ?? null);
    }),
    { batch: scope.batching, cacheKeyFn: normalise },
  );
}

/** All records per key (e.g. the lines of each order), read with one `or` filter per chunk. */
function groupLoader<T extends object>(
  scope: LoaderScope,
  set: EntitySet,
  field: GuidField | TextField,
  kind: 'guid' | 'text',
  label: string,
  keyOf: (row: T) => string | null | undefined,
  orderby: string,
  cache: CachePolicy | undefined,
): DataLoader<string, T[]> {
  const normalise = kind === 'guid' ? guidKey : (key: string) => key;
  return new DataLoader<string, T[], string>(
    throughCache<T[]>(scope, cache, normalise, async (keys) => {
      const rows = await scope.client.findBy<T>(set, field, kind, keys, {
        label,
        orderby,
        requestId: scope.requestId,
      });
      const byKey = new Map<string, T[]>();
      for (const row of rows) {
        const key = keyOf(row);
        if (typeof key !== 'string') continue;
        const list = byKey.get(normalise(key));
        if (list) list.push(row);
        else byKey.set(normalise(key), [row]);
      }
      return keys.map((key) => byKey.get(normalise(key)) ?? []);
    }),
    { batch: scope.batching, cacheKeyFn: normalise },
  );
}

/** A page request, with the customer whose documents it lists when it lists some. */
export interface PageKey extends PageRequest {
  /** The customer whose documents these are: a write for that customer makes the page stale. */
  customerId?: string;
}

export function createLoaders(scope: LoaderScope) {
  const ttl = scope.cache?.ttlMs;
  const policy = (type: string, ttlMs: number | undefined, generationsOf?: CachePolicy['generationsOf']) =>
    ttlMs === undefined ? undefined : { type, ttlMs, ...(generationsOf ? { generationsOf } : {}) };
  // A customer record carries its financial details (balance, overdue), and an item its stock:
  // they live as long as the most volatile thing they hold.
  const customerTtl = ttl && Math.min(ttl.customer, ttl.volatile);
  const itemTtl = ttl && Math.min(ttl.master, ttl.volatile);
  return {
    customerById: recordLoader<BcCustomer>(scope, 'customers', 'id', 'guid', 'customers by id', (r) => r.id, {
      expand: EXPAND.customerFinancialDetail,
      cache: policy('erp.customer', customerTtl, (id) => [ERP_GENERATIONS.customer(id)]),
    }),
    customerByNumber: recordLoader<BcCustomer>(
      scope,
      'customers',
      'number',
      'text',
      'customers by number',
      (r) => r.number,
      {
        expand: EXPAND.customerFinancialDetail,
        cache: policy('erp.customer-by-number', customerTtl, () => [ERP_GENERATIONS.customers]),
      },
    ),
    employeeByNumber: recordLoader<BcEmployee>(
      scope,
      'employees',
      'number',
      'text',
      'employees by number',
      (r) => r.number,
      { cache: policy('erp.employee', ttl?.master) },
    ),
    employeeByEmail: recordLoader<BcEmployee>(
      scope,
      'employees',
      'email',
      'text',
      'employees by e-mail',
      (r) => r.email,
      { cache: policy('erp.employee-by-email', ttl?.master) },
    ),
    itemByNumber: recordLoader<BcItem>(scope, 'items', 'number', 'text', 'items by number', (r) => r.number, {
      cache: policy('erp.item', itemTtl),
    }),
    orderById: recordLoader<BcSalesOrder>(
      scope,
      'salesOrders',
      'id',
      'guid',
      'sales orders by id',
      (r) => r.id,
      { expand: EXPAND.salesOrderLines, cache: policy('erp.order', ttl?.document) },
    ),
    orderByNumber: recordLoader<BcSalesOrder>(
      scope,
      'salesOrders',
      'number',
      'text',
      'sales orders by number',
      (r) => r.number,
      {
        expand: EXPAND.salesOrderLines,
        cache: policy('erp.order-by-number', ttl?.document, (number) => [
          ERP_GENERATIONS.orderNumber(number),
        ]),
      },
    ),
    invoiceByNumber: recordLoader<BcSalesInvoice>(
      scope,
      'salesInvoices',
      'number',
      'text',
      'invoices by number',
      (r) => r.number,
      { cache: policy('erp.invoice-by-number', ttl?.document) },
    ),
    shipmentByNumber: recordLoader<BcSalesShipment>(
      scope,
      'salesShipments',
      'number',
      'text',
      'shipments by number',
      (r) => r.number,
      { cache: policy('erp.shipment-by-number', ttl?.document) },
    ),
    paymentById: recordLoader<BcCustomerPayment>(
      scope,
      'customerPayments',
      'id',
      'guid',
      'payments by id',
      (r) => r.id,
      { cache: policy('erp.payment', ttl?.document) },
    ),
    orderLinesByOrderId: groupLoader<BcSalesOrderLine>(
      scope,
      'salesOrderLines',
      'documentId',
      'guid',
      'sales order lines',
      (r) => r.documentId,
      'sequence',
      policy('erp.order-lines', ttl?.document),
    ),
    invoiceLinesByInvoiceId: groupLoader<BcSalesInvoiceLine>(
      scope,
      'salesInvoiceLines',
      'documentId',
      'guid',
      'invoice lines',
      (r) => r.documentId,
      'sequence',
      policy('erp.invoice-lines', ttl?.document),
    ),
    shipmentLinesByShipmentId: groupLoader<BcSalesShipmentLine>(
      scope,
      'salesShipmentLines',
      'documentId',
      'guid',
      'shipment lines',
      (r) => r.documentId,
      'sequence',
      policy('erp.shipment-lines', ttl?.document),
    ),
    invoicesByOrderId: groupLoader<BcSalesInvoice>(
      scope,
      'salesInvoices',
      'orderId',
      'guid',
      'invoices of orders',
      (r) => r.orderId,
      'invoiceDate,number',
      policy('erp.invoices-of-order', ttl?.document),
    ),
    shipmentsByOrderNumber: groupLoader<BcSalesShipment>(
      scope,
      'salesShipments',
      'orderNumber',
      'text',
      'shipments of orders',
      (r) => r.orderNumber,
      'shipmentDate,number',
      policy('erp.shipments-of-order', ttl?.document),
    ),
    paymentsByInvoiceId: groupLoader<BcCustomerPayment>(
      scope,
      'customerPayments',
      'appliesToInvoiceId',
      'guid',
      'payments of invoices',
      (r) => r.appliesToInvoiceId,
      'postingDate',
      policy('erp.payments-of-invoice', ttl?.document),
    ),
    bomByParentItemId: groupLoader<BcBomComponent>(
      scope,
      'bomComponents',
      'parentItemId',
      'guid',
      'bills of materials',
      (r) => r.parentItemId,
      'lineNumber',
      policy('erp.bom', ttl?.master),
    ),
    /**
     * One page of a per-parent list (orders of a customer, …): all pages asked for in one tick
     * go to the ERP together, in `$batch` envelopes of 100. Cached by the legacy request itself
     * (link and page size), under the customer's generation when it lists a customer's documents.
     */
    pages: new DataLoader<PageKey, Page<unknown>, string>(
      (() => {
        const keyOf = (request: PageKey) => JSON.stringify([request.link, request.pageSize ?? null]);
        const load = async (requests: readonly PageKey[]) =>
          (await scope.client.getPages<unknown>(
            requests.map(({ link, pageSize }) => ({ link, ...(pageSize === undefined ? {} : { pageSize }) })),
            'documents of customers',
            scope.requestId,
          )) as (Page<unknown> | LegacyError)[];
        if (!scope.cache || ttl === undefined) return load;
        return cachedBatch<PageKey, Page<unknown>>({
          cache: scope.cache.cache,
          scope: scope.cache.scope,
          type: 'erp.page',
          // A customer's documents live as documents; a product list holds stock.
          ttlMs: (request) => (request.customerId ? ttl.document : Math.min(ttl.master, ttl.volatile)),
          keyOf,
          generationsOf: (request) =>
            request.customerId ? [ERP_GENERATIONS.customer(request.customerId)] : [],
          load,
        });
      })(),
      {
        batch: scope.batching,
        cacheKeyFn: (request) => JSON.stringify([request.link, request.pageSize ?? null]),
      },
    ),
  };
}
