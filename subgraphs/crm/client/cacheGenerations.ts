import { CHILD_LISTS } from './fields.js';
import { toSalesforceId18 } from './ids.js';
import type { ChildListRead } from './lists.js';

/**
 * The generations a write through the graph bumps (see cachedBatch's `generationsOf`). A write
 * that knows the account bumps that account's; one that does not (a quote write-back, a contact
 * change) bumps `lists`, which every child list depends on. Pages of accounts carry child lists,
 * so every CRM write bumps `accounts` too.
 */
export const CRM_GENERATIONS = {
  /** Pages of accounts and accounts looked up by ERP id. */
  accounts: 'accounts',
  /** Every child list (contacts, interactions, opportunities, quotes, cases of accounts). */
  lists: 'lists',
  account: (id: string) => `account:${recordId(id)}`,
  contact: (id: string) => `contact:${recordId(id)}`,
  quote: (id: string) => `quote:${recordId(id)}`,
  quoteOfOrder: (orderNumber: string) => `quote-order:${orderNumber}`,
  opportunity: (id: string) => `opportunity:${recordId(id)}`,
  /** A support case read by its id, and by its number (a case change knows both). */
  supportCase: (id: string) => `case:${recordId(id)}`,
  supportCaseNumber: (number: string) => `case-number:${number}`,
};

/** What a page of a child list depends on: every list, and an account's lists on that account. */
export function childListGenerations(read: ChildListRead): string[] {
  return CHILD_LISTS[read.list].parent === 'Account'
    ? [CRM_GENERATIONS.lists, CRM_GENERATIONS.account(read.parentId)]
    : [CRM_GENERATIONS.lists];
}

/** A record's 15- and 18-character ids name one generation. */
function recordId(id: string): string {
  return toSalesforceId18(id) ?? id;
}
