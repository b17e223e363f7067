import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import type { ProductResolvers, ResolversTypes } from '../__generated__/resolvers-types.js';
import { CHILD_LISTS } from '../client/fields.js';
import { isKeysetFor, positionOf } from '../client/keyset.js';
import type { QuoteRecord } from '../client/types.js';
import type { CrmContext } from '../context.js';
import type { ProductModel } from '../models.js';

interface QuoteLineOfProduct {
  Id: string;
  QuoteId: string;
  CreatedDate: string;
}

/**
 * The quotes that include a product: its quote lines, newest first (a Product2 subquery,
 * batched across products by SKU), then their quotes in one batched lookup. A quote with
 * several lines for the product appears once.
 */
async function quotesOf(
  product: ProductModel,
  ctx: CrmContext,
  args: { first?: number | null; after?: string | null },
) {
  const size = pageSize(args.first);
  const spec = CHILD_LISTS.productQuoteLines;
  const after = decodeCursor(args.after, 'productQuotes', isKeysetFor(spec.orderBy));
  const lines = (await ctx.loaders.childList.load({
    parentId: product.sku,
    list: 'productQuoteLines',
    limit: size + 1,
    after,
  })) as QuoteLineOfProduct[];
  const page = lines.slice(0, size);
  const quotes = await ctx.loaders.quoteById.loadMany([...new Set(page.map((l) => l.QuoteId))]);
  const byId = new Map<string, QuoteRecord>();
  for (const quote of quotes) {
    if (quote instanceof Error) throw quote;
    if (quote) byId.set(quote.Id, quote);
  }
  const shown = new Set<string>();
  const edges: { cursor: string; node: QuoteRecord }[] = [];
  for (const line of page) {
    const quote = byId.get(line.QuoteId);
    if (!quote || shown.has(quote.Id)) continue;
    shown.add(quote.Id);
    edges.push({ cursor: encodeCursor('productQuotes', positionOf(line, spec.orderBy)), node: quote });
  }
  const connection = connectionOf(edges, {
    hasNextPage: lines.length > size,
    hasPreviousPage: after !== undefined,
  });
  const last = page.at(-1);
  if (last) connection.pageInfo.endCursor = encodeCursor('productQuotes', positionOf(last, spec.orderBy));
  return connection;
}

export const Product: ProductResolvers = {
  __resolveReference: (reference) => ({ sku: reference.sku }),
  sku: (p) => p.sku,
  crmProductId: async (p, _args, ctx) => (await ctx.loaders.productByCode.load(p.sku))?.Id ?? null,
  family: async (p, _args, ctx) => (await ctx.loaders.productByCode.load(p.sku))?.Family ?? null,
  quotes: (p, args, ctx) => quotesOf(p, ctx, args) as Promise<ResolversTypes['QuoteConnection']>,
};
