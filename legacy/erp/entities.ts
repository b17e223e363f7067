import { ERP_TABLES, type ErpTableName, type TableDef } from '../generator/model.js';
import type { QueryTarget } from './odata.js';

/**
 * The entity sets the stand-in serves, as Business Central API v2.0 (and one customer's
 * custom API) expose them: Edm type name, navigation properties and which writes BC allows.
 */
export interface NavigationDef {
  readonly name: string;
  readonly target: ErpTableName;
  /** Collection (`salesOrderLines`) or single entity (`customer`). */
  readonly many: boolean;
  /** Column on the source row whose value is matched against `to` on the target. */
  readonly from: string;
  readonly to: string;
}

export type ApiRoute = 'v2.0' | 'custom';

export interface EntitySetDef extends QueryTarget {
  readonly name: ErpTableName;
  readonly table: TableDef;
  readonly typeName: string;
  readonly api: ApiRoute;
  readonly navigation: Readonly<Record<string, NavigationDef>>;
  /**
   * BC's line pages refuse to list lines unless the filter names a document (or line) id:
   * "You must specify an Id or a Document Id to get the lines."
   */
  readonly linesOf?: ErpTableName;
  readonly insertable: boolean;
  readonly updatable: boolean;
  readonly deletable: boolean;
  /** Fields a client may set on POST/PATCH; all others are read-only. */
  readonly writable: ReadonlySet<string>;
}

export const CUSTOM_API_PREFIX = '/api/contoso/customerGraph/v1.0';
export const STANDARD_API_PREFIX = '/api/v2.0';

const nav = (name: string, target: ErpTableName, many: boolean, from: string, to: string): NavigationDef => ({
  name,
  target,
  many,
  from,
  to,
});

const item = nav('item', 'items', false, 'itemId', 'id');
const customer = nav('customer', 'customers', false, 'customerId', 'id');

const ADDRESS_FIELDS = ['AddressLine1', 'AddressLine2', 'City', 'Country', 'State', 'PostCode'];
const addressFields = (prefix: string) => ADDRESS_FIELDS.map((f) => prefix + f);

const CUSTOMER_WRITABLE = [
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
  'website',
  'salespersonCode',
  'creditLimit',
  'taxLiable',
  'taxAreaId',
  'taxRegistrationNumber',
  'currencyId',
  'currencyCode',
  'paymentTermsId',
  'shipmentMethodId',
  'paymentMethodId',
  'blocked',
];

const ORDER_WRITABLE = [
  'externalDocumentNumber',
  'orderDate',
  'postingDate',
  'customerId',
  'customerNumber',
  'billToCustomerId',
  'billToCustomerNumber',
  'billToName',
  'shipToName',
  'shipToContact',
  ...addressFields('sellTo'),
  ...addressFields('billTo'),
  ...addressFields('shipTo'),
  'currencyCode',
  'paymentTermsId',
  'shipmentMethodId',
  'salesperson',
  'partialShipping',
  'requestedDeliveryDate',
  'phoneNumber',
  'email',
];

const LINE_WRITABLE = [
  'documentId',
  'sequence',
  'itemId',
  'accountId',
  'lineType',
  'lineObjectNumber',
  'description',
  'unitOfMeasureCode',
  'quantity',
  'unitPrice',
  'discountAmount',
  'discountPercent',
  'taxCode',
  'shipmentDate',
];

function set(
  name: ErpTableName,
  typeName: string,
  options: Partial<Omit<EntitySetDef, 'name' | 'table' | 'typeName' | 'writable'>> & {
    writable?: string[];
  } = {},
): EntitySetDef {
  return {
    name,
    table: ERP_TABLES[name],
    typeName,
    api: options.api ?? 'v2.0',
    navigation: options.navigation ?? {},
    linesOf: options.linesOf,
    insertable: options.insertable ?? false,
    updatable: options.updatable ?? false,
    deletable: options.deletable ?? false,
    writable: new Set(options.writable ?? []),
  };
}

export const ENTITY_SETS: Readonly<Record<ErpTableName, EntitySetDef>> = {
  customers: set('customers', 'customer', {
    navigation: {
      customerFinancialDetail: nav('customerFinancialDetail', 'customerFinancialDetails', false, 'id', 'id'),
      agedAccountsReceivable: nav(
        'agedAccountsReceivable',
        'agedAccountsReceivables',
        false,
        'id',
        'customerId',
      ),
    },
    insertable: true,
    updatable: true,
    deletable: true,
    writable: CUSTOMER_WRITABLE,
  }),
  customerFinancialDetails: set('customerFinancialDetails', 'customerFinancialDetail'),
  agedAccountsReceivables: set('agedAccountsReceivables', 'agedAccountsReceivable', {
    navigation: { customer: nav('customer', 'customers', false, 'customerId', 'id') },
  }),
  items: set('items', 'item'),
  salesQuotes: set('salesQuotes', 'salesQuote', {
    navigation: {
      salesQuoteLines: nav('salesQuoteLines', 'salesQuoteLines', true, 'id', 'documentId'),
      customer,
    },
    deletable: true,
  }),
  salesQuoteLines: set('salesQuoteLines', 'salesQuoteLine', { navigation: { item }, linesOf: 'salesQuotes' }),
  salesOrders: set('salesOrders', 'salesOrder', {
    navigation: {
      salesOrderLines: nav('salesOrderLines', 'salesOrderLines', true, 'id', 'documentId'),
      customer,
    },
    insertable: true,
    updatable: true,
    deletable: true,
    writable: [...ORDER_WRITABLE, 'salesOrderLines'],
  }),
  salesOrderLines: set('salesOrderLines', 'salesOrderLine', {
    navigation: { item },
    linesOf: 'salesOrders',
    insertable: true,
    updatable: true,
    deletable: true,
    writable: LINE_WRITABLE,
  }),
  salesInvoices: set('salesInvoices', 'salesInvoice', {
    navigation: {
      salesInvoiceLines: nav('salesInvoiceLines', 'salesInvoiceLines', true, 'id', 'documentId'),
      customer,
    },
  }),
  salesInvoiceLines: set('salesInvoiceLines', 'salesInvoiceLine', {
    navigation: { item },
    linesOf: 'salesInvoices',
  }),
  salesCreditMemos: set('salesCreditMemos', 'salesCreditMemo', {
    navigation: {
      salesCreditMemoLines: nav('salesCreditMemoLines', 'salesCreditMemoLines', true, 'id', 'documentId'),
      customer,
    },
  }),
  salesCreditMemoLines: set('salesCreditMemoLines', 'salesCreditMemoLine', {
    navigation: { item },
    linesOf: 'salesCreditMemos',
  }),
  salesShipments: set('salesShipments', 'salesShipment', {
    navigation: {
      salesShipmentLines: nav('salesShipmentLines', 'salesShipmentLines', true, 'id', 'documentId'),
      customer,
    },
  }),
  salesShipmentLines: set('salesShipmentLines', 'salesShipmentLine', { linesOf: 'salesShipments' }),
  customerPayments: set('customerPayments', 'customerPayment', { navigation: { customer } }),
  employees: set('employees', 'employee'),
  warrantyLedgerEntries: set('warrantyLedgerEntries', 'warrantyLedgerEntry', {
    api: 'custom',
    navigation: { customer, item },
  }),
  itemLedgerEntries: set('itemLedgerEntries', 'itemLedgerEntry', {
    api: 'custom',
    navigation: { customer, item },
  }),
  bomComponents: set('bomComponents', 'bomComponent', {
    api: 'custom',
    navigation: { parentItem: nav('parentItem', 'items', false, 'parentItemId', 'id') },
  }),
};

export function entitySet(api: ApiRoute, name: string): EntitySetDef | undefined {
  if (!Object.hasOwn(ENTITY_SETS, name)) return undefined;
  const def = ENTITY_SETS[name as ErpTableName];
  return def.api === api ? def : undefined;
}

/** The one company the stand-in serves, as a tiny table so the same query engine answers it. */
export const COMPANY_TABLE: TableDef = {
  name: 'companies',
  key: 'id',
  columns: {
    id: 'guid',
    systemVersion: 'text',
    timestamp: 'integer',
    name: 'text',
    displayName: 'text',
    businessProfileId: 'text',
    systemCreatedAt: 'datetime',
    systemCreatedBy: 'guid',
    systemModifiedAt: 'datetime',
    systemModifiedBy: 'guid',
  },
  indexes: [],
  compositeIndexes: [],
};

export const COMPANY_SET: QueryTarget = { table: COMPANY_TABLE, typeName: 'company' };
