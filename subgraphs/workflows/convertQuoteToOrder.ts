import { appError } from '../../lib/errors.js';
import { parseCrmId } from '../crm/client/ids.js';
import type { QuoteForConversion } from '../crm/client/writeModels.js';
import { type CrmWrites, quoteLinkOf } from '../crm/client/writes.js';
import type { ErpOrderSummary } from '../erp/client/writeModels.js';
import { ERP_FIELD_LIMITS, type ErpWrites } from '../erp/client/writes.js';
import type { MutationConvertQuoteToOrderArgs } from './__generated__/resolvers-types.js';
import { type ApprovalThresholds, checkDiscountApproval } from './approvalRules.js';
import type { CallScope } from './context.js';
import { orderLinesFor, quotedSkus, type RuleReads } from './conversionRules.js';
import { type Coordinator, NothingToResume, type RunState } from './idempotency.js';
import { createOrderOnce } from './lostAnswers.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import { crmId, idempotencyKey } from './validation.js';
import type { WriteBacks } from './writeBacks.js';

export const CONVERT_OPERATION = 'convertQuoteToOrder';
/** Noted on the idempotency record before the ERP create is sent. */
const CREATE_SENT = 'ERP_CREATE_SENT';

/** The answer of one conversion, stored as JSON for replay to later calls with the same key. */
export interface ConvertResult {
  orderNumber: string;
  quoteId: string;
  quoteNumber: string;
  customerId: string;
  /** True when this operation (this key) created the order; false when it found an earlier one. */
  orderCreated: boolean;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

export interface ConvertDeps {
  erp: ErpWrites;
  crm: CrmWrites;
  coordinator: Coordinator;
  writeBacks: WriteBacks;
  /** Which quote discounts need an approval before they convert (approvalRules.ts). */
  approvalThresholds: ApprovalThresholds;
  /** Test seam: called right after the ERP accepted the order, before the CRM write-back. */
  afterErpOrderCreated?: (order: ErpOrderSummary) => void | Promise<void>;
}

/**
 * Quote → order across the two systems, exactly once:
 * 1. the idempotency record (per key) makes repeated calls share one answer;
 * 2. the quote lease makes calls for one quote with different keys run one after the other;
 * 3. before creating, the ERP is asked for an order carrying the quote number, so a lost record
 *    or a lost answer can never create a second order;
 * 4. the CRM write-back is tried once and, if the CRM does not take it, recorded durably and
 *    retried in the background — the ERP create itself is never repeated blindly.
 */
export class QuoteConversion {
  constructor(private readonly deps: ConvertDeps) {}

  async convert(
    args: MutationConvertQuoteToOrderArgs,
    scope: CallScope,
  ): Promise<ConvertResult & { replayed: boolean }> {
    const key = idempotencyKey('idempotencyKey', args.idempotencyKey);
    // One form per quote, so that every way of writing its id shares one lease and one fingerprint.
    const quoteId = parseCrmId('quote', crmId('quoteId', args.quoteId, 'quote'))!;
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
    return this.deps.coordinator.resume({
      operation: CONVERT_OPERATION,
      key: record.key,
      input: { quoteId },
      lease: `quote:${quoteId}`,
      run: (state) => this.run(quoteId, 'resume', scope, state),
    });
  }

  private async run(
    quoteId: string,
    mode: 'create' | 'resume',
    scope: CallScope,
    state: RunState,
  ): Promise<ConvertResult> {
    const { crm, writeBacks } = this.deps;
    const { requestId, logger } = scope;
    const quote = await crm.quoteForConversion(quoteId, requestId);
    if (!quote) throw appError('NOT_FOUND', `The CRM has no quote ${quoteId}.`, { system: 'CRM', quoteId });
    const quoteNumber = quote.number;
    if (quoteNumber === null || quoteNumber.length > ERP_FIELD_LIMITS.externalDocumentNumber) {
      throw appError(
        'QUOTE_NOT_CONVERTIBLE',
        'The quote has no number the ERP can carry as its external document number.',
        { quoteId, reason: 'NO_QUOTE_NUMBER' },
      );
    }
    const erpCustomerId = quote.erpCustomerId;
    if (!erpCustomerId) {
      throw appError(
        'CUSTOMER_NOT_LINKED',
        'The quote’s account is not linked to an ERP customer, so no ERP order can be made for it.',
        { quoteId, accountId: quote.customerAccountId },
      );
    }

    // The order lookup and the reads the rules need go out together: one round trip to the ERP
    // before the create, whichever way the lookup answers.
    // The order an earlier attempt made for this quote, if any.
    const lookup = this.deps.erp.findCustomerOrder(quoteNumber, erpCustomerId, requestId);
    const ruleReads = mode === 'create' ? this.readForRules(quote, erpCustomerId, requestId) : undefined;
    ruleReads?.catch(() => undefined);
    let existing = await lookup;
    // Found after a run of this same key had sent the create: that run made it.
    let orderCreated = existing !== undefined && state.progress === CREATE_SENT;
    if (!existing) {
      if (mode === 'resume') throw new NothingToResume();
      if (quote.linkedOrder) {
        const orderNumber = quote.linkedOrder.number;
        throw appError(
          'QUOTE_NOT_CONVERTIBLE',
          `The quote is already linked to ERP order ${orderNumber}, which does not carry its number.`,
          { quoteId, reason: 'ALREADY_LINKED', orderNumber },
        );
      }
      const lines = orderLinesFor(quote, erpCustomerId, await ruleReads!);
      // A discount that needs an approval converts only with one that covers it.
      checkDiscountApproval(quote, this.deps.approvalThresholds);
      await state.note(CREATE_SENT);
      // Sent once: a lost answer is looked up by the quote number, never sent again.
      existing = await createOrderOnce(
        this.deps.erp,
        { customerId: erpCustomerId, externalDocumentNumber: quoteNumber, lines },
        scope,
      );
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
    const base = {
      orderNumber: order.number,
      quoteId: quote.id,
      quoteNumber,
      customerId: erpCustomerId,
      orderCreated,
    };
    if (quote.accepted && quote.linkedOrder?.number === order.number && quote.linkedOrder.id === order.id) {
      return {
        ...base,
        outcomes: [
          erpOutcome,
          outcome('CRM', 'ALREADY_DONE', 'The quote was already accepted and linked to the order.'),
        ],
        pendingWriteBackId: null,
      };
    }
    const link = await writeBacks.applyOrRecord(
      { kind: 'QUOTE_LINK', link: quoteLinkOf(quote, order) },
      erpCustomerId,
      requestId,
    );
    return { ...base, outcomes: [erpOutcome, link.outcome], pendingWriteBackId: link.pendingWriteBackId };
  }

  /** The ERP records the rules look at: the customer (credit, blocked) and the quoted products. */
  private async readForRules(
    quote: QuoteForConversion,
    erpCustomerId: string,
    requestId: string,
  ): Promise<RuleReads> {
    const skus = quotedSkus(quote);
    const [customer, products] = await Promise.all([
      this.deps.erp.getCustomer(erpCustomerId, requestId),
      skus.length === 0 ? Promise.resolve([]) : this.deps.erp.findProductsBySku(skus, requestId),
    ]);
    return { customer, products };
  }
}
