import { appError, LegacyError } from '../../lib/errors.js';
import type { CrmWrites } from '../crm/client/writes.js';
import type {
  ErpOrderForChange,
  ErpOrderLineForChange,
  ErpOrderWrites,
  OrderLineChanges,
} from '../erp/client/orderWrites.js';
import type { ErpCustomerForWrite, ErpProductForOrder, NewOrderLine } from '../erp/client/writeModels.js';
import { ERP_FIELD_LIMITS, type ErpWrites } from '../erp/client/writes.js';
import type {
  ChangeSalesOrderLinesInput,
  CreateSalesOrderInput,
  OrderLineInput,
} from './__generated__/resolvers-types.js';
import { conflict } from './conflicts.js';
import type { CallScope } from './context.js';
import { checkCredit, checkCustomerAndProducts } from './conversionRules.js';
import { accountOf } from './customerRecords.js';
import type { Coordinator, RunState } from './idempotency.js';
import { answerLost, createOrderOnce } from './lostAnswers.js';
import { outcome, type SystemOutcome, toCents } from './outcomes.js';
import { type CustomerRef, customerRef, idempotencyKey, invalidInput, text } from './validation.js';

/**
 * Order entry and change in the ERP, the system of record for orders (the CRM keeps none):
 *
 * - createSalesOrder: one deep insert with the lines, after the checks quote conversion makes
 *   (conversionRules.ts: customer blocked, products known and not blocked, credit limit). The
 *   customer's external document number is the order's natural key: before creating, the ERP
 *   is asked for an order of the customer carrying it, so a retry — with the same key, another
 *   key, or after a lost answer or a crash — finds the order instead of making a second. Calls
 *   for one (customer, reference) run one after the other (lease `order-ref:<customer>:<ref>`).
 * - changeSalesOrderLines: quantity and discount of lines changed, lines added and removed on an
 *   order BC still lets change (Draft or Open, not fully shipped), all in one transaction based
 *   on the order's version (ETag): a stale version is CONFLICT with the current lines. Added
 *   lines and a higher amount meet the same checks as a new order. Calls for one order run one
 *   after the other (lease `order:<number>`).
 */

export const CREATE_ORDER_OPERATION = 'createSalesOrder';
export const CHANGE_LINES_OPERATION = 'changeSalesOrderLines';
/** Noted on the idempotency record before the ERP create is sent. */
const CREATE_SENT = 'ERP_CREATE_SENT';

/** Bounds of one request: BC takes at most 100 operations in one $batch (one is the version check). */
const MAX_LINES = 200;
const MAX_CHANGES = 99;
const MAX_QUANTITY = 1_000_000;
const SKU_LENGTH = 20;
const ORDER_NUMBER_LENGTH = 20;
const LINE_DESCRIPTION_LENGTH = 100;
const VERSION_LENGTH = 500;

export interface CreateOrderResult {
  orderNumber: string;
  customerId: string;
  externalDocumentNumber: string;
  /** True when this operation (this key) created the order; false when it found an earlier one. */
  orderCreated: boolean;
  outcomes: SystemOutcome[];
}

export interface ChangeLinesResult {
  orderNumber: string;
  /** The order's version after the change. */
  version: string | null;
  changed: number;
  added: number;
  removed: number;
  outcomes: SystemOutcome[];
}

export interface OrderEntryDeps {
  erp: ErpWrites;
  orders: ErpOrderWrites;
  crm: CrmWrites;
  coordinator: Coordinator;
}

interface CheckedLine {
  sku: string;
  quantity: number;
  discountPercent: number | null;
  description: string | null;
}

interface CheckedOrder {
  /** The customer id as given: an ERP GUID (lower case) or a CRM account id. */
  customer: CustomerRef;
  externalDocumentNumber: string;
  lines: CheckedLine[];
}

interface CheckedChange {
  orderNumber: string;
  expectedVersion: string;
  change: { sequence: number; quantity: number | null; discountPercent: number | null }[];
  add: CheckedLine[];
  remove: number[];
}

function quantity(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > MAX_QUANTITY) {
    throw invalidInput(field, 'OUT_OF_RANGE', `${field} must be more than 0 and at most ${MAX_QUANTITY}.`);
  }
  return value;
}

function discount(field: string, value: number | null | undefined): number | null {
  if (value === null || value === undefined) return null;
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw invalidInput(field, 'OUT_OF_RANGE', `${field} must be a percent from 0 to 100.`);
  }
  return Math.round(value * 100) / 100;
}

function checkedLines(field: string, lines: readonly OrderLineInput[], min: number): CheckedLine[] {
  if (lines.length < min) throw invalidInput(field, 'EMPTY', `${field} must have at least ${min} line.`);
  if (lines.length > MAX_LINES) {
    throw invalidInput(field, 'TOO_LONG', `${field} must have at most ${MAX_LINES} lines.`);
  }
  return lines.map((line, i) => ({
    sku: text(`${field}[${i}].sku`, line.sku, SKU_LENGTH, true),
    quantity: quantity(`${field}[${i}].quantity`, line.quantity),
    discountPercent: discount(`${field}[${i}].discountPercent`, line.discountPercent),
    description: text(`${field}[${i}].description`, line.description, LINE_DESCRIPTION_LENGTH),
  }));
}

const newLine = (line: CheckedLine): NewOrderLine => ({
  sku: line.sku,
  quantity: line.quantity,
  ...(line.discountPercent === null ? {} : { discountPercent: line.discountPercent }),
  ...(line.description === null ? {} : { description: line.description }),
});

/** Cents of a line before tax at `unitPrice`, after its discount. */
const lineCents = (quantity: number, unitPrice: number | null, discountPercent: number | null) =>
  Math.round(toCents((unitPrice ?? 0) * quantity) * (1 - (discountPercent ?? 0) / 100));

/** Cents of new lines before tax, at the ERP's item prices (the price an order line takes). */
function newLinesCents(lines: readonly CheckedLine[], products: readonly ErpProductForOrder[]): number {
  const price = new Map(products.map((product) => [product.sku, product.unitPrice]));
  return lines.reduce(
    (sum, line) => sum + lineCents(line.quantity, price.get(line.sku) ?? null, line.discountPercent),
    0,
  );
}

export class OrderEntry {
  constructor(private readonly deps: OrderEntryDeps) {}

  // ------------------------------------------------------------------ createSalesOrder

  async create(
    input: CreateSalesOrderInput,
    scope: CallScope,
  ): Promise<CreateOrderResult & { replayed: boolean }> {
    const ref = customerRef('input.customerId', input.customerId);
    const checked: CheckedOrder = {
      customer: ref,
      // A code in Business Central (kept in upper case): one reference, however it is typed.
      externalDocumentNumber: text(
        'input.externalDocumentNumber',
        input.externalDocumentNumber,
        ERP_FIELD_LIMITS.externalDocumentNumber,
        true,
      ).toUpperCase(),
      lines: checkedLines('input.lines', input.lines, 1),
    };
    const key = idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: CREATE_ORDER_OPERATION,
      key,
      input: checked,
      run: async (state) => {
        const customerId = await this.erpCustomerOf(checked, scope);
        return this.deps.coordinator.withLease(
          `order-ref:${customerId}:${checked.externalDocumentNumber}`,
          () => this.createOnce(customerId, checked, state, scope),
        );
      },
    });
    return { ...result, replayed };
  }

  private async erpCustomerOf(input: CheckedOrder, scope: CallScope): Promise<string> {
    if (input.customer.kind === 'erp') return input.customer.customerId;
    const account = await accountOf(this.deps.crm, input.customer, scope.requestId);
    if (!account.erpCustomerId) {
      throw appError(
        'CUSTOMER_NOT_LINKED',
        'The account is not linked to an ERP customer, so no ERP order can be made for it (createErpCustomerFromAccount links it).',
        { accountId: account.id },
      );
    }
    return account.erpCustomerId;
  }

  private async createOnce(
    customerId: string,
    input: CheckedOrder,
    state: RunState,
    scope: CallScope,
  ): Promise<CreateOrderResult> {
    const { erp } = this.deps;
    const { externalDocumentNumber } = input;
    // The lookup and the reads the rules need go out together: one ERP round trip before the create.
    const lookup = erp.findCustomerOrder(externalDocumentNumber, customerId, scope.requestId);
    const reads = Promise.all([
      erp.getCustomer(customerId, scope.requestId),
      erp.findProductsBySku([...new Set(input.lines.map((line) => line.sku))], scope.requestId),
    ]);
    reads.catch(() => undefined);
    const existing = await lookup;
    const base = { customerId, externalDocumentNumber };
    if (existing) {
      // Found after a run of this same key had sent the create: that run made it.
      const orderCreated = state.progress === CREATE_SENT;
      return {
        ...base,
        orderNumber: existing.number,
        orderCreated,
        outcomes: [
          orderCreated
            ? outcome('ERP', 'DONE', `Created sales order ${existing.number}.`)
            : outcome(
                'ERP',
                'ALREADY_DONE',
                `Sales order ${existing.number} already carries this external document number for the customer.`,
              ),
          crmNotApplicable(),
        ],
      };
    }
    const [customer, products] = await reads;
    const about = { externalDocumentNumber };
    this.checkNewOrder(customer, customerId, input.lines, products, about);
    checkCredit(customer!, {
      amount: newLinesCents(input.lines, products) / 100,
      currencyCode: customer!.currencyCode,
    });
    await state.note(CREATE_SENT);
    // Sent once: a lost answer is looked up by the reference, never sent again.
    const order = await createOrderOnce(
      this.deps.erp,
      { customerId, externalDocumentNumber, lines: input.lines.map(newLine) },
      scope,
    );
    scope.logger.info({ orderNumber: order.number, externalDocumentNumber }, 'ERP sales order entered');
    return {
      ...base,
      orderNumber: order.number,
      orderCreated: true,
      outcomes: [outcome('ERP', 'DONE', `Created sales order ${order.number}.`), crmNotApplicable()],
    };
  }

  /** The customer exists and the lines meet the rules of every new order line. */
  private checkNewOrder(
    customer: ErpCustomerForWrite | undefined,
    customerId: string,
    lines: readonly CheckedLine[],
    products: readonly ErpProductForOrder[],
    about: Record<string, unknown>,
  ): asserts customer is ErpCustomerForWrite {
    if (!customer) {
      throw appError('NOT_FOUND', `The ERP has no customer ${customerId}.`, { system: 'ERP', customerId });
    }
    checkCustomerAndProducts(customer, lines, products, about);
  }

  /**
   * Sends the change once, all or nothing. If its answer is lost (timeout, connection dropped)
   * the order is read again rather than the change sent again: still at the expected version,
   * nothing was applied and the error stands (a retry is safe); showing the change and no
   * other, it was applied; anything else is someone else's change, CONFLICT.
   */
  private async sendChange(
    order: ErpOrderForChange,
    input: CheckedChange,
    changes: OrderLineChanges,
    scope: CallScope,
  ): Promise<ErpOrderForChange | undefined> {
    const { orders } = this.deps;
    const { requestId } = scope;
    const conflictNow = async (message: string) => {
      const now = await orders.orderForChange(order.number, requestId);
      return conflict('ERP', message, now ? currentOf(now) : {});
    };
    try {
      await orders.changeOrderLines(order, input.expectedVersion, changes, requestId);
    } catch (error) {
      if (!(error instanceof LegacyError)) throw error;
      if (error.code === 'CONFLICT') {
        throw await conflictNow(
          'The order was changed in the ERP while this change was made; nothing was written.',
        );
      }
      if (!answerLost(error)) throw error;
      const now = await orders.orderForChange(order.number, requestId).catch(() => undefined);
      if (!now || now.version === input.expectedVersion) throw error;
      if (!changeShows(order, now, input)) {
        throw await conflictNow('The order was changed in the ERP by someone else meanwhile.');
      }
      scope.logger.warn(
        { orderNumber: order.number, code: error.code },
        'ERP change answer lost; the order shows it',
      );
      return now;
    }
    return orders.orderForChange(order.number, requestId).catch(() => undefined);
  }

  // ------------------------------------------------------------------ changeSalesOrderLines

  async change(
    input: ChangeSalesOrderLinesInput,
    scope: CallScope,
  ): Promise<ChangeLinesResult & { replayed: boolean }> {
    const checked = checkChange(input);
    const key = idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: CHANGE_LINES_OPERATION,
      key,
      input: checked,
      run: () =>
        this.deps.coordinator.withLease(`order:${checked.orderNumber}`, () =>
          this.applyChange(checked, scope),
        ),
    });
    return { ...result, replayed };
  }

  private async applyChange(input: CheckedChange, scope: CallScope): Promise<ChangeLinesResult> {
    const { erp, orders } = this.deps;
    const { requestId } = scope;
    const order = await orders.orderForChange(input.orderNumber, requestId);
    if (!order) {
      throw appError('NOT_FOUND', `The ERP has no sales order ${input.orderNumber}.`, {
        system: 'ERP',
        orderNumber: input.orderNumber,
      });
    }
    if (!order.changeable) {
      throw appError(
        'ORDER_NOT_CHANGEABLE',
        `Sales order ${order.number} is ${order.fullyShipped ? 'fully shipped' : order.status}; only a Draft or Open order's lines can change.`,
        {
          orderNumber: order.number,
          status: order.status,
          fullyShipped: order.fullyShipped,
          reason: 'STATUS',
        },
      );
    }
    if (order.version !== input.expectedVersion) {
      throw conflict(
        'ERP',
        'The order was changed in the ERP since the version this change is based on; nothing was written.',
        currentOf(order),
      );
    }
    const bySequence = new Map(order.lines.map((line) => [line.sequence, line]));
    const lineAt = (sequence: number, field: string): ErpOrderLineForChange => {
      const line = bySequence.get(sequence);
      if (!line)
        throw invalidInput(field, 'INVALID_ID', `Sales order ${order.number} has no line ${sequence}.`);
      return line;
    };
    const changes: OrderLineChanges = { update: [], remove: [], add: input.add.map(newLine) };
    let deltaCents = 0;
    input.change.forEach((change, i) => {
      const line = lineAt(change.sequence, `input.change[${i}].sequence`);
      const newQuantity = change.quantity ?? line.quantity;
      if (newQuantity < line.shippedQuantity) throw lineShipped(order, line);
      if (change.quantity !== null && line.sku === null) {
        throw invalidInput(
          `input.change[${i}].sequence`,
          'NOT_ALLOWED',
          `Line ${line.sequence} is not an item line.`,
        );
      }
      changes.update.push({
        lineId: line.id,
        version: line.version,
        ...(change.quantity === null ? {} : { quantity: change.quantity }),
        ...(change.discountPercent === null ? {} : { discountPercent: change.discountPercent }),
      });
      deltaCents +=
        lineCents(newQuantity, line.unitPrice, change.discountPercent ?? line.discountPercent) -
        toCents(line.amount);
    });
    input.remove.forEach((sequence, i) => {
      const line = lineAt(sequence, `input.remove[${i}]`);
      if (line.shippedQuantity > 0 || line.invoicedQuantity > 0) throw lineShipped(order, line);
      changes.remove.push({ lineId: line.id, version: line.version });
      deltaCents -= toCents(line.amount);
    });

    // Lines added, or a larger amount, meet the rules of a new order: customer, products, credit.
    if (input.add.length > 0 || deltaCents > 0) {
      const skus = [...new Set(input.add.map((line) => line.sku))];
      const [customer, products] = await Promise.all([
        erp.getCustomer(order.customerId ?? '', requestId),
        skus.length === 0 ? Promise.resolve([]) : erp.findProductsBySku(skus, requestId),
      ]);
      this.checkNewOrder(customer, order.customerId ?? '', input.add, products, {
        orderNumber: order.number,
      });
      deltaCents += newLinesCents(input.add, products);
      if (deltaCents > 0) {
        checkCredit(customer, {
          amount: (toCents(order.totalIncludingTax) + deltaCents) / 100,
          currencyCode: order.currencyCode,
        });
      }
    }

    const after = await this.sendChange(order, input, changes, scope);
    scope.logger.info(
      {
        orderNumber: order.number,
        changed: changes.update.length,
        added: changes.add.length,
        removed: changes.remove.length,
      },
      'ERP sales order lines changed',
    );
    return {
      orderNumber: order.number,
      version: after?.version ?? null,
      changed: changes.update.length,
      added: changes.add.length,
      removed: changes.remove.length,
      outcomes: [
        outcome('ERP', 'DONE', `Sales order ${order.number} changed in the ERP (system of record).`),
        crmNotApplicable(),
      ],
    };
  }
}

/**
 * Whether the order holds what the change asked for: the changed lines at their new values,
 * the removed ones gone, each added product on a line of its own that was not there before.
 */
function changeShows(before: ErpOrderForChange, now: ErpOrderForChange, input: CheckedChange): boolean {
  const bySequence = new Map(now.lines.map((line) => [line.sequence, line]));
  const changed = input.change.every((change) => {
    const line = bySequence.get(change.sequence);
    return (
      line !== undefined &&
      (change.quantity === null || line.quantity === change.quantity) &&
      (change.discountPercent === null || line.discountPercent === change.discountPercent)
    );
  });
  const removed = input.remove.every((sequence) => !bySequence.has(sequence));
  const known = new Set(before.lines.map((line) => line.id));
  const fresh = now.lines.filter((line) => !known.has(line.id));
  const added = input.add.every((line) =>
    fresh.some((candidate) => candidate.sku === line.sku && candidate.quantity === line.quantity),
  );
  return changed && removed && added && fresh.length === input.add.length;
}

function checkChange(input: ChangeSalesOrderLinesInput): CheckedChange {
  const orderNumber = text('input.orderNumber', input.orderNumber, ORDER_NUMBER_LENGTH, true);
  const expectedVersion = text('input.expectedVersion', input.expectedVersion, VERSION_LENGTH, true);
  const change = (input.change ?? []).map((c, i) => {
    const field = `input.change[${i}]`;
    if (!Number.isInteger(c.sequence) || c.sequence < 0) {
      throw invalidInput(`${field}.sequence`, 'OUT_OF_RANGE', `${field}.sequence must be a line's sequence.`);
    }
    if (
      (c.quantity === null || c.quantity === undefined) &&
      (c.discountPercent === null || c.discountPercent === undefined)
    ) {
      throw invalidInput(field, 'EMPTY', `${field} must change the quantity, the discount or both.`);
    }
    return {
      sequence: c.sequence,
      quantity:
        c.quantity === null || c.quantity === undefined ? null : quantity(`${field}.quantity`, c.quantity),
      discountPercent: discount(`${field}.discountPercent`, c.discountPercent),
    };
  });
  const remove = (input.remove ?? []).map((sequence, i) => {
    if (!Number.isInteger(sequence) || sequence < 0) {
      throw invalidInput(
        `input.remove[${i}]`,
        'OUT_OF_RANGE',
        `input.remove[${i}] must be a line's sequence.`,
      );
    }
    return sequence;
  });
  const add = checkedLines('input.add', input.add ?? [], 0);
  const total = change.length + remove.length + add.length;
  if (total === 0)
    throw invalidInput('input', 'EMPTY', 'The input must change, add or remove at least one line.');
  if (total > MAX_CHANGES) {
    throw invalidInput(
      'input',
      'TOO_LONG',
      `At most ${MAX_CHANGES} line changes, additions and removals in one call.`,
    );
  }
  const seen = new Set<number>();
  for (const [field, sequence] of [
    ...change.map((c, i) => [`input.change[${i}].sequence`, c.sequence] as const),
    ...remove.map((s, i) => [`input.remove[${i}]`, s] as const),
  ]) {
    if (seen.has(sequence)) {
      throw invalidInput(
        field,
        'NOT_ALLOWED',
        `Line ${sequence} is named more than once; one change per line.`,
      );
    }
    seen.add(sequence);
  }
  return { orderNumber, expectedVersion, change, add, remove };
}

function lineShipped(order: ErpOrderForChange, line: ErpOrderLineForChange) {
  return appError(
    'ORDER_NOT_CHANGEABLE',
    `Line ${line.sequence} of sales order ${order.number} has shipped ${line.shippedQuantity}; it cannot be removed or go below that.`,
    {
      orderNumber: order.number,
      status: order.status,
      reason: 'LINE_SHIPPED',
      sequence: line.sequence,
      shippedQuantity: line.shippedQuantity,
    },
  );
}

/** What a CONFLICT carries: the order's version and lines as they are now. */
function currentOf(order: ErpOrderForChange) {
  return {
    version: order.version,
    status: order.status,
    lines: order.lines.map((line) => ({
      sequence: line.sequence,
      sku: line.sku,
      quantity: line.quantity,
      discountPercent: line.discountPercent,
      shippedQuantity: line.shippedQuantity,
    })),
  };
}

const crmNotApplicable = () => outcome('CRM', 'NOT_APPLICABLE', 'Orders live in the ERP only.');
