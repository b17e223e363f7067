import { appError } from '../../lib/errors.js';
import type { CrmAccountForWrite } from '../crm/client/writeModels.js';
import type { CrmWrites } from '../crm/client/writes.js';
import type { ErpWrites } from '../erp/client/writes.js';
import type { Coordinator } from './idempotency.js';
import type { CustomerRef } from './validation.js';
import type { WriteBacks } from './writeBacks.js';

/**
 * Where each part of a customer is kept, and the CRM records behind a customer id: what the
 * customer changes (address, contact, interaction) share. Customer data is kept by business
 * rules: the billing address in the ERP (system of record) and mirrored to the CRM account; the
 * delivery address on the CRM account (the ERP keeps none apart from the customer's address: BC
 * takes it per document); contacts and interactions in the CRM, a billing contact's e-mail and
 * phone mirrored to the ERP customer. The system of record is written first (see conflicts.ts);
 * the mirror then follows, and if that system does not take it, the mirror becomes a write-back.
 */

export interface CustomerChangeRules {
  /** Copy the billing address the ERP holds to the CRM account. */
  mirrorBillingAddressToCrm: boolean;
  /** Copy a billing contact's e-mail and phone to the ERP customer. */
  mirrorBillingContactToErp: boolean;
}

export interface CustomerChangeDeps {
  erp: ErpWrites;
  crm: CrmWrites;
  coordinator: Coordinator;
  writeBacks: WriteBacks;
  rules: CustomerChangeRules;
}

/** The CRM account behind a customer id (the oldest linked one for an ERP id). */
export async function accountOf(
  crm: CrmWrites,
  ref: CustomerRef,
  requestId: string,
): Promise<CrmAccountForWrite> {
  if (ref.kind === 'crm') {
    const account = await crm.getAccount(ref.accountId, requestId);
    if (!account) throw appError('NOT_FOUND', `The CRM has no account ${ref.accountId}.`, { system: 'CRM' });
    return account;
  }
  const [account] = await crm.findAccountsByErpCustomerId(ref.customerId, requestId);
  if (!account) {
    throw appError(
      'CUSTOMER_NOT_LINKED',
      'The CRM holds no account for this ERP customer, and contacts and interactions live in the CRM.',
      { customerId: ref.customerId },
    );
  }
  return account;
}

export function noSuchContact() {
  return appError('NOT_FOUND', 'The customer has no contact with this id.', { system: 'CRM' });
}
