import type {
  BomComponentResolvers,
  ProductResolvers,
  ProductType,
} from '../__generated__/resolvers-types.js';
import { enumOf, MAX_CODE_LENGTH, money, referenceKey, textOf } from './shared.js';

const TYPE: Readonly<Record<string, ProductType>> = {
  Inventory: 'INVENTORY',
  Service: 'SERVICE',
  'Non-Inventory': 'NON_INVENTORY',
};

export const Product: ProductResolvers = {
  __resolveReference: async (reference, ctx) =>
    ctx.loaders.itemByNumber.load(referenceKey(reference, 'sku', 'Product', MAX_CODE_LENGTH)),
  sku: (item) => item.number,
  id: (item) => item.id,
  name: (item) => item.displayName ?? item.number,
  type: (item) => enumOf(TYPE, item.type, 'item type'),
  // Item prices are in the company's local currency.
  unitPrice: (item, _args, ctx) => money(item.unitPrice, null, ctx),
  unitCost: (item, _args, ctx) => (item.unitCost === null ? null : money(item.unitCost, null, ctx)),
  inventory: (item) => (item.type === 'Service' ? null : (item.inventory ?? 0)),
  inStock: (item) => item.type !== 'Service' && (item.inventory ?? 0) > 0,
  blocked: (item) => item.blocked === true,
  gtin: (item) => textOf(item.gtin),
  unitOfMeasure: (item) => textOf(item.baseUnitOfMeasureCode),
  billOfMaterials: (item, _args, ctx) => ctx.loaders.bomByParentItemId.load(item.id),
};

export const BomComponent: BomComponentResolvers = {
  product: (component, _args, ctx) =>
    component.type === 'Item' && component.componentItemNumber
      ? ctx.loaders.itemByNumber.load(component.componentItemNumber)
      : null,
  description: (component) => textOf(component.description),
  quantityPer: (component) => component.quantityPer ?? 0,
  unitOfMeasure: (component) => textOf(component.unitOfMeasureCode),
};
