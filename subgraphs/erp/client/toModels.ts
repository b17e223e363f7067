import { formatAmount } from '../../../lib/domain.js';
import { LegacyError } from '../../../lib/errors.js';
import type {
  Amount,
  CreditMemoStatus,
  CustomerBlock,
  ErpAddress,
  ErpBomComponent,
  ErpCreditMemo,
  ErpCreditMemoLine,
  ErpCustomer,
  ErpEmployee,
  ErpInvoice,
  ErpInvoiceLine,
  ErpOrderLine,
  ErpPayment,
  ErpProduct,
  ErpPurchase,
  ErpSalesOrder,
  ErpShipment,
  ErpShipmentLine,
  ErpWarrantyCost,
  InvoiceStatus,
  Money,
  ProductType,
  SalesOrderStatus,
} from './models.js';
import type {
  BcBomComponent,
  BcCustomer,
  BcCustomerPayment,
  BcEmployee,
  BcItem,
  BcItemLedgerEntry,
  BcSalesCreditMemo,
  BcSalesInvoice,
  BcSalesInvoiceLine,
  BcSalesLine,
  BcSalesOrder,
  BcSalesOrderLine,
  BcSalesShipment,
  BcSalesShipmentLine,
  BcWarrantyLedgerEntry,
} from './types.js';

/**
 * Business Central records made into the models of models.ts: every translation of BC's
 * conventions lives here. A value BC should never send (an unknown option, an amount that is
 * not one) is the ERP breaking its contract: LEGACY_BAD_RESPONSE.
 */

const CUSTOMER_BLOCK: Readonly<Record<string, CustomerBlock>> = {
  ' ': 'NONE',
  '': 'NONE',
  Ship: 'SHIP',
  Invoice: 'INVOICE',
  All: 'ALL',
};

export const ORDER_STATUS: Readonly<Record<string, SalesOrderStatus>> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Released: 'RELEASED',
};

export const INVOICE_STATUS: Readonly<Record<string, InvoiceStatus>> = {
  Draft: 'DRAFT',
  'In Review': 'IN_REVIEW',
  Open: 'OPEN',
  Paid: 'PAID',
  Canceled: 'CANCELED',
  Corrective: 'CORRECTIVE',
};

/** BC's credit memos take the invoices' status options. */
const CREDIT_MEMO_STATUS: Readonly<Record<string, CreditMemoStatus>> = INVOICE_STATUS;

const PRODUCT_TYPE: Readonly<Record<string, ProductType>> = {
  Inventory: 'INVENTORY',
  Service: 'SERVICE',
  'Non-Inventory': 'NON_INVENTORY',
};

/** BC sends amounts it has none of as null or leaves them out: zero. */
const amountOf = (amount: number | null | undefined): Amount => formatAmount(amount ?? 0, 'ERP');

/** BC's empty date is 0001-01-01; the graph says null. */
function dateOf(value: string | null | undefined): string | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  return value;
}

/** Empty text is null in the graph. */
function textOf(value: string | null | undefined): string | null {
  return value === null || value === undefined || value.trim() === '' ? null : value;
}

/** A reference to another record (an id, a number): an empty one references nothing. */
/**
 * A customer's blocked option as the graph names it; undefined for a value BC's contract does
 * not have (reads refuse it, a write's rule treats it as blocked).
 */
export function customerBlockOf(value: string | null | undefined): CustomerBlock | undefined {
  const key = value ?? ' ';
  return Object.hasOwn(CUSTOMER_BLOCK, key) ? CUSTOMER_BLOCK[key] : undefined;
}

function referenceOf(value: string | null | undefined): string | null {
  return value ? value : null;
}

function optionOf<T extends string>(
  map: Readonly<Record<string, T>>,
  value: string | null | undefined,
  what: string,
): T {
  if (value !== null && value !== undefined && Object.hasOwn(map, value)) return map[value]!;
  throw new LegacyError('LEGACY_BAD_RESPONSE', 'ERP', `The ERP answered with an unknown ${what}.`, { value });
}

/** Only `Item` lines sell a product; the others post to G/L accounts, resources or are comments. */
function productSkuOf(line: { lineType: string | null; lineObjectNumber: string | null }): string | null {
  return line.lineType === 'Item' && line.lineObjectNumber ? line.lineObjectNumber : null;
}

type Place = Record<'city' | 'state' | 'postalCode' | 'country', string | null | undefined>;

function addressOf(lines: (string | null | undefined)[], place: Place): ErpAddress {
  const street = lines.map(textOf).filter((line) => line !== null);
  return {
    street: street.length === 0 ? null : street.join('\n'),
    city: textOf(place.city),
    state: textOf(place.state),
    postalCode: textOf(place.postalCode),
    country: textOf(place.country),
  };
}

/** A sales document's ship-to address; null when BC holds none of it. */
function shipToOf(document: BcSalesOrder | BcSalesShipment): ErpAddress | null {
  const address = addressOf([document.shipToAddressLine1, document.shipToAddressLine2], {
    city: document.shipToCity,
    state: document.shipToState,
    postalCode: document.shipToPostCode,
    country: document.shipToCountry,
  });
  return Object.values(address).every((value) => value === null) ? null : address;
}

function orderLine(line: BcSalesOrderLine): ErpOrderLine {
  return {
    ...creditMemoLine(line),
    shippedQuantity: line.shippedQuantity ?? null,
    invoicedQuantity: line.invoicedQuantity ?? null,
  };
}

function invoiceLine(line: BcSalesInvoiceLine): ErpInvoiceLine {
  return {
    sequence: line.sequence,
    productSku: productSkuOf(line),
    description: textOf(line.description),
    quantity: line.quantity ?? 0,
    unitPrice: amountOf(line.unitPrice),
    amount: amountOf(line.amountExcludingTax),
    amountIncludingTax: amountOf(line.amountIncludingTax),
  };
}

/** A priced line with its discount, as a credit memo holds it; an order's adds what was shipped and invoiced. */
function creditMemoLine(line: BcSalesLine): ErpCreditMemoLine {
  return { ...invoiceLine(line), discountPercent: line.discountPercent ?? null };
}

/** An item ledger entry of a sale: BC posts the quantity that left the warehouse negative. */
function purchase(entry: BcItemLedgerEntry): ErpPurchase {
  return {
    entryNumber: entry.entryNumber,
    productSku: referenceOf(entry.itemNumber),
    description: textOf(entry.description),
    quantity: -(entry.quantity ?? 0),
    serialNumber: textOf(entry.serialNumber),
    shippedOn: dateOf(entry.postingDate),
    shipmentNumber: referenceOf(entry.documentNumber),
    orderNumber: referenceOf(entry.orderNumber),
    customerId: referenceOf(entry.customerId),
  };
}

function shipmentLine(line: BcSalesShipmentLine): ErpShipmentLine {
  return {
    sequence: line.sequence,
    productSku: productSkuOf(line),
    description: textOf(line.description),
    quantity: line.quantity ?? 0,
  };
}

function employee(record: BcEmployee): ErpEmployee {
  return {
    id: record.id,
    number: record.number,
    name: textOf(record.displayName),
    email: textOf(record.email),
    jobTitle: textOf(record.jobTitle),
    phone: textOf(record.phoneNumber),
    employmentStatus: textOf(record.status),
  };
}

function bomComponent(component: BcBomComponent): ErpBomComponent {
  return {
    productSku:
      component.type === 'Item' && component.componentItemNumber ? component.componentItemNumber : null,
    description: textOf(component.description),
    quantityPer: component.quantityPer ?? 0,
    unitOfMeasure: textOf(component.unitOfMeasureCode),
  };
}

/**
 * The translations that need the company's local currency: BC leaves the currency code blank
 * for it, and gives item prices and payments in it without saying so.
 */
export function modelsOf(localCurrencyCode: string) {
  const currencyOf = (code: string | null | undefined): string =>
    code && code.trim() !== '' ? code.trim() : localCurrencyCode;
  const money = (amount: number | null | undefined, currencyCode: string): Money => ({
    amount: amountOf(amount),
    currencyCode,
  });

  function customer(record: BcCustomer): ErpCustomer {
    const currencyCode = currencyOf(record.currencyCode);
    const balance = record.customerFinancialDetail?.balance ?? record.balanceDue;
    // BC's credit limit 0 means "no limit".
    const limit = record.creditLimit ? record.creditLimit : null;
    return {
      id: record.id,
      number: record.number,
      name: textOf(record.displayName),
      email: textOf(record.email),
      phone: textOf(record.phoneNumber),
      billingAddress: addressOf([record.addressLine1, record.addressLine2], record),
      currencyCode,
      balance: money(balance, currencyCode),
      overdue: money(record.customerFinancialDetail?.overdueAmount ?? 0, currencyCode),
      creditLimit: limit === null ? null : money(limit, currencyCode),
      // Cents as integers, so the difference of two 2-place amounts is exact.
      availableCredit:
        limit === null
          ? null
          : money((Math.round(limit * 100) - Math.round((balance ?? 0) * 100)) / 100, currencyCode),
      blocked: optionOf(CUSTOMER_BLOCK, record.blocked ?? ' ', 'customer block'),
      salespersonNumber: textOf(record.salespersonCode),
    };
  }

  function salesOrder(order: BcSalesOrder): ErpSalesOrder {
    const currencyCode = currencyOf(order.currencyCode);
    return {
      id: order.id,
      number: order.number,
      status: optionOf(ORDER_STATUS, order.status, 'sales order status'),
      orderDate: dateOf(order.orderDate),
      requestedDeliveryDate: dateOf(order.requestedDeliveryDate),
      externalDocumentNumber: textOf(order.externalDocumentNumber),
      customerId: referenceOf(order.customerId),
      currencyCode,
      subtotal: money(order.totalAmountExcludingTax, currencyCode),
      tax: money(order.totalTaxAmount, currencyCode),
      total: money(order.totalAmountIncludingTax, currencyCode),
      fullyShipped: order.fullyShipped === true,
      shipToAddress: shipToOf(order),
      version: typeof order['@odata.etag'] === 'string' ? order['@odata.etag'] : null,
      ...(order.salesOrderLines ? { lines: order.salesOrderLines.map(orderLineWithItem) } : {}),
    };
  }

  function invoice(record: BcSalesInvoice): ErpInvoice {
    const currencyCode = currencyOf(record.currencyCode);
    return {
      id: record.id,
      number: record.number,
      status: optionOf(INVOICE_STATUS, record.status, 'invoice status'),
      invoiceDate: dateOf(record.invoiceDate),
      dueDate: dateOf(record.dueDate),
      customerId: referenceOf(record.customerId),
      salesOrderId: referenceOf(record.orderId),
      currencyCode,
      subtotal: money(record.totalAmountExcludingTax, currencyCode),
      tax: money(record.totalTaxAmount, currencyCode),
      total: money(record.totalAmountIncludingTax, currencyCode),
      remaining: money(record.remainingAmount, currencyCode),
      isOpen: (record.remainingAmount ?? 0) > 0,
    };
  }

  function creditMemo(record: BcSalesCreditMemo): ErpCreditMemo {
    const currencyCode = currencyOf(record.currencyCode);
    return {
      id: record.id,
      number: record.number,
      status: optionOf(CREDIT_MEMO_STATUS, record.status, 'credit memo status'),
      creditMemoDate: dateOf(record.creditMemoDate),
      postingDate: dateOf(record.postingDate),
      dueDate: dateOf(record.dueDate),
      externalDocumentNumber: textOf(record.externalDocumentNumber),
      customerId: referenceOf(record.customerId),
      correctedInvoiceNumber: referenceOf(record.invoiceNumber),
      currencyCode,
      subtotal: money(record.totalAmountExcludingTax, currencyCode),
      tax: money(record.totalTaxAmount, currencyCode),
      total: money(record.totalAmountIncludingTax, currencyCode),
    };
  }

  /** The warranty ledger holds costs, which BC keeps in the local currency (as item costs). */
  function warrantyCost(entry: BcWarrantyLedgerEntry): ErpWarrantyCost {
    return {
      entryNumber: entry.entryNumber,
      serialNumber: textOf(entry.serialNumber),
      postingDate: dateOf(entry.postingDate),
      description: textOf(entry.description),
      amount: money(entry.amount, localCurrencyCode),
    };
  }

  function shipment(record: BcSalesShipment): ErpShipment {
    return {
      id: record.id,
      number: record.number,
      shipmentDate: dateOf(record.shipmentDate),
      customerId: referenceOf(record.customerId),
      orderNumber: referenceOf(record.orderNumber),
      shipToAddress: shipToOf(record),
    };
  }

  function payment(record: BcCustomerPayment): ErpPayment {
    return {
      id: record.id,
      documentNumber: textOf(record.documentNumber),
      postingDate: dateOf(record.postingDate),
      // Payment journal lines carry no currency: they are in the local currency.
      amount: money(record.amount, localCurrencyCode),
      description: textOf(record.description),
      customerId: referenceOf(record.customerId),
      appliedInvoiceNumber: referenceOf(record.appliesToInvoiceNumber),
    };
  }

  function product(item: BcItem): ErpProduct {
    const stocked = item.type !== 'Service';
    return {
      id: item.id,
      sku: item.number,
      name: item.displayName ?? item.number,
      type: optionOf(PRODUCT_TYPE, item.type, 'item type'),
      // Item prices are in the local currency.
      unitPrice: money(item.unitPrice, localCurrencyCode),
      unitCost: item.unitCost === null ? null : money(item.unitCost, localCurrencyCode),
      inventory: stocked ? (item.inventory ?? 0) : null,
      inStock: stocked && (item.inventory ?? 0) > 0,
      blocked: item.blocked === true,
      gtin: textOf(item.gtin),
      unitOfMeasure: textOf(item.baseUnitOfMeasureCode),
    };
  }

  /**
   * A line's model with the product of its expanded item, when BC sent the item the line's SKU
   * names. An item that cannot be a product is left out rather than failing the document: the
   * product is then looked up by SKU, and that lookup answers the item's error for it alone.
   */
  function withItem<L extends { productSku: string | null; product?: ErpProduct }>(
    model: L,
    item: BcItem | null | undefined,
  ): L {
    if (!item || model.productSku === null || item.number !== model.productSku) return model;
    try {
      return { ...model, product: product(item) };
    } catch (error) {
      if (error instanceof LegacyError) return model;
      throw error;
    }
  }

  const orderLineWithItem = (line: BcSalesOrderLine): ErpOrderLine => withItem(orderLine(line), line.item);
  const invoiceLineWithItem = (line: BcSalesInvoiceLine): ErpInvoiceLine =>
    withItem(invoiceLine(line), line.item);

  return {
    customer,
    employee,
    salesOrder,
    orderLine,
    invoice,
    invoiceLine,
    invoiceLineWithItem,
    shipment,
    shipmentLine,
    payment,
    product,
    bomComponent,
    creditMemo,
    creditMemoLine,
    purchase,
    warrantyCost,
  };
}

export type ModelsOf = ReturnType<typeof modelsOf>;
