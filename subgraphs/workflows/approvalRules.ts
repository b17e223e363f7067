import { SCOPES } from '../../lib/auth/principal.js';
import { ConfigError, type Env, text } from '../../lib/env.js';
import { appError } from '../../lib/errors.js';
import type { QuoteApprovalLevel, QuoteApprovalRecord } from '../crm/client/approvalFields.js';

/**
 * The discount approval rules: which quote discounts need whose approval, who may decide, and
 * whether a quote's recorded approval covers the discount it has now. Pure functions over the
 * thresholds of the configuration (QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT,
 * QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT); the CRM records the approvals (crm/client/approvalWrites.ts).
 */

export interface ApprovalThresholds {
  /** A discount above this percent needs a manager's approval (approvals:manager or approvals:director). */
  managerAbovePercent: number;
  /** A discount above this percent needs a director's approval (approvals:director). */
  directorAbovePercent: number;
}

/** The approval a discount needs: its level and the threshold it is above. */
export interface ApprovalRule {
  level: QuoteApprovalLevel;
  /** The percent the discount is above. */
  threshold: number;
}

const PERCENT_RE = /^\d{1,3}(\.\d{1,2})?$/;

function percent(env: Env, name: string, fallback: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!PERCENT_RE.test(raw) || value > 100) {
    throw new ConfigError(name, 'must be a percent from 0 to 100 with at most 2 decimals (e.g. 10 or 12.5)');
  }
  return value;
}

export function readApprovalThresholds(env: Env, defaults: ApprovalThresholds): ApprovalThresholds {
  const managerAbovePercent = percent(
    env,
    'QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT',
    defaults.managerAbovePercent,
  );
  const directorAbovePercent = percent(
    env,
    'QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT',
    defaults.directorAbovePercent,
  );
  if (directorAbovePercent < managerAbovePercent) {
    throw new ConfigError(
      'QUOTE_APPROVAL_DIRECTOR_ABOVE_PERCENT',
      `must not be less than QUOTE_APPROVAL_MANAGER_ABOVE_PERCENT (${managerAbovePercent})`,
    );
  }
  return { managerAbovePercent, directorAbovePercent };
}

/** The approval a discount of `discountPercent` needs; null when none. */
export function ruleFor(discountPercent: number, thresholds: ApprovalThresholds): ApprovalRule | null {
  if (discountPercent > thresholds.directorAbovePercent) {
    return { level: 'DIRECTOR', threshold: thresholds.directorAbovePercent };
  }
  if (discountPercent > thresholds.managerAbovePercent) {
    return { level: 'MANAGER', threshold: thresholds.managerAbovePercent };
  }
  return null;
}

const RANK: Record<QuoteApprovalLevel, number> = { MANAGER: 1, DIRECTOR: 2 };

/** The higher of two levels (a director's approval covers a manager's). */
export function higherLevel(a: QuoteApprovalLevel, b: QuoteApprovalLevel | null): QuoteApprovalLevel {
  return b !== null && RANK[b] > RANK[a] ? b : a;
}

/** The scopes that may decide an approval of `level`: a director may also decide a manager's. */
export function scopesFor(level: QuoteApprovalLevel): string[] {
  return level === 'DIRECTOR'
    ? [SCOPES.approvalsDirector]
    : [SCOPES.approvalsManager, SCOPES.approvalsDirector];
}

export function mayDecide(level: QuoteApprovalLevel, scopes: ReadonlySet<string>): boolean {
  return scopesFor(level).some((scope) => scopes.has(scope));
}

/** Percent figures compare at the cent of a percent they are kept in. */
const covers = (approved: number, wanted: number) => Math.round(approved * 100) >= Math.round(wanted * 100);

/**
 * Whether the recorded approval covers the quote's discount now: an approval of at least the
 * level the discount needs, for at least the discount it has.
 */
export function approvalCovers(approval: QuoteApprovalRecord, discountPercent: number, rule: ApprovalRule) {
  return (
    approval.status === 'APPROVED' &&
    approval.level !== null &&
    RANK[approval.level] >= RANK[rule.level] &&
    approval.percent !== null &&
    covers(approval.percent, discountPercent)
  );
}

/** The status conversion reports: what the quote's approval is, for the discount it has now. */
type ApprovalState = 'NOT_REQUESTED' | 'PENDING' | 'REJECTED' | 'APPROVED_FOR_LESS';

/**
 * Conversion's check, before any ERP write: a quote whose discount needs an approval converts
 * only with an approval that covers it. DISCOUNT_APPROVAL_REQUIRED names the rule that applies
 * (level, threshold), the quote's discount and where its approval stands.
 */
export function checkDiscountApproval(
  quote: { id: string; discountPercent: number; approval: QuoteApprovalRecord },
  thresholds: ApprovalThresholds,
): void {
  const rule = ruleFor(quote.discountPercent, thresholds);
  if (rule === null || approvalCovers(quote.approval, quote.discountPercent, rule)) return;
  const { approval } = quote;
  const status: ApprovalState =
    approval.status === 'PENDING'
      ? 'PENDING'
      : approval.status === 'REJECTED'
        ? 'REJECTED'
        : approval.status === 'APPROVED'
          ? 'APPROVED_FOR_LESS'
          : 'NOT_REQUESTED';
  const why: Record<ApprovalState, string> = {
    NOT_REQUESTED: 'no approval was requested (requestQuoteApproval)',
    PENDING: 'its approval is still pending',
    REJECTED: 'its approval was refused',
    APPROVED_FOR_LESS: `it was approved for ${approval.percent ?? 0} % at ${approval.level ?? 'no'} level only; request approval again`,
  };
  throw appError(
    'DISCOUNT_APPROVAL_REQUIRED',
    `The quote's discount of ${quote.discountPercent} % is above ${rule.threshold} % and needs a ${rule.level.toLowerCase()}'s approval: ${why[status]}.`,
    {
      quoteId: quote.id,
      level: rule.level,
      threshold: rule.threshold,
      discountPercent: quote.discountPercent,
      status,
      approvedPercent: approval.status === 'APPROVED' ? approval.percent : null,
      approvedLevel: approval.status === 'APPROVED' ? approval.level : null,
    },
  );
}
