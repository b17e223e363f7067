import { appError } from '../../lib/errors.js';
import {
  type AssetForCase,
  CASE_FIELD_LIMITS,
  CASE_TYPE_VALUES,
  type CaseForWrite,
  type CrmCaseWrites,
  type NewSupportCase,
  type SupportCaseChanges,
  type SupportCaseOrigin,
  type SupportCasePriority,
  type SupportCaseType,
} from '../crm/client/caseWrites.js';
import { customerIdOfAccount, parseCrmId } from '../crm/client/ids.js';
import { assessWarranty, utcDay } from '../crm/client/warrantyRules.js';
import type { CrmAccountForWrite } from '../crm/client/writeModels.js';
import type { CrmWrites } from '../crm/client/writes.js';
import type { ErpCustomerWrites } from '../erp/client/customerWrites.js';
import type {
  CloseSupportCaseInput,
  OpenSupportCaseInput,
  UpdateSupportCaseInput,
} from './__generated__/resolvers-types.js';
import { conflict, sameInstant, writeOrConflict } from './conflicts.js';
import type { CallScope } from './context.js';
import { accountOf, noSuchContact } from './customerRecords.js';
import type { Coordinator, RunState } from './idempotency.js';
import { createOrFindMade } from './lostAnswers.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import {
  type CustomerRef,
  crmId,
  customerRef,
  idempotencyKey,
  invalidInput,
  isoTime,
  text,
} from './validation.js';

/**
 * Support cases as work, in the CRM (their system of record): opened — a warranty claim only for
 * a unit its warranty covers today, judged by the same rule as the CRM subgraph's
 * Asset.warranty (crm/client/warrantyRules.ts) and opened under the covering entitlement, whose
 * case the CRM then counts as used —, changed while open, and closed with a resolution. Every
 * call carries an idempotency key: a repeated key replays the first answer and writes nothing.
 * A case's changes carry the CRM's last-modified check (CONFLICT with the case as it is now);
 * a closed case is refused (CASE_CLOSED). The ERP is only read (a complaint's order): nothing is
 * owed to it, so no write-back arises.
 */

export const OPEN_CASE_OPERATION = 'openSupportCase';
/** Noted (with the time it was sent) before the CRM create, for a run that takes this one over. */
const CREATE_SENT = 'CRM_CASE_CREATE_SENT@';
/** How far before the create a case made by it is looked for (clocks of two systems). */
const LOOKBACK_MS = 5 * 60_000;
/** Salesforce's SerialNumber (text 80); BC's order number (Code[20]). */
const SERIAL_NUMBER_MAX = 80;
const ORDER_NUMBER_MAX = 20;

export interface SupportCaseDeps {
  /** Accounts and contacts (customerRecords.ts). */
  crm: CrmWrites;
  cases: CrmCaseWrites;
  /** A complaint's order is checked in the ERP. */
  erp: ErpCustomerWrites;
  coordinator: Coordinator;
  /** The clock warranty eligibility is judged by (a seam for tests). */
  now: () => Date;
}

/** The answer of one case call, stored as JSON for replay to later calls with the same key. */
export interface SupportCaseResult {
  caseId: string;
  /** Null only when the CRM did not answer the read after the write (SupportCase.number has it). */
  caseNumber: string | null;
  customerId: string;
  status: string | null;
  lastModified: string | null;
  assetSerialNumber: string | null;
  entitlement: { id: string; name: string | null; remainingCases: number | null } | null;
  outcomes: SystemOutcome[];
}

type Unit = { assetId: string } | { serialNumber: string };

/** openSupportCase's input as checked: what its key's fingerprint is taken of. */
interface CheckedOpen {
  customer: CustomerRef;
  type: SupportCaseType;
  subject: string;
  description: string | null;
  priority: SupportCasePriority;
  origin: SupportCaseOrigin | null;
  unit: Unit | null;
  contactId: string | null;
  orderNumber: string | null;
}

const ERP_NOT_APPLICABLE = outcome('ERP', 'NOT_APPLICABLE', 'Support cases live in the CRM only.');
const TYPE_WORDS: Record<SupportCaseType, string> = {
  PROBLEM: 'Problem',
  QUESTION: 'Question',
  COMPLAINT: 'Complaint',
  WARRANTY_CLAIM: 'Warranty claim',
};

export class SupportCases {
  constructor(private readonly deps: SupportCaseDeps) {}

  // ------------------------------------------------------------------ open

  async open(
    input: OpenSupportCaseInput,
    scope: CallScope,
  ): Promise<SupportCaseResult & { replayed: boolean }> {
    const checked = this.checkOpen(input);
    const key = idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: OPEN_CASE_OPERATION,
      key,
      input: checked,
      // Claims on one unit run one after the other: each is judged on the cases the last one used.
      run: (state) =>
        checked.unit
          ? this.deps.coordinator.withLease(`asset:${unitName(checked.unit)}`, () =>
              this.openCase(checked, scope, state),
            )
          : this.openCase(checked, scope, state),
    });
    return { ...result, replayed };
  }

  private checkOpen(input: OpenSupportCaseInput): CheckedOpen {
    const customer = customerRef('input.customerId', input.customerId);
    const subject = text('input.subject', input.subject, CASE_FIELD_LIMITS.subject, true);
    const description = text('input.description', input.description, CASE_FIELD_LIMITS.description);
    if (input.assetId && input.serialNumber) {
      throw invalidInput(
        'input.serialNumber',
        'NOT_ALLOWED',
        'Name the unit by input.assetId or input.serialNumber, not both.',
      );
    }
    const unit: Unit | null = input.assetId
      ? { assetId: parseCrmId('asset', crmId('input.assetId', input.assetId, 'asset'))! }
      : input.serialNumber
        ? { serialNumber: text('input.serialNumber', input.serialNumber, SERIAL_NUMBER_MAX, true) }
        : null;
    if (input.type === 'WARRANTY_CLAIM' && unit === null) {
      throw invalidInput(
        'input.serialNumber',
        'EMPTY',
        'A warranty claim names its unit: input.serialNumber or input.assetId.',
      );
    }
    const contactId = input.contactId
      ? parseCrmId('contact', crmId('input.contactId', input.contactId, 'contact'))
      : null;
    // In upper case, as Business Central keeps a code: typed otherwise, the order is still found.
    const orderNumber = text('input.orderNumber', input.orderNumber, ORDER_NUMBER_MAX)?.toUpperCase() ?? null;
    if (orderNumber !== null && input.type !== 'COMPLAINT') {
      throw invalidInput(
        'input.orderNumber',
        'NOT_ALLOWED',
        'Only a complaint names the ERP order it is about.',
      );
    }
    return {
      customer,
      type: input.type,
      subject,
      description,
      priority: input.priority ?? 'MEDIUM',
      origin: input.origin ?? null,
      unit,
      contactId,
      orderNumber,
    };
  }

  private async openCase(input: CheckedOpen, scope: CallScope, state: RunState): Promise<SupportCaseResult> {
    const { crm, cases, erp } = this.deps;
    const { requestId } = scope;
    // Everything the case is decided on, read at once.
    const [account, unit, contact, order] = await Promise.all([
      accountOf(crm, input.customer, requestId),
      input.unit ? cases.assetForCase(input.unit, requestId) : Promise.resolve(undefined),
      input.contactId ? crm.getContact(input.contactId, requestId) : Promise.resolve(undefined),
      input.orderNumber ? erp.findOrderReference(input.orderNumber, requestId) : Promise.resolve(undefined),
    ]);
    const asset = input.unit ? this.assetOfCustomer(unit, account) : null;
    // A duplicate account of the same ERP customer may hold the unit: the case goes where the unit is.
    const caseAccountId = asset?.asset.account?.crmAccountId ?? account.id;
    const customerId = customerIdOfAccount(account.id, account.erpCustomerId);

    let entitlementId: string | null = null;
    if (input.type === 'WARRANTY_CLAIM' && asset) {
      const today = utcDay(this.deps.now());
      const warranty = assessWarranty(asset.asset, asset.entitlements, today);
      if (!warranty.eligible) {
        const e = warranty.entitlement;
        throw appError('WARRANTY_NOT_ELIGIBLE', warrantyMessage(warranty.reason), {
          system: 'CRM',
          reason: warranty.reason,
          serialNumber: asset.asset.serialNumber,
          assetId: asset.asset.id,
          entitlementId: e?.id ?? null,
          startDate: e?.startDate ?? null,
          endDate: e?.endDate ?? null,
          remainingCases: e?.remainingCases ?? null,
          asOf: warranty.asOf,
        });
      }
      entitlementId = warranty.entitlement!.id;
    }
    if (
      input.contactId &&
      (!contact || (contact.accountId !== caseAccountId && contact.accountId !== account.id))
    ) {
      throw noSuchContact();
    }
    if (input.orderNumber !== null) {
      const erpCustomerId =
        account.erpCustomerId ?? (input.customer.kind === 'erp' ? input.customer.customerId : null);
      if (!order || erpCustomerId === null || order.customerId !== erpCustomerId) {
        throw appError('NOT_FOUND', 'The customer has no ERP order with this number.', {
          system: 'ERP',
          field: 'input.orderNumber',
        });
      }
    }

    const newCase: NewSupportCase = {
      accountId: caseAccountId,
      contactId: input.contactId ?? asset?.asset.contactId ?? null,
      assetId: asset?.asset.id ?? null,
      entitlementId,
      orderNumber: input.orderNumber,
      type: input.type,
      subject: input.subject,
      description: input.description,
      priority: input.priority,
      origin: input.origin,
    };
    // A run that takes over one that had sent the create looks for what it made first.
    const sentBefore = state.progress?.startsWith(CREATE_SENT)
      ? state.progress.slice(CREATE_SENT.length)
      : null;
    let caseId = sentBefore ? (await this.findMade(newCase, sentBefore, requestId))?.id : undefined;
    if (!caseId) caseId = await this.create(newCase, scope, state);
    const made = await cases.getCase(caseId, requestId).catch(() => undefined);
    const word = TYPE_WORDS[input.type];
    const remaining = made?.entitlement?.remainingCases;
    return {
      ...resultOf(caseId, made, customerId),
      assetSerialNumber: made?.assetSerialNumber ?? asset?.asset.serialNumber ?? null,
      outcomes: [
        outcome(
          'CRM',
          'DONE',
          entitlementId
            ? `${word} opened in the CRM under the unit's warranty${typeof remaining === 'number' ? ` (${remaining} cases left)` : ''}.`
            : `${word} opened in the CRM.`,
        ),
        ERP_NOT_APPLICABLE,
      ],
    };
  }

  /** The unit, when it is the customer's (its account, or another account of the same ERP customer). */
  private assetOfCustomer(unit: AssetForCase | undefined, account: CrmAccountForWrite): AssetForCase {
    const owner = unit?.asset.account;
    const mine =
      owner !== null &&
      owner !== undefined &&
      (owner.crmAccountId === account.id ||
        (account.erpCustomerId !== null && owner.erpCustomerId === account.erpCustomerId));
    if (!unit || !mine) {
      throw appError('NOT_FOUND', 'The customer has no unit with this serial number or asset id.', {
        system: 'CRM',
        field: 'input.serialNumber',
      });
    }
    return unit;
  }

  /**
   * Sends the create once. If its answer is lost the CRM may or may not have opened the case:
   * the account's cases since just before the send are looked through for it rather than
   * sending again.
   */
  private async create(newCase: NewSupportCase, scope: CallScope, state: RunState): Promise<string> {
    const sentAt = new Date().toISOString();
    await state.note(`${CREATE_SENT}${sentAt}`);
    const made = await createOrFindMade<{ id: string; number?: string }>(
      async () => ({ id: await this.deps.cases.openCase(newCase, scope.requestId) }),
      {
        findMade: () => this.findMade(newCase, sentAt, scope.requestId),
        logger: scope.logger,
        logged: (found) => ({ caseNumber: found.number }),
        message: 'CRM case create answer lost; found the case it made',
      },
    );
    return made.id;
  }

  /**
   * The case a create sent at `sentAt` made: the account's case created since (with a margin for
   * the two clocks) with every value this create wrote — the newest, should there be several.
   */
  private async findMade(
    newCase: NewSupportCase,
    sentAt: string,
    requestId: string,
  ): Promise<CaseForWrite | undefined> {
    const since = new Date(Date.parse(sentAt) - LOOKBACK_MS).toISOString();
    const recent = await this.deps.cases.casesCreatedSince(newCase.accountId, since, requestId);
    // Ids compared on their case-sensitive 15 characters (either form may come back).
    const same = (a: string | null, b: string | null) =>
      (a?.slice(0, 15) ?? null) === (b?.slice(0, 15) ?? null);
    return recent
      .filter(
        (c) =>
          c.subject === newCase.subject &&
          c.type === CASE_TYPE_VALUES[newCase.type] &&
          same(c.assetId, newCase.assetId) &&
          same(c.contactId, newCase.contactId) &&
          same(c.entitlementId, newCase.entitlementId) &&
          (c.orderNumber ?? null) === newCase.orderNumber,
      )
      .at(-1);
  }

  // ------------------------------------------------------------------ update, close

  async update(
    input: UpdateSupportCaseInput,
    scope: CallScope,
  ): Promise<SupportCaseResult & { replayed: boolean }> {
    const caseId = parseCrmId('case', crmId('input.caseId', input.caseId, 'case'))!;
    const changes: SupportCaseChanges = {};
    if (input.status != null) changes.status = input.status;
    if (input.priority != null) changes.priority = input.priority;
    if (input.subject !== undefined) {
      changes.subject = text('input.subject', input.subject, CASE_FIELD_LIMITS.subject, true);
    }
    if (input.description !== undefined) {
      changes.description = text('input.description', input.description, CASE_FIELD_LIMITS.description);
    }
    if (input.contactId !== undefined) {
      changes.contactId =
        input.contactId === null
          ? null
          : parseCrmId('contact', crmId('input.contactId', input.contactId, 'contact'));
    }
    if (Object.keys(changes).length === 0) {
      throw invalidInput(
        'input',
        'EMPTY',
        'Name at least one change: status, priority, subject, description or contactId.',
      );
    }
    return this.changeOpenCase(caseId, { changes }, input, scope, {
      operation: 'updateSupportCase',
      during: 'while this change was made',
      done: 'changed in the CRM.',
      write: async (existing, unmodifiedSince) => {
        if (changes.contactId) {
          const contact = await this.deps.crm.getContact(changes.contactId, scope.requestId);
          if (!contact || contact.accountId !== existing.accountId) throw noSuchContact();
        }
        await this.deps.cases.updateCase(existing, changes, unmodifiedSince, scope.requestId);
      },
    });
  }

  async close(
    input: CloseSupportCaseInput,
    scope: CallScope,
  ): Promise<SupportCaseResult & { replayed: boolean }> {
    const caseId = parseCrmId('case', crmId('input.caseId', input.caseId, 'case'))!;
    const resolution = text('input.resolution', input.resolution, CASE_FIELD_LIMITS.resolution, true);
    return this.changeOpenCase(caseId, { resolution }, input, scope, {
      operation: 'closeSupportCase',
      during: 'while it was being closed',
      done: 'closed in the CRM, its resolution in its activity history.',
      write: (existing, unmodifiedSince) =>
        this.deps.cases.closeCase(
          existing,
          resolution,
          unmodifiedSince,
          utcDay(this.deps.now()),
          scope.requestId,
        ),
    });
  }

  /**
   * A change to an open case (update, close): once per idempotency key, one at a time per case,
   * written over the version the caller read (else the one just read; CONFLICT when it changed
   * meanwhile), answered with the case as the CRM holds it after.
   */
  private async changeOpenCase(
    caseId: string,
    change: Record<string, unknown>,
    input: { expectedLastModified?: string | null; idempotencyKey: string },
    scope: CallScope,
    how: {
      operation: string;
      /** When the CRM saw another change, for the CONFLICT's message. */
      during: string;
      /** What the CRM outcome says was done to the case. */
      done: string;
      write: (existing: CaseForWrite, unmodifiedSince: string | null) => Promise<unknown>;
    },
  ): Promise<SupportCaseResult & { replayed: boolean }> {
    const expected = isoTime('input.expectedLastModified', input.expectedLastModified)?.dateTime ?? null;
    const key = idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: how.operation,
      key,
      input: { caseId, ...change, expected },
      run: () =>
        this.deps.coordinator.withLease(`case:${caseId}`, async () => {
          const existing = await this.openCaseOf(caseId, expected, scope);
          await writeOrConflict(() => how.write(existing, expected ?? existing.lastModified), {
            system: 'CRM',
            message: `The case was changed in the CRM ${how.during}; nothing was written.`,
            current: async () => {
              const now = await this.deps.cases.getCase(caseId, scope.requestId);
              return now ? current(now) : {};
            },
          });
          return this.after(existing, `Case ${existing.number} ${how.done}`, scope);
        }),
    });
    return { ...result, replayed };
  }

  /** The case, if it exists, is open, and is still the version `expected` names. */
  private async openCaseOf(caseId: string, expected: string | null, scope: CallScope): Promise<CaseForWrite> {
    const existing = await this.deps.cases.getCase(caseId, scope.requestId);
    if (!existing) throw appError('NOT_FOUND', `The CRM has no case ${caseId}.`, { system: 'CRM' });
    if (existing.closed) {
      throw appError('CASE_CLOSED', `Case ${existing.number} is closed; reopen it in the CRM to change it.`, {
        system: 'CRM',
        caseNumber: existing.number,
        status: existing.status,
      });
    }
    if (expected !== null && !sameInstant(expected, existing.lastModified)) {
      throw conflict(
        'CRM',
        'The case was changed in the CRM since it was read; nothing was written.',
        current(existing),
      );
    }
    return existing;
  }

  /** The answer after a change: the case as the CRM holds it now. */
  private async after(existing: CaseForWrite, message: string, scope: CallScope): Promise<SupportCaseResult> {
    const now = await this.deps.cases.getCase(existing.id, scope.requestId).catch(() => undefined);
    return {
      ...resultOf(existing.id, now ?? existing, customerIdOf(existing)),
      ...(now ? {} : { status: null, lastModified: null }),
      assetSerialNumber: (now ?? existing).assetSerialNumber,
      outcomes: [outcome('CRM', 'DONE', message), ERP_NOT_APPLICABLE],
    };
  }
}

function resultOf(
  caseId: string,
  made: CaseForWrite | undefined,
  customerId: string,
): Omit<SupportCaseResult, 'outcomes' | 'assetSerialNumber'> {
  return {
    caseId,
    caseNumber: made?.number || null,
    customerId,
    status: made?.status ?? null,
    // As an ISO instant (the CRM writes +0000): what expectedLastModified takes back.
    lastModified: made?.lastModified ? new Date(made.lastModified).toISOString() : null,
    entitlement:
      made?.entitlementId && made.entitlement
        ? {
            id: made.entitlementId,
            name: made.entitlement.name,
            remainingCases: made.entitlement.remainingCases,
          }
        : null,
  };
}

function customerIdOf(existing: CaseForWrite): string {
  return existing.accountId
    ? customerIdOfAccount(existing.accountId, existing.erpCustomerId)
    : (existing.erpCustomerId ?? existing.id);
}

function unitName(unit: Unit): string {
  // The CRM compares serial numbers case-insensitively: so do the leases.
  return 'assetId' in unit ? unit.assetId : `serial:${unit.serialNumber.toUpperCase()}`;
}

function warrantyMessage(reason: string | null): string {
  switch (reason) {
    case 'NO_ENTITLEMENT':
      return 'The unit has no warranty entitlement in the CRM.';
    case 'NOT_STARTED':
      return 'The unit’s warranty has not started yet.';
    case 'EXPIRED':
      return 'The unit’s warranty has expired.';
    case 'INACTIVE':
      return 'The unit’s warranty entitlement is switched off in the CRM.';
    case 'EXHAUSTED':
      return 'The unit’s warranty has no cases left.';
    default:
      return 'The unit is not covered by a warranty.';
  }
}

/** A CONFLICT's current values: the case as the CRM holds it now. */
function current(c: CaseForWrite) {
  return {
    lastModified: c.lastModified,
    supportCase: {
      number: c.number,
      status: c.status,
      priority: c.priority,
      subject: c.subject,
      description: c.description,
      contactId: c.contactId,
      closed: c.closed,
    },
  };
}
