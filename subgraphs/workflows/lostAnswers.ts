import { LegacyError } from '../../lib/errors.js';
import type { ErpOrderSummary, NewSalesOrder } from '../erp/client/writeModels.js';
import type { ErpWrites } from '../erp/client/writes.js';
import type { CallScope } from './context.js';

/**
 * A legacy write whose answer never came (it timed out, or the connection dropped): the system
 * may or may not have done it, so it is never simply sent again.
 */
export function answerLost(error: unknown): error is LegacyError {
  return (
    error instanceof LegacyError && (error.code === 'LEGACY_TIMEOUT' || error.code === 'LEGACY_UNAVAILABLE')
  );
}

/**
 * Sends a create once. If its answer is lost (or `alsoWhen` names another failure that may hide
 * a create that happened), what it may have made is looked up rather than sent again: found,
 * that is the answer (and a warning says so); not found, or the lookup failing too, the create's
 * error stands.
 */
export async function createOrFindMade<T>(
  send: () => Promise<T>,
  lookUp: {
    findMade: () => Promise<T | undefined>;
    alsoWhen?: (error: unknown) => boolean;
    logger: CallScope['logger'];
    /** What the warning names of the record found. */
    logged: (made: T) => Record<string, unknown>;
    message: string;
  },
): Promise<T> {
  try {
    return await send();
  } catch (error) {
    if (answerLost(error) || lookUp.alsoWhen?.(error)) {
      const made = await lookUp.findMade().catch(() => undefined);
      if (made) {
        lookUp.logger.warn({ ...lookUp.logged(made), code: (error as LegacyError).code }, lookUp.message);
        return made;
      }
    }
    throw error;
  }
}

/**
 * Sends an order's create (quote conversion's, order entry's) once. If its answer is lost the ERP
 * may or may not have made the order: the customer's order carrying its external document
 * number is looked up rather than the create sent again.
 */
export function createOrderOnce(
  erp: ErpWrites,
  order: NewSalesOrder,
  scope: CallScope,
): Promise<ErpOrderSummary> {
  return createOrFindMade(() => erp.createSalesOrder(order, scope.requestId), {
    findMade: () => erp.findCustomerOrder(order.externalDocumentNumber, order.customerId, scope.requestId),
    logger: scope.logger,
    logged: (made) => ({ orderNumber: made.number }),
    message: 'ERP create answer lost; found the order it made',
  });
}
