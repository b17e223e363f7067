import type { Account } from './accounts.js';
import type { InstalledBase } from './assets.js';
import { addDays, DATASET_AS_OF, day } from './calendar.js';
import type { Generation, Row } from './context.js';
import type { Customer } from './customers.js';
import type { Random } from './random.js';
import type { InvoicedOrder, SalesDocuments } from './salesDocuments.js';

/**
 * About one Account in three has a phone or web support Entitlement (not per incident, no case
 * limit). Returned, not written: the caller writes it after the account's cases.
 */
export function writeSupportEntitlement(gen: Generation, customer: Customer, account: Account): Row | null {
  const { random } = gen;
  if (!random.chance(0.3)) return null;
  return {
    Id: gen.ids.entitlement.next(),
    AccountId: account.id,
    AssetId: null,
    Name: `Phone support ${customer.crmName}`,
    Type: random.pick(['Phone Support', 'Web Support']),
    StartDate: day(-random.int(30, 700)),
    EndDate: day(random.int(-60, 365)),
    Status: 'Active',
    IsPerIncident: false,
    CasesPerEntitlement: null,
    RemainingCases: null,
    ...gen.sfSystem(day(-random.int(30, 700))),
  };
}

/**
 * 0-3 Cases of an Account; a warranty claim points at one of its Assets and that asset's
 * warranty Entitlement (using one of its cases), a complaint at one of the customer's invoiced
 * orders, and about half of those complaints got a credit memo in the ERP. What this adds to
 * the first version's cases is drawn from the side stream.
 */
export function writeCases(
  gen: Generation,
  sales: SalesDocuments,
  customer: Customer,
  account: Account,
  installed: InstalledBase,
  invoicedOrders: readonly InvoicedOrder[],
): void {
  const { random, side, crm } = gen;
  const { id: accountId, contactIds } = account;
  const { assetIds, warrantyOf } = installed;
  const caseCount = random.weighted([
    [0, 50],
    [1, 30],
    [2, 15],
    [3, 5],
  ]);
  for (let c = 0; c < caseCount; c++) {
    const assetId = assetIds.length > 0 && random.chance(0.6) ? random.pick(assetIds) : null;
    const opened = day(-random.int(0, 365));
    const status = random.weighted([
      ['New', 15],
      ['Working', 20],
      ['Escalated', 5],
      ['Closed', 60],
    ]);
    const row: Row = {
      Id: gen.ids.case.next(),
      CaseNumber: gen.nextNumber('case', '', 8),
      AccountId: accountId,
      ContactId: contactIds.length > 0 ? random.pick(contactIds) : null,
      AssetId: assetId,
      Subject: assetId
        ? 'Device fault'
        : random.pick(['Invoice question', 'Delivery late', 'Wrong item', 'How to order']),
      Description: '',
      Status: status,
      Priority: random.pick(['High', 'Medium', 'Low']),
      Origin: random.pick(['Phone', 'Email', 'Web']),
      Type: assetId ? 'Warranty Claim' : random.pick(['Problem', 'Question', 'Complaint']),
      IsClosed: status === 'Closed',
      ClosedDate: status === 'Closed' ? gen.timestamp(closingDay(random, opened)) : null,
      OwnerId: customer.salesperson.userId,
      ...gen.sfSystem(opened),
    };
    const entitlement = assetId === null ? undefined : warrantyOf.get(assetId);
    row.EntitlementId = entitlement?.Id ?? null;
    if (entitlement !== undefined) {
      entitlement.RemainingCases = Math.max(0, Number(entitlement.RemainingCases) - 1);
    }
    row.ERP_Order_Number__c = null;
    if (row.Type === 'Complaint' && invoicedOrders.length > 0) {
      // An order invoiced by the day the complaint came in, when there is one.
      const before = invoicedOrders.filter((order) => order.invoiceDate <= opened);
      const order = side.pick(before.length > 0 ? before : invoicedOrders);
      row.ERP_Order_Number__c = order.number;
      // About half; the first complaint about an order always, so every data set has one.
      const refunded = side.chance(0.5);
      if (refunded || !gen.has('creditMemo')) {
        sales.writeCreditMemo(customer, order, String(row.CaseNumber), opened);
      }
    }
    crm.Case.insert(row);
  }
}

/**
 * Up to 20 days after `opened`, not after the as-of day. A day not after it is drawn a second
 * time: a quirk of the first version, kept so that every seed still gives the same cases.
 */
function closingDay(random: Random, opened: string): string {
  const firstDraw = addDays(opened, random.int(0, 20));
  return firstDraw > DATASET_AS_OF ? DATASET_AS_OF : addDays(opened, random.int(0, 20));
}
