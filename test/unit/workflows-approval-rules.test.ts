import { describe, expect, it } from 'vitest';
import { SCOPES } from '../../lib/auth/principal.js';
import type { QuoteApprovalRecord } from '../../subgraphs/crm/client/approvalFields.js';
import { approvalOf, discountPercentOf } from '../../subgraphs/crm/client/approvalFields.js';
import {
  approvalCovers,
  checkDiscountApproval,
  mayDecide,
  ruleFor,
} from '../../subgraphs/workflows/approvalRules.js';

const thresholds = { managerAbovePercent: 10, directorAbovePercent: 20 };
const none: QuoteApprovalRecord = {
  status: null,
  level: null,
  percent: null,
  requestedBy: null,
  decidedBy: null,
  decidedAt: null,
  comment: null,
};

function refusal(discountPercent: number, approval: QuoteApprovalRecord) {
  try {
    checkDiscountApproval({ id: '0Q0000000000001AAA', discountPercent, approval }, thresholds);
    return undefined;
  } catch (error) {
    return (error as { extensions: Record<string, unknown> }).extensions;
  }
}

describe('discount approval rules', () => {
  it('a discount above a threshold needs its level; at the threshold it does not', () => {
    expect(ruleFor(0, thresholds)).toBeNull();
    expect(ruleFor(10, thresholds)).toBeNull();
    expect(ruleFor(10.01, thresholds)).toEqual({ level: 'MANAGER', threshold: 10 });
    expect(ruleFor(20, thresholds)).toEqual({ level: 'MANAGER', threshold: 10 });
    expect(ruleFor(20.01, thresholds)).toEqual({ level: 'DIRECTOR', threshold: 20 });
  });

  it('a director decides both levels, a manager only a manager’s', () => {
    const manager = new Set([SCOPES.approvalsManager]);
    const director = new Set([SCOPES.approvalsDirector]);
    expect(mayDecide('MANAGER', manager)).toBe(true);
    expect(mayDecide('DIRECTOR', manager)).toBe(false);
    expect(mayDecide('MANAGER', director)).toBe(true);
    expect(mayDecide('DIRECTOR', director)).toBe(true);
    expect(mayDecide('MANAGER', new Set([SCOPES.ordersWrite]))).toBe(false);
  });

  it('an approval covers a discount at its level or above and for at least that discount', () => {
    const approved = (level: 'MANAGER' | 'DIRECTOR', percent: number): QuoteApprovalRecord => ({
      ...none,
      status: 'APPROVED',
      level,
      percent,
    });
    const manager = { level: 'MANAGER', threshold: 10 } as const;
    const director = { level: 'DIRECTOR', threshold: 20 } as const;
    expect(approvalCovers(approved('MANAGER', 14.5), 14.5, manager)).toBe(true);
    expect(approvalCovers(approved('MANAGER', 14.5), 14.51, manager)).toBe(false);
    expect(approvalCovers(approved('DIRECTOR', 14.5), 12, manager)).toBe(true);
    expect(approvalCovers(approved('MANAGER', 25), 25, director)).toBe(false);
    expect(approvalCovers({ ...approved('MANAGER', 15), status: 'PENDING' }, 15, manager)).toBe(false);
  });

  it('conversion is refused with the rule and where the approval stands', () => {
    expect(refusal(9.99, none)).toBeUndefined();
    expect(refusal(14, none)).toMatchObject({
      code: 'DISCOUNT_APPROVAL_REQUIRED',
      level: 'MANAGER',
      threshold: 10,
      discountPercent: 14,
      status: 'NOT_REQUESTED',
    });
    expect(refusal(14, { ...none, status: 'PENDING', level: 'MANAGER', percent: 14 })).toMatchObject({
      status: 'PENDING',
    });
    expect(refusal(14, { ...none, status: 'REJECTED', level: 'MANAGER', percent: 14 })).toMatchObject({
      status: 'REJECTED',
    });
    expect(refusal(16, { ...none, status: 'APPROVED', level: 'MANAGER', percent: 14 })).toMatchObject({
      status: 'APPROVED_FOR_LESS',
      approvedPercent: 14,
      approvedLevel: 'MANAGER',
    });
    // Not required any more (the discount went down): approved or not, it converts.
    expect(refusal(8, { ...none, status: 'REJECTED', level: 'MANAGER', percent: 14 })).toBeUndefined();
  });

  it('reads the CRM record: picklist values, unknown words as never asked, instants in ISO', () => {
    expect(
      approvalOf({
        Discount_Approval_Status__c: 'Approved',
        Discount_Approval_Level__c: 'Director',
        Discount_Approval_Percent__c: 22.5,
        Discount_Approval_Decided_At__c: '2026-10-05T13:25:12.861+0000',
      }),
    ).toMatchObject({
      status: 'APPROVED',
      level: 'DIRECTOR',
      percent: 22.5,
      decidedAt: '2026-10-05T13:25:12.861Z',
    });
    expect(approvalOf({ Discount_Approval_Status__c: 'Escalated' }).status).toBeNull();
    expect(discountPercentOf(3871.49, 3801.74)).toBe(1.8);
    expect(discountPercentOf(0, 0)).toBe(0);
    expect(discountPercentOf(null, 10)).toBe(0);
  });
});
