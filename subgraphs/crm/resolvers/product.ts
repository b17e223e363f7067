import { connectionOf, decodeCursor, encodeCursor, pageSize } from '../../../lib/connections.js';
import type { ProductResolvers } from '../__generated__/resolvers-types.js';
import { PRODUCT_QUOTES } from '../client/lists.js';
import type { CrmQuote } from '../client/models.js';
import type { CrmContext } from '../context.js';
import type { ProductModel } from '../models.js';

/**
 * The quotes that include a product: its quote lines, newest first (batched across products by
 * SKU), then their quotes in one batched lookup. A quote with several lines for the product
 * appears once.
 */
async function quotesOf(
  product: ProductModel,
  ctx: CrmContext,
  args: { first?: number | null; after?: string | null },
) {
  const { kind } = PRODUCT_QUOTES;
  const size = pageSize(args.first);
  const after = decodeCursor(args.after, kind, PRODUCT_QUOTES.isPosition);
  const page = await PRODUCT_QUOTES.page(product.sku, size, after, (read) =>
    ctx.loaders.childList.load(read),
  );
  const quotes = await ctx.loaders.quoteById.loadMany([...new Set(page.edges.map((l) => l.node.quoteId))]);
  const byId = new Map<string, CrmQuote>();
  for (const quote of quotes) {
    if (quote instanceof Error) throw quote;
    if (quote) byId.set(quote.id, quote);
  }
  const shown = new Set<string>();
  const edges: { cursor: string; node: CrmQuote }[] = [];
  for (const { node: line, position } of page.edges) {
    const quote = byId.get(line.quoteId);
    if (!quote || shown.has(quote.id)) continue;
    shown.add(quote.id);
    edges.push({ cursor: encodeCursor(kind, position), node: quote });
  }
  const connection = connectionOf(edges, { hasNextPage: page.hasMore, hasPreviousPage: after !== undefined });
  // The page goes on after its last line, even when that line's quote was shown before it.
  const last = page.edges.at(-1);
  if (last) connection.pageInfo.endCursor = encodeCursor(kind, last.position);
  return connection;
}

export const Product: ProductResolvers = {
  __resolveReference: (reference) => ({ sku: reference.sku }),
  sku: (p) => p.sku,
  crmProductId: async (p, _args, ctx) => (await ctx.loaders.productBySku.load(p.sku))?.crmProductId ?? null,
  family: async (p, _args, ctx) => (await ctx.loaders.productBySku.load(p.sku))?.family ?? null,
  quotes: (p, args, ctx) => quotesOf(p, ctx, args),
};
