import { appError } from '../../../lib/errors.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { listConnection } from './connection.js';
import { codeArgument } from './input.js';
import { ledgerQueries } from './ledgers.js';

const MAX_SEARCH_LENGTH = 100;

export const Query: QueryResolvers = {
  ...ledgerQueries,
  salesOrder: (_root, { number }, ctx) => ctx.loaders.orderByNumber.load(codeArgument(number, 'number')),
  invoice: (_root, { number }, ctx) => ctx.loaders.invoiceByNumber.load(codeArgument(number, 'number')),
  shipment: (_root, { number }, ctx) => ctx.loaders.shipmentByNumber.load(codeArgument(number, 'number')),
  creditMemo: (_root, { number }, ctx) => ctx.loaders.creditMemoByNumber.load(codeArgument(number, 'number')),
  product: (_root, { sku }, ctx) => ctx.loaders.productBySku.load(codeArgument(sku, 'sku')),
  async customerByNumber(_root, { number }, ctx) {
    const record = await ctx.loaders.customerByNumber.load(codeArgument(number, 'number'));
    return record ? { id: record.id, record } : null;
  },
  async products(_root, { search, first, after }, ctx) {
    if (search !== null && search !== undefined && search.length > MAX_SEARCH_LENGTH) {
      throw appError('BAD_USER_INPUT', `\`search\` must be at most ${MAX_SEARCH_LENGTH} characters.`, {
        argument: 'search',
      });
    }
    return listConnection(await ctx.erp.products(search, ctx.requestId), { first, after }, ctx);
  },
};
