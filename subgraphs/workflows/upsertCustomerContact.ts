import { customerIdOfAccount } from '../crm/client/ids.js';
import type { ContactDetails, CrmContactForWrite } from '../crm/client/writeModels.js';
import { CRM_FIELD_LIMITS } from '../crm/client/writes.js';
import type { ErpCustomerChanges } from '../erp/client/writeModels.js';
import { ERP_FIELD_LIMITS } from '../erp/client/writes.js';
import type { UpsertCustomerContactInput } from './__generated__/resolvers-types.js';
import { conflict, sameInstant, writeOrConflict } from './conflicts.js';
import type { CallScope } from './context.js';
import { accountOf, type CustomerChangeDeps, noSuchContact } from './customerRecords.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import { crmId, customerRef, email, isoTime, text } from './validation.js';
import type { WriteBackResult } from './writeBacks.js';

export interface ContactResult {
  contactId: string;
  customerId: string;
  created: boolean;
  lastModified: string | null;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

/**
 * upsertCustomerContact: the contact in the CRM (its system of record) — the one named, else
 * the account's contact with that e-mail, else a new one — then a billing contact's e-mail and
 * phone copied to the ERP customer where the rules say so.
 */
export class CustomerContactUpsert {
  constructor(private readonly deps: CustomerChangeDeps) {}

  async upsert(input: UpsertCustomerContactInput, scope: CallScope): Promise<ContactResult> {
    const ref = customerRef('input.customerId', input.customerId);
    const contactId = input.contactId ? crmId('input.contactId', input.contactId, 'contact') : null;
    const details: ContactDetails = {
      firstName: text('input.firstName', input.firstName, CRM_FIELD_LIMITS.firstName),
      lastName: text('input.lastName', input.lastName, CRM_FIELD_LIMITS.lastName, true),
      email: email('input.email', input.email),
      phone: text('input.phone', input.phone, Math.min(CRM_FIELD_LIMITS.phone, ERP_FIELD_LIMITS.phone)),
      mobilePhone: text('input.mobilePhone', input.mobilePhone, CRM_FIELD_LIMITS.mobilePhone),
      title: text('input.title', input.title, CRM_FIELD_LIMITS.title),
      role: input.role,
    };
    const expected = isoTime('input.expectedLastModified', input.expectedLastModified)?.dateTime ?? null;

    const { crm } = this.deps;
    const account = await accountOf(crm, ref, scope.requestId);
    let existing: CrmContactForWrite | undefined;
    if (contactId) {
      existing = await crm.getContact(contactId, scope.requestId);
      if (!existing || existing.accountId !== account.id) throw noSuchContact();
    } else if (details.email) {
      [existing] = await crm.findContactsByEmail(account.id, details.email, scope.requestId);
    }

    let id: string;
    if (existing) {
      await this.change(existing, details, expected, scope);
      id = existing.id;
    } else {
      id = await crm.createContact(account.id, details, scope.requestId);
    }
    const created = !existing;
    const after = await crm.getContact(id, scope.requestId).catch(() => undefined);
    const mirror = await this.mirrorToErp(account.erpCustomerId, details, scope);
    return {
      contactId: id,
      customerId: customerIdOfAccount(account.id, account.erpCustomerId),
      created,
      lastModified: after?.lastModified ?? null,
      outcomes: [
        outcome('CRM', 'DONE', created ? 'Contact created in the CRM.' : 'Contact changed in the CRM.'),
        mirror.outcome,
      ],
      pendingWriteBackId: mirror.pendingWriteBackId,
    };
  }

  /** Changes a contact only if it is still the version `expected` names (else as read now). */
  private async change(
    existing: CrmContactForWrite,
    details: ContactDetails,
    expected: string | null,
    scope: CallScope,
  ): Promise<void> {
    const { crm } = this.deps;
    if (expected !== null && !sameInstant(expected, existing.lastModified)) {
      throw conflict(
        'CRM',
        'The contact was changed in the CRM since it was read; nothing was written.',
        current(existing),
      );
    }
    await writeOrConflict(
      () => crm.updateContact(existing.id, details, expected ?? existing.lastModified, scope.requestId),
      {
        system: 'CRM',
        message: 'The contact was changed in the CRM while this change was made; nothing was written.',
        current: async () => {
          const now = await crm.getContact(existing.id, scope.requestId);
          return now ? current(now) : {};
        },
      },
    );
  }

  /** A billing contact's e-mail and phone, copied to the ERP customer where the rules say so. */
  private async mirrorToErp(
    erpCustomerId: string | null,
    details: ContactDetails,
    scope: CallScope,
  ): Promise<WriteBackResult> {
    const notApplicable = (message: string) => ({
      outcome: outcome('ERP', 'NOT_APPLICABLE', message),
      pendingWriteBackId: null,
    });
    if (details.role !== 'BILLING' || !this.deps.rules.mirrorBillingContactToErp) {
      return notApplicable('The rules keep this contact in the CRM only.');
    }
    if (erpCustomerId === null) return notApplicable('The ERP does not hold this customer.');
    const changes: ErpCustomerChanges = {
      ...(details.email ? { email: details.email } : {}),
      ...(details.phone ? { phone: details.phone } : {}),
    };
    if (Object.keys(changes).length === 0) {
      return notApplicable('No e-mail or phone to copy to the ERP customer.');
    }
    return this.deps.writeBacks.applyOrRecord(
      { kind: 'ERP_CUSTOMER_CONTACT', erpCustomerId, changes },
      erpCustomerId,
      scope.requestId,
    );
  }
}

/** A CONFLICT's current values: the contact as the CRM holds it now. */
function current(contact: CrmContactForWrite) {
  return {
    lastModified: contact.lastModified,
    contact: {
      firstName: contact.firstName,
      lastName: contact.lastName,
      email: contact.email,
      phone: contact.phone,
      mobilePhone: contact.mobilePhone,
      title: contact.title,
      role: contact.role,
    },
  };
}
