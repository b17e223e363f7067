import type { ProductResolvers } from '../__generated__/resolvers-types.js';

export const Product: ProductResolvers = {
  __resolveReference: (reference) => ({ sku: reference.sku }),
  sku: (p) => p.sku,
  crmProductId: async (p, _args, ctx) => (await ctx.loaders.productByCode.load(p.sku))?.Id ?? null,
  family: async (p, _args, ctx) => (await ctx.loaders.productByCode.load(p.sku))?.Family ?? null,
};
