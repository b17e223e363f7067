import type { Resolvers } from '../__generated__/resolvers-types.js';
import { Mutation } from './Mutation.js';
import { PendingWriteBack, Query } from './PendingWriteBack.js';
import {
  ConvertQuoteToOrderPayload,
  LogInteractionPayload,
  UpdateCustomerAddressPayload,
  UpsertCustomerContactPayload,
} from './payloads.js';

export const resolvers: Resolvers = {
  Query,
  Mutation,
  PendingWriteBack,
  ConvertQuoteToOrderPayload,
  UpdateCustomerAddressPayload,
  UpsertCustomerContactPayload,
  LogInteractionPayload,
};
