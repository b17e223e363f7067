import type { PostalAddress } from '../../../lib/domain.js';
import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { ErpClient } from './erpClient.js';
import { guidLiteral, isGuid, stringLiteral } from './odata.js';
import { customerBlockOf } from './toModels.js';
import type { BcCustomer, BcItem, BcSalesOrder } from './types.js';
import type {
  ErpCustomerChanges,
  ErpCustomerForWrite,
  ErpOrderSummary,
  ErpProductForOrder,
  NewOrderLine,
  NewSalesOrder,
} from './writeModels.js';

/**
 * The Business Central writes the workflows subgraph makes, and the reads those writes decide
 * on (credit, blocked state, versions). Protocol knowledge stays here: URLs, OData literals, the
 * If-Match header, BC's property names and option values. Writes are sent once — LegacyHttp
 * never retries a POST or PATCH — and a create is made safe to repeat by the caller looking
 * first for what an earlier attempt may have made (`findCustomerOrder`).
 */

/** BC's limits on the fields the workflows write (Code[20], Text[100], …), by what they hold. */
export const ERP_FIELD_LIMITS = {
  externalDocumentNumber: 35,
  name: 100,
  street: 100,
  street2: 50,
  city: 30,
  state: 30,
  postalCode: 20,
  country: 10,
  email: 80,
  phone: 30,
  website: 80,
} as const;

type BcCustomerForWrite = Pick<
  BcCustomer,
  | 'id'
  | 'number'
  | 'addressLine1'
  | 'addressLine2'
  | 'city'
  | 'state'
  | 'country'
  | 'postalCode'
  | 'email'
  | 'phoneNumber'
  | 'creditLimit'
  | 'balanceDue'
  | 'currencyCode'
  | 'blocked'
  | 'customerFinancialDetail'
>;
type BcOrderSummary = Pick<
  BcSalesOrder,
  | 'id'
  | 'number'
  | 'externalDocumentNumber'
  | 'customerId'
  | 'status'
  | 'currencyCode'
  | 'totalAmountIncludingTax'
>;
type BcCustomerPatch = Partial<
  Pick<
    BcCustomer,
    'addressLine1' | 'addressLine2' | 'city' | 'state' | 'country' | 'postalCode' | 'email' | 'phoneNumber'
  >
>;

/**
 * A contact copy as write-backs were stored before they spoke the domain: in the customer's own
 * properties (only these two were ever copied). Read back from the store only, through
 * `changesFromStoredPatch`.
 */
export type StoredCustomerPatch = Partial<Pick<BcCustomer, 'email' | 'phoneNumber'>>;

const CUSTOMER_SELECT = [
  'id',
  'number',
  'displayName',
  'addressLine1',
  'addressLine2',
  'city',
  'state',
  'country',
  'postalCode',
  'email',
  'phoneNumber',
  'creditLimit',
  'balanceDue',
  'currencyCode',
  'blocked',
] as const;
const ORDER_SELECT = [
  'id',
  'number',
  'externalDocumentNumber',
  'customerId',
  'status',
  'currencyCode',
  'totalAmountIncludingTax',
] as const;
const ITEM_SELECT = ['id', 'number', 'displayName', 'blocked', 'unitPrice'] as const;

type WithEtag<T> = T & { '@odata.etag'?: unknown };

function customerOf(body: WithEtag<BcCustomerForWrite> | undefined, label: string): ErpCustomerForWrite {
  if (!body || typeof body !== 'object') throw badLegacyResponse('ERP', label, 'no entity');
  const etag = body['@odata.etag'];
  if (typeof etag !== 'string') throw badLegacyResponse('ERP', label, 'no @odata.etag');
  // Named as the reads name it; a value outside BC's contract still blocks, in its own words.
  const option = body.blocked?.trim() ?? '';
  const block = customerBlockOf(option) ?? option.toUpperCase();
  // BC's credit limit of 0 means the customer has none.
  const creditLimit = body.creditLimit ?? 0;
  return {
    id: body.id,
    number: body.number,
    billingAddress: {
      street: body.addressLine1 ?? '',
      street2: body.addressLine2 || null,
      city: body.city ?? '',
      state: body.state || null,
      postalCode: body.postalCode ?? '',
      country: body.country ?? '',
    },
    email: body.email ?? null,
    phone: body.phoneNumber ?? null,
    creditLimit: creditLimit > 0 ? creditLimit : null,
    balance: body.customerFinancialDetail?.balance ?? body.balanceDue ?? null,
    currencyCode: body.currencyCode?.trim() || null,
    blocked: block === 'NONE' ? null : block,
    version: etag,
  };
}

function customerPatch(changes: ErpCustomerChanges): BcCustomerPatch {
  return {
    ...(changes.billingAddress ? addressPatch(changes.billingAddress) : {}),
    ...(changes.email === undefined ? {} : { email: changes.email }),
    ...(changes.phone === undefined ? {} : { phoneNumber: changes.phone }),
  };
}

/** BC clears a text field with "", not null. */
function addressPatch(address: PostalAddress): BcCustomerPatch {
  return {
    addressLine1: address.street,
    addressLine2: address.street2 ?? '',
    city: address.city,
    state: address.state ?? '',
    postalCode: address.postalCode,
    country: address.country,
  };
}

/** A new item line as BC takes it, in an order's create or added to an open order; unset values are BC's. */
export function newOrderLineBody(line: NewOrderLine) {
  return {
    lineType: 'Item',
    lineObjectNumber: line.sku,
    quantity: line.quantity,
    ...(line.unitPrice === undefined ? {} : { unitPrice: line.unitPrice }),
    ...(line.discountPercent === undefined ? {} : { discountPercent: line.discountPercent }),
    ...(line.description === undefined ? {} : { description: line.description }),
  };
}

function orderSummary(row: Partial<BcOrderSummary>): ErpOrderSummary {
  return {
    id: String(row.id),
    number: String(row.number),
    externalDocumentNumber: row.externalDocumentNumber ?? null,
    customerId: row.customerId?.toLowerCase() ?? null,
    status: String(row.status ?? ''),
    currencyCode: row.currencyCode ?? null,
    totalIncludingTax: typeof row.totalAmountIncludingTax === 'number' ? row.totalAmountIncludingTax : null,
  };
}

export class ErpWrites {
  constructor(private readonly client: ErpClient) {}

  /** The changes a write-back stored in the customer's properties (see StoredCustomerPatch). */
  changesFromStoredPatch(patch: StoredCustomerPatch): ErpCustomerChanges {
    return {
      ...(typeof patch.email === 'string' ? { email: patch.email } : {}),
      ...(typeof patch.phoneNumber === 'string' ? { phone: patch.phoneNumber } : {}),
    };
  }

  private async entityPath(
    set: 'customers' | 'salesOrders',
    id: string,
    requestId?: string,
  ): Promise<string> {
    const company = await this.client.resolveCompanyId(requestId);
    return `companies(${company})/${set}(${guidLiteral(id)})`;
  }

  /** The customer with its version and financial detail; undefined when the ERP does not hold it. */
  async getCustomer(customerId: string, requestId?: string): Promise<ErpCustomerForWrite | undefined> {
    if (!isGuid(customerId)) return undefined;
    const label = 'customer for write';
    const path = `${await this.entityPath('customers', customerId, requestId)}?$select=${CUSTOMER_SELECT.join(',')}&$expand=customerFinancialDetail($select=balance,overdueAmount)`;
    try {
      const response = await this.client.http.send<WithEtag<BcCustomerForWrite>>({
        method: 'GET',
        path,
        label,
        requestId,
      });
      return customerOf(response.body, label);
    } catch (error) {
      if (error instanceof LegacyError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Products by SKU, with their blocked state: one or a few GETs whatever the count. */
  async findProductsBySku(skus: readonly string[], requestId?: string): Promise<ErpProductForOrder[]> {
    const rows = await this.client.findBy<Pick<BcItem, (typeof ITEM_SELECT)[number]>>(
      'items',
      'number',
      'text',
      skus,
      { select: ITEM_SELECT, label: 'items by number', requestId },
    );
    return rows.map((row) => ({
      id: row.id,
      sku: row.number,
      name: row.displayName ?? null,
      blocked: row.blocked === true,
      unitPrice: row.unitPrice ?? null,
    }));
  }

  /**
   * The customer's order carrying this external document number (the CRM quote number, the
   * order entry's reference), if any — the oldest, should there be several: what quote
   * conversion and order entry look for before they create, and after a create whose answer was
   * lost, so an order made by an earlier attempt is found even when no record of it survived here.
   */
  async findCustomerOrder(
    externalDocumentNumber: string,
    customerId: string,
    requestId?: string,
  ): Promise<ErpOrderSummary | undefined> {
    const link = await this.client.collectionLink(
      'salesOrders',
      {
        filter: `externalDocumentNumber eq ${stringLiteral(externalDocumentNumber)}`,
        select: ORDER_SELECT,
        orderby: 'number asc',
      },
      requestId,
    );
    const rows = await this.client.getAll<Partial<BcOrderSummary>>(
      link,
      'orders by external document number',
      requestId,
    );
    return rows.map(orderSummary).find((order) => order.customerId === customerId);
  }

  /**
   * Creates the order with all its lines in one request (BC's deep insert: all or nothing).
   * Sent exactly once: if the answer is lost, the caller looks the order up by its external
   * document number before it would ever send this again.
   */
  async createSalesOrder(order: NewSalesOrder, requestId?: string): Promise<ErpOrderSummary> {
    const company = await this.client.resolveCompanyId(requestId);
    const response = await this.client.http.send<Partial<BcOrderSummary>>({
      method: 'POST',
      path: `companies(${company})/salesOrders?$select=${ORDER_SELECT.join(',')}`,
      body: {
        customerId: order.customerId,
        externalDocumentNumber: order.externalDocumentNumber,
        salesOrderLines: order.lines.map(newOrderLineBody),
      },
      label: 'create sales order',
      requestId,
    });
    if (!response.body || typeof response.body.number !== 'string') {
      throw badLegacyResponse('ERP', 'create sales order', 'no order number in the answer');
    }
    return orderSummary(response.body);
  }

  /**
   * Changes a customer only if it is still at `version` (If-Match): a stale version is refused
   * by BC (Request_EntityChanged) and surfaces as LegacyError CONFLICT.
   */
  async updateCustomer(
    customerId: string,
    version: string,
    changes: ErpCustomerChanges,
    requestId?: string,
  ): Promise<ErpCustomerForWrite> {
    const label = 'update customer';
    const path = `${await this.entityPath('customers', customerId, requestId)}?$select=${CUSTOMER_SELECT.join(',')}`;
    const response = await this.client.http.send<WithEtag<BcCustomerForWrite>>({
      method: 'PATCH',
      path,
      body: customerPatch(changes),
      headers: { 'if-match': version },
      label,
      requestId,
    });
    return customerOf(response.body, label);
  }
}
