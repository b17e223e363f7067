import { LegacyError } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AccountAddressPatch, CrmWrites, QuoteLink } from '../crm/client/writes.js';
import type { CustomerPatch, ErpWrites } from '../erp/client/writes.js';
import type { NewWriteBack, WorkflowStore, WriteBackRecord } from './store/types.js';

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
  | {
      kind: 'CRM_ACCOUNT_ADDRESS';
      /** Known when the account was found before the CRM failed; else found from the ERP id. */
      accountId: string | null;
      erpCustomerId: string | null;
      patch: AccountAddressPatch;
    }
  | { kind: 'ERP_CUSTOMER_CONTACT'; erpCustomerId: string; patch: CustomerPatch };

export interface WriteBackTiming {
  /** First retry after about this long; doubles per attempt. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long one attempt holds a write-back against other processes' loops. */
  leaseMs: number;
  random?: () => number;
  now?: () => number;
}

/** Failures worth retrying: the system did not answer, or not in a usable way. */
export function isTransient(error: unknown): boolean {
  return (
    error instanceof LegacyError &&
    (error.code === 'LEGACY_UNAVAILABLE' ||
      error.code === 'LEGACY_TIMEOUT' ||
      error.code === 'LEGACY_THROTTLED' ||
      error.code === 'LEGACY_BAD_RESPONSE')
  );
}

export function errorCodeOf(error: unknown): string {
  return error instanceof LegacyError ? error.code : 'INTERNAL_SERVER_ERROR';
}

export class WriteBacks {
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly store: WorkflowStore,
    private readonly erp: ErpWrites,
    private readonly crm: CrmWrites,
    private readonly timing: WriteBackTiming,
    private readonly logger: Logger,
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

  /** Records a write-back whose first attempt (made by the workflow) failed with `error`. */
  async record(
    payload: WriteBackPayload,
    meta: {
      targetId: string;
      customerId?: string | null;
      orderNumber?: string | null;
      quoteId?: string | null;
    },
    error: unknown,
  ): Promise<WriteBackRecord> {
    const entry: NewWriteBack = {
      kind: payload.kind,
      system: payload.kind === 'ERP_CUSTOMER_CONTACT' ? 'ERP' : 'CRM',
      targetId: meta.targetId,
      payload,
      customerId: meta.customerId ?? null,
      orderNumber: meta.orderNumber ?? null,
      quoteId: meta.quoteId ?? null,
      lastErrorCode: errorCodeOf(error),
      attempts: 1,
      nextAttemptAt: this.now() + this.delayAfter(1),
    };
    const record = await this.store.addWriteBack(entry, this.now());
    this.logger.warn(
      { writeBackId: record.id, kind: payload.kind, targetId: meta.targetId, code: entry.lastErrorCode },
      'write-back pending',
    );
    return record;
  }

  /** Applies one payload now; throws what the legacy system answered. */
  async apply(payload: WriteBackPayload, requestId?: string): Promise<void> {
    switch (payload.kind) {
      case 'QUOTE_LINK':
        await this.crm.linkQuoteToOrder(payload.link, requestId);
        return;
      case 'CRM_ACCOUNT_ADDRESS': {
        let accountId = payload.accountId;
        if (accountId === null && payload.erpCustomerId !== null) {
          const [account] = await this.crm.findAccountsByErpCustomerId(payload.erpCustomerId, requestId);
          // The CRM holds no account for the customer (any more): nothing is owed.
          if (!account) return;
          accountId = account.Id;
        }
        if (accountId === null) return;
        await this.crm.updateAccount(accountId, payload.patch, null, requestId);
        return;
      }
      case 'ERP_CUSTOMER_CONTACT': {
        const customer = await this.erp.getCustomer(payload.erpCustomerId, requestId);
        if (!customer) return;
        // The CRM is the system of record for contacts: its value is the one to keep, so the
        // ERP record is written at whatever version it is now.
        await this.erp.updateCustomer(payload.erpCustomerId, customer.etag, payload.patch, requestId);
        return;
      }
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
          await this.apply(writeBack.payload as WriteBackPayload);
          await this.store.recordWriteBackAttempt(
            writeBack.id,
            owner,
            { status: 'DONE', lastErrorCode: null, nextAttemptAt: null },
            this.now(),
          );
          counts.done += 1;
          this.logger.info({ writeBackId: writeBack.id, kind: writeBack.kind, attempts }, 'write-back done');
        } catch (error) {
          // Each kind re-reads the record's current version before writing, so a CONFLICT is a
          // change that landed in between: the next attempt reads again.
          const transient = isTransient(error) || (error instanceof LegacyError && error.code === 'CONFLICT');
          await this.store.recordWriteBackAttempt(
            writeBack.id,
            owner,
            {
              status: transient ? 'PENDING' : 'FAILED',
              lastErrorCode: errorCodeOf(error),
              nextAttemptAt: transient ? this.now() + this.delayAfter(attempts) : null,
            },
            this.now(),
          );
          if (transient) counts.pending += 1;
          else counts.failed += 1;
          const log = { writeBackId: writeBack.id, kind: writeBack.kind, attempts, code: errorCodeOf(error) };
          if (transient) this.logger.info(log, 'write-back still pending');
          else this.logger.error({ ...log, err: error }, 'write-back refused: needs a person');
        }
      }),
    );
    return counts;
  }
}
