import { customerIdOfAccount } from '../crm/client/ids.js';
import type { CrmInteractionType } from '../crm/client/models.js';
import { CRM_FIELD_LIMITS } from '../crm/client/writes.js';
import type { LogInteractionInput } from './__generated__/resolvers-types.js';
import type { CallScope } from './context.js';
import { accountOf, type CustomerChangeDeps, noSuchContact } from './customerRecords.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import {
  type CustomerRef,
  crmId,
  customerRef,
  idempotencyKey,
  integerInRange,
  invalidInput,
  isoTime,
  text,
} from './validation.js';

export interface InteractionResult {
  interactionId: string;
  customerId: string;
  outcomes: SystemOutcome[];
}

/** The input as checked: what an idempotency key's fingerprint is taken of. */
interface CheckedInteraction {
  customerId: string;
  contactId: string | null;
  type: CrmInteractionType;
  subject: string;
  description: string | null;
  /** As given (normalised); null: now. */
  occurredAt: string | null;
  /** Events only. */
  durationMinutes: number | null;
}

const DEFAULT_DURATION_MINUTES = 60;

/** "Task", "Call", "Email", "Event": how a message names the kind of interaction. */
const kindName = (type: CrmInteractionType) => type.charAt(0) + type.slice(1).toLowerCase();

/**
 * logInteraction: a to-do, call, e-mail or meeting logged against the customer's CRM account,
 * once per idempotency key when the caller gives one.
 */
export class InteractionLogging {
  constructor(private readonly deps: CustomerChangeDeps) {}

  async log(
    input: LogInteractionInput,
    scope: CallScope,
  ): Promise<InteractionResult & { replayed: boolean }> {
    const ref = customerRef('input.customerId', input.customerId);
    const contactId = input.contactId ? crmId('input.contactId', input.contactId, 'contact') : null;
    const subject = text('input.subject', input.subject, CRM_FIELD_LIMITS.subject, true);
    const description = text('input.description', input.description, CRM_FIELD_LIMITS.description);
    const when = isoTime('input.occurredAt', input.occurredAt) ?? isoTime('now', new Date().toISOString())!;
    if (input.type !== 'EVENT' && input.durationMinutes !== null && input.durationMinutes !== undefined) {
      throw invalidInput('input.durationMinutes', 'NOT_ALLOWED', 'Only events have a duration.');
    }
    const duration =
      integerInRange('input.durationMinutes', input.durationMinutes, 1, 1440) ?? DEFAULT_DURATION_MINUTES;
    const key =
      input.idempotencyKey === null || input.idempotencyKey === undefined
        ? null
        : idempotencyKey('input.idempotencyKey', input.idempotencyKey);
    const checked: CheckedInteraction = {
      customerId: ref.kind === 'erp' ? ref.customerId : ref.accountId,
      contactId,
      type: input.type,
      subject,
      description,
      occurredAt: input.occurredAt ? when.dateTime : null,
      durationMinutes: input.type === 'EVENT' ? duration : null,
    };
    const log = () => this.create(ref, checked, when.dateTime, duration, scope);
    if (key === null) return { ...(await log()), replayed: false };
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: 'logInteraction',
      key,
      input: checked,
      run: log,
    });
    return { ...result, replayed };
  }

  private async create(
    ref: CustomerRef,
    input: CheckedInteraction,
    occurredAt: string,
    durationMinutes: number,
    scope: CallScope,
  ): Promise<InteractionResult> {
    const { crm } = this.deps;
    const account = await accountOf(crm, ref, scope.requestId);
    if (input.contactId) {
      const contact = await crm.getContact(input.contactId, scope.requestId);
      if (!contact || contact.accountId !== account.id) throw noSuchContact();
    }
    const interactionId = await crm.createInteraction(
      {
        customerAccountId: account.id,
        contactId: input.contactId,
        type: input.type,
        subject: input.subject,
        description: input.description,
        occurredAt,
        durationMinutes,
      },
      scope.requestId,
    );
    return {
      interactionId,
      customerId: customerIdOfAccount(account.id, account.erpCustomerId),
      outcomes: [
        outcome('CRM', 'DONE', `${kindName(input.type)} logged in the CRM.`),
        outcome('ERP', 'NOT_APPLICABLE', 'Interactions live in the CRM only.'),
      ],
    };
  }
}
