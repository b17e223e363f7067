import { anyCase } from '../../lib/byKey.js';
import type { CrmAccount } from './client/models.js';
import type { DuplicateGroups } from './client/reads.js';

/** What the duplicate check makes of a page's accounts. */
export interface DuplicateVerdict {
  /** Accounts of the page that are not their customer's oldest. */
  hidden: Set<string>;
  /** ERP ids only the lookup of their accounts can settle. */
  undecided: string[];
  /** ERP ids whose only account (as the caller sees the CRM) is the page's: the lookup's answer, known. */
  single: Map<string, CrmAccount>;
}

/**
 * Which accounts of a page are duplicates to hide, decided from the duplicate groups (one
 * aggregate read beside the page, reads.ts duplicateGroups) instead of a lookup of the page's
 * ERP ids after it: the page then costs one round trip, not two in sequence. The answer must be
 * the lookup's: of the accounts linked to one ERP customer, the one listed is the first by
 * (CreatedDate, Id) — reads.ts OLDEST_FIRST — and the others are hidden.
 *
 * What the aggregate says of a group (how many accounts, the earliest and the latest CreatedDate)
 * settles an account of the page when:
 * - its ERP id is in no group (and the groups are complete): it is its customer's only account;
 * - it was created after the group's earliest: an older account exists, it is hidden;
 * - it was created at the earliest, no other account of the page was, and every account of the
 *   group not in the page is known to be younger (none is missing from the page, or the one that
 *   is must be the group's latest, as no account of the page was created then): it is the oldest.
 * Anything else — CreatedDate ties (the Id decides, in an order only the CRM applies), a group the
 * page shows only part of around its earliest, a group cut off by the aggregate's limit, data
 * that changed between the two reads — is left `undecided`, for the lookup (accountsOfErpCustomer,
 * oldest first) to decide as before.
 */
export function duplicateVerdict(page: readonly CrmAccount[], duplicates: DuplicateGroups): DuplicateVerdict {
  const verdict: DuplicateVerdict = { hidden: new Set(), undecided: [], single: new Map() };
  const groups = new Map(duplicates.groups.map((group) => [group.erpCustomerId, group]));
  const members = new Map<string, CrmAccount[]>();
  for (const account of page) {
    if (!account.erpCustomerId) continue;
    const key = anyCase(account.erpCustomerId);
    const group = members.get(key);
    if (group) group.push(account);
    else members.set(key, [account]);
  }
  for (const [erpId, inPage] of members) {
    const group = groups.get(erpId);
    if (!group) {
      // Not among the groups: alone, unless the aggregate stopped at its limit before it.
      if (duplicates.complete && inPage.length === 1) verdict.single.set(erpId, inPage[0]!);
      else verdict.undecided.push(erpId);
      continue;
    }
    const created = inPage.map((account) => Date.parse(account.createdDate));
    const earliest = created.filter((time) => time === group.firstCreated).length;
    const latest = created.filter((time) => time === group.lastCreated).length;
    const unseen = group.accounts - inPage.length;
    const oldestKnown =
      earliest === 1 &&
      (unseen === 0 || (unseen === 1 && group.lastCreated > group.firstCreated && latest === 0));
    const consistent = unseen >= 0 && created.every((time) => time >= group.firstCreated);
    if (!consistent || (!oldestKnown && earliest > 0)) {
      verdict.undecided.push(erpId);
      continue;
    }
    // Either the oldest is known to be the page's one created earliest, or it is not in the page
    // at all: then each account of the page was created after it (none at the earliest).
    inPage.forEach((account, i) => {
      if (!(oldestKnown && created[i] === group.firstCreated)) verdict.hidden.add(account.crmAccountId);
    });
  }
  return verdict;
}
