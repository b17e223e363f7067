import DataLoader from 'dataloader';
import type { LegacyError } from '../../lib/errors.js';
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

interface LoaderScope {
  client: ErpClient;
  batching: boolean;
  requestId: string;
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
  options: { expand?: string } = {},
): DataLoader<string, T | null> {
  const normalise = kind === 'guid' ? guidKey : (key: string) => key;
  return new DataLoader<string, T | null, string>(
    async (keys) => {
      const rows = await scope.client.findBy<T>(set, field, kind, keys, {
        ...options,
        label,
        requestId: scope.requestId,
      });
      const byKey = new Map<string, T>();
      for (const row of rows) {
        const key = keyOf(row);
        if (typeof key === 'string' && !byKey.has(normalise(key))) byKey.set(normalise(key), row);
      }
      return keys.map((key) => byKey.get(normalise(key)) ?? null);
    },
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
  orderby?: string,
): DataLoader<string, T[]> {
  const normalise = kind === 'guid' ? guidKey : (key: string) => key;
  return new DataLoader<string, T[], string>(
    async (keys) => {
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
    },
    { batch: scope.batching, cacheKeyFn: normalise },
  );
}

export function createLoaders(scope: LoaderScope) {
  return {
    customerById: recordLoader<BcCustomer>(scope, 'customers', 'id', 'guid', 'customers by id', (r) => r.id, {
      expand: EXPAND.customerFinancialDetail,
    }),
    customerByNumber: recordLoader<BcCustomer>(
      scope,
      'customers',
      'number',
      'text',
      'customers by number',
      (r) => r.number,
      { expand: EXPAND.customerFinancialDetail },
    ),
    employeeByNumber: recordLoader<BcEmployee>(
      scope,
      'employees',
      'number',
      'text',
      'employees by number',
      (r) => r.number,
    ),
    employeeByEmail: recordLoader<BcEmployee>(
      scope,
      'employees',
      'email',
      'text',
      'employees by e-mail',
      (r) => r.email,
    ),
    itemByNumber: recordLoader<BcItem>(scope, 'items', 'number', 'text', 'items by number', (r) => r.number),
    orderById: recordLoader<BcSalesOrder>(
      scope,
      'salesOrders',
      'id',
      'guid',
      'sales orders by id',
      (r) => r.id,
      {
        expand: EXPAND.salesOrderLines,
      },
    ),
    orderByNumber: recordLoader<BcSalesOrder>(
      scope,
      'salesOrders',
      'number',
      'text',
      'sales orders by number',
      (r) => r.number,
      { expand: EXPAND.salesOrderLines },
    ),
    invoiceByNumber: recordLoader<BcSalesInvoice>(
      scope,
      'salesInvoices',
      'number',
      'text',
      'invoices by number',
      (r) => r.number,
    ),
    shipmentByNumber: recordLoader<BcSalesShipment>(
      scope,
      'salesShipments',
      'number',
      'text',
      'shipments by number',
      (r) => r.number,
    ),
    paymentById: recordLoader<BcCustomerPayment>(
      scope,
      'customerPayments',
      'id',
      'guid',
      'payments by id',
      (r) => r.id,
    ),
    orderLinesByOrderId: groupLoader<BcSalesOrderLine>(
      scope,
      'salesOrderLines',
      'documentId',
      'guid',
      'sales order lines',
      (r) => r.documentId,
      'sequence',
    ),
    invoiceLinesByInvoiceId: groupLoader<BcSalesInvoiceLine>(
      scope,
      'salesInvoiceLines',
      'documentId',
      'guid',
      'invoice lines',
      (r) => r.documentId,
      'sequence',
    ),
    shipmentLinesByShipmentId: groupLoader<BcSalesShipmentLine>(
      scope,
      'salesShipmentLines',
      'documentId',
      'guid',
      'shipment lines',
      (r) => r.documentId,
      'sequence',
    ),
    invoicesByOrderId: groupLoader<BcSalesInvoice>(
      scope,
      'salesInvoices',
      'orderId',
      'guid',
      'invoices of orders',
      (r) => r.orderId,
      'invoiceDate,number',
    ),
    shipmentsByOrderNumber: groupLoader<BcSalesShipment>(
      scope,
      'salesShipments',
      'orderNumber',
      'text',
      'shipments of orders',
      (r) => r.orderNumber,
      'shipmentDate,number',
    ),
    paymentsByInvoiceId: groupLoader<BcCustomerPayment>(
      scope,
      'customerPayments',
      'appliesToInvoiceId',
      'guid',
      'payments of invoices',
      (r) => r.appliesToInvoiceId,
      'postingDate',
    ),
    bomByParentItemId: groupLoader<BcBomComponent>(
      scope,
      'bomComponents',
      'parentItemId',
      'guid',
      'bills of materials',
      (r) => r.parentItemId,
      'lineNumber',
    ),
    /**
     * One page of a per-parent list (orders of a customer, …): all pages asked for in one tick
     * go to the ERP together, in `$batch` envelopes of 100.
     */
    pages: new DataLoader<PageRequest, Page<unknown>, string>(
      async (requests) =>
        (await scope.client.getPages<unknown>(requests, 'documents of customers', scope.requestId)) as (
          | Page<unknown>
          | LegacyError
        )[],
      {
        batch: scope.batching,
        cacheKeyFn: (request) => JSON.stringify([request.link, request.pageSize ?? null]),
      },
    ),
  };
}
