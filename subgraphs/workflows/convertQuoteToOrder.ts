import { appError, LegacyError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import { toSalesforceId18 } from '../crm/client/ids.js';
import type { CrmQuoteForWrite, CrmWrites, QuoteLink } from '../crm/client/writes.js';
import {
  ERP_FIELD_LIMITS,
  type ErpCustomerForWrite,
  type ErpItemForWrite,
  type ErpOrderSummary,
  type ErpWrites,
  type NewOrderLine,
} from '../erp/client/writes.js';
import type { Coordinator, RunState } from './idempotency.js';
import { centsToDecimal, outcome, type SystemOutcome, toCents } from './outcomes.js';
import { idempotencyKey, KEY_PREFIX, salesforceId } from './validation.js';
import { isTransient, type WriteBacks } from './writeBacks.js';

export const CONVERT_OPERATION = 'convertQuoteToOrder';
/** Noted on the idempotency record before the ERP create is sent. */
const CREATE_SENT = 'ERP_CREATE_SENT';

/** Quote statuses a sales team converts from; the rest are not (yet, or any more) a deal. */
export const CONVERTIBLE_QUOTE_STATUSES: readonly string[] = ['Approved', 'Presented', 'Accepted'];

/** The answer of one conversion, stored as JSON for replay to later calls with the same key. */
export interface ConvertResult {
  orderId: string;
  orderNumber: string;
  quoteId: string;
  quoteNumber: string;
  customerId: string;
  /** True when this operation (this key) created the order; false when it found an earlier one. */
  orderCreated: boolean;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

export interface CallScope {
  requestId: string;
  logger: Logger;
}

export interface ConvertDeps {
  erp: ErpWrites;
  crm: CrmWrites;
  coordinator: Coordinator;
  writeBacks: WriteBacks;
  /** Test seam: called right after the ERP accepted the order, before the CRM write-back. */
  afterErpOrderCreated?: (order: ErpOrderSummary) => void | Promise<void>;
}

interface RuleReads {
  customer: ErpCustomerForWrite | undefined;
  items: ErpItemForWrite[];
}

/** Thrown inside a resumed run that finds nothing to resume: its record is released. */
class NothingToResume extends Error {}

/**
 * Quote → order across the two systems, exactly once:
 * 1. the idempotency record (per key) makes repeated calls share one answer;
 * 2. the quote lease makes calls for one quote with different keys run one after the other;
 * 3. before creating, the ERP is asked for an order carrying the quote number, so a lost record
 *    or a lost answer can never create a second order;
 * 4. the CRM write-back is tried once and, if the CRM does not answer, recorded durably and
 *    retried in the background — the ERP create itself is never repeated blindly.
 */
export class QuoteConversion {
  constructor(private readonly deps: ConvertDeps) {}

  async convert(
    args: { quoteId: string; idempotencyKey: string },
    scope: CallScope,
  ): Promise<ConvertResult & { replayed: boolean }> {
    const key = idempotencyKey('idempotencyKey', args.idempotencyKey);
    // One form per quote (18 characters), so that its 15- and 18-character ids share one
    // lease and one fingerprint.
    const quoteId = toSalesforceId18(salesforceId('quoteId', args.quoteId, KEY_PREFIX.quote, 'quote'))!;
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: CONVERT_OPERATION,
      key,
      input: { quoteId },
      run: (state) =>
        this.deps.coordinator.withLease(`quote:${quoteId}`, () => this.run(quoteId, 'create', scope, state)),
    });
    return { ...result, replayed };
  }

  /**
   * Finishes a run whose process died (its record's lease expired): if the order exists, the
   * write-back is completed and the answer stored for the client's retry; if not, nothing was
   * written and the record is released so the client's retry starts afresh.
   */
  async resume(record: { key: string; input: unknown }, scope: CallScope): Promise<'resumed' | 'released'> {
    const quoteId = (record.input as { quoteId?: unknown } | null)?.quoteId;
    if (typeof quoteId !== 'string') return 'released';
    try {
      await this.deps.coordinator.runOnce({
        operation: CONVERT_OPERATION,
        key: record.key,
        input: { quoteId },
        noWait: true,
        run: (state) =>
          this.deps.coordinator.withLease(`quote:${quoteId}`, () =>
            this.run(quoteId, 'resume', scope, state),
          ),
      });
      return 'resumed';
    } catch (error) {
      if (error instanceof NothingToResume) return 'released';
      throw error;
    }
  }

  private async run(
    quoteId: string,
    mode: 'create' | 'resume',
    scope: CallScope,
    state: RunState,
  ): Promise<ConvertResult> {
    const { crm } = this.deps;
    const { requestId, logger } = scope;
    const quote = await crm.getQuoteWithLines(quoteId, requestId);
    if (!quote) throw appError('NOT_FOUND', `The CRM has no quote ${quoteId}.`, { system: 'CRM', quoteId });
    const quoteNumber = quote.QuoteNumber?.trim() ?? '';
    if (quoteNumber === '' || quoteNumber.length > ERP_FIELD_LIMITS.externalDocumentNumber) {
      throw appError(
        'QUOTE_NOT_CONVERTIBLE',
        'The quote has no number the ERP can carry as its external document number.',
        {
          quoteId,
          reason: 'NO_QUOTE_NUMBER',
        },
      );
    }
    const erpCustomerId = quote.Account?.ERP_Customer_Id__c?.toLowerCase() ?? null;
    if (!erpCustomerId) {
      throw appError(
        'CUSTOMER_NOT_LINKED',
        'The quote’s account is not linked to an ERP customer, so no ERP order can be made for it.',
        {
          quoteId,
          accountId: quote.AccountId,
        },
      );
    }

    // The order lookup and the reads the rules need go out together: one round trip to the ERP
    // before the create, whichever way the lookup answers.
    const lookup = this.findOrder(quoteNumber, erpCustomerId, requestId);
    const ruleReads = mode === 'create' ? this.readForRules(quote, erpCustomerId, requestId) : undefined;
    ruleReads?.catch(() => undefined);
    let existing = await lookup;
    // Found after a run of this same key had sent the create: that run made it.
    let orderCreated = existing !== undefined && state.progress === CREATE_SENT;
    if (!existing) {
      if (mode === 'resume') throw new NothingToResume();
      if (quote.ERP_Order_Number__c) {
        throw appError(
          'QUOTE_NOT_CONVERTIBLE',
          `The quote is already linked to ERP order ${quote.ERP_Order_Number__c}, which does not carry its number.`,
          { quoteId, reason: 'ALREADY_LINKED', orderNumber: quote.ERP_Order_Number__c },
        );
      }
      const lines = this.checkRules(quote, erpCustomerId, await ruleReads!);
      await state.note(CREATE_SENT);
      existing = await this.create(erpCustomerId, quoteNumber, lines, scope);
      orderCreated = true;
      logger.info({ quoteId, orderNumber: existing.number }, 'ERP order created from quote');
      await this.deps.afterErpOrderCreated?.(existing);
    }
    const order = existing;
    const erpOutcome = orderCreated
      ? outcome('ERP', 'DONE', `Created sales order ${order.number}.`)
      : outcome(
          'ERP',
          'ALREADY_DONE',
          `Sales order ${order.number} had already been created for this quote.`,
        );

    const link: QuoteLink = {
      quoteId: quote.Id,
      opportunityId: quote.OpportunityId,
      orderNumber: order.number,
      orderId: order.id,
    };
    const base = {
      orderId: order.id,
      orderNumber: order.number,
      quoteId: quote.Id,
      quoteNumber,
      customerId: erpCustomerId,
      orderCreated,
    };
    if (
      quote.Status === 'Accepted' &&
      quote.ERP_Order_Number__c === order.number &&
      quote.ERP_Order_Id__c === order.id
    ) {
      return {
        ...base,
        outcomes: [
          erpOutcome,
          outcome('CRM', 'ALREADY_DONE', 'The quote was already accepted and linked to the order.'),
        ],
        pendingWriteBackId: null,
      };
    }
    try {
      await crm.linkQuoteToOrder(link, requestId);
      return {
        ...base,
        outcomes: [
          erpOutcome,
          outcome('CRM', 'DONE', 'Quote accepted and linked to the order; opportunity closed won.'),
        ],
        pendingWriteBackId: null,
      };
    } catch (error) {
      if (!(error instanceof LegacyError)) throw error;
      const pending = await this.deps.writeBacks.record(
        { kind: 'QUOTE_LINK', link },
        { targetId: quote.Id, customerId: erpCustomerId, orderNumber: order.number, quoteId: quote.Id },
        error,
      );
      const crmOutcome = isTransient(error)
        ? outcome(
            'CRM',
            'PENDING',
            'The CRM did not answer; the quote will be linked to the order as soon as it does (see pendingWriteBack).',
            error.code,
          )
        : outcome(
            'CRM',
            'FAILED',
            'The CRM refused to link the quote to the order; the write-back is kept for a person to resolve.',
            error.code,
          );
      return { ...base, outcomes: [erpOutcome, crmOutcome], pendingWriteBackId: pending.id };
    }
  }

  /** The order an earlier attempt made for this quote, if any (the oldest, should there be several). */
  private async findOrder(
    quoteNumber: string,
    customerId: string,
    requestId: string,
  ): Promise<ErpOrderSummary | undefined> {
    const orders = await this.deps.erp.findOrdersByExternalDocumentNumber(quoteNumber, requestId);
    return orders.find((order) => order.customerId?.toLowerCase() === customerId);
  }

  /** The business rules, checked with reads only; returns the order lines to create. */
  /** The ERP records the rules look at: the customer (credit, blocked) and the quoted items. */
  private async readForRules(
    quote: CrmQuoteForWrite,
    erpCustomerId: string,
    requestId: string,
  ): Promise<RuleReads> {
    const skus = [
      ...new Set(
        quote.lines.map((line) => line.Product2?.ProductCode?.trim()).filter((sku): sku is string => !!sku),
      ),
    ];
    const [customer, items] = await Promise.all([
      this.deps.erp.getCustomer(erpCustomerId, requestId),
      skus.length === 0 ? Promise.resolve([]) : this.deps.erp.findItemsByNumber(skus, requestId),
    ]);
    return { customer, items };
  }

  private checkRules(
    quote: CrmQuoteForWrite,
    erpCustomerId: string,
    { customer, items }: RuleReads,
  ): NewOrderLine[] {
    if (!quote.Status || !CONVERTIBLE_QUOTE_STATUSES.includes(quote.Status)) {
      throw appError(
        'QUOTE_NOT_CONVERTIBLE',
        `A quote in status ${quote.Status ?? '(none)'} cannot become an order.`,
        {
          quoteId: quote.Id,
          reason: 'STATUS',
          status: quote.Status,
          convertibleStatuses: CONVERTIBLE_QUOTE_STATUSES,
        },
      );
    }
    if (quote.lines.length === 0) {
      throw appError('QUOTE_NOT_CONVERTIBLE', 'The quote has no lines.', {
        quoteId: quote.Id,
        reason: 'NO_LINES',
      });
    }
    const lines: NewOrderLine[] = [];
    const noProduct: string[] = [];
    for (const line of quote.lines) {
      const sku = line.Product2?.ProductCode?.trim();
      if (!sku) {
        noProduct.push(line.LineNumber ?? line.Id);
        continue;
      }
      const quantity = line.Quantity ?? 0;
      if (!Number.isFinite(quantity) || quantity <= 0) {
        throw appError(
          'QUOTE_NOT_CONVERTIBLE',
          `Quote line ${line.LineNumber ?? line.Id} has quantity ${quantity}; an order line needs more than 0.`,
          {
            quoteId: quote.Id,
            reason: 'INVALID_QUANTITY',
            lineNumber: line.LineNumber,
            quantity,
          },
        );
      }
      lines.push({
        itemNumber: sku,
        quantity,
        ...(line.UnitPrice === null ? {} : { unitPrice: line.UnitPrice }),
        ...(line.Discount === null || line.Discount === 0 ? {} : { discountPercent: line.Discount }),
      });
    }
    if (noProduct.length > 0) {
      throw appError(
        'UNKNOWN_PRODUCT',
        `Quote lines ${noProduct.join(', ')} name no product the ERP could know.`,
        {
          quoteId: quote.Id,
          lineNumbers: noProduct,
          skus: [],
        },
      );
    }

    const skus = [...new Set(lines.map((line) => line.itemNumber))];
    if (!customer) {
      throw appError(
        'CUSTOMER_NOT_LINKED',
        'The quote’s account is linked to an ERP customer the ERP does not hold.',
        {
          quoteId: quote.Id,
          customerId: erpCustomerId,
        },
      );
    }
    const blocked = customer.blocked?.trim() ?? '';
    if (blocked !== '') {
      throw appError(
        'CUSTOMER_BLOCKED',
        `ERP customer ${customer.number} is blocked (${blocked}); no order can be made for it.`,
        {
          customerId: customer.id,
          customerNumber: customer.number,
          blocked: blocked.toUpperCase(),
        },
      );
    }
    const known = new Map(items.map((item) => [item.number, item]));
    const unknown = skus.filter((sku) => !known.has(sku));
    if (unknown.length > 0) {
      throw appError('UNKNOWN_PRODUCT', `The ERP has no product ${unknown.join(', ')}.`, {
        quoteId: quote.Id,
        skus: unknown,
      });
    }
    const blockedItems = skus.filter((sku) => known.get(sku)?.blocked);
    if (blockedItems.length > 0) {
      throw appError(
        'PRODUCT_BLOCKED',
        `Product ${blockedItems.join(', ')} is blocked for sale in the ERP.`,
        {
          quoteId: quote.Id,
          skus: blockedItems,
        },
      );
    }

    // BC: a credit limit of 0 means none. The balance is what the customer owes now; the order
    // adds its total including tax (the quote's grand total).
    const limit = toCents(customer.creditLimit);
    if (limit > 0) {
      const balance = toCents(customer.customerFinancialDetail?.balance ?? customer.balanceDue);
      const orderTotal = toCents(
        quote.GrandTotal ?? quote.TotalPrice ?? quote.lines.reduce((sum, l) => sum + (l.TotalPrice ?? 0), 0),
      );
      const over = balance + orderTotal - limit;
      if (over > 0) {
        const currencyCode = customer.currencyCode?.trim() || quote.CurrencyIsoCode || '';
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
    }
    return lines;
  }

  /**
   * Sends the create once. If its answer is lost (timeout, connection dropped) the ERP may or
   * may not have made the order: it is looked up by the quote number rather than sent again.
   */
  private async create(
    customerId: string,
    quoteNumber: string,
    lines: NewOrderLine[],
    scope: CallScope,
  ): Promise<ErpOrderSummary> {
    try {
      return await this.deps.erp.createSalesOrder(
        { customerId, externalDocumentNumber: quoteNumber, lines },
        scope.requestId,
      );
    } catch (error) {
      if (
        error instanceof LegacyError &&
        (error.code === 'LEGACY_TIMEOUT' || error.code === 'LEGACY_UNAVAILABLE')
      ) {
        const made = await this.findOrder(quoteNumber, customerId, scope.requestId).catch(() => undefined);
        if (made) {
          scope.logger.warn(
            { orderNumber: made.number, code: error.code },
            'ERP create answer lost; found the order it made',
          );
          return made;
        }
      }
      throw error;
    }
  }
}
