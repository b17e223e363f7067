import { describe, expect, it } from 'vitest';
import { toSalesforceId18 } from '../../subgraphs/crm/client/ids.js';
import type { AccountForOnboarding } from '../../subgraphs/crm/client/onboardingWrites.js';
import { customerFromAccount, erpCustomerNumberOf } from '../../subgraphs/workflows/onboarding.js';

// The field rules of prospect onboarding (CRM Account → BC customer), as a pure function.
const account = (over: Partial<AccountForOnboarding> = {}): AccountForOnboarding => ({
  id: '0015J00000FT6oBQAT',
  name: 'Humongous Outfitters & Co.',
  erpCustomerId: null,
  accountNumber: null,
  prospect: true,
  billingStreet: '718 Harbour Road\nBuilding 2\nFloor 3',
  billingCity: 'Miami',
  billingState: 'FL',
  billingPostalCode: '33190',
  billingCountry: 'us',
  shippingStreet: '1 Dock Street',
  shippingCity: 'Tampa',
  shippingState: 'FL',
  shippingPostalCode: '33601',
  shippingCountry: 'US',
  phone: '+1 305 555 0100',
  website: 'https://www.humongous.example.com',
  currencyCode: 'USD',
  ownerEmail: 'rep@contoso.example.com',
  billingContact: { email: 'ap@humongous.example.com', phone: null },
  ...over,
});

describe('onboarding field rules', () => {
  it('maps the billing address, the billing contact’s e-mail, and the local currency as blank', () => {
    expect(customerFromAccount(account(), 'USD')).toEqual({
      customer: {
        number: '0015J00000FT6OBQAT',
        name: 'Humongous Outfitters & Co.',
        street: '718 Harbour Road',
        street2: 'Building 2, Floor 3',
        city: 'Miami',
        state: 'FL',
        postalCode: '33190',
        country: 'US',
        phone: '+1 305 555 0100',
        email: 'ap@humongous.example.com',
        website: 'https://www.humongous.example.com',
        currencyCode: null,
        salesperson: null,
      },
    });
  });

  it('takes the shipping address when there is no billing street or city, and a foreign currency as is', () => {
    const mapped = customerFromAccount(
      account({ billingStreet: null, billingCity: null, billingContact: null, currencyCode: 'eur' }),
      'USD',
    );
    expect(mapped).toMatchObject({
      customer: {
        street: '1 Dock Street',
        street2: null,
        city: 'Tampa',
        postalCode: '33601',
        email: null,
        currencyCode: 'EUR',
      },
    });
  });

  it('refuses what BC cannot hold, naming every field once, rather than cutting it', () => {
    expect(
      customerFromAccount(
        account({
          name: 'N'.repeat(101),
          billingStreet: `${'S'.repeat(101)}\n${'T'.repeat(51)}`,
          billingCountry: 'United States',
          currencyCode: 'Dollar',
          phone: '1'.repeat(31),
        }),
        'USD',
      ),
    ).toEqual({
      problems: [
        { field: 'billingAddress.country', reason: 'INVALID_FORMAT' },
        { field: 'currencyCode', reason: 'INVALID_FORMAT' },
        { field: 'name', reason: 'TOO_LONG' },
        { field: 'billingAddress.street', reason: 'TOO_LONG' },
        { field: 'phone', reason: 'TOO_LONG' },
      ],
    });
    expect(customerFromAccount(account({ name: null }), 'USD')).toEqual({
      problems: [{ field: 'name', reason: 'EMPTY' }],
    });
  });

  it('numbers the customer by the account id: unique in upper case, within BC’s Code[20]', () => {
    // Two ids that differ only in case have different checksums, so their numbers differ too.
    const a = erpCustomerNumberOf(toSalesforceId18('0015J00000abcde')!);
    const b = erpCustomerNumberOf(toSalesforceId18('0015J00000ABCDE')!);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(20);
  });
});
