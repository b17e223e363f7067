import type { Account } from './accounts.js';
import { addDays, DATASET_AS_OF, daysBetween } from './calendar.js';
import { type Generation, money, type Row } from './context.js';
import type { Customer } from './customers.js';
import type { ShippedSerial } from './salesDocuments.js';

/** Warranty entitlements: per incident, this many cases each. */
export const WARRANTY_CASES_PER_ENTITLEMENT = 3;

/** A customer's CRM Assets, and their warranty Entitlements still to be written. */
export interface InstalledBase {
  assetIds: string[];
  /**
   * Asset id → its warranty Entitlement row, drawn with the asset but written after the cases
   * that use it (writeCases counts down its RemainingCases), in this (insertion) order.
   */
  warrantyOf: Map<string, Row>;
}

/**
 * The serial numbers shipped to a customer: CRM Assets with their warranty Entitlements (when
 * the account exists) and warranty work in the ERP ledger.
 */
export function writeShippedSerials(
  gen: Generation,
  customer: Customer,
  account: Account | null,
  serials: readonly ShippedSerial[],
): InstalledBase {
  const { random, erp, crm } = gen;
  const installed: InstalledBase = { assetIds: [], warrantyOf: new Map() };
  const { assetIds } = installed;
  for (const shipped of serials) {
    if (account !== null) {
      const { id: accountId, contactIds } = account;
      const assetId = gen.ids.asset.next();
      assetIds.push(assetId);
      crm.Asset.insert({
        Id: assetId,
        AccountId: accountId,
        ContactId: contactIds.length > 0 && random.chance(0.5) ? random.pick(contactIds) : null,
        Product2Id: shipped.item.productId,
        Name: shipped.item.name,
        SerialNumber: shipped.serial,
        InstallDate: addDays(shipped.date, random.int(1, 14)),
        PurchaseDate: shipped.date,
        UsageEndDate: addDays(shipped.date, 730),
        Status: random.weighted([
          ['Installed', 70],
          ['Shipped', 15],
          ['Registered', 10],
          ['Obsolete', 5],
        ]),
        ERP_Shipment_Number__c: shipped.shipmentNumber,
        ...gen.sfSystem(shipped.date),
      });
      if (random.chance(0.7)) {
        const end = addDays(shipped.date, 730);
        installed.warrantyOf.set(assetId, {
          Id: gen.ids.entitlement.next(),
          AccountId: accountId,
          AssetId: assetId,
          Name: `Warranty ${shipped.serial}`,
          Type: 'Warranty',
          StartDate: shipped.date,
          EndDate: end,
          Status: end < DATASET_AS_OF ? 'Expired' : 'Active',
          IsPerIncident: true,
          CasesPerEntitlement: WARRANTY_CASES_PER_ENTITLEMENT,
          RemainingCases: WARRANTY_CASES_PER_ENTITLEMENT,
          ...gen.sfSystem(shipped.date),
        });
      }
    }
    if (random.chance(0.3)) {
      const entries = random.int(1, 2);
      for (let w = 0; w < entries; w++) {
        const postingDate = addDays(
          shipped.date,
          random.int(1, Math.max(1, daysBetween(shipped.date, DATASET_AS_OF))),
        );
        erp.warrantyLedgerEntries.insert({
          id: random.guid(),
          entryNumber: gen.next('warranty'),
          customerId: customer.id,
          customerNumber: customer.number,
          itemId: shipped.item.id,
          itemNumber: shipped.item.number,
          serialNumber: shipped.serial,
          postingDate,
          description: random.pick([
            'Replaced motor',
            'Firmware update',
            'Calibration under warranty',
            'Replaced display',
            'Repaired housing',
          ]),
          amount: money(random.int(2_000, 80_000)),
          currencyCode: '',
          lastModifiedDateTime: gen.timestamp(postingDate),
        });
      }
    }
  }
  return installed;
}
