import { day } from './calendar.js';
import type { Generation, Row } from './context.js';
import { type Customer, LOCAL_CURRENCY } from './customers.js';
import { INDUSTRIES } from './vocabulary.js';

/** A customer's CRM Account, as the records written under it need it. */
export interface Account {
  id: string;
  /** Filled in by writeContacts, the decision maker first. */
  contactIds: string[];
  /** The day it was created; its contacts were created with it. */
  created: string;
  /** Explicit in Salesforce, also for customers in the local currency. */
  currency: string;
}

/** The customer's Account, and now and then a duplicate of it linked to the same ERP customer. */
export function writeAccount(gen: Generation, customer: Customer): Account {
  const { random, crm } = gen;
  const { address } = customer;
  const id = gen.ids.account.next();
  const created = day(-random.int(30, 1500));
  const currency = customer.currencyCode || LOCAL_CURRENCY;
  const account: Row = {
    Id: id,
    Name: customer.crmName,
    AccountNumber: customer.number || null,
    ERP_Customer_Id__c: customer.inErp ? customer.id : null,
    Type: customer.inErp
      ? random.weighted([
          ['Customer - Direct', 80],
          ['Customer - Channel', 15],
          ['Partner', 5],
        ])
      : 'Prospect',
    Industry: random.pick(INDUSTRIES),
    BillingStreet: customer.crmAddress.line1,
    BillingCity: address.city,
    BillingState: address.state,
    BillingPostalCode: customer.crmAddress.postalCode,
    BillingCountry: address.country,
    ShippingStreet: address.line1,
    ShippingCity: address.city,
    ShippingState: address.state,
    ShippingPostalCode: address.postalCode,
    ShippingCountry: address.country,
    Phone: customer.phone,
    Website: `https://www.${customer.domain}`,
    AnnualRevenue: random.int(1, 500) * 100_000,
    NumberOfEmployees: random.int(3, 5000),
    CurrencyIsoCode: currency,
    OwnerId: customer.salesperson.userId,
    ...gen.sfSystem(created, day(-random.int(0, 29))),
  };
  crm.Account.insert(account);
  // Duplicates: someone created the same customer twice, both linked to one ERP customer.
  if (customer.inErp && random.chance(0.02)) {
    crm.Account.insert({
      ...account,
      Id: gen.ids.account.next(),
      Name: customer.crmName.toUpperCase(),
      ...gen.sfSystem(day(-random.int(0, 29))),
    });
  }
  return { id, contactIds: [], created, currency };
}
