import type { Amount, ErpProduct, Money } from '../client/models.js';
import type { ErpContext } from '../context.js';

/** What the lines of orders, invoices and shipments share. */

/** A line's amount, in its document's currency. */
export function inCurrency(amount: Amount, line: { currencyCode: string }): Money {
  return { amount, currencyCode: line.currencyCode };
}

/**
 * The product a line sells, if it sells one: the one read with the line (its item expanded),
 * else looked up by SKU.
 */
export function productOfLine(line: { productSku: string | null; product?: ErpProduct }, ctx: ErpContext) {
  if (line.product !== undefined) return line.product;
  return line.productSku ? ctx.loaders.productBySku.load(line.productSku) : null;
}

/**
 * Hands the products read with `lines` to the request's product loader, so whatever else asks
 * for them in this request (a bill of materials' component, a Product entity) makes no lookup.
 */
export function primeProductsOf(lines: readonly { product?: ErpProduct }[], ctx: ErpContext): void {
  for (const { product } of lines) {
    if (product !== undefined) ctx.loaders.productBySku.prime(product.sku, product);
  }
}
