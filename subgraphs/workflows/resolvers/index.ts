import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Mutation } from './mutation.js';
import {
  ConvertQuoteToOrderPayload,
  LogInteractionPayload,
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
};
