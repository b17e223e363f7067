import { appError } from '../../lib/errors.js';
import type { QuoteForConversion } from '../crm/client/writeModels.js';
import { CONVERTIBLE_QUOTE_STATUSES } from '../crm/client/writes.js';
import type { ErpCustomerForWrite, ErpProductForOrder, NewOrderLine } from '../erp/client/writeModels.js';
import { centsToDecimal, toCents } from './outcomes.js';

/** The ERP records the rules look at: the customer (credit, blocked) and the quoted products. */
export interface RuleReads {
  customer: ErpCustomerForWrite | undefined;
  products: ErpProductForOrder[];
}

/** The SKUs a quote names, once each: the products the rules read. */
export function quotedSkus(quote: QuoteForConversion): string[] {
  return [...new Set(quote.lines.map((line) => line.sku).filter((sku): sku is string => sku !== null))];
}

/** "Ship", "Invoice", "All": how a message names what a customer is blocked for. */
const blockName = (blocked: string) => blocked.charAt(0) + blocked.slice(1).toLowerCase();

/**
 * The business rules of quote → order, checked with reads only, each refusal its own code with
 * nothing written: the quote's status and lines, the customer linked and not blocked, every
 * product known and not blocked, the order within the credit limit. Returns the order lines.
 */
export function orderLinesFor(
  quote: QuoteForConversion,
  erpCustomerId: string,
  { customer, products }: RuleReads,
): NewOrderLine[] {
  if (!quote.convertible) {
    throw appError(
      'QUOTE_NOT_CONVERTIBLE',
      `A quote in status ${quote.status ?? '(none)'} cannot become an order.`,
      {
        quoteId: quote.id,
        reason: 'STATUS',
        status: quote.status,
        convertibleStatuses: CONVERTIBLE_QUOTE_STATUSES,
      },
    );
  }
  if (quote.lines.length === 0) {
    throw appError('QUOTE_NOT_CONVERTIBLE', 'The quote has no lines.', {
      quoteId: quote.id,
      reason: 'NO_LINES',
    });
  }
  const lines: NewOrderLine[] = [];
  const noProduct: string[] = [];
  for (const line of quote.lines) {
    const name = line.lineNumber ?? line.id;
    if (line.sku === null) {
      noProduct.push(name);
      continue;
    }
    if (!Number.isFinite(line.quantity) || line.quantity <= 0) {
      throw appError(
        'QUOTE_NOT_CONVERTIBLE',
        `Quote line ${name} has quantity ${line.quantity}; an order line needs more than 0.`,
        {
          quoteId: quote.id,
          reason: 'INVALID_QUANTITY',
          lineNumber: line.lineNumber,
          quantity: line.quantity,
        },
      );
    }
    lines.push({
      sku: line.sku,
      quantity: line.quantity,
      ...(line.unitPrice === null ? {} : { unitPrice: line.unitPrice }),
      ...(line.discountPercent === null ? {} : { discountPercent: line.discountPercent }),
    });
  }
  if (noProduct.length > 0) {
    throw appError(
      'UNKNOWN_PRODUCT',
      `Quote lines ${noProduct.join(', ')} name no product the ERP could know.`,
      {
        quoteId: quote.id,
        lineNumbers: noProduct,
        skus: [],
      },
    );
  }

  if (!customer) {
    throw appError(
      'CUSTOMER_NOT_LINKED',
      'The quote’s account is linked to an ERP customer the ERP does not hold.',
      {
        quoteId: quote.id,
        customerId: erpCustomerId,
      },
    );
  }
  checkCustomerAndProducts(customer, lines, products, { quoteId: quote.id });
  checkCredit(customer, quote.grandTotal);
  return lines;
}

/**
 * The rules every new order line set meets, whichever way the order comes (a quote's conversion,
 * order entry, lines added to an order): the customer not blocked, every product known to the
 * ERP and not blocked for sale. `about` names the request in the products' refusals.
 */
export function checkCustomerAndProducts(
  customer: ErpCustomerForWrite,
  lines: readonly { sku: string }[],
  products: readonly ErpProductForOrder[],
  about: Record<string, unknown>,
): void {
  if (customer.blocked !== null) {
    throw appError(
      'CUSTOMER_BLOCKED',
      `ERP customer ${customer.number} is blocked (${blockName(customer.blocked)}); no order can be made for it.`,
      { customerId: customer.id, customerNumber: customer.number, blocked: customer.blocked },
    );
  }
  const skus = [...new Set(lines.map((line) => line.sku))];
  const known = new Map(products.map((product) => [product.sku, product]));
  const unknown = skus.filter((sku) => !known.has(sku));
  if (unknown.length > 0) {
    throw appError('UNKNOWN_PRODUCT', `The ERP has no product ${unknown.join(', ')}.`, {
      ...about,
      skus: unknown,
    });
  }
  const blockedProducts = skus.filter((sku) => known.get(sku)?.blocked);
  if (blockedProducts.length > 0) {
    throw appError(
      'PRODUCT_BLOCKED',
      `Product ${blockedProducts.join(', ')} is blocked for sale in the ERP.`,
      {
        ...about,
        skus: blockedProducts,
      },
    );
  }
}

/**
 * The balance is what the customer owes now; the order adds its total (a quote's grand total
 * including tax; order entry's estimate). A customer without a credit limit may order any amount.
 */
export function checkCredit(
  customer: ErpCustomerForWrite,
  total: { amount: number; currencyCode: string | null },
): void {
  if (customer.creditLimit === null) return;
  const limit = toCents(customer.creditLimit);
  const balance = toCents(customer.balance);
  const orderTotal = toCents(total.amount);
  const over = balance + orderTotal - limit;
  if (over <= 0) return;
  const currencyCode = customer.currencyCode || total.currencyCode || '';
  const unit = currencyCode ? ` ${currencyCode}` : '';
  throw appError(
    'CREDIT_LIMIT_EXCEEDED',
    `The order (${centsToDecimal(orderTotal)}${unit}) would take customer ${customer.number} to ${centsToDecimal(balance + orderTotal)}${unit}: ${centsToDecimal(over)}${unit} over its credit limit of ${centsToDecimal(limit)}${unit}.`,
    {
      customerId: customer.id,
      customerNumber: customer.number,
      creditLimit: centsToDecimal(limit),
      balance: centsToDecimal(balance),
      orderTotal: centsToDecimal(orderTotal),
      exceededBy: centsToDecimal(over),
      currencyCode,
    },
  );
}
