import { appError, LegacyError } from '../../lib/errors.js';
import type {
  AccountAddressPatch,
  ContactFields,
  CrmAccountForWrite,
  CrmContactForWrite,
  CrmWrites,
} from '../crm/client/writes.js';
import { CRM_FIELD_LIMITS } from '../crm/client/writes.js';
import type { CustomerPatch, ErpCustomerForWrite, ErpWrites } from '../erp/client/writes.js';
import type { CallScope } from './convertQuoteToOrder.js';
import type { Coordinator } from './idempotency.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import {
  type AddressValues,
  address,
  type CustomerRef,
  customerRef,
  email,
  idempotencyKey,
  integerInRange,
  invalidInput,
  isoTime,
  KEY_PREFIX,
  salesforceId,
  text,
} from './validation.js';
import { isTransient, type WriteBacks } from './writeBacks.js';

/**
 * Customer data kept by business rules (DESIGN.md): the billing address in the ERP (system of
 * record) and mirrored to the CRM account; the delivery address on the CRM account (the ERP
 * keeps none apart from the customer's address: BC takes it per document); contacts in the
 * CRM, a billing contact's e-mail and phone mirrored to the ERP customer. The system of record
 * is written with its concurrency check — a stale write is refused with CONFLICT and the
 * current values, never applied over someone else's change; the mirror then follows, and if
 * that system does not answer, the mirror becomes a pending write-back.
 */

export interface CustomerChangeRules {
  /** Copy the billing address the ERP holds to the CRM account. */
  mirrorBillingAddressToCrm: boolean;
  /** Copy a billing contact's e-mail and phone to the ERP customer. */
  mirrorBillingContactToErp: boolean;
}

export interface AddressResult {
  customerId: string;
  purpose: 'BILLING' | 'SHIPPING';
  address: AddressValues;
  erpVersion: string | null;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

export interface ContactResult {
  contactId: string;
  customerId: string;
  created: boolean;
  lastModified: string | null;
  outcomes: SystemOutcome[];
  pendingWriteBackId: string | null;
}

export interface InteractionResult {
  interactionId: string;
  customerId: string;
  outcomes: SystemOutcome[];
}

type Purpose = 'BILLING' | 'SHIPPING' | 'MAILING';
type InteractionKind = 'TASK' | 'CALL' | 'EMAIL' | 'EVENT';

/** Salesforce logs calls and e-mails as tasks of that subtype. */
const TASK_SUBTYPES: Record<Exclude<InteractionKind, 'EVENT'>, string> = {
  TASK: 'Task',
  CALL: 'Call',
  EMAIL: 'Email',
};
type Role = 'SALES' | 'SUPPORT' | 'BILLING' | 'DECISION_MAKER' | 'OTHER';

const ROLE_VALUES: Record<Role, string | null> = {
  SALES: 'Sales',
  SUPPORT: 'Support',
  BILLING: 'Billing',
  DECISION_MAKER: 'Decision Maker',
  OTHER: null,
};

function erpAddressValues(customer: ErpCustomerForWrite): AddressValues {
  return {
    street: customer.addressLine1 ?? '',
    street2: customer.addressLine2 || null,
    city: customer.city ?? '',
    state: customer.state || null,
    postalCode: customer.postalCode ?? '',
    country: customer.country ?? '',
  };
}

function crmStreet(value: AddressValues): string {
  return value.street2 ? `${value.street}\n${value.street2}` : value.street;
}

function crmAddressPatch(prefix: 'Billing' | 'Shipping', value: AddressValues): AccountAddressPatch {
  return {
    [`${prefix}Street`]: crmStreet(value),
    [`${prefix}City`]: value.city,
    [`${prefix}State`]: value.state,
    [`${prefix}PostalCode`]: value.postalCode,
    [`${prefix}Country`]: value.country,
  };
}

function crmAddressValues(account: CrmAccountForWrite, prefix: 'Billing' | 'Shipping'): AddressValues {
  const [street = '', ...rest] = (account[`${prefix}Street`] ?? '').split('\n');
  return {
    street,
    street2: rest.length > 0 ? rest.join('\n') : null,
    city: account[`${prefix}City`] ?? '',
    state: account[`${prefix}State`] || null,
    postalCode: account[`${prefix}PostalCode`] ?? '',
    country: account[`${prefix}Country`] ?? '',
  };
}

function contactValues(contact: CrmContactForWrite): Record<string, string | null> {
  return {
    firstName: contact.FirstName,
    lastName: contact.LastName,
    email: contact.Email,
    phone: contact.Phone,
    mobilePhone: contact.MobilePhone,
    title: contact.Title,
    role: contact.Contact_Role__c,
  };
}

function conflict(system: 'ERP' | 'CRM', message: string, current: Record<string, unknown>) {
  return appError('CONFLICT', message, { system, current });
}

function sameInstant(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  return Date.parse(a) === Date.parse(b);
}

export interface CustomerChangeDeps {
  erp: ErpWrites;
  crm: CrmWrites;
  coordinator: Coordinator;
  writeBacks: WriteBacks;
  rules: CustomerChangeRules;
}

export class CustomerChanges {
  constructor(private readonly deps: CustomerChangeDeps) {}

  // ------------------------------------------------------------------ addresses

  async updateAddress(
    input: {
      customerId: string;
      purpose: Purpose;
      address: {
        street: string;
        street2?: string | null;
        city: string;
        state?: string | null;
        postalCode: string;
        country: string;
      };
      expectedVersion?: string | null;
    },
    scope: CallScope,
  ): Promise<AddressResult> {
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
    const account = await this.deps.crm.getAccount(ref.accountId, scope.requestId);
    if (!account) throw appError('NOT_FOUND', `The CRM has no account ${ref.accountId}.`, { system: 'CRM' });
    return account.ERP_Customer_Id__c?.toLowerCase() ?? null;
  }

  private async updateErpBillingAddress(
    customerId: string,
    value: AddressValues,
    expectedVersion: string | null,
    scope: CallScope,
  ): Promise<AddressResult> {
    const { erp } = this.deps;
    const current = await erp.getCustomer(customerId, scope.requestId);
    if (!current) throw appError('NOT_FOUND', `The ERP has no customer ${customerId}.`, { system: 'ERP' });
    const currentValues = () => ({ version: current.etag, address: erpAddressValues(current) });
    if (expectedVersion !== null && expectedVersion !== current.etag) {
      throw conflict(
        'ERP',
        'The customer was changed in the ERP since the version this change is based on; nothing was written.',
        currentValues(),
      );
    }
    const patch: CustomerPatch = {
      addressLine1: value.street,
      addressLine2: value.street2 ?? '',
      city: value.city,
      state: value.state ?? '',
      postalCode: value.postalCode,
      country: value.country,
    };
    let updated: ErpCustomerForWrite;
    try {
      updated = await erp.updateCustomer(customerId, expectedVersion ?? current.etag, patch, scope.requestId);
    } catch (error) {
      if (error instanceof LegacyError && error.code === 'CONFLICT') {
        const now = await erp.getCustomer(customerId, scope.requestId);
        throw conflict(
          'ERP',
          'The customer was changed in the ERP while this change was made; nothing was written.',
          now ? { version: now.etag, address: erpAddressValues(now) } : {},
        );
      }
      throw error;
    }
    const outcomes: SystemOutcome[] = [
      outcome('ERP', 'DONE', 'Billing address changed in the ERP (system of record).'),
    ];
    let pendingWriteBackId: string | null = null;
    if (!this.deps.rules.mirrorBillingAddressToCrm) {
      outcomes.push(outcome('CRM', 'NOT_APPLICABLE', 'The rules keep the billing address in the ERP only.'));
    } else {
      const mirror = await this.mirrorToCrm(customerId, crmAddressPatch('Billing', value), scope);
      outcomes.push(mirror.outcome);
      pendingWriteBackId = mirror.pendingWriteBackId;
    }
    return {
      customerId,
      purpose: 'BILLING',
      address: erpAddressValues(updated),
      erpVersion: updated.etag,
      outcomes,
      pendingWriteBackId,
    };
  }

  /** The ERP's value copied to the CRM account: no precondition, the system of record decided. */
  private async mirrorToCrm(
    erpCustomerId: string,
    patch: AccountAddressPatch,
    scope: CallScope,
  ): Promise<{ outcome: SystemOutcome; pendingWriteBackId: string | null }> {
    let accountId: string | null = null;
    try {
      const [account] = await this.deps.crm.findAccountsByErpCustomerId(erpCustomerId, scope.requestId);
      if (!account)
        return {
          outcome: outcome('CRM', 'NOT_APPLICABLE', 'The CRM holds no account for this customer.'),
          pendingWriteBackId: null,
        };
      accountId = account.Id;
      await this.deps.crm.updateAccount(account.Id, patch, null, scope.requestId);
      return { outcome: outcome('CRM', 'DONE', 'Copied to the CRM account.'), pendingWriteBackId: null };
    } catch (error) {
      if (!(error instanceof LegacyError)) throw error;
      const pending = await this.deps.writeBacks.record(
        { kind: 'CRM_ACCOUNT_ADDRESS', accountId, erpCustomerId, patch },
        { targetId: accountId ?? erpCustomerId, customerId: erpCustomerId },
        error,
      );
      return {
        outcome: isTransient(error)
          ? outcome(
              'CRM',
              'PENDING',
              'The CRM did not answer; the account will be updated as soon as it does.',
              error.code,
            )
          : outcome(
              'CRM',
              'FAILED',
              'The CRM refused the copy; the write-back is kept for a person to resolve.',
              error.code,
            ),
        pendingWriteBackId: pending.id,
      };
    }
  }

  /**
   * Addresses the CRM is the system of record for (delivery addresses, and every address of a
   * prospect the ERP does not hold), with Salesforce's last-modified check.
   */
  private async updateCrmAddress(
    ref: CustomerRef,
    erpCustomerId: string | null,
    purpose: 'BILLING' | 'SHIPPING',
    value: AddressValues,
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
    const prefix = purpose === 'BILLING' ? 'Billing' : 'Shipping';
    const current = { version: account.LastModifiedDate, address: crmAddressValues(account, prefix) };
    if (expectedVersion !== null && !sameInstant(expectedVersion, account.LastModifiedDate)) {
      throw conflict(
        'CRM',
        'The account was changed in the CRM since the version this change is based on; nothing was written.',
        current,
      );
    }
    try {
      await crm.updateAccount(
        account.Id,
        crmAddressPatch(prefix, value),
        expectedVersion ?? account.LastModifiedDate,
        scope.requestId,
      );
    } catch (error) {
      if (error instanceof LegacyError && error.code === 'CONFLICT') {
        const now = await crm.getAccount(account.Id, scope.requestId);
        throw conflict(
          'CRM',
          'The account was changed in the CRM while this change was made; nothing was written.',
          now ? { version: now.LastModifiedDate, address: crmAddressValues(now, prefix) } : {},
        );
      }
      throw error;
    }
    const after = await crm.getAccount(account.Id, scope.requestId);
    return {
      customerId: erpCustomerId ?? account.Id,
      purpose,
      address: after ? crmAddressValues(after, prefix) : value,
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

  // ------------------------------------------------------------------ contacts

  async upsertContact(
    input: {
      customerId: string;
      contactId?: string | null;
      firstName?: string | null;
      lastName: string;
      email?: string | null;
      phone?: string | null;
      mobilePhone?: string | null;
      title?: string | null;
      role: Role;
      expectedLastModified?: string | null;
    },
    scope: CallScope,
  ): Promise<ContactResult> {
    const ref = customerRef('input.customerId', input.customerId);
    const contactId = input.contactId
      ? salesforceId('input.contactId', input.contactId, KEY_PREFIX.contact, 'contact')
      : null;
    const fields: ContactFields = {
      FirstName: text('input.firstName', input.firstName, CRM_FIELD_LIMITS.FirstName),
      LastName: text('input.lastName', input.lastName, CRM_FIELD_LIMITS.LastName, true),
      Email: email('input.email', input.email),
      Phone: text('input.phone', input.phone, Math.min(CRM_FIELD_LIMITS.Phone, 30)),
      MobilePhone: text('input.mobilePhone', input.mobilePhone, CRM_FIELD_LIMITS.MobilePhone),
      Title: text('input.title', input.title, CRM_FIELD_LIMITS.Title),
      Contact_Role__c: ROLE_VALUES[input.role],
    };
    const expected = isoTime('input.expectedLastModified', input.expectedLastModified)?.dateTime ?? null;

    const { crm } = this.deps;
    const account = await this.accountOf(ref, scope);
    let existing: CrmContactForWrite | undefined;
    if (contactId) {
      existing = await crm.getContact(contactId, scope.requestId);
      if (!existing || existing.AccountId !== account.Id) {
        throw appError('NOT_FOUND', 'The customer has no contact with this id.', { system: 'CRM' });
      }
    } else if (fields.Email) {
      [existing] = await crm.findContactsByEmail(account.Id, fields.Email, scope.requestId);
    }

    let created = false;
    let id: string;
    if (existing) {
      if (expected !== null && !sameInstant(expected, existing.LastModifiedDate)) {
        throw conflict('CRM', 'The contact was changed in the CRM since it was read; nothing was written.', {
          lastModified: existing.LastModifiedDate,
          contact: contactValues(existing),
        });
      }
      try {
        await crm.updateContact(existing.Id, fields, expected ?? existing.LastModifiedDate, scope.requestId);
      } catch (error) {
        if (error instanceof LegacyError && error.code === 'CONFLICT') {
          const now = await crm.getContact(existing.Id, scope.requestId);
          throw conflict(
            'CRM',
            'The contact was changed in the CRM while this change was made; nothing was written.',
            now ? { lastModified: now.LastModifiedDate, contact: contactValues(now) } : {},
          );
        }
        throw error;
      }
      id = existing.Id;
    } else {
      id = await crm.createContact(account.Id, fields, scope.requestId);
      created = true;
    }
    const after = await crm.getContact(id, scope.requestId).catch(() => undefined);
    const outcomes: SystemOutcome[] = [
      outcome('CRM', 'DONE', created ? 'Contact created in the CRM.' : 'Contact changed in the CRM.'),
    ];
    let pendingWriteBackId: string | null = null;
    const erpCustomerId = account.ERP_Customer_Id__c?.toLowerCase() ?? null;
    if (input.role !== 'BILLING' || !this.deps.rules.mirrorBillingContactToErp) {
      outcomes.push(outcome('ERP', 'NOT_APPLICABLE', 'The rules keep this contact in the CRM only.'));
    } else if (erpCustomerId === null) {
      outcomes.push(outcome('ERP', 'NOT_APPLICABLE', 'The ERP does not hold this customer.'));
    } else {
      const patch: CustomerPatch = {
        ...(fields.Email ? { email: fields.Email } : {}),
        ...(fields.Phone ? { phoneNumber: fields.Phone } : {}),
      };
      if (Object.keys(patch).length === 0) {
        outcomes.push(outcome('ERP', 'NOT_APPLICABLE', 'No e-mail or phone to copy to the ERP customer.'));
      } else {
        try {
          await this.deps.writeBacks.apply(
            { kind: 'ERP_CUSTOMER_CONTACT', erpCustomerId, patch },
            scope.requestId,
          );
          outcomes.push(outcome('ERP', 'DONE', 'Billing e-mail and phone copied to the ERP customer.'));
        } catch (error) {
          if (!(error instanceof LegacyError)) throw error;
          const pending = await this.deps.writeBacks.record(
            { kind: 'ERP_CUSTOMER_CONTACT', erpCustomerId, patch },
            { targetId: erpCustomerId, customerId: erpCustomerId },
            error,
          );
          pendingWriteBackId = pending.id;
          outcomes.push(
            isTransient(error) || error.code === 'CONFLICT'
              ? outcome(
                  'ERP',
                  'PENDING',
                  'The ERP did not take the copy now; it will be retried until it does.',
                  error.code,
                )
              : outcome(
                  'ERP',
                  'FAILED',
                  'The ERP refused the copy; the write-back is kept for a person to resolve.',
                  error.code,
                ),
          );
        }
      }
    }
    return {
      contactId: id,
      customerId: erpCustomerId ?? account.Id,
      created,
      lastModified: after?.LastModifiedDate ?? null,
      outcomes,
      pendingWriteBackId,
    };
  }

  /** The CRM account behind a customer id (the oldest linked one for an ERP id). */
  private async accountOf(ref: CustomerRef, scope: CallScope): Promise<CrmAccountForWrite> {
    if (ref.kind === 'crm') {
      const account = await this.deps.crm.getAccount(ref.accountId, scope.requestId);
      if (!account)
        throw appError('NOT_FOUND', `The CRM has no account ${ref.accountId}.`, { system: 'CRM' });
      return account;
    }
    const [account] = await this.deps.crm.findAccountsByErpCustomerId(ref.customerId, scope.requestId);
    if (!account) {
      throw appError(
        'CUSTOMER_NOT_LINKED',
        'The CRM holds no account for this ERP customer, and contacts and interactions live in the CRM.',
        {
          customerId: ref.customerId,
        },
      );
    }
    return account;
  }

  // ------------------------------------------------------------------ interactions

  async logInteraction(
    input: {
      customerId: string;
      contactId?: string | null;
      type: InteractionKind;
      subject: string;
      description?: string | null;
      occurredAt?: string | null;
      durationMinutes?: number | null;
      idempotencyKey?: string | null;
    },
    scope: CallScope,
  ): Promise<InteractionResult & { replayed: boolean }> {
    const ref = customerRef('input.customerId', input.customerId);
    const contactId = input.contactId
      ? salesforceId('input.contactId', input.contactId, KEY_PREFIX.contact, 'contact')
      : null;
    const subject = text('input.subject', input.subject, CRM_FIELD_LIMITS.Subject, true);
    const description = text('input.description', input.description, CRM_FIELD_LIMITS.Description);
    const when = isoTime('input.occurredAt', input.occurredAt) ?? isoTime('now', new Date().toISOString())!;
    if (input.type !== 'EVENT' && input.durationMinutes !== null && input.durationMinutes !== undefined) {
      throw invalidInput('input.durationMinutes', 'NOT_ALLOWED', 'Only events have a duration.');
    }
    const duration = integerInRange('input.durationMinutes', input.durationMinutes, 1, 1440) ?? 60;
    const key =
      input.idempotencyKey === null || input.idempotencyKey === undefined
        ? null
        : idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const normalised = {
      customerId: ref.kind === 'erp' ? ref.customerId : ref.accountId,
      contactId,
      type: input.type,
      subject,
      description,
      occurredAt: input.occurredAt ? when.dateTime : null,
      durationMinutes: input.type === 'EVENT' ? duration : null,
    };
    const log = () => this.createInteraction(ref, normalised, when, duration, scope);
    if (key === null) return { ...(await log()), replayed: false };
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: 'logInteraction',
      key,
      input: normalised,
      run: log,
    });
    return { ...result, replayed };
  }

  private async createInteraction(
    ref: CustomerRef,
    input: { contactId: string | null; type: InteractionKind; subject: string; description: string | null },
    when: { date: string; dateTime: string },
    duration: number,
    scope: CallScope,
  ): Promise<InteractionResult> {
    const { crm } = this.deps;
    const account = await this.accountOf(ref, scope);
    if (input.contactId) {
      const contact = await crm.getContact(input.contactId, scope.requestId);
      if (!contact || contact.AccountId !== account.Id) {
        throw appError('NOT_FOUND', 'The customer has no contact with this id.', { system: 'CRM' });
      }
    }
    let interactionId: string;
    if (input.type !== 'EVENT') {
      interactionId = await crm.createTask(
        {
          AccountId: account.Id,
          WhatId: account.Id,
          WhoId: input.contactId,
          Subject: input.subject,
          Description: input.description,
          ActivityDate: when.date,
          Status: Date.parse(when.dateTime) <= Date.now() ? 'Completed' : 'Not Started',
          TaskSubtype: TASK_SUBTYPES[input.type],
        },
        scope.requestId,
      );
    } else {
      const end = new Date(Date.parse(when.dateTime) + duration * 60_000).toISOString();
      interactionId = await crm.createEvent(
        {
          AccountId: account.Id,
          WhatId: account.Id,
          WhoId: input.contactId,
          Subject: input.subject,
          Description: input.description,
          StartDateTime: when.dateTime,
          EndDateTime: end,
          ActivityDateTime: when.dateTime,
          DurationInMinutes: duration,
        },
        scope.requestId,
      );
    }
    return {
      interactionId,
      customerId: account.ERP_Customer_Id__c?.toLowerCase() ?? account.Id,
      outcomes: [
        outcome(
          'CRM',
          'DONE',
          `${input.type === 'EVENT' ? 'Event' : TASK_SUBTYPES[input.type]} logged in the CRM.`,
        ),
        outcome('ERP', 'NOT_APPLICABLE', 'Interactions live in the CRM only.'),
      ],
    };
  }
}
