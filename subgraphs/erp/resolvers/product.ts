import type { BomComponentResolvers, ProductResolvers } from '../__generated__/resolvers-types.js';
import { MAX_CODE_LENGTH, referenceKey } from './input.js';
import { productOfLine } from './lines.js';

export const Product: ProductResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.productBySku.load(referenceKey(reference, 'sku', 'Product', MAX_CODE_LENGTH)),
  sku: (product) => product.sku,
  id: (product) => product.id,
  name: (product) => product.name,
  type: (product) => product.type,
  unitPrice: (product) => product.unitPrice,
  unitCost: (product) => product.unitCost,
  inventory: (product) => product.inventory,
  inStock: (product) => product.inStock,
  blocked: (product) => product.blocked,
  gtin: (product) => product.gtin,
  unitOfMeasure: (product) => product.unitOfMeasure,
  billOfMaterials: (product, _args, ctx) => ctx.loaders.billOfMaterials.load(product.id),
};

export const BomComponent: BomComponentResolvers = {
  product: (component, _args, ctx) => productOfLine(component, ctx),
  description: (component) => component.description,
  quantityPer: (component) => component.quantityPer,
  unitOfMeasure: (component) => component.unitOfMeasure,
};
