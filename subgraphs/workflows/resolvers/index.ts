import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Mutation } from './mutation.js';
import {
  ChangeSalesOrderLinesPayload,
  ConvertQuoteToOrderPayload,
  CreateErpCustomerFromAccountPayload,
  CreateSalesOrderPayload,
  LogInteractionPayload,
  QuoteApprovalPayload,
  SupportCasePayload,
  UpdateCustomerAddressPayload,
  UpsertCustomerContactPayload,
} from './payloads.js';
import { PendingWriteBack } from './pendingWriteBack.js';
import { Query } from './query.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  PendingWriteBack,
  ConvertQuoteToOrderPayload,
  UpdateCustomerAddressPayload,
  UpsertCustomerContactPayload,
  LogInteractionPayload,
  QuoteApprovalPayload,
  CreateSalesOrderPayload,
  ChangeSalesOrderLinesPayload,
  SupportCasePayload,
  CreateErpCustomerFromAccountPayload,
};
