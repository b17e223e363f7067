import type { PostalAddress } from '../../lib/domain.js';
import { appError } from '../../lib/errors.js';
import { customerIdOfAccount } from '../crm/client/ids.js';
import type { CrmAccountForWrite } from '../crm/client/writeModels.js';
import type { ErpCustomerForWrite } from '../erp/client/writeModels.js';
import type { UpdateCustomerAddressInput } from './__generated__/resolvers-types.js';
import { conflict, sameInstant, writeOrConflict } from './conflicts.js';
import type { CallScope } from './context.js';
import { accountOf, type CustomerChangeDeps } from './customerRecords.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import { address, type CustomerRef, customerRef, invalidInput, text } from './validation.js';

export interface AddressResult {
  customerId: string;
  purpose: 'BILLING' | 'SHIPPING';
  address: PostalAddress;
  erpVersion: string | null;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

type Purpose = AddressResult['purpose'];

/**
 * updateCustomerAddress: the billing address of an ERP customer in the ERP (its system of
 * record, with the ETag check), then copied to the CRM account where the rules say so; a
 * delivery address, and any address of a prospect the ERP does not hold, on the CRM account
 * (with Salesforce's last-modified check).
 */
export class CustomerAddressUpdate {
  constructor(private readonly deps: CustomerChangeDeps) {}

  async update(input: UpdateCustomerAddressInput, scope: CallScope): Promise<AddressResult> {
    const ref = customerRef('input.customerId', input.customerId);
    if (input.purpose === 'MAILING') {
      throw invalidInput(
        'input.purpose',
        'NOT_ALLOWED',
        'A customer has billing and shipping addresses; mailing addresses belong to contacts.',
      );
    }
    const purpose = input.purpose;
    const value = address('input.address', input.address);
    const expectedVersion = text('input.expectedVersion', input.expectedVersion, 500);

    const erpCustomerId = await this.erpIdOf(ref, scope);
    if (erpCustomerId === null || purpose === 'SHIPPING') {
      return this.updateCrmAddress(ref, erpCustomerId, purpose, value, expectedVersion, scope);
    }
    return this.updateErpBillingAddress(erpCustomerId, value, expectedVersion, scope);
  }

  /** The ERP id of a customer: its own for a GUID, the account's link for a CRM id (null for a prospect). */
  private async erpIdOf(ref: CustomerRef, scope: CallScope): Promise<string | null> {
    if (ref.kind === 'erp') return ref.customerId;
    return (await accountOf(this.deps.crm, ref, scope.requestId)).erpCustomerId;
  }

  private async updateErpBillingAddress(
    customerId: string,
    value: PostalAddress,
    expectedVersion: string | null,
    scope: CallScope,
  ): Promise<AddressResult> {
    const { erp, rules, writeBacks } = this.deps;
    const current = await erp.getCustomer(customerId, scope.requestId);
    if (!current) throw appError('NOT_FOUND', `The ERP has no customer ${customerId}.`, { system: 'ERP' });
    if (expectedVersion !== null && expectedVersion !== current.version) {
      throw conflict(
        'ERP',
        'The customer was changed in the ERP since the version this change is based on; nothing was written.',
        erpCurrent(current),
      );
    }
    const updated = await writeOrConflict(
      () =>
        erp.updateCustomer(
          customerId,
          expectedVersion ?? current.version,
          { billingAddress: value },
          scope.requestId,
        ),
      {
        system: 'ERP',
        message: 'The customer was changed in the ERP while this change was made; nothing was written.',
        current: async () => {
          const now = await erp.getCustomer(customerId, scope.requestId);
          return now ? erpCurrent(now) : {};
        },
      },
    );
    const mirror = rules.mirrorBillingAddressToCrm
      ? await writeBacks.applyOrRecord(
          { kind: 'CRM_ACCOUNT_ADDRESS', accountId: null, erpCustomerId: customerId, billingAddress: value },
          customerId,
          scope.requestId,
        )
      : {
          outcome: outcome('CRM', 'NOT_APPLICABLE', 'The rules keep the billing address in the ERP only.'),
          pendingWriteBackId: null,
        };
    return {
      customerId,
      purpose: 'BILLING',
      address: updated.billingAddress,
      erpVersion: updated.version,
      outcomes: [
        outcome('ERP', 'DONE', 'Billing address changed in the ERP (system of record).'),
        mirror.outcome,
      ],
      pendingWriteBackId: mirror.pendingWriteBackId,
    };
  }

  /**
   * Addresses the CRM is the system of record for (delivery addresses, and every address of a
   * prospect the ERP does not hold), with Salesforce's last-modified check.
   */
  private async updateCrmAddress(
    ref: CustomerRef,
    erpCustomerId: string | null,
    purpose: Purpose,
    value: PostalAddress,
    expectedVersion: string | null,
    scope: CallScope,
  ): Promise<AddressResult> {
    const { crm } = this.deps;
    let account: CrmAccountForWrite | undefined;
    if (ref.kind === 'crm') account = await crm.getAccount(ref.accountId, scope.requestId);
    else [account] = await crm.findAccountsByErpCustomerId(ref.customerId, scope.requestId);
    if (!account) {
      throw appError(
        'NOT_FOUND',
        'The CRM holds no account for this customer, and the CRM keeps its delivery address.',
        { system: 'CRM' },
      );
    }
    if (expectedVersion !== null && !sameInstant(expectedVersion, account.lastModified)) {
      throw conflict(
        'CRM',
        'The account was changed in the CRM since the version this change is based on; nothing was written.',
        crmCurrent(account, purpose),
      );
    }
    const accountId = account.id;
    await writeOrConflict(
      () =>
        crm.updateAccountAddress(
          accountId,
          purpose,
          value,
          expectedVersion ?? account.lastModified,
          scope.requestId,
        ),
      {
        system: 'CRM',
        message: 'The account was changed in the CRM while this change was made; nothing was written.',
        current: async () => {
          const now = await crm.getAccount(accountId, scope.requestId);
          return now ? crmCurrent(now, purpose) : {};
        },
      },
    );
    const after = await crm.getAccount(account.id, scope.requestId);
    return {
      customerId: customerIdOfAccount(account.id, erpCustomerId),
      purpose,
      address: after ? addressFor(after, purpose) : value,
      erpVersion: null,
      outcomes: [
        outcome(
          'CRM',
          'DONE',
          `${purpose === 'BILLING' ? 'Billing' : 'Delivery'} address changed on the CRM account.`,
        ),
        outcome(
          'ERP',
          'NOT_APPLICABLE',
          erpCustomerId === null
            ? 'The ERP does not hold this customer.'
            : 'The ERP keeps no delivery address apart from the customer address; orders take theirs per document.',
        ),
      ],
      pendingWriteBackId: null,
    };
  }
}

function erpCurrent(customer: ErpCustomerForWrite) {
  return { version: customer.version, address: customer.billingAddress };
}

function addressFor(account: CrmAccountForWrite, purpose: Purpose): PostalAddress {
  return purpose === 'BILLING' ? account.billingAddress : account.shippingAddress;
}

function crmCurrent(account: CrmAccountForWrite, purpose: Purpose) {
  return { version: account.lastModified, address: addressFor(account, purpose) };
}
