import { appError } from '../../../lib/errors.js';
import type { QueryResolvers } from '../__generated__/resolvers-types.js';
import { contains } from '../client/odata.js';
import type { BcItem } from '../client/types.js';
import { codeArgument, loadConnection } from './shared.js';

const MAX_SEARCH_LENGTH = 100;

export const Query: QueryResolvers = {
  salesOrder: (_root, { number }, ctx) => ctx.loaders.orderByNumber.load(codeArgument(number, 'number')),
  invoice: (_root, { number }, ctx) => ctx.loaders.invoiceByNumber.load(codeArgument(number, 'number')),
  shipment: (_root, { number }, ctx) => ctx.loaders.shipmentByNumber.load(codeArgument(number, 'number')),
  product: (_root, { sku }, ctx) => ctx.loaders.itemByNumber.load(codeArgument(sku, 'sku')),
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
    const filter = search ? contains('displayName', search) : undefined;
    const link = await ctx.client.collectionLink('items', { filter, orderby: 'number' }, ctx.requestId);
    return loadConnection<BcItem>(ctx, link, first, after);
  },
};
