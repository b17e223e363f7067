import { LegacyError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AccountErpLink, CrmOnboardingWrites } from '../crm/client/onboardingWrites.js';
import type { PostalAddress, QuoteLink } from '../crm/client/writeModels.js';
import type { CrmWrites, StoredAccountAddressPatch } from '../crm/client/writes.js';
import type { ErpCustomerChanges } from '../erp/client/writeModels.js';
import type { ErpWrites, StoredCustomerPatch } from '../erp/client/writes.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import type {
  NewWriteBack,
  SystemName,
  WorkflowStore,
  WriteBackKind,
  WriteBackRecord,
} from './store/types.js';

/**
 * Writes the graph owes a legacy system because it did not answer when a workflow ran. They
 * are recorded durably before the mutation answers, then retried in the background with
 * exponential backoff and jitter until they succeed; a refusal that retrying cannot fix (the
 * record is gone, the system rejects the values) ends FAILED, listed for a person. Every kind
 * here writes absolute values, so applying one twice (an answer lost, a lease expired) is
 * harmless — which is what makes retrying it safe at all.
 */

export type WriteBackPayload =
  | { kind: 'QUOTE_LINK'; link: QuoteLink }
  /** The billing address the ERP holds, copied to the customer's CRM account. */
  | {
      kind: 'CRM_ACCOUNT_ADDRESS';
      /** The account written, once found; until then it is found by the ERP customer it is linked to. */
      accountId: string | null;
      erpCustomerId: string;
      billingAddress: PostalAddress;
    }
  /** A billing contact's e-mail and phone, copied to the ERP customer. */
  | { kind: 'ERP_CUSTOMER_CONTACT'; erpCustomerId: string; changes: ErpCustomerChanges }
  /** The ERP customer made from a prospect's CRM account, written back onto the account. */
  | { kind: 'CRM_ACCOUNT_ERP_LINK'; link: AccountErpLink };

/**
 * Payloads as the version before recorded them, which may still be pending (the store is
 * durable): the values in the legacy system's own fields, a `patch` only its client reads.
 */
type StoredPayload =
  | WriteBackPayload
  | {
      kind: 'CRM_ACCOUNT_ADDRESS';
      accountId: string | null;
      /** Declared nullable then, but always set: the copy followed an ERP customer's change. */
      erpCustomerId: string;
      patch: StoredAccountAddressPatch;
    }
  | { kind: 'ERP_CUSTOMER_CONTACT'; erpCustomerId: string; patch: StoredCustomerPatch };

export interface WriteBackTiming {
  /** First retry after about this long; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one attempt holds a write-back against other processes' loops. */
  leaseMs: number;
  random?: () => number;
  now?: () => number;
}

/** What one write owed to the other system came to, for the mutation's answer. */
export interface WriteBackResult {
  outcome: SystemOutcome;
  /** The write-back recorded when it was not done now. */
  pendingWriteBackId: string | null;
}

/**
 * The one rule of what is retried: the system did not answer (or not usably), refused our
 * credentials (an operator fixes them; the write itself was never judged), or the record changed
 * between the read and the write — every kind writes over the version it finds, so the next
 * attempt reads again. Anything else the system refused is final.
 */
function isRetryable(error: unknown): boolean {
  if (!(error instanceof LegacyError)) return false;
  switch (error.code) {
    case 'LEGACY_UNAVAILABLE':
    case 'LEGACY_TIMEOUT':
    case 'LEGACY_THROTTLED':
    case 'LEGACY_BAD_RESPONSE':
    case 'LEGACY_AUTH_FAILED':
    case 'CONFLICT':
      return true;
    default:
      return false;
  }
}

function errorCodeOf(error: unknown): string {
  return error instanceof LegacyError ? error.code : 'INTERNAL_SERVER_ERROR';
}

const systemOf = (kind: WriteBackKind): SystemName => (kind === 'ERP_CUSTOMER_CONTACT' ? 'ERP' : 'CRM');

/**
 * The record a payload writes, in its system: one write-back per target is kept pending. An
 * address copy whose account was not found yet (the CRM did not answer the lookup) is kept
 * under the ERP customer it will be found by.
 */
function targetOf(payload: WriteBackPayload): string {
  switch (payload.kind) {
    case 'QUOTE_LINK':
      return payload.link.quoteId;
    case 'CRM_ACCOUNT_ADDRESS':
      return payload.accountId ?? payload.erpCustomerId;
    case 'ERP_CUSTOMER_CONTACT':
      return payload.erpCustomerId;
    case 'CRM_ACCOUNT_ERP_LINK':
      return payload.link.accountId;
  }
}

/** What the outcome of each kind says, for people. */
const MESSAGES: Record<WriteBackKind, { done: string; notOwed?: string; pending: string; failed: string }> = {
  QUOTE_LINK: {
    done: 'Quote accepted and linked to the order; opportunity closed won.',
    pending:
      'The CRM did not answer; the quote will be linked to the order as soon as it does (see pendingWriteBack).',
    failed: 'The CRM refused to link the quote to the order; the write-back is kept for a person to resolve.',
  },
  CRM_ACCOUNT_ADDRESS: {
    done: 'Copied to the CRM account.',
    notOwed: 'The CRM holds no account for this customer.',
    pending: 'The CRM did not answer; the account will be updated as soon as it does.',
    failed: 'The CRM refused the copy; the write-back is kept for a person to resolve.',
  },
  ERP_CUSTOMER_CONTACT: {
    done: 'Billing e-mail and phone copied to the ERP customer.',
    notOwed: 'The ERP does not hold this customer.',
    pending: 'The ERP did not take the copy now; it will be retried until it does.',
    failed: 'The ERP refused the copy; the write-back is kept for a person to resolve.',
  },
  CRM_ACCOUNT_ERP_LINK: {
    done: 'The CRM account is linked to the new ERP customer.',
    notOwed: 'The CRM account is gone.',
    pending:
      'The CRM did not answer; the account will be linked to the ERP customer as soon as it does (see pendingWriteBack).',
    failed: 'The CRM refused to link the account; the write-back is kept for a person to resolve.',
  },
};

export class WriteBacks {
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly store: WorkflowStore,
    private readonly erp: ErpWrites,
    private readonly crm: CrmWrites,
    private readonly timing: WriteBackTiming,
    private readonly logger: Logger,
    /** Writes the link of an onboarded prospect's account (CRM_ACCOUNT_ERP_LINK). */
    private readonly accountLinks?: Pick<CrmOnboardingWrites, 'linkAccountToErpCustomer'>,
  ) {
    this.random = timing.random ?? Math.random;
    this.now = timing.now ?? Date.now;
  }

  /** Delay before attempt number `attempts + 1`: exponential with "equal jitter". */
  delayAfter(attempts: number): number {
    const ceiling = Math.min(
      this.timing.maxDelayMs,
      this.timing.baseDelayMs * 2 ** Math.max(0, attempts - 1),
    );
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  /**
   * A workflow's write to the other system, made now; if that system fails it, recorded for the
   * background loop. Retried (PENDING) or final (FAILED) by the one rule of {@link isRetryable}.
   * Failures other than the legacy system's are the workflow's own: thrown, nothing recorded.
   */
  async applyOrRecord(
    payload: WriteBackPayload,
    /** The ERP customer the write concerns, listed with the write-back. */
    customerId: string,
    requestId: string,
  ): Promise<WriteBackResult> {
    const system = systemOf(payload.kind);
    const messages = MESSAGES[payload.kind];
    // What is owed if this attempt fails: the payload, naming its record once that was found.
    let owed = payload;
    try {
      const applied = await this.apply(payload, requestId, (found) => {
        owed = found;
      });
      return {
        outcome:
          applied === 'WRITTEN'
            ? outcome(system, 'DONE', messages.done)
            : outcome(system, 'NOT_APPLICABLE', messages.notOwed ?? null),
        pendingWriteBackId: null,
      };
    } catch (error) {
      if (!(error instanceof LegacyError)) throw error;
      const retryable = isRetryable(error);
      const recorded = await this.record(owed, customerId, error, retryable);
      return {
        outcome: retryable
          ? outcome(system, 'PENDING', messages.pending, error.code)
          : outcome(system, 'FAILED', messages.failed, error.code),
        pendingWriteBackId: recorded.id,
      };
    }
  }

  /**
   * Records a write-back whose first attempt (made by the workflow) failed with `error`: to be
   * retried, or FAILED at once, listed for a person and never tried again.
   */
  private async record(
    payload: WriteBackPayload,
    customerId: string,
    error: LegacyError,
    retryable: boolean,
  ): Promise<WriteBackRecord> {
    const entry: NewWriteBack = {
      kind: payload.kind,
      system: systemOf(payload.kind),
      targetId: targetOf(payload),
      payload,
      customerId,
      orderNumber: payload.kind === 'QUOTE_LINK' ? payload.link.orderNumber : null,
      quoteId: payload.kind === 'QUOTE_LINK' ? payload.link.quoteId : null,
      lastErrorCode: error.code,
      attempts: 1,
      status: retryable ? 'PENDING' : 'FAILED',
      nextAttemptAt: this.now() + this.delayAfter(1),
    };
    const record = await this.store.addWriteBack(entry, this.now());
    const log = { writeBackId: record.id, kind: payload.kind, targetId: entry.targetId, code: error.code };
    if (retryable) this.logger.warn(log, 'write-back pending');
    else this.logger.error({ ...log, err: error }, 'write-back refused: needs a person');
    return record;
  }

  /**
   * Applies one payload now; throws what the legacy system answered. NOT_OWED: the record it
   * would write is gone from that system, so nothing is owed any more. `found` hears of the
   * record a payload writes once it is looked up, so that a failure after that is owed to it.
   */
  private async apply(
    payload: WriteBackPayload,
    requestId?: string,
    found?: (located: WriteBackPayload) => void,
  ): Promise<'WRITTEN' | 'NOT_OWED'> {
    switch (payload.kind) {
      case 'QUOTE_LINK':
        await this.crm.linkQuoteToOrder(payload.link, requestId);
        return 'WRITTEN';
      case 'CRM_ACCOUNT_ADDRESS': {
        const accountId =
          payload.accountId ??
          (await this.crm.findAccountsByErpCustomerId(payload.erpCustomerId, requestId))[0]?.id;
        if (!accountId) return 'NOT_OWED';
        found?.({ ...payload, accountId });
        try {
          // The ERP is the system of record for the billing address: no precondition, it decided.
          await this.crm.updateAccountAddress(accountId, 'BILLING', payload.billingAddress, null, requestId);
        } catch (error) {
          // The account named when the write-back was recorded is gone since.
          if (error instanceof LegacyError && error.code === 'NOT_FOUND') return 'NOT_OWED';
          throw error;
        }
        return 'WRITTEN';
      }
      case 'ERP_CUSTOMER_CONTACT': {
        const customer = await this.erp.getCustomer(payload.erpCustomerId, requestId);
        if (!customer) return 'NOT_OWED';
        // The CRM is the system of record for contacts: its value is the one to keep, so the
        // ERP record is written at whatever version it is now.
        await this.erp.updateCustomer(payload.erpCustomerId, customer.version, payload.changes, requestId);
        return 'WRITTEN';
      }
      case 'CRM_ACCOUNT_ERP_LINK': {
        if (!this.accountLinks) throw new Error('WriteBacks: no CRM account link writer was given');
        try {
          await this.accountLinks.linkAccountToErpCustomer(payload.link, requestId);
        } catch (error) {
          // The account was deleted since: nothing to link any more.
          if (error instanceof LegacyError && error.code === 'NOT_FOUND') return 'NOT_OWED';
          throw error;
        }
        return 'WRITTEN';
      }
    }
  }

  /** A stored payload in today's shape: a patch in legacy fields is translated by its client. */
  private upToDate(payload: StoredPayload): WriteBackPayload {
    if (!('patch' in payload)) return payload;
    switch (payload.kind) {
      case 'CRM_ACCOUNT_ADDRESS':
        return {
          kind: payload.kind,
          accountId: payload.accountId,
          erpCustomerId: payload.erpCustomerId,
          billingAddress: this.crm.addressFromStoredPatch(payload.patch),
        };
      case 'ERP_CUSTOMER_CONTACT':
        return {
          kind: payload.kind,
          erpCustomerId: payload.erpCustomerId,
          changes: this.erp.changesFromStoredPatch(payload.patch),
        };
    }
  }

  /**
   * One pass of the retry loop: every due write-back is leased to `owner` and tried once.
   * Returns how many ended DONE, stayed PENDING and became FAILED.
   */
  async retryDue(owner: string, limit = 50): Promise<{ done: number; pending: number; failed: number }> {
    const counts = { done: 0, pending: 0, failed: 0 };
    const now = this.now();
    const due = await this.store.claimDueWriteBacks(owner, now, now + this.timing.leaseMs, limit);
    await Promise.all(
      due.map(async (writeBack) => {
        const attempts = writeBack.attempts + 1;
        try {
          await this.apply(this.upToDate(writeBack.payload as StoredPayload));
          await this.store.recordWriteBackAttempt(
            writeBack.id,
            owner,
            { status: 'DONE', lastErrorCode: null, nextAttemptAt: null },
            this.now(),
          );
          counts.done += 1;
          this.logger.info({ writeBackId: writeBack.id, kind: writeBack.kind, attempts }, 'write-back done');
        } catch (error) {
          const retryable = isRetryable(error);
          await this.store.recordWriteBackAttempt(
            writeBack.id,
            owner,
            {
              status: retryable ? 'PENDING' : 'FAILED',
              lastErrorCode: errorCodeOf(error),
              nextAttemptAt: retryable ? this.now() + this.delayAfter(attempts) : null,
            },
            this.now(),
          );
          if (retryable) counts.pending += 1;
          else counts.failed += 1;
          const log = { writeBackId: writeBack.id, kind: writeBack.kind, attempts, code: errorCodeOf(error) };
          if (retryable) this.logger.info(log, 'write-back still pending');
          else this.logger.error({ ...log, err: error }, 'write-back refused: needs a person');
        }
      }),
    );
    return counts;
  }
}
