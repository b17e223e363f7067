import { type DayWords, dayRangeInput, invalidFilter } from '../../../lib/input.js';
import type {
  InvoiceFilter,
  PaymentFilter,
  QueryResolvers,
  SalesOrderFilter,
} from '../__generated__/resolvers-types.js';
import type { DayRange, InvoiceSelection, OrderSelection, PaymentSelection } from '../client/reads.js';
import type { ErpContext } from '../context.js';
import { asksLineProducts } from '../selectionLookahead.js';
import { listConnection } from './connection.js';
import { MAX_CODE_LENGTH } from './input.js';
import { todayUtc } from './invoice.js';

/**
 * The lists of every customer's documents (`salesOrders`, `invoices`, `payments`): a filter is
 * checked whole before any ERP call, then becomes the `$filter` of the one BC request per page
 * (client/reads.ts), paged by keyset (client/lists.ts).
 */

/** A filter's days, as this subgraph has always refused them: a reversed range at its `…To` end. */
const DAYS: DayWords = {
  refuse: invalidFilter,
  notADay: (name) => `\`${name}\` must be a day written YYYY-MM-DD.`,
  reversedAt: 'to',
  reversed: (fromName, toName) => `\`${toName}\` must not be before \`${fromName}\`.`,
};

/** A from/to pair of days, from not after to; nothing when neither is given. */
function days(
  fromName: string,
  from: string | null | undefined,
  toName: string,
  to: string | null | undefined,
): DayRange | undefined {
  return dayRangeInput(fromName, from, toName, to, DAYS);
}

/** A customer number or salesperson code: one of the ERP's 20-character codes. */
function code(name: string, value: string | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.trim() === '') throw invalidFilter(name, 'EMPTY', `\`${name}\` must not be empty.`);
  if (value.length > MAX_CODE_LENGTH) {
    throw invalidFilter(name, 'TOO_LONG', `\`${name}\` must be at most ${MAX_CODE_LENGTH} characters.`);
  }
  return value;
}

/** A status list: absent means any status; an empty one would match nothing and is refused. */
function statuses<T extends string>(value: readonly T[] | null | undefined): readonly T[] | undefined {
  if (value === null || value === undefined) return undefined;
  if (value.length === 0) throw invalidFilter('status', 'EMPTY', '`status` must name at least one status.');
  return [...new Set(value)];
}

function orderSelection(filter: SalesOrderFilter | null | undefined): OrderSelection {
  const f = filter ?? {};
  return {
    statuses: statuses(f.status),
    orderDate: days('orderDateFrom', f.orderDateFrom, 'orderDateTo', f.orderDateTo),
    requestedDelivery: days(
      'requestedDeliveryFrom',
      f.requestedDeliveryFrom,
      'requestedDeliveryTo',
      f.requestedDeliveryTo,
    ),
    customerNumber: code('customerNumber', f.customerNumber),
    salesperson: code('salespersonCode', f.salespersonCode),
  };
}

function invoiceSelection(filter: InvoiceFilter | null | undefined, ctx: ErpContext): InvoiceSelection {
  const f = filter ?? {};
  return {
    statuses: statuses(f.status),
    onlyOpen: f.onlyOpen === true,
    dueBefore: f.onlyOverdue === true ? todayUtc(ctx) : undefined,
    dueDate: days('dueDateFrom', f.dueDateFrom, 'dueDateTo', f.dueDateTo),
    invoiceDate: days('invoiceDateFrom', f.invoiceDateFrom, 'invoiceDateTo', f.invoiceDateTo),
    customerNumber: code('customerNumber', f.customerNumber),
    salesperson: code('salespersonCode', f.salespersonCode),
  };
}

function paymentSelection(filter: PaymentFilter | null | undefined): PaymentSelection {
  const f = filter ?? {};
  return {
    postingDate: days('postingDateFrom', f.postingDateFrom, 'postingDateTo', f.postingDateTo),
    customerNumber: code('customerNumber', f.customerNumber),
  };
}

export const ledgerQueries: Pick<QueryResolvers, 'salesOrders' | 'invoices' | 'payments'> = {
  async salesOrders(_root, { filter, first, after }, ctx, info) {
    const selection = orderSelection(filter);
    const withProducts = ctx.batching && asksLineProducts(info);
    const list = await ctx.erp.ordersOfAll(selection, ctx.requestId, { withProducts });
    return listConnection(list, { first, after }, ctx);
  },
  async invoices(_root, { filter, first, after }, ctx) {
    const selection = invoiceSelection(filter, ctx);
    return listConnection(await ctx.erp.invoicesOfAll(selection, ctx.requestId), { first, after }, ctx);
  },
  async payments(_root, { filter, first, after }, ctx) {
    const selection = paymentSelection(filter);
    return listConnection(await ctx.erp.paymentsOfAll(selection, ctx.requestId), { first, after }, ctx);
  },
};
