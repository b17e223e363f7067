import type { Amount, Money } from '../client/models.js';
import type { ErpContext } from '../context.js';

/** What the lines of orders, invoices and shipments share. */

/** A line's amount, in its document's currency. */
export function inCurrency(amount: Amount, line: { currencyCode: string }): Money {
  return { amount, currencyCode: line.currencyCode };
}

/** The product a line sells, if it sells one. */
export function productOfLine(line: { productSku: string | null }, ctx: ErpContext) {
  return line.productSku ? ctx.loaders.productBySku.load(line.productSku) : null;
}
