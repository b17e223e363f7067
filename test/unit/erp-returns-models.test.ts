import { describe, expect, it } from 'vitest';
import { LegacyError } from '../../lib/errors.js';
import { modelsOf } from '../../subgraphs/erp/client/toModels.js';

/** Business Central's credit memos, item ledger and warranty ledger entries in the graph's words. */

const to = modelsOf('USD');

const memo = {
  id: '5f0c1d2e-0000-4000-8000-000000000001',
  number: 'CM000001',
  externalDocumentNumber: '00000021',
  creditMemoDate: '2026-04-10',
  postingDate: '2026-04-10',
  dueDate: '0001-01-01',
  customerId: '017ded9d-19d4-41e5-b53e-d4323e3ef4a3',
  currencyCode: '',
  invoiceId: '017ded9d-0000-4000-8000-000000000002',
  invoiceNumber: 'PSI000192',
  totalAmountExcludingTax: 1771.43,
  totalTaxAmount: 141.71,
  totalAmountIncludingTax: 1913.14,
  status: 'Paid',
};

describe('credit memos', () => {
  it('take BC status options as enum values, a blank currency as the local one, the empty date as null', () => {
    expect(to.creditMemo(memo)).toEqual({
      id: memo.id,
      number: 'CM000001',
      status: 'PAID',
      creditMemoDate: '2026-04-10',
      postingDate: '2026-04-10',
      dueDate: null,
      externalDocumentNumber: '00000021',
      customerId: memo.customerId,
      correctedInvoiceNumber: 'PSI000192',
      currencyCode: 'USD',
      subtotal: { amount: '1771.43', currencyCode: 'USD' },
      tax: { amount: '141.71', currencyCode: 'USD' },
      total: { amount: '1913.14', currencyCode: 'USD' },
    });
    expect(to.creditMemo({ ...memo, status: 'In Review', currencyCode: 'EUR' })).toMatchObject({
      status: 'IN_REVIEW',
      total: { currencyCode: 'EUR' },
    });
  });

  it('an unknown status is the ERP breaking its contract: LEGACY_BAD_RESPONSE', () => {
    expect(() => to.creditMemo({ ...memo, status: 'Refunded' })).toThrow(LegacyError);
  });
});

describe('item ledger sales', () => {
  const entry = {
    id: '00b0fc95-15ef-4b7b-988e-b4124dc39155',
    entryNumber: 1,
    entryType: 'Sale',
    postingDate: '2025-11-14',
    documentType: 'Sales Shipment',
    documentNumber: 'SSH000001',
    documentLineNumber: 10000,
    orderNumber: 'SO000001',
    itemId: '017de340-8f78-4281-bd52-aba3ccd5cbd8',
    itemNumber: '1180',
    description: 'Prague Shelf 19',
    customerId: '017de37f-96ad-4eff-82f8-0988b08964a0',
    quantity: -1,
    serialNumber: 'SN1180-0000001',
  };

  it('give the quantity that left the warehouse as positive, and a serial or null', () => {
    expect(to.purchase(entry)).toEqual({
      entryNumber: 1,
      productSku: '1180',
      description: 'Prague Shelf 19',
      quantity: 1,
      serialNumber: 'SN1180-0000001',
      shippedOn: '2025-11-14',
      shipmentNumber: 'SSH000001',
      orderNumber: 'SO000001',
      customerId: entry.customerId,
    });
    expect(to.purchase({ ...entry, quantity: -14, serialNumber: '' })).toMatchObject({
      quantity: 14,
      serialNumber: null,
    });
  });
});

describe('warranty ledger entries', () => {
  it('are costs in the local currency', () => {
    expect(
      to.warrantyCost({
        id: '00b0fc95-0000-4000-8000-000000000009',
        entryNumber: 7,
        customerId: null,
        serialNumber: 'SN1490-0000950',
        postingDate: '2026-05-02',
        description: 'Warranty repair',
        amount: 915.51,
      }),
    ).toEqual({
      entryNumber: 7,
      serialNumber: 'SN1490-0000950',
      postingDate: '2026-05-02',
      description: 'Warranty repair',
      amount: { amount: '915.51', currencyCode: 'USD' },
    });
  });
});
