import type { CrmContactRole, CrmInteractionType } from './models.js';

/**
 * The Salesforce picklist values the graph reads and writes, each in one table both directions
 * use, so a value renamed in the org is renamed here once.
 */

/** Contact_Role__c: the value of each role; OTHER leaves the field empty. */
export const CONTACT_ROLE_VALUES: Readonly<Record<CrmContactRole, string | null>> = {
  SALES: 'Sales',
  SUPPORT: 'Support',
  BILLING: 'Billing',
  DECISION_MAKER: 'Decision Maker',
  OTHER: null,
};

/** A Contact_Role__c value as a role: one the graph does not know is OTHER. */
export function contactRoleOf(value: string | null | undefined): CrmContactRole {
  const found = Object.entries(CONTACT_ROLE_VALUES).find(
    ([, picklist]) => picklist !== null && picklist === value,
  );
  return (found?.[0] as CrmContactRole | undefined) ?? 'OTHER';
}

/** TaskSubtype: Salesforce logs calls and e-mails as tasks of that subtype. */
export const TASK_SUBTYPES: Readonly<Record<Exclude<CrmInteractionType, 'EVENT'>, string>> = {
  TASK: 'Task',
  CALL: 'Call',
  EMAIL: 'Email',
};

/** A task's TaskSubtype as its interaction type: anything but a call or an e-mail is a task. */
export function taskTypeOf(subtype: string | null | undefined): Exclude<CrmInteractionType, 'EVENT'> {
  return subtype === TASK_SUBTYPES.CALL ? 'CALL' : subtype === TASK_SUBTYPES.EMAIL ? 'EMAIL' : 'TASK';
}
