import { describe, expect, it } from 'vitest';
import type { CrmAccount } from '../../subgraphs/crm/client/models.js';
import type { DuplicateGroup } from '../../subgraphs/crm/client/reads.js';
import { duplicateVerdict } from '../../subgraphs/crm/duplicates.js';

/**
 * The accounts page's duplicate check from the aggregate's groups alone (duplicates.ts): what it
 * settles must be what the lookup (oldest by CreatedDate, then Id) would answer, and what it
 * cannot settle is left to that lookup.
 */

const ERP = 'aaaaaaaa-0000-0000-0000-000000000001';
const day = (d: number) => `2026-01-${String(d).padStart(2, '0')}T00:00:00.000+0000`;
const at = (d: number) => Date.parse(day(d));

function account(id: string, created: number, erpCustomerId: string | null = ERP): CrmAccount {
  const address = { street: null, city: null, state: null, postalCode: null, country: null };
  return {
    crmAccountId: id,
    erpCustomerId,
    name: id,
    accountType: null,
    industry: null,
    phone: null,
    website: null,
    billingAddress: address,
    shippingAddress: address,
    owner: null,
    createdDate: day(created),
  };
}

const group = (accounts: number, first: number, last: number, erpCustomerId = ERP): DuplicateGroup => ({
  erpCustomerId,
  accounts,
  firstCreated: at(first),
  lastCreated: at(last),
});

function verdict(page: CrmAccount[], groups: DuplicateGroup[], complete = true) {
  const { hidden, undecided, single } = duplicateVerdict(page, { groups, complete });
  return { hidden: [...hidden].sort(), undecided, single: [...single.keys()] };
}

describe('duplicateVerdict', () => {
  it("an ERP id in no group is its customer's only account; prospects are not looked at", () => {
    expect(verdict([account('A', 1), account('P', 1, null)], [])).toEqual({
      hidden: [],
      undecided: [],
      single: [ERP],
    });
  });

  it('compares ERP ids in any case, as the lookup does', () => {
    expect(verdict([account('A', 1, ERP.toUpperCase()), account('B', 2)], [group(2, 1, 2)])).toEqual({
      hidden: ['B'],
      undecided: [],
      single: [],
    });
  });

  it('with the groups cut off by the 2,000 limit, an ERP id in none is not known to be alone', () => {
    expect(verdict([account('A', 1)], [], false)).toEqual({ hidden: [], undecided: [ERP], single: [] });
  });

  it('hides every account created after the earliest, even when the oldest is not in the page', () => {
    expect(verdict([account('B', 5), account('C', 9)], [group(3, 1, 9)])).toEqual({
      hidden: ['B', 'C'],
      undecided: [],
      single: [],
    });
  });

  it('keeps the earliest when the whole group is in the page', () => {
    expect(verdict([account('B', 5), account('A', 1), account('C', 9)], [group(3, 1, 9)])).toEqual({
      hidden: ['B', 'C'],
      undecided: [],
      single: [],
    });
  });

  it('keeps the earliest when the one account missing from the page must be the latest', () => {
    expect(verdict([account('A', 1)], [group(2, 1, 4)])).toEqual({ hidden: [], undecided: [], single: [] });
    expect(verdict([account('A', 1), account('B', 2)], [group(3, 1, 4)])).toEqual({
      hidden: ['B'],
      undecided: [],
      single: [],
    });
  });

  it('leaves to the lookup what the aggregate cannot settle', () => {
    const undecided = { hidden: [], undecided: [ERP], single: [] };
    // The missing account may share the earliest CreatedDate (then the Id decides).
    expect(verdict([account('A', 1)], [group(2, 1, 1)])).toEqual(undecided);
    // Two missing: one may be as old as the page's earliest.
    expect(verdict([account('A', 1)], [group(3, 1, 4)])).toEqual(undecided);
    // The missing one is not the latest: the page holds an account created then.
    expect(verdict([account('A', 1), account('C', 4)], [group(3, 1, 4)])).toEqual(undecided);
    // A tie in the page: the CRM's order of Ids decides.
    expect(verdict([account('A', 1), account('B', 1)], [group(2, 1, 1)])).toEqual(undecided);
    // The data changed between the two reads: an account older than the group's earliest, more
    // accounts in the page than in the group, two accounts where the aggregate saw no group.
    expect(verdict([account('A', 0)], [group(2, 1, 3)])).toEqual(undecided);
    expect(verdict([account('A', 1), account('B', 2), account('C', 3)], [group(2, 1, 3)])).toEqual(undecided);
    expect(verdict([account('A', 1), account('B', 2)], [])).toEqual(undecided);
  });
});
