import { day } from './calendar.js';
import { type Generation, money } from './context.js';
import { ITEM_ADJECTIVES, ITEM_NOUNS, SERVICES } from './vocabulary.js';

export interface Item {
  id: string;
  number: string;
  name: string;
  type: 'Inventory' | 'Service' | 'Non-Inventory';
  unitPriceCents: number;
  blocked: boolean;
  serialized: boolean;
  productId: string;
}

/** The items sales documents are drawn from. */
export interface Catalog {
  /** Not blocked. */
  sellable: readonly Item[];
  /** Sellable and without serial numbers. */
  sellableUnserialized: readonly Item[];
}

/**
 * One item per two customers (60 to 5,000), each an ERP item and a CRM Product2; some
 * serialized inventory items are assemblies with a bill of materials.
 */
export function writeItems(gen: Generation, customerCount: number): Catalog {
  const { random, erp, crm } = gen;
  const itemCount = Math.min(5000, Math.max(60, Math.ceil(customerCount / 2)));
  const items: Item[] = [];
  for (let n = 0; n < itemCount; n++) {
    const type = random.weighted<Item['type']>([
      ['Inventory', 70],
      ['Service', 15],
      ['Non-Inventory', 15],
    ]);
    const name =
      type === 'Service'
        ? `${random.pick(SERVICES)} ${n + 1}`
        : `${random.pick(ITEM_ADJECTIVES)} ${random.pick(ITEM_NOUNS)} ${random.pick(['', 'Pro ', 'XL ', 'Mini '])}${n + 1}`.replace(
            '  ',
            ' ',
          );
    const item: Item = {
      id: random.guid(),
      number: String(1000 + n * 10),
      name,
      type,
      unitPriceCents: type === 'Service' ? random.int(50, 400) * 100 : random.int(500, 250_000),
      blocked: random.chance(0.05),
      serialized: type === 'Inventory' && random.chance(0.25),
      productId: gen.ids.product.next(),
    };
    items.push(item);
    const inventory = type === 'Inventory' ? (random.chance(0.12) ? 0 : random.int(1, 500)) : 0;
    erp.items.insert({
      id: item.id,
      number: item.number,
      displayName: name,
      displayName2: '',
      type,
      itemCategoryId: null,
      itemCategoryCode: item.serialized ? 'MACHINE' : type === 'Service' ? 'SERVICE' : 'MISC',
      blocked: item.blocked,
      gtin: type === 'Inventory' ? String(4_000_000_000_000 + random.int(0, 999_999_999)) : '',
      inventory,
      unitPrice: money(item.unitPriceCents),
      priceIncludesTax: false,
      unitCost: money(Math.round(item.unitPriceCents * (0.4 + random.float() * 0.3))),
      taxGroupId: null,
      taxGroupCode: type === 'Service' ? 'LABOR' : 'TAXABLE',
      baseUnitOfMeasureId: null,
      baseUnitOfMeasureCode: type === 'Service' ? 'HOUR' : 'PCS',
      generalProductPostingGroupCode: type === 'Service' ? 'SERVICES' : 'RETAIL',
      inventoryPostingGroupCode: type === 'Inventory' ? 'RESALE' : '',
      lastModifiedDateTime: gen.timestamp(day(-random.int(0, 700))),
    });
    crm.Product2.insert({
      Id: item.productId,
      Name: name,
      ProductCode: item.number,
      ERP_Item_Id__c: item.id,
      Family: type === 'Service' ? 'Services' : item.serialized ? 'Machines' : 'Goods',
      Description: name,
      IsActive: !item.blocked,
      ...gen.sfSystem(day(-random.int(300, 900)), day(-random.int(0, 300))),
    });
  }
  writeAssemblies(gen, items);
  const sellable = items.filter((i) => !i.blocked);
  return { sellable, sellableUnserialized: sellable.filter((i) => !i.serialized) };
}

/** Assemblies: some serialized inventory items are built from other plain inventory items. */
function writeAssemblies(gen: Generation, items: readonly Item[]): void {
  const { random, erp } = gen;
  const components = items.filter((i) => i.type === 'Inventory' && !i.serialized);
  for (const parent of items) {
    if (parent.type !== 'Inventory' || !parent.serialized || !random.chance(0.4) || components.length < 4)
      continue;
    const used = new Set<string>();
    const count = random.int(2, 4);
    for (let c = 0; c < count; c++) {
      const component = random.pick(components);
      if (used.has(component.id)) continue;
      used.add(component.id);
      erp.bomComponents.insert({
        id: random.guid(),
        parentItemId: parent.id,
        parentItemNumber: parent.number,
        lineNumber: used.size * 10000,
        type: 'Item',
        componentItemId: component.id,
        componentItemNumber: component.number,
        description: component.name,
        quantityPer: random.int(1, 4),
        unitOfMeasureCode: 'PCS',
      });
    }
  }
}
