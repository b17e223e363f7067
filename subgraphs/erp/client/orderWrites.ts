import { bumpGenerations } from '../../../lib/cachedBatch.js';
import { badLegacyResponse, type LegacyError, legacyFailure } from '../../../lib/errors.js';
import type { LegacyCache } from '../../../lib/legacyCache.js';
import { ERP_GENERATIONS } from './cacheGenerations.js';
import { type BatchResponse, codeOfBcFailure, describeBcFailure, type ErpClient } from './erpClient.js';
import { guidLiteral, stringLiteral } from './odata.js';
import type { BcSalesOrder, BcSalesOrderLine } from './types.js';
import type { NewOrderLine } from './writeModels.js';
import { newOrderLineBody } from './writes.js';

/**
 * Changes to an open Business Central sales order's lines, and the read they decide on. Protocol
 * knowledge stays here: the order read with its lines and their ETags, the JSON `$batch` with
 * `Isolation: snapshot` that applies every change in one transaction (all or nothing), the
 * If-Match headers, BC's status words. The batch opens with a PATCH of the order header carrying
 * the caller's expected version (If-Match) and no changes: BC refuses the whole batch
 * (Request_EntityChanged, LegacyError CONFLICT) when the order changed since that version, so a
 * change is never applied to lines someone else changed meanwhile. Sent once, never repeated.
 */

/** BC's order statuses whose lines may still change (not released to the warehouse). */
const CHANGEABLE_STATUSES: readonly string[] = ['Draft', 'Open'];

export interface ErpOrderLineForChange {
  id: string;
  sequence: number;
  /** The item number of an item line; null for other line types. */
  sku: string | null;
  description: string | null;
  quantity: number;
  unitPrice: number | null;
  discountPercent: number | null;
  /** Before tax, after the line discount. */
  amount: number | null;
  shippedQuantity: number;
  invoicedQuantity: number;
  version: string;
}

export interface ErpOrderForChange {
  id: string;
  number: string;
  /** As BC names it (Draft, In Review, Open, Released). */
  status: string;
  /** Whether BC still lets its lines change: not released, nothing left it fully shipped. */
  changeable: boolean;
  fullyShipped: boolean;
  customerId: string | null;
  currencyCode: string | null;
  totalExcludingTax: number | null;
  totalIncludingTax: number | null;
  version: string;
  lines: ErpOrderLineForChange[];
}

/** What one call changes, all or nothing; lines named by their id and version as read. */
export interface OrderLineChanges {
  update: { lineId: string; version: string; quantity?: number; discountPercent?: number }[];
  remove: { lineId: string; version: string }[];
  add: NewOrderLine[];
}

const ORDER_SELECT = [
  'id',
  'number',
  'status',
  'customerId',
  'currencyCode',
  'fullyShipped',
  'totalAmountExcludingTax',
  'totalAmountIncludingTax',
] as const;
const LINE_SELECT = [
  'id',
  'sequence',
  'lineType',
  'lineObjectNumber',
  'description',
  'quantity',
  'unitPrice',
  'discountPercent',
  'amountExcludingTax',
  'shippedQuantity',
  'invoicedQuantity',
] as const;

type WithEtag<T> = T & { '@odata.etag'?: unknown };
type BcOrderRow = WithEtag<Pick<BcSalesOrder, (typeof ORDER_SELECT)[number]>> & {
  salesOrderLines?: WithEtag<Pick<BcSalesOrderLine, (typeof LINE_SELECT)[number]>>[];
};

function etagOf(row: { '@odata.etag'?: unknown }, label: string): string {
  const etag = row['@odata.etag'];
  if (typeof etag !== 'string') throw badLegacyResponse('ERP', label, 'no @odata.etag');
  return etag;
}

function orderOf(row: BcOrderRow, label: string): ErpOrderForChange {
  const fullyShipped = row.fullyShipped === true;
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    changeable: CHANGEABLE_STATUSES.includes(row.status) && !fullyShipped,
    fullyShipped,
    customerId: row.customerId?.toLowerCase() ?? null,
    currencyCode: row.currencyCode?.trim() || null,
    totalExcludingTax: row.totalAmountExcludingTax ?? null,
    totalIncludingTax: row.totalAmountIncludingTax ?? null,
    version: etagOf(row, label),
    lines: (row.salesOrderLines ?? [])
      .map((line) => ({
        id: line.id,
        sequence: line.sequence,
        sku: line.lineType === 'Item' ? line.lineObjectNumber || null : null,
        description: line.description,
        quantity: line.quantity ?? 0,
        unitPrice: line.unitPrice,
        discountPercent: line.discountPercent,
        amount: line.amountExcludingTax,
        shippedQuantity: line.shippedQuantity ?? 0,
        invoicedQuantity: line.invoicedQuantity ?? 0,
        version: etagOf(line, label),
      }))
      .sort((a, b) => a.sequence - b.sequence),
  };
}

export class ErpOrderWrites {
  constructor(
    private readonly client: ErpClient,
    private readonly cache: LegacyCache | undefined,
    /** erpCacheScope(…) of the same ERP, company and token the ERP subgraph reads with. */
    private readonly scope: string,
  ) {}

  /** The order by number with its lines and every version; undefined when the ERP has none. */
  async orderForChange(orderNumber: string, requestId?: string): Promise<ErpOrderForChange | undefined> {
    const label = 'sales order for change';
    const link = await this.client.collectionLink(
      'salesOrders',
      {
        filter: `number eq ${stringLiteral(orderNumber)}`,
        select: ORDER_SELECT,
        expand: `salesOrderLines($select=${LINE_SELECT.join(',')})`,
      },
      requestId,
    );
    const [row] = await this.client.getAll<BcOrderRow>(link, label, requestId);
    return row ? orderOf(row, label) : undefined;
  }

  /**
   * Applies every change in one `$batch` transaction, based on the order at `expectedVersion`:
   * a stale version or line is LegacyError CONFLICT and nothing is changed; another refusal
   * (a business rule of BC's) is the failed part's error, nothing changed either.
   */
  async changeOrderLines(
    order: { id: string; number: string; customerId: string | null },
    expectedVersion: string,
    changes: OrderLineChanges,
    requestId?: string,
  ): Promise<void> {
    const label = 'change sales order lines';
    const company = await this.client.resolveCompanyId(requestId);
    const orderPath = `companies(${company})/salesOrders(${guidLiteral(order.id)})`;
    const json = { 'Content-Type': 'application/json' };
    const requests = [
      { method: 'PATCH', url: orderPath, headers: { ...json, 'If-Match': expectedVersion }, body: {} },
      ...changes.update.map((line) => ({
        method: 'PATCH',
        url: `${orderPath}/salesOrderLines(${guidLiteral(line.lineId)})`,
        headers: { ...json, 'If-Match': line.version },
        body: {
          ...(line.quantity === undefined ? {} : { quantity: line.quantity }),
          ...(line.discountPercent === undefined ? {} : { discountPercent: line.discountPercent }),
        },
      })),
      ...changes.remove.map((line) => ({
        method: 'DELETE',
        url: `${orderPath}/salesOrderLines(${guidLiteral(line.lineId)})`,
        headers: { 'If-Match': line.version },
      })),
      ...changes.add.map((line) => ({
        method: 'POST',
        url: `${orderPath}/salesOrderLines`,
        headers: json,
        body: newOrderLineBody(line),
      })),
    ].map((request, index) => ({ id: String(index + 1), ...request }));
    try {
      const response = await this.client.http.send<BatchResponse>({
        method: 'POST',
        path: '$batch',
        headers: { isolation: 'snapshot' },
        body: { requests },
        label,
        requestId,
      });
      const parts = response.body?.responses;
      if (!Array.isArray(parts) || parts.length !== requests.length) {
        throw badLegacyResponse('ERP', label, 'not one answer per part in the $batch answer');
      }
      // In a snapshot batch the part that failed says why; the others answer 424 (rolled back).
      const failed =
        parts.find(
          (part) => typeof part.status !== 'number' || (part.status >= 400 && part.status !== 424),
        ) ?? parts.find((part) => part.status === 424);
      if (failed) throw this.failureOf(failed, label);
    } finally {
      await bumpGenerations(this.cache, this.scope, [
        ...(order.customerId ? [ERP_GENERATIONS.customer(order.customerId)] : []),
        ERP_GENERATIONS.orderNumber(order.number),
        ERP_GENERATIONS.order(order.id),
      ]);
    }
  }

  private failureOf(part: { id?: string; status?: number; body?: unknown }, label: string): LegacyError {
    const status = typeof part.status === 'number' ? part.status : 0;
    const described = describeBcFailure(status, part.body);
    return legacyFailure('ERP', codeOfBcFailure(status, described), label, {
      label,
      part: part.id,
      status,
      legacyCode: described.legacyCode,
      legacyMessage: described.legacyMessage,
    });
  }
}
