import type { Principal } from '../../lib/auth/principal.js';
import type { RequestScope } from '../../lib/graphqlHttp.js';
import type { QuoteConversion } from './convertQuoteToOrder.js';
import type { InteractionLogging } from './logInteraction.js';
import type { ProspectOnboarding } from './onboarding.js';
import type { OrderEntry } from './orderEntry.js';
import type { QuoteApprovals } from './quoteApprovals.js';
import type { WorkflowStore } from './store/types.js';
import type { SupportCases } from './supportCases.js';
import type { CustomerAddressUpdate } from './updateCustomerAddress.js';
import type { CustomerContactUpsert } from './upsertCustomerContact.js';

/**
 * What a workflow needs of the request it runs for (the background loop makes one of its own,
 * without an HTTP request behind it).
 */
export type CallScope = Pick<RequestScope, 'requestId' | 'logger'>;

/** One per mutation; built once and shared by every request (they hold no per-request state). */
export interface Workflows {
  convertQuoteToOrder: QuoteConversion;
  updateCustomerAddress: CustomerAddressUpdate;
  upsertCustomerContact: CustomerContactUpsert;
  logInteraction: InteractionLogging;
  /** requestQuoteApproval, approveQuote, rejectQuote. */
  quoteApprovals: QuoteApprovals;
  /** createSalesOrder, changeSalesOrderLines. */
  orderEntry: OrderEntry;
  /** openSupportCase, updateSupportCase, closeSupportCase. */
  supportCases: SupportCases;
  /** createErpCustomerFromAccount. */
  onboarding: ProspectOnboarding;
}

/**
 * What every workflows resolver receives (codegen `contextType`). There are no loaders: a
 * workflow reads each legacy record it decides on once, through the write clients, never per field.
 */
export interface WorkflowsContext extends CallScope {
  /** The authenticated caller (the gateway forwarded their token; this subgraph verified it). */
  principal: Principal;
  workflows: Workflows;
  /** The durable state: idempotency records and write-backs, which the payloads report. */
  store: WorkflowStore;
}

export function createContextFactory(shared: {
  workflows: Workflows;
  store: WorkflowStore;
}): (scope: RequestScope) => Promise<WorkflowsContext> {
  return async ({ requestId, logger, principal }) => ({ requestId, logger, principal, ...shared });
}
