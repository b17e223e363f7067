import type {
  ChangeSalesOrderLinesPayloadResolvers,
  ConvertQuoteToOrderPayloadResolvers,
  CreateErpCustomerFromAccountPayloadResolvers,
  CreateSalesOrderPayloadResolvers,
  LogInteractionPayloadResolvers,
  QuoteApprovalPayloadResolvers,
  SupportCasePayloadResolvers,
  UpdateCustomerAddressPayloadResolvers,
  UpsertCustomerContactPayloadResolvers,
} from '../__generated__/resolvers-types.js';
import type { SystemOutcome } from '../outcomes.js';
import type { WorkflowStore } from '../store/types.js';

/** The write-back still owed: null once it is done (the outcomes then say DONE). */
async function pendingWriteBack(store: WorkflowStore, id: string | null) {
  const writeBack = id === null ? undefined : await store.getWriteBack(id);
  return writeBack && writeBack.status !== 'DONE' ? writeBack : null;
}

/**
 * An answer replayed later reflects its write-back as it is now: a PENDING outcome whose
 * write-back has since been completed reads DONE (or FAILED), with the same write-back id.
 */
async function liveOutcomes(
  store: WorkflowStore,
  outcomes: SystemOutcome[],
  id: string | null,
): Promise<SystemOutcome[]> {
  if (id === null || !outcomes.some((o) => o.status === 'PENDING')) return outcomes;
  const writeBack = await store.getWriteBack(id);
  if (!writeBack || writeBack.status === 'PENDING') return outcomes;
  return outcomes.map((o) =>
    o.status !== 'PENDING' || o.system !== writeBack.system
      ? o
      : writeBack.status === 'DONE'
        ? { ...o, status: 'DONE', message: 'Completed by the background write-back.', code: null }
        : {
            ...o,
            status: 'FAILED',
            message: 'The write-back was refused; it is kept for a person to resolve.',
            code: writeBack.lastErrorCode,
          },
  );
}

export const ConvertQuoteToOrderPayload: ConvertQuoteToOrderPayloadResolvers = {
  order: (payload) => ({ __typename: 'SalesOrder', number: payload.orderNumber }),
  quote: (payload) => ({ __typename: 'Quote', id: payload.quoteId }),
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  orderCreated: (payload) => payload.orderCreated,
  replayed: (payload) => payload.replayed,
  outcomes: (payload, _args, ctx) => liveOutcomes(ctx.store, payload.outcomes, payload.pendingWriteBackId),
  pendingWriteBack: (payload, _args, ctx) => pendingWriteBack(ctx.store, payload.pendingWriteBackId),
};

export const UpdateCustomerAddressPayload: UpdateCustomerAddressPayloadResolvers = {
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  purpose: (payload) => payload.purpose,
  address: (payload) => payload.address,
  erpVersion: (payload) => payload.erpVersion,
  outcomes: (payload, _args, ctx) => liveOutcomes(ctx.store, payload.outcomes, payload.pendingWriteBackId),
  pendingWriteBack: (payload, _args, ctx) => pendingWriteBack(ctx.store, payload.pendingWriteBackId),
};

export const UpsertCustomerContactPayload: UpsertCustomerContactPayloadResolvers = {
  contact: (payload) => ({ __typename: 'Contact', id: payload.contactId }),
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  created: (payload) => payload.created,
  lastModified: (payload) => payload.lastModified,
  outcomes: (payload, _args, ctx) => liveOutcomes(ctx.store, payload.outcomes, payload.pendingWriteBackId),
  pendingWriteBack: (payload, _args, ctx) => pendingWriteBack(ctx.store, payload.pendingWriteBackId),
};

export const QuoteApprovalPayload: QuoteApprovalPayloadResolvers = {
  quote: (payload) => ({ __typename: 'Quote', id: payload.quoteId }),
  status: (payload) => payload.status,
  level: (payload) => payload.level,
  threshold: (payload) => payload.threshold,
  discountPercent: (payload) => payload.discountPercent,
  approvalPercent: (payload) => payload.approvalPercent,
  requestedBy: (payload) => payload.requestedBy,
  decidedBy: (payload) => payload.decidedBy,
  decidedAt: (payload) => payload.decidedAt,
  comment: (payload) => payload.comment,
  replayed: (payload) => payload.replayed,
  outcomes: (payload) => payload.outcomes,
};

export const CreateSalesOrderPayload: CreateSalesOrderPayloadResolvers = {
  order: (payload) => ({ __typename: 'SalesOrder', number: payload.orderNumber }),
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  orderCreated: (payload) => payload.orderCreated,
  replayed: (payload) => payload.replayed,
  outcomes: (payload) => payload.outcomes,
};

export const ChangeSalesOrderLinesPayload: ChangeSalesOrderLinesPayloadResolvers = {
  order: (payload) => ({ __typename: 'SalesOrder', number: payload.orderNumber }),
  version: (payload) => payload.version,
  changed: (payload) => payload.changed,
  added: (payload) => payload.added,
  removed: (payload) => payload.removed,
  replayed: (payload) => payload.replayed,
  outcomes: (payload) => payload.outcomes,
};

export const LogInteractionPayload: LogInteractionPayloadResolvers = {
  interaction: (payload) => ({ __typename: 'Interaction', id: payload.interactionId }),
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  replayed: (payload) => payload.replayed,
  outcomes: (payload) => payload.outcomes,
};

export const SupportCasePayload: SupportCasePayloadResolvers = {
  supportCase: (payload) => ({ __typename: 'SupportCase', id: payload.caseId }),
  customer: (payload) => ({ __typename: 'Customer', id: payload.customerId }),
  number: (payload) => payload.caseNumber,
  status: (payload) => payload.status,
  lastModified: (payload) => payload.lastModified,
  asset: (payload) =>
    payload.assetSerialNumber ? { __typename: 'Asset', serialNumber: payload.assetSerialNumber } : null,
  entitlement: (payload) => payload.entitlement,
  replayed: (payload) => payload.replayed,
  outcomes: (payload) => payload.outcomes,
};

export const CreateErpCustomerFromAccountPayload: CreateErpCustomerFromAccountPayloadResolvers = {
  customer: (payload) => ({ __typename: 'Customer', id: payload.erpCustomerId }),
  erpCustomerNumber: (payload) => payload.erpCustomerNumber,
  customerCreated: (payload) => payload.customerCreated,
  replayed: (payload) => payload.replayed,
  outcomes: (payload, _args, ctx) => liveOutcomes(ctx.store, payload.outcomes, payload.pendingWriteBackId),
  pendingWriteBack: (payload, _args, ctx) => pendingWriteBack(ctx.store, payload.pendingWriteBackId),
};
