import type { ContactResolvers, ContactRole } from '../__generated__/resolvers-types.js';
import { toSalesforceId18 } from '../client/ids.js';
import { crmAddress, customerOf } from './common.js';

const ROLES: Record<string, ContactRole> = {
  Sales: 'SALES',
  Support: 'SUPPORT',
  Billing: 'BILLING',
  'Decision Maker': 'DECISION_MAKER',
};

export const Contact: ContactResolvers = {
  __resolveReference(reference, ctx) {
    const id = toSalesforceId18(reference.id);
    return id ? ctx.loaders.contactById.load(id) : null;
  },
  id: (c) => c.Id,
  customer: (c) => customerOf(c.AccountId, c.Account),
  firstName: (c) => c.FirstName,
  lastName: (c) => c.LastName,
  name: (c) => c.Name ?? [c.FirstName, c.LastName].filter(Boolean).join(' '),
  title: (c) => c.Title,
  email: (c) => c.Email,
  phone: (c) => c.Phone,
  mobilePhone: (c) => c.MobilePhone,
  role: (c) => ROLES[c.Contact_Role__c ?? ''] ?? 'OTHER',
  mailingAddress: (c) =>
    crmAddress('MAILING', {
      street: c.MailingStreet,
      city: c.MailingCity,
      state: c.MailingState,
      postalCode: c.MailingPostalCode,
      country: c.MailingCountry,
    }),
};
