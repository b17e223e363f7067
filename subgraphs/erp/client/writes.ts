import { badLegacyResponse, LegacyError } from '../../../lib/errors.js';
import type { ErpClient } from './erpClient.js';
import { guidLiteral, isGuid, stringLiteral } from './odata.js';

/**
 * The Business Central writes the workflows subgraph makes, and the reads those writes decide
 * on (credit, blocked state, ETags). Protocol knowledge stays here: URLs, OData literals, the
 * If-Match header, BC's field names. Writes are sent once — LegacyHttp never retries a POST or
 * PATCH — and a create is made safe to repeat by the caller looking first for what an earlier
 * attempt may have made (`findOrderByExternalDocumentNumber`).
 */

/** BC's limits on the fields the workflows write (Code[20], Text[100], …). */
export const ERP_FIELD_LIMITS = {
  externalDocumentNumber: 35,
  addressLine1: 100,
  addressLine2: 50,
  city: 30,
  state: 30,
  postalCode: 20,
  country: 10,
  email: 80,
  phoneNumber: 30,
} as const;

export interface ErpCustomerForWrite {
  id: string;
  number: string;
  displayName: string | null;
  addressLine1: string | null;
  addressLine2: string | null;
  city: string | null;
  state: string | null;
  country: string | null;
  postalCode: string | null;
  email: string | null;
  phoneNumber: string | null;
  creditLimit: number | null;
  balanceDue: number | null;
  currencyCode: string | null;
  /** " " (not blocked), "Ship", "Invoice" or "All". */
  blocked: string | null;
  /** The concurrency token of this version of the record. */
  etag: string;
  customerFinancialDetail?: { balance: number | null; overdueAmount: number | null } | null;
}

export interface ErpItemForWrite {
  id: string;
  number: string;
  displayName: string | null;
  blocked: boolean;
  unitPrice: number | null;
}

export interface ErpOrderSummary {
  id: string;
  number: string;
  externalDocumentNumber: string | null;
  customerId: string | null;
  status: string;
  currencyCode: string | null;
  totalAmountIncludingTax: number | null;
}

export interface NewOrderLine {
  /** The ERP item number (SKU). */
  itemNumber: string;
  quantity: number;
  unitPrice?: number;
  discountPercent?: number;
  description?: string;
}

export interface CustomerPatch {
  addressLine1?: string;
  addressLine2?: string;
  city?: string;
  state?: string;
  country?: string;
  postalCode?: string;
  email?: string;
  phoneNumber?: string;
}

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

function withEtag<T extends object>(body: WithEtag<T> | undefined, label: string): T & { etag: string } {
  if (!body || typeof body !== 'object') throw badLegacyResponse('ERP', label, 'no entity');
  const etag = body['@odata.etag'];
  if (typeof etag !== 'string') throw badLegacyResponse('ERP', label, 'no @odata.etag');
  const { '@odata.etag': _etag, ...rest } = body;
  return { ...(rest as T), etag };
}

function orderSummary(row: Record<string, unknown>): ErpOrderSummary {
  return {
    id: String(row.id),
    number: String(row.number),
    externalDocumentNumber: (row.externalDocumentNumber as string | null) ?? null,
    customerId: (row.customerId as string | null) ?? null,
    status: String(row.status ?? ''),
    currencyCode: (row.currencyCode as string | null) ?? null,
    totalAmountIncludingTax:
      typeof row.totalAmountIncludingTax === 'number' ? row.totalAmountIncludingTax : null,
  };
}

export class ErpWrites {
  constructor(private readonly client: ErpClient) {}

  private async entityPath(
    set: 'customers' | 'salesOrders',
    id: string,
    requestId?: string,
  ): Promise<string> {
    const company = await this.client.resolveCompanyId(requestId);
    return `companies(${company})/${set}(${guidLiteral(id)})`;
  }

  /** The customer with its ETag and financial detail; undefined when the ERP does not hold it. */
  async getCustomer(customerId: string, requestId?: string): Promise<ErpCustomerForWrite | undefined> {
    if (!isGuid(customerId)) return undefined;
    const label = 'customer for write';
    const path = `${await this.entityPath('customers', customerId, requestId)}?$select=${CUSTOMER_SELECT.join(',')}&$expand=customerFinancialDetail($select=balance,overdueAmount)`;
    try {
      const response = await this.client.http.send<WithEtag<ErpCustomerForWrite>>({
        method: 'GET',
        path,
        label,
        requestId,
      });
      return withEtag<ErpCustomerForWrite>(response.body, label);
    } catch (error) {
      if (error instanceof LegacyError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Items by number (SKU), with their blocked state: one or a few GETs whatever the count. */
  async findItemsByNumber(numbers: readonly string[], requestId?: string): Promise<ErpItemForWrite[]> {
    const rows = await this.client.findBy<ErpItemForWrite>('items', 'number', 'text', numbers, {
      select: ITEM_SELECT,
      label: 'items by number',
      requestId,
    });
    return rows.map((row) => ({
      id: row.id,
      number: row.number,
      displayName: row.displayName ?? null,
      blocked: row.blocked === true,
      unitPrice: row.unitPrice ?? null,
    }));
  }

  /**
   * Orders carrying this external document number (the CRM quote number), oldest first: how
   * an order made by an earlier attempt is found again even when no record of it survived here.
   */
  async findOrdersByExternalDocumentNumber(
    externalDocumentNumber: string,
    requestId?: string,
  ): Promise<ErpOrderSummary[]> {
    const link = await this.client.collectionLink(
      'salesOrders',
      {
        filter: `externalDocumentNumber eq ${stringLiteral(externalDocumentNumber)}`,
        select: ORDER_SELECT,
        orderby: 'number asc',
      },
      requestId,
    );
    const rows = await this.client.getAll<Record<string, unknown>>(
      link,
      'orders by external document number',
      requestId,
    );
    return rows.map(orderSummary);
  }

  /**
   * Creates the order with all its lines in one request (BC's deep insert: all or nothing).
   * Sent exactly once: if the answer is lost, the caller looks the order up by its external
   * document number before it would ever send this again.
   */
  async createSalesOrder(
    order: { customerId: string; externalDocumentNumber: string; lines: readonly NewOrderLine[] },
    requestId?: string,
  ): Promise<ErpOrderSummary> {
    const company = await this.client.resolveCompanyId(requestId);
    const response = await this.client.http.send<Record<string, unknown>>({
      method: 'POST',
      path: `companies(${company})/salesOrders?$select=${ORDER_SELECT.join(',')}`,
      body: {
        customerId: order.customerId,
        externalDocumentNumber: order.externalDocumentNumber,
        salesOrderLines: order.lines.map((line) => ({
          lineType: 'Item',
          lineObjectNumber: line.itemNumber,
          quantity: line.quantity,
          ...(line.unitPrice === undefined ? {} : { unitPrice: line.unitPrice }),
          ...(line.discountPercent === undefined ? {} : { discountPercent: line.discountPercent }),
          ...(line.description === undefined ? {} : { description: line.description }),
        })),
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
   * Changes a customer only if it is still the version `etag` names (If-Match): a stale ETag is
   * refused by BC (Request_EntityChanged) and surfaces as LegacyError CONFLICT.
   */
  async updateCustomer(
    customerId: string,
    etag: string,
    patch: CustomerPatch,
    requestId?: string,
  ): Promise<ErpCustomerForWrite> {
    const label = 'update customer';
    const path = `${await this.entityPath('customers', customerId, requestId)}?$select=${CUSTOMER_SELECT.join(',')}`;
    const response = await this.client.http.send<WithEtag<ErpCustomerForWrite>>({
      method: 'PATCH',
      path,
      body: patch,
      headers: { 'if-match': etag },
      label,
      requestId,
    });
    return withEtag<ErpCustomerForWrite>(response.body, label);
  }
}
