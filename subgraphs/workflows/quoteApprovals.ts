import type { Principal } from '../../lib/auth/principal.js';
import { appError } from '../../lib/errors.js';
import type { QuoteApprovalLevel, QuoteApprovalStatus } from '../crm/client/approvalFields.js';
import {
  APPROVAL_FIELD_LIMITS,
  type ApprovalStep,
  type CrmApprovalWrites,
  type QuoteForApproval,
} from '../crm/client/approvalWrites.js';
import { parseCrmId } from '../crm/client/ids.js';
import {
  type ApprovalRule,
  type ApprovalThresholds,
  approvalCovers,
  higherLevel,
  mayDecide,
  ruleFor,
  scopesFor,
} from './approvalRules.js';
import { writeOrConflict } from './conflicts.js';
import type { CallScope } from './context.js';
import type { Coordinator } from './idempotency.js';
import { outcome, type SystemOutcome } from './outcomes.js';
import { crmId, idempotencyKey, text } from './validation.js';

/**
 * Discount approvals: a rep asks (requestQuoteApproval), a manager or director decides
 * (approveQuote, rejectQuote). The rules (approvalRules.ts) say which discount needs whose
 * approval; the CRM records where it stands on the quote and each step as a task on it
 * (crm/client/approvalWrites.ts), so the rep sees the history where they work. Only the CRM is
 * written, in one all-or-nothing request: there is nothing to owe the ERP.
 *
 * Each call holds the quote's lease (`quote:<id>`, the one conversion holds), so a decision and
 * a conversion of the same quote never interleave, and writes over the quote's last
 * modification as read (CONFLICT when it changed meanwhile). Without an idempotency key a repeat
 * changes nothing more: asking again for a pending or approved discount is ALREADY_DONE, deciding
 * a decided one APPROVAL_NOT_ALLOWED; with a key, a retry gets the first answer replayed.
 */

export type ApprovalAction = 'request' | 'approve' | 'reject';

export const APPROVAL_OPERATIONS: Record<ApprovalAction, string> = {
  request: 'requestQuoteApproval',
  approve: 'approveQuote',
  reject: 'rejectQuote',
};

/** The answer of one call, stored as JSON for replay. */
export interface ApprovalResult {
  quoteId: string;
  status: QuoteApprovalStatus;
  /** The level the quote's discount needs under the rules now; null when none. */
  level: QuoteApprovalLevel | null;
  threshold: number | null;
  discountPercent: number;
  approvalPercent: number | null;
  requestedBy: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  comment: string | null;
  outcomes: SystemOutcome[];
}

export interface ApprovalDeps {
  crm: CrmApprovalWrites;
  coordinator: Coordinator;
  thresholds: ApprovalThresholds;
  /** Clock seam for tests. */
  now?: () => Date;
}

type ApprovalCall = CallScope & { principal: Principal };

/** The input as checked: what an idempotency key's fingerprint is taken of. */
interface CheckedApproval {
  quoteId: string;
  comment: string | null;
  /** Who calls: the same key from another caller is another request. */
  caller: string;
}

const percentText = (percent: number) => `${percent} %`;
const levelName = (level: QuoteApprovalLevel) => (level === 'DIRECTOR' ? 'director' : 'manager');

export class QuoteApprovals {
  private readonly now: () => Date;

  constructor(private readonly deps: ApprovalDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  async run(
    action: ApprovalAction,
    args: { quoteId: string; comment?: string | null; idempotencyKey?: string | null },
    call: ApprovalCall,
  ): Promise<ApprovalResult & { replayed: boolean }> {
    const quoteId = parseCrmId('quote', crmId('quoteId', args.quoteId, 'quote'))!;
    // A refusal says why; a request or a grant may.
    const comment =
      action === 'reject'
        ? text('comment', args.comment, APPROVAL_FIELD_LIMITS.comment, true)
        : text('comment', args.comment, APPROVAL_FIELD_LIMITS.comment);
    const key =
      args.idempotencyKey === null || args.idempotencyKey === undefined
        ? null
        : idempotencyKey('idempotencyKey', args.idempotencyKey);
    const checked: CheckedApproval = { quoteId, comment, caller: callerName(call.principal) };
    const apply = () =>
      this.deps.coordinator.withLease(`quote:${quoteId}`, () => this.apply(action, checked, call));
    if (key === null) return { ...(await apply()), replayed: false };
    const { result, replayed } = await this.deps.coordinator.runOnce({
      operation: APPROVAL_OPERATIONS[action],
      key,
      input: checked,
      run: apply,
    });
    return { ...result, replayed };
  }

  private async apply(action: ApprovalAction, input: CheckedApproval, call: ApprovalCall) {
    const { crm, thresholds } = this.deps;
    const quote = await crm.quoteForApproval(input.quoteId, call.requestId);
    if (!quote) {
      throw appError('NOT_FOUND', `The CRM has no quote ${input.quoteId}.`, {
        system: 'CRM',
        quoteId: input.quoteId,
      });
    }
    const rule = ruleFor(quote.discountPercent, thresholds);
    const step =
      action === 'request'
        ? this.requestStep(quote, rule, input)
        : this.decisionStep(action, quote, rule, input, call);
    if (step === 'ALREADY_DONE') {
      return resultOf(quote, rule, {
        status: quote.approval.status!,
        percent: quote.approval.percent,
        requestedBy: quote.approval.requestedBy,
        decidedBy: quote.approval.decidedBy,
        decidedAt: quote.approval.decidedAt,
        comment: quote.approval.comment,
        crm: outcome(
          'CRM',
          'ALREADY_DONE',
          quote.approval.status === 'APPROVED'
            ? 'The discount is already approved.'
            : quote.approval.status === 'NOT_REQUIRED'
              ? 'The quote already records that its discount needs no approval.'
              : 'An approval of this discount is already pending.',
        ),
      });
    }
    await writeOrConflict(() => crm.recordApprovalStep(step, call.requestId), {
      system: 'CRM',
      message: 'The quote was changed in the CRM while its approval was recorded; nothing was written.',
      current: async () => {
        const now = await crm.quoteForApproval(input.quoteId, call.requestId);
        return now
          ? { discountPercent: now.discountPercent, approval: now.approval, version: now.lastModified }
          : {};
      },
    });
    call.logger.info(
      { quoteId: quote.id, action, status: step.status, level: step.level },
      'quote approval recorded',
    );
    return resultOf(quote, rule, {
      status: step.status,
      percent: step.percent,
      requestedBy: step.requestedBy === undefined ? quote.approval.requestedBy : step.requestedBy,
      decidedBy: step.decidedBy,
      decidedAt: step.decidedAt,
      comment: step.comment,
      crm: outcome('CRM', 'DONE', step.history.subject),
    });
  }

  /** A request: NOT_REQUIRED within the rules, else PENDING at the level they name — unless already so. */
  private requestStep(
    quote: QuoteForApproval,
    rule: ApprovalRule | null,
    input: CheckedApproval,
  ): ApprovalStep | 'ALREADY_DONE' {
    const { approval, discountPercent } = quote;
    const samePercent =
      approval.percent !== null && Math.round(approval.percent * 100) === Math.round(discountPercent * 100);
    const alreadyDone =
      rule === null
        ? approval.status === 'NOT_REQUIRED' && samePercent
        : approvalCovers(approval, discountPercent, rule) ||
          (approval.status === 'PENDING' && samePercent && approval.level === rule.level);
    if (alreadyDone) return 'ALREADY_DONE';
    return {
      quoteId: quote.id,
      accountId: quote.accountId,
      unmodifiedSince: quote.lastModified,
      status: rule === null ? 'NOT_REQUIRED' : 'PENDING',
      level: rule?.level ?? null,
      percent: discountPercent,
      requestedBy: input.caller,
      decidedBy: null,
      decidedAt: null,
      comment: input.comment,
      history: {
        subject:
          rule === null
            ? `Discount approval not required: ${percentText(discountPercent)} is within ${percentText(this.deps.thresholds.managerAbovePercent)}`
            : `Discount approval requested: ${percentText(discountPercent)} needs a ${levelName(rule.level)} (above ${percentText(rule.threshold)})`,
        description: historyText(input.caller, input.comment),
        date: this.now().toISOString().slice(0, 10),
      },
    };
  }

  /** A decision: only on a pending approval, by a caller whose scopes cover its level, not the requester. */
  private decisionStep(
    action: 'approve' | 'reject',
    quote: QuoteForApproval,
    rule: ApprovalRule | null,
    input: CheckedApproval,
    call: ApprovalCall,
  ): ApprovalStep {
    const { approval } = quote;
    if (approval.status !== 'PENDING') {
      throw appError(
        'APPROVAL_NOT_ALLOWED',
        `The quote's discount approval is ${approval.status === null ? 'not requested' : approval.status.toLowerCase().replace('_', ' ')}, not pending: there is nothing to decide.`,
        { quoteId: quote.id, reason: 'NOT_PENDING', status: approval.status ?? 'NOT_REQUESTED' },
      );
    }
    // The higher of the level asked for and the level the discount needs now.
    const level = higherLevel(approval.level ?? rule?.level ?? 'MANAGER', rule?.level ?? null);
    if (!mayDecide(level, call.principal.scopes)) {
      throw appError(
        'APPROVAL_NOT_ALLOWED',
        `This discount needs a ${levelName(level)}'s approval (scope ${scopesFor(level).join(' or ')}).`,
        { quoteId: quote.id, reason: 'LEVEL', level, requiredScopes: scopesFor(level) },
      );
    }
    if (approval.requestedBy !== null && approval.requestedBy.toLowerCase() === input.caller.toLowerCase()) {
      throw appError(
        'APPROVAL_NOT_ALLOWED',
        'An approval is decided by someone other than who asked for it.',
        {
          quoteId: quote.id,
          reason: 'OWN_REQUEST',
        },
      );
    }
    const percent = approval.percent ?? quote.discountPercent;
    const verb = action === 'approve' ? 'granted' : 'refused';
    return {
      quoteId: quote.id,
      accountId: quote.accountId,
      unmodifiedSince: quote.lastModified,
      status: action === 'approve' ? 'APPROVED' : 'REJECTED',
      level,
      percent,
      decidedBy: input.caller,
      decidedAt: this.now().toISOString(),
      comment: input.comment,
      history: {
        subject: `Discount approval ${verb}: ${percentText(percent)} (${levelName(level)})`,
        description: historyText(input.caller, input.comment),
        date: this.now().toISOString().slice(0, 10),
      },
    };
  }
}

/** Who the CRM records: the caller's CRM user (e-mail) when the token names it, else its subject. */
function callerName(principal: Principal): string {
  return (principal.crmUser ?? principal.subject).slice(0, APPROVAL_FIELD_LIMITS.person);
}

function historyText(caller: string, comment: string | null): string {
  return comment ? `By ${caller}: ${comment}` : `By ${caller}.`;
}

function resultOf(
  quote: QuoteForApproval,
  rule: ApprovalRule | null,
  now: {
    status: QuoteApprovalStatus;
    percent: number | null;
    requestedBy: string | null;
    decidedBy: string | null;
    decidedAt: string | null;
    comment: string | null;
    crm: SystemOutcome;
  },
): ApprovalResult {
  return {
    quoteId: quote.id,
    status: now.status,
    level: rule?.level ?? null,
    threshold: rule?.threshold ?? null,
    discountPercent: quote.discountPercent,
    approvalPercent: now.percent,
    requestedBy: now.requestedBy,
    decidedBy: now.decidedBy,
    decidedAt: now.decidedAt,
    comment: now.comment,
    outcomes: [now.crm, outcome('ERP', 'NOT_APPLICABLE', 'Discount approvals live in the CRM only.')],
  };
}
