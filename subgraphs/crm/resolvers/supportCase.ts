import type { SupportCaseResolvers } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';

/** What a case number looks like (Salesforce's auto-number: digits, possibly a prefix). */
export const CASE_NUMBER = /^[0-9A-Za-z-]{1,40}$/;

import { loadAsset } from './asset.js';
import { customerOf } from './customer.js';

export const SupportCase: SupportCaseResolvers = {
  /** By id, or by case number (the ERP's credit memos name their complaint case by number). */
  __resolveReference(reference, ctx) {
    const { id: rawId, number } = reference as { id?: unknown; number?: unknown };
    if (typeof rawId === 'string') {
      const id = toSalesforceId18(rawId);
      return id ? ctx.loaders.supportCaseById.load(id) : null;
    }
    return typeof number === 'string' && CASE_NUMBER.test(number)
      ? ctx.loaders.supportCaseByNumber.load(number)
      : null;
  },
  id: (c) => c.id,
  number: (c) => c.number,
  subject: (c) => c.subject,
  description: (c) => c.description,
  status: (c) => c.status,
  priority: (c) => c.priority,
  origin: (c) => c.origin,
  type: (c) => c.type,
  isClosed: (c) => c.isClosed,
  openedAt: (c) => c.openedAt,
  closedAt: (c) => c.closedAt,
  customer: (c) => c.account && customerOf(c.account),
  contact: (c, _args, ctx) => (c.contactId ? ctx.loaders.contactById.load(c.contactId) : null),
  asset: (c, _args, ctx) => (c.assetSerialNumber ? loadAsset(c.assetSerialNumber, ctx) : null),
  order: (c) => (c.orderNumber ? { number: c.orderNumber } : null),
};
