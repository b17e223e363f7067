import type { Logger } from '../../lib/logger.js';
import type { QuoteConversion } from './convertQuoteToOrder.js';
import type { CustomerChanges } from './customerChanges.js';
import type { WorkflowStore } from './store/types.js';

/**
 * What every workflows resolver receives. The workflows and the store are shared by all
 * requests (they hold no per-request state); the request id and logger are the request's own.
 */
export interface WorkflowsContext {
  requestId: string;
  logger: Logger;
  conversion: QuoteConversion;
  customerChanges: CustomerChanges;
  store: WorkflowStore;
}
